package dev.ctxtestkit.conformance;

import dev.ctxtestkit.conformance.target.ReferenceTarget;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class as a conformance suite: the {@code ctx-conformance} JUnit Platform engine runs the rule catalogue
 * against {@link #target()} and reports one test per rule, so rules show up in Surefire reports and IDEs.
 *
 * <pre>{@code
 * @ConformanceSuite(target = MyRuntimeTarget.class)
 * class MyRuntimeConformanceTest { }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ConformanceSuite {

    /** The target; it needs a public no-argument constructor. */
    Class<? extends ConformanceTarget> target() default ReferenceTarget.class;

    /** Rule ids or id prefixes to run (e.g. {@code "WU-7"}, {@code "PT-"}); empty: every rule. */
    String[] rules() default {};
}
