package dev.ctxtestkit.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test that uses the ctx test kit: {@code @Test} plus {@code @ExtendWith(CtxExtension.class)}, with options. Empty
 * options fall back to the extension's builder, then to the configuration parameters
 * ({@value CtxExtension#LIMIT_PARAMETER}, {@value CtxExtension#HANG_GUARD_PARAMETER},
 * {@value CtxExtension#STRICT_ORIGIN_PARAMETER} in {@code junit-platform.properties}), then to the defaults.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Test
@ExtendWith(CtxExtension.class)
public @interface CtxTest {

    /** The limit after invocation end: {@code unlimited}, milliseconds, or ISO-8601 like {@code PT5S}. Default 30 s. */
    String limit() default "";

    /** Real time any wait of the test may take before it fails naming what is pending: milliseconds or ISO-8601. Default 30 s. */
    String hangGuard() default "";

    /** Strict mock origin: unexpected requests and unconsumed queued answers fail the test. */
    Strictness strictOrigin() default Strictness.DEFAULT;

    /** A tri-state for boolean options, so that "not set" can fall back. */
    enum Strictness { DEFAULT, STRICT, LENIENT }
}
