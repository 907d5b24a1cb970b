package dev.ctxtestkit.runtime.internal;

import dev.ctxtestkit.runtime.EventLoop;
import dev.ctxtestkit.runtime.Limit;
import java.net.URI;
import java.util.Map;

/**
 * The settings of one worker instance, shared by its invocations. Internal: no compatibility promise.
 *
 * @param origin         the fail-open target (PT-12), or {@code null}
 * @param globalOutbound where {@code env.fetch} connects whatever the URL says, or {@code null} to connect directly
 * @param captureSites   whether {@code waitUntil} records the caller's stack frames
 * @param hangDetection  whether a handler stage that can never settle ends the invocation (ERR-3)
 */
public record RuntimeConfig(EventLoop loop, URI origin, URI globalOutbound, Limit limit, Map<String, Object> bindings,
                            LazyHttpClient http, boolean captureSites,
                            boolean hangDetection) {
}
