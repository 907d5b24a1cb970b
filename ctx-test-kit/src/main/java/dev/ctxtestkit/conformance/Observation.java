package dev.ctxtestkit.conformance;

import dev.ctxtestkit.conformance.internal.Json;
import dev.ctxtestkit.runtime.InvocationRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What happened in one invocation of a scenario, in one shape for every target. Times are milliseconds since the
 * request was sent, on the target's timeline: virtual time for the in-process reference, the client's clock over
 * HTTP.
 *
 * @param response       what the client got
 * @param originRequests what reached the mock origin during this invocation: beacons and fail-open requests
 * @param record         the invocation record, for targets that expose it (in-process)
 */
public record Observation(int invocation, ClientView response, List<OriginRequest> originRequests,
                          Optional<InvocationRecord> record) {

    public Observation {
        originRequests = List.copyOf(originRequests);
    }

    /** The response as the client saw it. {@code status} is 0 when no response arrived. */
    public record ClientView(int status, Map<String, List<String>> headers, byte[] body, boolean truncated,
                             long headersAtMs, long completedAtMs) {
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : String.join(", ", values);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            String text = bodyText();
            // Cut on a code point boundary: half a surrogate pair would make the report unwritable as UTF-8.
            String shown = text.codePointCount(0, text.length()) > 200 ? text.substring(0, text.offsetByCodePoints(0, 200)) + "…" : text;
            return status + " " + headers + " body(" + body.length + " bytes" + (truncated ? ", truncated" : "") + ")="
                    + shown + " at +" + completedAtMs + " ms";
        }
    }

    /** One request the origin received. {@code beaconTag} is set for beacons, null for fail-open requests. */
    public record OriginRequest(String method, String target, Map<String, List<String>> headers, byte[] body,
                                long atMs, String beaconTag) {
        public boolean isBeacon() {
            return beaconTag != null;
        }

        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : String.join(", ", values);
        }

        /** The JSON body of a beacon, or an empty map. */
        public Map<String, Object> beaconInfo() {
            try {
                return Json.parseObject(new String(body, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                return Map.of();
            }
        }

        @Override
        public String toString() {
            return (isBeacon() ? "beacon '" + beaconTag + "'" : "fail-open " + method + " " + target) + " at +" + atMs
                    + " ms (" + body.length + " body bytes)";
        }
    }

    /** The probe's JSON report from the response body, or an empty map when the body is not one. */
    public Map<String, Object> report() {
        try {
            return Json.parseObject(response.bodyText());
        } catch (IllegalArgumentException e) {
            return Map.of();
        }
    }

    public List<OriginRequest> beacons() {
        return originRequests.stream().filter(OriginRequest::isBeacon).toList();
    }

    public Optional<OriginRequest> beacon(String tag) {
        return originRequests.stream().filter(r -> tag.equals(r.beaconTag())).findFirst();
    }

    /** Requests that were not beacons: fail-open forwards. */
    public List<OriginRequest> fallbackRequests() {
        return originRequests.stream().filter(r -> !r.isBeacon()).toList();
    }

    /** A readable summary for failure messages: response, origin requests, and the record's timeline if present. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        out.append("invocation ").append(invocation).append(": response ").append(response).append('\n');
        if (originRequests.isEmpty()) {
            out.append("  origin received nothing\n");
        }
        for (OriginRequest r : originRequests) {
            out.append("  origin received ").append(r).append('\n');
        }
        record.ifPresent(r -> out.append(r.timeline()));
        return out.toString();
    }
}
