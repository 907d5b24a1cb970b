package dev.ctxtestkit.runtime;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

/**
 * A request as it arrives from a client, before the runtime turns it into the handler's {@link Request}: method,
 * absolute URL, headers and the body as a {@link ByteSource}. The HTTP front end builds one per connection request;
 * tests build them with the factories below.
 */
public record IncomingRequest(String method, String url, Headers headers, ByteSource body) {

    public IncomingRequest {
        method = Objects.requireNonNull(method, "method");
        if (!Headers.isToken(method)) {
            throw new IllegalArgumentException("not an HTTP method: '" + method + "'");
        }
        Objects.requireNonNull(url, "url");
        headers = Objects.requireNonNull(headers, "headers").copy();
        body = body == null ? ByteSource.empty() : body;
    }

    public static IncomingRequest get(String url) {
        return new IncomingRequest("GET", url, new Headers(), ByteSource.empty());
    }

    /** A request with a body of known length; adds {@code Content-Length}. */
    public static IncomingRequest of(String method, String url, byte[] body) {
        Headers headers = new Headers();
        headers.set("content-length", Integer.toString(body.length));
        return new IncomingRequest(method, url, headers, ByteSource.of(body));
    }

    public static IncomingRequest post(String url, String body) {
        return of("POST", url, body.getBytes(StandardCharsets.UTF_8));
    }

    /** A copy with one more header value. */
    public IncomingRequest withHeader(String name, String value) {
        Headers copy = headers.copy();
        copy.append(name, value);
        return new IncomingRequest(method, url, copy, body);
    }
}
