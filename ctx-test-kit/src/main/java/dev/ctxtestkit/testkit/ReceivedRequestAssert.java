package dev.ctxtestkit.testkit;

import java.util.Arrays;
import org.assertj.core.api.AbstractAssert;

/** Fluent assertions on a request the {@link MockOrigin} received: for fail-open and beacons. */
public final class ReceivedRequestAssert extends AbstractAssert<ReceivedRequestAssert, ReceivedRequest> {

    ReceivedRequestAssert(ReceivedRequest actual) {
        super(actual, ReceivedRequestAssert.class);
    }

    public ReceivedRequestAssert hasMethod(String method) {
        isNotNull();
        if (!actual.method().equals(method)) {
            failWithMessage("Expecting the origin to receive method %s but got %s%n  request: %s", method, actual.method(), actual);
        }
        return this;
    }

    /** The path and query, e.g. {@code /items/1?fresh=1}. */
    public ReceivedRequestAssert hasTarget(String target) {
        isNotNull();
        if (!actual.target().equals(target)) {
            failWithMessage("Expecting the origin to receive target %s but got %s%n  request: %s", target, actual.target(), actual);
        }
        return this;
    }

    public ReceivedRequestAssert hasHeader(String name, String value) {
        isNotNull();
        if (!value.equals(actual.header(name))) {
            failWithMessage("Expecting the origin to receive header %s: %s but got %s%n  request: %s", name, value, actual.header(name), actual);
        }
        return this;
    }

    public ReceivedRequestAssert hasNoHeader(String name) {
        isNotNull();
        if (actual.header(name) != null) {
            failWithMessage("Expecting the origin to receive no header %s but got %s%n  request: %s", name, actual.header(name), actual);
        }
        return this;
    }

    public ReceivedRequestAssert hasBody(String body) {
        isNotNull();
        if (!actual.bodyText().equals(body)) {
            failWithMessage("Expecting the origin to receive body '%s' but got '%s'%n  request: %s", body, actual.bodyText(), actual);
        }
        return this;
    }

    public ReceivedRequestAssert hasBody(byte[] body) {
        isNotNull();
        if (!Arrays.equals(actual.body(), body)) {
            failWithMessage("Expecting the origin to receive the given %d body bytes but got %d different bytes%n  request: %s", body.length, actual.body().length, actual);
        }
        return this;
    }

    public ReceivedRequestAssert hasBodyOfLength(int length) {
        isNotNull();
        if (actual.body().length != length) {
            failWithMessage("Expecting the origin to receive %d body bytes but got %d%n  request: %s", length, actual.body().length, actual);
        }
        return this;
    }
}
