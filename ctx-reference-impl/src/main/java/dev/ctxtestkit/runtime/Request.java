package dev.ctxtestkit.runtime;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A fetch-style request: method, absolute URL, headers and a single-use {@link Body}.
 *
 * <p>The request a fetch handler receives reads its body from the client as it arrives. Reading it after the
 * response was sent, or after the handler threw, fails with an {@link IllegalStateException} whose message gives
 * the reason (the Java mirror of BODY-4), and whatever the handler has not read is what fail-open forwards (PT-7).
 */
public final class Request {
    private final String method;
    private final String url;
    private final Headers headers;
    private Body body;

    public Request(String method, String url, Headers headers, Body body) {
        this.method = normalizeMethod(Objects.requireNonNull(method, "method"));
        this.url = Objects.requireNonNull(url, "url");
        URI parsed = URI.create(url);
        if (!parsed.isAbsolute()) {
            throw new IllegalArgumentException("request URL must be absolute: " + url);
        }
        this.headers = Objects.requireNonNull(headers, "headers");
        this.body = Objects.requireNonNull(body, "body");
    }

    /** Fetch normalises only these methods to upper case; others keep their case. */
    private static String normalizeMethod(String method) {
        if (!Headers.isToken(method)) {
            throw new IllegalArgumentException("not an HTTP method: '" + method + "'");
        }
        String upper = method.toUpperCase(Locale.ROOT);
        return java.util.Set.of("DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT").contains(upper) ? upper : method;
    }

    /** A {@code GET} without body. */
    public static Request get(String url) {
        return new Request("GET", url, new Headers(), Body.empty());
    }

    /** A {@code POST} with a UTF-8 text body. */
    public static Request post(String url, String body) {
        return new Request("POST", url, new Headers(), Body.of(body));
    }

    public String method() {
        return method;
    }

    public String url() {
        return url;
    }

    public URI uri() {
        return URI.create(url);
    }

    public Headers headers() {
        return headers;
    }

    public Body body() {
        return body;
    }

    public boolean bodyUsed() {
        return body.used();
    }

    /** Reads the whole body as UTF-8 text (see {@link Body#text()}). */
    public CompletionStage<String> text() {
        return body.text();
    }

    /** Reads the whole body (see {@link Body#bytes()}). */
    public CompletionStage<byte[]> bytes() {
        return body.bytes();
    }

    /**
     * A copy whose body is a tee of this one's (BODY-2): both read the full content.
     *
     * @throws IllegalStateException if the body was already used
     */
    public Request clone() {
        Body[] branches = body.tee();
        body = branches[0];
        return new Request(method, url, headers.copy(), branches[1]);
    }

    @Override
    public String toString() {
        return method + " " + url;
    }
}
