package dev.ctxtestkit.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs your JavaScript worker in real workerd for each test, with the test's {@code MockOrigin} as its
 * {@code globalOutbound} (so fail-open and every {@code fetch()} reach it), and injects a {@link WorkerdWorker} with
 * its URL. Without a workerd binary the test is disabled with the reason (run {@code scripts/install-workerd.sh});
 * when the environment variable {@code CI} is set it runs anyway and fails, so CI never skips it silently.
 *
 * <pre>{@code
 * @Workerd(script = "js/passthrough-proxy.js")
 * class PassThroughProxyJsTest {
 *     @Test
 *     void failsOpen(WorkerdWorker worker, MockOrigin origin) { ... }
 * }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(CtxExtension.class)
@ExtendWith(WorkerdExtension.class)
public @interface Workerd {

    /** The worker's ES module: a path relative to the working directory (the module's), or {@code classpath:/…}. */
    String script();

    /** The compatibility date (default: the one the spec's observations used). */
    String compatibilityDate() default "2026-11-01";

    /** Env bindings (service bindings) that lead to the mock origin too, e.g. {@code "CACHE"}. */
    String[] originBindings() default {};
}
