package dev.ctxtestkit.junit;

import dev.ctxtestkit.conformance.scenario.Scenario;
import dev.ctxtestkit.property.PropertyRunner;
import dev.ctxtestkit.property.ScheduleFormatter;
import dev.ctxtestkit.property.ScheduleGenerator;
import dev.ctxtestkit.property.Shrinker;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.TestAbortedException;

/**
 * The engine of {@link ScheduleProperty}: one invocation per try, each with its schedule as the {@link Scenario}
 * parameter; at the first failure the later tries are not run, the schedule is shrunk by re-invoking the method, and
 * the failure is replaced by one that carries the seed, the shrunk schedule and the failure on it. Uses only API that
 * exists in Jupiter 5.10.
 */
public final class SchedulePropertyExtension implements TestTemplateInvocationContextProvider {
    /** The report entry that carries a run's seed. */
    public static final String SEED_REPORT_KEY = PropertyRunner.SEED_PROPERTY;
    private static final int DISPLAY_LIMIT = 160;

    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
        return context.getTestMethod().map(m -> AnnotationSupport.isAnnotated(m, ScheduleProperty.class)).orElse(false);
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
        Method method = context.getRequiredTestMethod();
        ScheduleProperty config = AnnotationSupport.findAnnotation(method, ScheduleProperty.class).orElseThrow();
        int scenarioIndex = scenarioParameter(method);
        long configured = context.getConfigurationParameter(PropertyRunner.SEED_PROPERTY)
                .filter(s -> !s.isBlank()).map(s -> PropertyRunner.parseSeed(s, PropertyRunner.SEED_PROPERTY)).orElse(config.seed());
        int tries = context.getConfigurationParameter(PropertyRunner.TRIES_PROPERTY).filter(s -> !s.isBlank())
                .map(SchedulePropertyExtension::parseTries).orElse(config.tries());
        if (tries < 1 || config.maxSize() < 1 || config.maxShrinks() < 0) {
            throw new ExtensionConfigurationException("@ScheduleProperty on " + method.getName()
                    + ": tries and maxSize must be at least 1 and maxShrinks not negative");
        }
        long seed = configured != 0 ? configured : PropertyRunner.randomSeed();
        context.publishReportEntry(SEED_REPORT_KEY, Long.toString(seed));
        if (configured == 0) {
            System.out.println("@ScheduleProperty " + method.getDeclaringClass().getSimpleName() + "." + method.getName() + ": seed " + seed
                    + " (replay with -D" + PropertyRunner.SEED_PROPERTY + "=" + seed + ")");
        }
        ScheduleGenerator generator = new ScheduleGenerator(config.schedules() == ScheduleProperty.Schedules.OVER_HTTP
                ? ScheduleGenerator.Options.overHttp() : ScheduleGenerator.Options.inProcess());
        Run run = new Run(seed, tries, config.maxSize(), config.maxShrinks(), generator, scenarioIndex);
        return IntStream.range(0, tries).takeWhile(i -> !run.failed.get()).mapToObj(run::invocation);
    }

    private static int parseTries(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new ExtensionConfigurationException(PropertyRunner.TRIES_PROPERTY + " must be a number of tries, got '" + text + "'", e);
        }
    }

    private static int scenarioParameter(Method method) {
        Parameter[] parameters = method.getParameters();
        int found = -1;
        for (int i = 0; i < parameters.length; i++) {
            if (parameters[i].getType() == Scenario.class) {
                if (found >= 0) {
                    throw new ExtensionConfigurationException("@ScheduleProperty method " + method.getName() + " has more than one Scenario parameter");
                }
                found = i;
            }
        }
        if (found < 0) {
            throw new ExtensionConfigurationException("@ScheduleProperty method " + method.getName()
                    + " needs a parameter of type " + Scenario.class.getName() + ": the schedule of each try");
        }
        return found;
    }

    /** One run of a property: its seed and the flag that stops it at the first failure. */
    private static final class Run {
        final long seed;
        final int tries;
        final int maxSize;
        final int maxShrinks;
        final ScheduleGenerator generator;
        final int scenarioIndex;
        final AtomicBoolean failed = new AtomicBoolean();

        Run(long seed, int tries, int maxSize, int maxShrinks, ScheduleGenerator generator, int scenarioIndex) {
            this.seed = seed;
            this.tries = tries;
            this.maxSize = maxSize;
            this.maxShrinks = maxShrinks;
            this.generator = generator;
            this.scenarioIndex = scenarioIndex;
        }

        TestTemplateInvocationContext invocation(int index) {
            long scenarioSeed = ScheduleGenerator.scenarioSeed(seed, index);
            int size = ScheduleGenerator.sizeFor(index, maxSize);
            Scenario scenario = generator.generate(scenarioSeed, size);
            Try attempt = new Try(this, index, scenarioSeed, size, scenario);
            return new TestTemplateInvocationContext() {
                @Override
                public String getDisplayName(int invocationIndex) {
                    String name = "try " + (index + 1) + "/" + tries + " (size " + size + "): " + ScheduleFormatter.oneLine(scenario);
                    return name.length() > DISPLAY_LIMIT ? name.substring(0, DISPLAY_LIMIT - 1) + "…" : name;
                }

                @Override
                public List<Extension> getAdditionalExtensions() {
                    return List.of(attempt);
                }
            };
        }
    }

    /** One try: injects its schedule and, when the method fails, shrinks it. */
    private static final class Try implements ParameterResolver, InvocationInterceptor {
        private final Run run;
        private final int index;
        private final long scenarioSeed;
        private final int size;
        private final Scenario scenario;

        Try(Run run, int index, long scenarioSeed, int size, Scenario scenario) {
            this.run = run;
            this.index = index;
            this.scenarioSeed = scenarioSeed;
            this.size = size;
            this.scenario = scenario;
        }

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == Scenario.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return scenario;
        }

        @Override
        public void interceptTestTemplateMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
                                                ExtensionContext context) throws Throwable {
            if (run.failed.get()) {
                invocation.skip();
                throw new TestAbortedException("not run: an earlier try of this property failed");
            }
            try {
                invocation.proceed();
            } catch (TestAbortedException aborted) {
                throw aborted;
            } catch (Throwable failure) {
                run.failed.set(true);
                throw shrunkFailure(failure, call);
            }
        }

        private AssertionError shrunkFailure(Throwable failure, ReflectiveInvocationContext<Method> call) {
            Method method = call.getExecutable();
            Object target = call.getTarget().orElse(null);
            List<Object> arguments = new ArrayList<>(call.getArguments());
            method.setAccessible(true);
            Throwable[] lastFailure = {failure};
            Shrinker.Result shrunk = new Shrinker(run.maxShrinks, run.generator.options().minSeparationMs()).shrink(scenario, candidate -> {
                Throwable t = invoke(method, target, arguments, candidate);
                if (t != null && !(t instanceof TestAbortedException) && t.getClass() == failure.getClass()) {
                    lastFailure[0] = t;
                    return true;
                }
                return false;
            });
            Throwable cause = shrunk.accepted() == 0 ? failure : lastFailure[0];
            String message = "schedule property failed at try " + (index + 1) + " of " + run.tries + " (seed " + run.seed + ", size " + size
                    + "); shrunk from " + ScheduleFormatter.size(scenario) + " to " + ScheduleFormatter.size(shrunk.scenario()) + " step(s) in "
                    + shrunk.attempts() + " attempt(s)" + (shrunk.exhausted() ? " (attempts ran out)" : "") + "\n"
                    + "shrunk schedule:\n" + ScheduleFormatter.format(shrunk.scenario())
                    + "failure on it: " + cause + "\n"
                    + "replay with -D" + PropertyRunner.SEED_PROPERTY + "=" + run.seed + " or @ScheduleProperty(seed = " + run.seed
                    + "L); this schedule alone: new ScheduleGenerator().generate(0x" + Long.toHexString(scenarioSeed) + "L, " + size + ")";
            AssertionError error = new AssertionError(message, cause);
            if (cause != failure) {
                error.addSuppressed(failure);
            }
            return error;
        }

        private Throwable invoke(Method method, Object target, List<Object> arguments, Scenario candidate) {
            Object[] args = arguments.toArray();
            args[run.scenarioIndex] = candidate;
            try {
                method.invoke(target, args);
                return null;
            } catch (InvocationTargetException e) {
                return e.getCause();
            } catch (IllegalAccessException | IllegalArgumentException e) {
                throw new IllegalStateException("cannot re-invoke " + method + " with " + Arrays.toString(args), e);
            }
        }
    }
}
