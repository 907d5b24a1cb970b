package dev.ctxtestkit.conformance.target;

import dev.ctxtestkit.conformance.Profile;
import dev.ctxtestkit.conformance.scenario.Scenario;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Any running probe worker at a base URL, for example one deployed to Cloudflare or started by hand. The mock origin
 * listens where the user says ({@value #ORIGIN_PROPERTY}, {@code host:port}; default a free loopback port), and the
 * worker's origin (or {@code globalOutbound}) must point there. The profile comes from {@value #PROFILE_PROPERTY}
 * ({@code standalone} by default; {@code production} for Cloudflare). Scenarios with a refused or missing origin
 * cannot be arranged from outside and are reported NOT-APPLICABLE.
 */
public final class UrlProbeTarget extends HttpProbeTarget {
    public static final String ORIGIN_PROPERTY = "ctx.http.origin.address";
    public static final String PROFILE_PROPERTY = "ctx.http.profile";

    private final URI base;
    private final Profile profile;

    public UrlProbeTarget(String baseUrl) {
        URI uri = URI.create(baseUrl);
        if (uri.getScheme() == null || !uri.getScheme().startsWith("http") || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) URL: " + baseUrl);
        }
        String trimmed = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.base = URI.create(trimmed);
        String profileName = System.getProperty(PROFILE_PROPERTY, "standalone");
        try {
            this.profile = Profile.valueOf(profileName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PROFILE_PROPERTY + " must be production, standalone or reference, got '" + profileName + "'");
        }
    }

    @Override
    public String name() {
        return base.toString();
    }

    @Override
    public Language language() {
        return Language.JS;
    }

    @Override
    public Profile profile() {
        return profile;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.noneOf(Capability.class);
    }

    @Override
    protected Optional<Duration> limit() {
        return profile == Profile.STANDALONE ? Optional.empty() : Optional.of(Duration.ofSeconds(30));
    }

    @Override
    protected java.net.InetSocketAddress originBindAddress() throws Exception {
        String address = System.getProperty(ORIGIN_PROPERTY, "127.0.0.1:0");
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(ORIGIN_PROPERTY + " must be host:port, got '" + address + "'");
        }
        return new java.net.InetSocketAddress(InetAddress.getByName(address.substring(0, colon)), Integer.parseInt(address.substring(colon + 1)));
    }

    @Override
    protected URI probeUrl(Scenario.OriginSpec.Mode mode) {
        if (mode != Scenario.OriginSpec.Mode.MOCK) {
            throw new UnsupportedOperationException("a worker at a fixed URL has one origin; a " + mode.name().toLowerCase(Locale.ROOT)
                    + " origin cannot be arranged from outside");
        }
        return base;
    }

}
