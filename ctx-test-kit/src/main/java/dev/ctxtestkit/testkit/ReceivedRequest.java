package dev.ctxtestkit.testkit;

import dev.ctxtestkit.runtime.Headers;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A request the {@link MockOrigin} received.
 *
 * @param sequence 1-based arrival order
 * @param target   the request target: path and query, e.g. {@code /items/1?fresh=1}
 */
public record ReceivedRequest(int sequence, String method, String target, Headers headers, byte[] body) {

    public ReceivedRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(target, "target");
        headers = headers.copy();
        body = body.clone();
    }

    @Override
    public Headers headers() {
        return headers.copy();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** All values of a header joined with {@code ", "}, or {@code null}. */
    public String header(String name) {
        return headers.get(name);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The path without the query. */
    public String path() {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    @Override
    public String toString() {
        return "#" + sequence + " " + method + " " + target + " " + headers + " (" + body.length + " body bytes)";
    }
}
