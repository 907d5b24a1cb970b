package dev.ctxtestkit.conformance;

import java.util.Locale;

/** A set of expectations for behaviour that differs between platforms (spec section 4). */
public enum Profile {
    PRODUCTION, STANDALONE, REFERENCE;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
