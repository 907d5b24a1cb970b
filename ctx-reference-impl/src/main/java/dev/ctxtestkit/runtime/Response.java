package dev.ctxtestkit.runtime;

import java.util.Objects;
import java.util.concurrent.CompletionStage;

/** A fetch-style response: status, headers and a single-use {@link Body}. */
public final class Response {
    private final int status;
    private final Headers headers;
    private Body body;

    /**
     * @throws IllegalArgumentException if {@code status} is outside 200..599, as fetch requires
     */
    public Response(int status, Headers headers, Body body) {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("response status must be in 200..599, got " + status);
        }
        Objects.requireNonNull(body, "body");
        if ((status == 204 || status == 205 || status == 304) && body.length() != 0) {
            throw new IllegalArgumentException("Response with null body status " + status + " cannot have body");
        }
        this.status = status;
        this.headers = Objects.requireNonNull(headers, "headers");
        this.body = body;
    }

    /** {@code 200} with a UTF-8 text body and {@code Content-Type: text/plain;charset=UTF-8}. */
    public static Response text(String text) {
        return text(200, text);
    }

    /** A UTF-8 text body with {@code Content-Type: text/plain;charset=UTF-8}. */
    public static Response text(int status, String text) {
        return new Response(status, Headers.of("content-type", "text/plain;charset=UTF-8"), Body.of(text));
    }

    /** A byte body of known length. */
    public static Response of(int status, byte[] bytes) {
        return new Response(status, new Headers(), Body.of(bytes));
    }

    /** A streamed body, sent with {@code Transfer-Encoding: chunked} when its length is unknown (BODY-5). */
    public static Response stream(int status, ByteSource source) {
        return new Response(status, new Headers(), Body.of(source));
    }

    /** No body. */
    public static Response empty(int status) {
        return new Response(status, new Headers(), Body.empty());
    }

    public int status() {
        return status;
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

    public CompletionStage<String> text() {
        return body.text();
    }

    public CompletionStage<byte[]> bytes() {
        return body.bytes();
    }

    /**
     * A copy whose body is a tee of this one's (BODY-2).
     *
     * @throws IllegalStateException if the body was already used
     */
    public Response clone() {
        Body[] branches = body.tee();
        body = branches[0];
        return new Response(status, headers.copy(), branches[1]);
    }

    @Override
    public String toString() {
        return "Response " + status;
    }
}
