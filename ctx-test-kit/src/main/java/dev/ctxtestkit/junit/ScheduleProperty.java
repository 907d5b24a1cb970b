package dev.ctxtestkit.junit;

import dev.ctxtestkit.property.PropertyRunner;
import dev.ctxtestkit.property.Shrinker;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A property over random schedules: the method runs once per try with a generated
 * {@link dev.ctxtestkit.conformance.scenario.Scenario} as its parameter, sizes growing with the try number. The first
 * try that fails stops the run; its schedule is shrunk by re-invoking the method with simpler ones, and the test fails
 * with the seed, the shrunk schedule and the failure on it. Paste the seed to replay:
 * {@code @ScheduleProperty(seed = …)}, or {@code -Dctx.property.seed=…} (a configuration parameter of that name works
 * too). {@code ctx.property.tries} scales the number of tries.
 *
 * <pre>{@code
 * @ScheduleProperty(tries = 50)
 * void rejectionsNeverChangeTheResponse(Scenario schedule) throws Exception {
 *     try (ReferenceTarget reference = new ReferenceTarget()) {
 *         Properties.REJECTION_KEEPS_RESPONSE.assertHolds(schedule, reference.run(schedule));
 *     }
 * }
 * }</pre>
 *
 * <p>While shrinking, only the method body runs again (no {@code @BeforeEach}/{@code @AfterEach}), on the same test
 * instance with the same other arguments.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@TestTemplate
@ExtendWith(SchedulePropertyExtension.class)
public @interface ScheduleProperty {

    /** How many schedules to try; {@value PropertyRunner#TRIES_PROPERTY} overrides it. */
    int tries() default PropertyRunner.DEFAULT_TRIES;

    /** The run's seed; 0 draws a random one and prints it. {@value PropertyRunner#SEED_PROPERTY} overrides it. */
    long seed() default 0;

    /** The largest size the schedules grow to (bounds the number of tasks and sleeps). */
    int maxSize() default PropertyRunner.DEFAULT_MAX_SIZE;

    /** The bound on re-invocations while shrinking a failure. */
    int maxShrinks() default Shrinker.DEFAULT_MAX_ATTEMPTS;

    /** Which schedules to make. */
    Schedules schedules() default Schedules.IN_PROCESS;

    /** The generator's presets ({@link dev.ctxtestkit.property.ScheduleGenerator.Options}). */
    enum Schedules {
        /** Everything: for the in-process reference under a virtual clock. */
        IN_PROCESS,
        /** Fetch only, the target's own limit, short delays, no task that never settles: for targets over HTTP. */
        OVER_HTTP
    }
}
