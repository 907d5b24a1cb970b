package dev.ctxtestkit.runtime;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * What an in-process client received: status, headers (including framing headers, BODY-5), the body bytes, and
 * whether the body was cut short by an error after the headers were sent (PT-4).
 *
 * @param headersAt   when the status and headers were sent, on the worker's clock
 * @param completedAt when the body ended or was cut short, on the worker's clock
 * @param failure     the error that truncated the body, if any
 */
public record ClientResponse(int status, Headers headers, byte[] body, boolean truncated, Throwable failure,
                             Instant headersAt, Instant completedAt) {

    public ClientResponse {
        headers = headers.copy();
        body = body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public Optional<Throwable> failureCause() {
        return Optional.ofNullable(failure);
    }

    @Override
    public Headers headers() {
        return headers.copy();
    }

    @Override
    public String toString() {
        return status + " " + headers + " (" + body.length + " bytes" + (truncated ? ", truncated" : "") + ")";
    }
}
