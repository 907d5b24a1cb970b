package dev.ctxtestkit.junit;

import dev.ctxtestkit.runtime.Limit;
import dev.ctxtestkit.testkit.MockOrigin;
import dev.ctxtestkit.testkit.TestContext;
import dev.ctxtestkit.testkit.TestEnv;
import dev.ctxtestkit.testkit.VirtualClock;
import dev.ctxtestkit.testkit.WorkerHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit Jupiter extension of the ctx test kit. Inject any of {@link WorkerHarness}, {@link VirtualClock},
 * {@link MockOrigin}, {@link TestContext} and {@link TestEnv} into a test or {@code @BeforeEach} method; within one
 * test they all share one clock and one origin.
 *
 * <p>Two doors: {@code @ExtendWith(CtxExtension.class)} (or {@link CtxTest}) with defaults, and
 * {@code @RegisterExtension static CtxExtension ctx = CtxExtension.builder()…build();} to configure it.
 *
 * <p>At the end of every test it drains every invocation the test started and every task registered with the
 * {@link TestContext}, bounded by the hang guard, and fails the test with <em>all</em> problems found (one rethrown
 * as is, more attached as suppressed): invocations or tasks that never finished (naming the task and where it was
 * registered), task rejections the test never looked at, and strict-origin violations.
 *
 * <p>Everything lives in JUnit's {@link ExtensionContext.Store}, per test, on dynamic ports: safe under parallel
 * execution. Works on Jupiter 5.10 and later.
 */
public final class CtxExtension implements ParameterResolver, AfterEachCallback {
    /** Configuration parameter: the default limit ({@code unlimited}, ms, or ISO-8601). */
    public static final String LIMIT_PARAMETER = "ctx.limit";
    /** Configuration parameter: the default hang guard (ms or ISO-8601). */
    public static final String HANG_GUARD_PARAMETER = "ctx.hangGuard";
    /** Configuration parameter: {@code true} for a strict mock origin by default. */
    public static final String STRICT_ORIGIN_PARAMETER = "ctx.origin.strict";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(CtxExtension.class);
    private static final Set<Class<?>> INJECTABLE = Set.of(WorkerHarness.class, VirtualClock.class, MockOrigin.class, TestContext.class, TestEnv.class);

    private final Limit limit;
    private final Duration hangGuard;
    private final Boolean strictOrigin;
    private final boolean hangDetection;
    private final Map<String, Function<VirtualClock, ?>> bindings;

    /** The zero-configuration extension, for {@code @ExtendWith}. */
    public CtxExtension() {
        this(new Builder());
    }

    private CtxExtension(Builder builder) {
        this.limit = builder.limit;
        this.hangGuard = builder.hangGuard;
        this.strictOrigin = builder.strictOrigin;
        this.hangDetection = builder.hangDetection;
        this.bindings = Map.copyOf(builder.bindings);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return INJECTABLE.contains(parameter.getParameter().getType());
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (context.getTestMethod().isEmpty()) {
            throw new ParameterResolutionException("the ctx test kit injects " + parameter.getParameter().getType().getSimpleName()
                    + " into test methods and @BeforeEach/@AfterEach methods only, not into constructors or @BeforeAll: each test gets its own");
        }
        return resources(context).get(parameter.getParameter().getType());
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        TestResources resources = context.getStore(NAMESPACE).remove(TestResources.class, TestResources.class);
        if (resources == null) {
            return;
        }
        List<AssertionError> failures;
        try {
            failures = resources.drain();
        } finally {
            resources.close();
        }
        if (failures.isEmpty()) {
            return;
        }
        AssertionError first = failures.get(0);
        failures.subList(1, failures.size()).forEach(first::addSuppressed);
        throw first;
    }

    /** The test's mock origin, for the workerd support (which must send the worker's outbound there). */
    static MockOrigin mockOrigin(ExtensionContext context) {
        // Made with the annotation's and configuration's settings if no parameter of the test has made them yet.
        return (MockOrigin) new CtxExtension().resources(context).get(MockOrigin.class);
    }

    private TestResources resources(ExtensionContext context) {
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(TestResources.class, type -> new TestResources(settings(context)), TestResources.class);
    }

    private Settings settings(ExtensionContext context) {
        Optional<CtxTest> annotation = context.getTestMethod().flatMap(m -> Optional.ofNullable(m.getAnnotation(CtxTest.class)));
        Limit resolvedLimit = annotation.map(CtxTest::limit).filter(s -> !s.isBlank()).map(s -> parse(s, Limit::parse, "@CtxTest(limit)"))
                .or(() -> Optional.ofNullable(limit))
                .or(() -> context.getConfigurationParameter(LIMIT_PARAMETER).map(s -> parse(s, Limit::parse, LIMIT_PARAMETER)))
                .orElse(Limit.DEFAULT);
        Duration resolvedGuard = annotation.map(CtxTest::hangGuard).filter(s -> !s.isBlank()).map(s -> parse(s, CtxExtension::duration, "@CtxTest(hangGuard)"))
                .or(() -> Optional.ofNullable(hangGuard))
                .or(() -> context.getConfigurationParameter(HANG_GUARD_PARAMETER).map(s -> parse(s, CtxExtension::duration, HANG_GUARD_PARAMETER)))
                .orElse(WorkerHarness.DEFAULT_HANG_GUARD);
        boolean resolvedStrict = annotation.map(CtxTest::strictOrigin).filter(s -> s != CtxTest.Strictness.DEFAULT).map(s -> s == CtxTest.Strictness.STRICT)
                .or(() -> Optional.ofNullable(strictOrigin))
                .or(() -> context.getConfigurationParameter(STRICT_ORIGIN_PARAMETER).map(Boolean::parseBoolean))
                .orElse(false);
        return new Settings(resolvedLimit, resolvedGuard, resolvedStrict, hangDetection, bindings);
    }

    private static <T> T parse(String text, java.util.function.Function<String, T> parser, String where) {
        try {
            return parser.apply(text.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid value '" + text + "' for " + where + ": " + e.getMessage(), e);
        }
    }

    static Duration duration(String text) {
        if (!text.isEmpty() && text.chars().allMatch(Character::isDigit)) {
            return Duration.ofMillis(Long.parseLong(text));
        }
        Duration d = Duration.parse(text);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("must be positive");
        }
        return d;
    }

    private record Settings(Limit limit, Duration hangGuard, boolean strictOrigin, boolean hangDetection,
                            Map<String, Function<VirtualClock, ?>> bindings) {
    }

    /** One test's clock, origin, harness, context and env, created on first use. */
    private static final class TestResources {
        private final Settings settings;
        private final VirtualClock clock = new VirtualClock();
        private final MockOrigin origin;
        private final WorkerHarness harness;
        private TestContext testContext;
        private TestEnv testEnv;

        TestResources(Settings settings) {
            this.settings = settings;
            this.origin = MockOrigin.start().strict(settings.strictOrigin());
            WorkerHarness.Builder builder = WorkerHarness.builder().clock(clock).origin(origin).limit(settings.limit()).hangGuard(settings.hangGuard())
                    .hangDetection(settings.hangDetection());
            settings.bindings().forEach(builder::bindingOnClock);
            this.harness = builder.build();
        }

        synchronized Object get(Class<?> type) {
            if (type == WorkerHarness.class) {
                return harness;
            }
            if (type == VirtualClock.class) {
                return clock;
            }
            if (type == MockOrigin.class) {
                return origin;
            }
            if (type == TestContext.class) {
                if (testContext == null) {
                    testContext = new TestContext();
                }
                return testContext;
            }
            if (type == TestEnv.class) {
                if (testEnv == null) {
                    testEnv = new TestEnv(clock, origin, harness.bindings());
                }
                return testEnv;
            }
            throw new ParameterResolutionException("cannot inject " + type);
        }

        List<AssertionError> drain() {
            List<AssertionError> failures = new ArrayList<>(harness.drainAll());
            TestContext context;
            synchronized (this) {
                context = testContext;
            }
            if (context != null) {
                boolean awaitedByTest = context.tasksAwaited();
                try {
                    context.awaitTasks(clock, settings.hangGuard());
                    if (!awaitedByTest) {
                        for (TestContext.Registration r : context.rejected()) {
                            AssertionError failure = new AssertionError("a task registered with the TestContext rejected and the test never awaited it: " + r);
                            r.failure().ifPresent(failure::initCause);
                            failures.add(failure);
                        }
                    }
                } catch (AssertionError e) {
                    failures.add(e);
                }
            }
            return failures;
        }

        void close() {
            try {
                harness.close();
            } finally {
                try {
                    origin.close();
                } finally {
                    if (testEnv != null) {
                        testEnv.close();
                    }
                }
            }
        }
    }

    /** Configures a {@link CtxExtension} for {@code @RegisterExtension}. */
    public static final class Builder {
        private Limit limit;
        private Duration hangGuard;
        private Boolean strictOrigin;
        private boolean hangDetection = true;
        private final Map<String, Function<VirtualClock, ?>> bindings = new LinkedHashMap<>();

        private Builder() {
        }

        /** The limit after invocation end for every test (LIM-4). */
        public Builder limit(Limit value) {
            this.limit = Objects.requireNonNull(value, "limit");
            return this;
        }

        /** The real-time bound of every wait of a test. */
        public Builder hangGuard(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("hangGuard must be positive: " + value);
            }
            this.hangGuard = value;
            return this;
        }

        /** A strict mock origin for every test. */
        public Builder strictOrigin(boolean value) {
            this.strictOrigin = value;
            return this;
        }

        /**
         * Whether the workers end a handler stage that can never settle as hung (ERR-3); on by default. Turn it off for
         * tests whose handler awaits a future the test itself completes later ({@link WorkerHarness.Builder#hangDetection}).
         */
        public Builder hangDetection(boolean value) {
            this.hangDetection = value;
            return this;
        }

        /** A binding every worker of a test gets; {@code supplier} is called once per test. */
        public Builder binding(String name, Supplier<?> supplier) {
            Objects.requireNonNull(supplier, "supplier");
            return bindingOnClock(name, clock -> supplier.get());
        }

        /** A binding made from the test's clock, e.g. a cache whose writes take virtual time; called once per test. */
        public Builder bindingOnClock(String name, Function<VirtualClock, ?> factory) {
            bindings.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(factory, "factory"));
            return this;
        }

        public CtxExtension build() {
            return new CtxExtension(this);
        }
    }
}
