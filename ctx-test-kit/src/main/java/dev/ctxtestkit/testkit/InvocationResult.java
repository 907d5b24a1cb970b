package dev.ctxtestkit.testkit;

import dev.ctxtestkit.runtime.ClientResponse;
import dev.ctxtestkit.runtime.Invocation;
import dev.ctxtestkit.runtime.InvocationRecord;
import java.util.Objects;
import java.util.Optional;

/**
 * A finished invocation: the response as the client got it (absent for scheduled events) and the invocation record.
 * Assert on it with {@code CtxAssertions.assertThat(result)}.
 */
public record InvocationResult(Invocation invocation, Optional<ClientResponse> clientResponse, InvocationRecord record) {

    public InvocationResult {
        Objects.requireNonNull(invocation, "invocation");
        Objects.requireNonNull(clientResponse, "clientResponse");
        Objects.requireNonNull(record, "record");
    }

    /**
     * The response.
     *
     * @throws IllegalStateException for a scheduled event, which has none
     */
    public ClientResponse response() {
        return clientResponse.orElseThrow(() -> new IllegalStateException(record.label() + " has no response: it is a scheduled event"));
    }

    /** The record's timeline plus the response: what failure messages show. */
    public String timeline() {
        return record.timeline() + clientResponse.map(r -> "  response: " + r.status() + " " + r.headers() + " body '"
                + abbreviate(r.bodyText()) + "'" + (r.truncated() ? " (truncated)" : "") + "\n").orElse("");
    }

    private static String abbreviate(String text) {
        return text.length() > 120 ? text.substring(0, 120) + "…" : text;
    }
}
