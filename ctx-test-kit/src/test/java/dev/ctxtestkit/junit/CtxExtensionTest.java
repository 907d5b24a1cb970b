package dev.ctxtestkit.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.InMemoryCache;
import dev.ctxtestkit.runtime.Limit;
import dev.ctxtestkit.runtime.Response;
import dev.ctxtestkit.runtime.Worker;
import dev.ctxtestkit.testkit.CtxAssertions;
import dev.ctxtestkit.testkit.MockOrigin;
import dev.ctxtestkit.testkit.TestContext;
import dev.ctxtestkit.testkit.TestEnv;
import dev.ctxtestkit.testkit.VirtualClock;
import dev.ctxtestkit.testkit.WorkerHarness;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/** The extension, run on real Jupiter through EngineTestKit against small fixture classes. */
class CtxExtensionTest {

    private static EngineExecutionResults run(Class<?> fixture, String... configuration) {
        EngineTestKit.Builder builder = EngineTestKit.engine("junit-jupiter").selectors(selectClass(fixture));
        for (int i = 0; i < configuration.length; i += 2) {
            builder.configurationParameter(configuration[i], configuration[i + 1]);
        }
        return builder.execute();
    }

    private static Throwable onlyFailure(EngineExecutionResults results) {
        List<Event> failed = results.testEvents().failed().list();
        assertThat(failed).hasSize(1);
        return failed.get(0).getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable).orElseThrow();
    }

    private static final Worker NEVER_SETTLES = Worker.fetchSync((request, env, ctx) -> {
        ctx.waitUntil(new CompletableFuture<Void>());
        return Response.text("ok");
    });

    private static final Worker REJECTS = Worker.fetchSync((request, env, ctx) -> {
        ctx.waitUntil(CompletableFuture.failedFuture(new IllegalStateException("background write failed")));
        return Response.text("ok");
    });

    // ------------------------------------------------------------------ fixtures

    static class HangingFixture {
        @RegisterExtension
        static final CtxExtension ext = CtxExtension.builder().limit(Limit.unlimited()).hangGuard(Duration.ofMillis(300)).build();

        @Test
        void startsAndForgets(WorkerHarness harness) {
            harness.start(NEVER_SETTLES, IncomingRequest.get("http://worker.test/hang"));
        }
    }

    static class HangDetectionOffFixture {
        @RegisterExtension
        static final CtxExtension ext = CtxExtension.builder().hangDetection(false).build();

        @Test
        void theTestCompletesTheHandlerStageItself(WorkerHarness harness) {
            java.util.concurrent.CompletableFuture<dev.ctxtestkit.runtime.Response> later = new java.util.concurrent.CompletableFuture<>();
            dev.ctxtestkit.runtime.Invocation invocation = harness.start(dev.ctxtestkit.runtime.Worker.fetch((request, env, ctx) -> later),
                    IncomingRequest.get("http://worker.test/later"));
            harness.advanceBy(Duration.ofMillis(5)); // idle: with hang detection on, this ends it as hung (ERR-3)
            later.complete(dev.ctxtestkit.runtime.Response.text("from the test"));
            CtxAssertions.assertThat(harness.finish(invocation)).respondedWith(200).hasBody("from the test");
        }
    }

    @ExtendWith(CtxExtension.class)
    static class SeveralFailuresFixture {
        @Test
        void twoUnobservedRejections(WorkerHarness harness) {
            harness.start(REJECTS, IncomingRequest.get("http://worker.test/a"));
            harness.start(REJECTS, IncomingRequest.get("http://worker.test/b"));
        }
    }

    static class ObservedFixture {
        @CtxTest
        void lookedAtTheRejection(WorkerHarness harness) {
            CtxAssertions.assertThat(harness.fetch(REJECTS, IncomingRequest.get("http://worker.test/"))).hasRejectedTaskWithMessage("background write failed");
        }
    }

    static class StrictFixture {
        @CtxTest(strictOrigin = CtxTest.Strictness.STRICT)
        void leavesAQueuedAnswer(MockOrigin origin) {
            origin.enqueue(200, "never asked for");
        }
    }

    @ExtendWith(CtxExtension.class)
    static class InjectionFixture {
        private MockOrigin fromBeforeEach;
        private VirtualClock clockFromBeforeEach;

        @BeforeEach
        void setUp(MockOrigin origin, VirtualClock clock) {
            fromBeforeEach = origin;
            clockFromBeforeEach = clock;
        }

        @Test
        void everythingSharesOneClockAndOrigin(WorkerHarness harness, MockOrigin origin, VirtualClock clock, TestContext ctx, TestEnv env) {
            assertThat(origin).isSameAs(fromBeforeEach).isSameAs(harness.origin());
            assertThat(clock).isSameAs(clockFromBeforeEach).isSameAs(harness.clock());
            assertThat(ctx.registrations()).isEmpty();
            assertThat(env.now()).isEqualTo(clock.instant());
        }
    }

    static class ConstructorFixture {
        ConstructorFixture(MockOrigin origin) {
        }

        @CtxTest
        void never() {
        }
    }

    static class PrecedenceFixture {
        @RegisterExtension
        static final CtxExtension ext = CtxExtension.builder().limit(Limit.of(Duration.ofSeconds(10)))
                .binding("CACHE", InMemoryCache::new).build();

        @CtxTest(limit = "PT5S")
        void annotationWins(WorkerHarness harness) {
            assertThat(harness.limit()).isEqualTo(Limit.of(Duration.ofSeconds(5)));
        }

        @CtxTest
        void builderBeatsConfiguration(WorkerHarness harness) {
            assertThat(harness.limit()).isEqualTo(Limit.of(Duration.ofSeconds(10)));
            assertThat(harness.hangGuard()).isEqualTo(Duration.ofMillis(1234));
            assertThat(harness.binding("CACHE", InMemoryCache.class)).isNotNull();
        }
    }

    static class BadAnnotationFixture {
        @CtxTest(limit = "soon")
        void badLimit(WorkerHarness harness) {
        }
    }

    static class TestContextFixture {
        @CtxTest
        void registersAndForgets(TestContext ctx) {
            ctx.waitUntil(CompletableFuture.failedFuture(new IllegalStateException("direct call rejected")));
        }
    }

    @Execution(ExecutionMode.CONCURRENT)
    @ExtendWith(CtxExtension.class)
    static class ParallelFixture {
        private static final Worker THREE_TASKS = Worker.fetchSync((request, env, ctx) -> {
            for (int i = 1; i <= 3; i++) {
                ctx.waitUntil(env.timers().sleep(Duration.ofMillis(10L * i)));
            }
            return Response.text(request.url());
        });

        void check(WorkerHarness harness, int n) {
            String url = "http://worker.test/" + n;
            CtxAssertions.assertThat(harness.fetch(THREE_TASKS, IncomingRequest.get(url))).respondedWith(200).hasBody(url).hasTaskCount(3).completedAllTasks();
        }

        @Test void t1(WorkerHarness h) { check(h, 1); }
        @Test void t2(WorkerHarness h) { check(h, 2); }
        @Test void t3(WorkerHarness h) { check(h, 3); }
        @Test void t4(WorkerHarness h) { check(h, 4); }
        @Test void t5(WorkerHarness h) { check(h, 5); }
        @Test void t6(WorkerHarness h) { check(h, 6); }
        @Test void t7(WorkerHarness h) { check(h, 7); }
        @Test void t8(WorkerHarness h) { check(h, 8); }
    }

    // ------------------------------------------------------------------ tests

    @Test
    void aHangNamesTheTaskAndWhereItWasRegistered() {
        Throwable failure = onlyFailure(run(HangingFixture.class));
        assertThat(failure).hasMessageContaining("hang guard: not finished after 300 ms of real time")
                .hasMessageContaining("fetch GET http://worker.test/hang")
                .hasMessageContaining("task#0 never settled; registered at dev.ctxtestkit.junit.CtxExtensionTest")
                .hasMessageContaining("the limit is unlimited");
    }

    @Test
    void hangDetectionCanBeTurnedOffForATestThatCompletesTheHandlerItself() {
        run(HangDetectionOffFixture.class).testEvents().assertStatistics(stats -> stats.succeeded(1).failed(0));
    }

    @Test
    void severalFailuresAreAllReportedOneAsSuppressed() {
        Throwable failure = onlyFailure(run(SeveralFailuresFixture.class));
        assertThat(failure).hasMessageContaining("http://worker.test/a").hasMessageContaining("background write failed");
        assertThat(failure.getSuppressed()).singleElement().satisfies(s -> assertThat(s).hasMessageContaining("http://worker.test/b"));
    }

    @Test
    void aRejectionTheTestLookedAtIsItsOwnBusiness() {
        run(ObservedFixture.class).testEvents().assertStatistics(stats -> stats.succeeded(1).failed(0));
    }

    @Test
    void aStrictOriginFailsForAnUnconsumedAnswer() {
        assertThat(onlyFailure(run(StrictFixture.class))).hasMessageContaining("1 queued answer(s) never requested");
    }

    @Test
    void parametersAreSharedWithinATestIncludingBeforeEach() {
        run(InjectionFixture.class).testEvents().assertStatistics(stats -> stats.succeeded(1).failed(0));
    }

    @Test
    void constructorInjectionIsRefusedWithAReason() {
        assertThat(onlyFailure(run(ConstructorFixture.class))).hasMessageContaining("into test methods and @BeforeEach/@AfterEach methods only");
    }

    @Test
    void annotationBeatsBuilderBeatsConfigurationParameter() {
        run(PrecedenceFixture.class, CtxExtension.HANG_GUARD_PARAMETER, "1234", CtxExtension.LIMIT_PARAMETER, "PT1S")
                .testEvents().assertStatistics(stats -> stats.succeeded(2).failed(0));
    }

    @Test
    void aBadOptionSaysWhichAndWhy() {
        assertThat(onlyFailure(run(BadAnnotationFixture.class))).hasMessageContaining("invalid value 'soon' for @CtxTest(limit)");
    }

    @Test
    void anUnawaitedTestContextRejectionFailsTheTest() {
        assertThat(onlyFailure(run(TestContextFixture.class))).hasMessageContaining("rejected and the test never awaited it")
                .hasMessageContaining("direct call rejected");
    }

    @Test
    void testsRunInParallelWithoutSharingState() {
        run(ParallelFixture.class, "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "4")
                .testEvents().assertStatistics(stats -> stats.started(8).succeeded(8).failed(0));
    }
}
