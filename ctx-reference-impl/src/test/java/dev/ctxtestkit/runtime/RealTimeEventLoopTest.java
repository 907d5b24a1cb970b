package dev.ctxtestkit.runtime;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Idle detection of the production loop, which hang detection (ERR-3) rests on. Every wait is bounded. */
@Timeout(30)
class RealTimeEventLoopTest {
    private final RealTimeEventLoop loop = new RealTimeEventLoop();
    private final List<String> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        loop.close();
    }

    private CompletableFuture<Void> idle() {
        CompletableFuture<Void> idle = new CompletableFuture<>();
        loop.whenIdle(() -> {
            events.add("idle");
            idle.complete(null);
        }).orElseThrow();
        return idle;
    }

    /** Runs {@code action} on the loop and waits for it. */
    private void onLoop(Runnable action) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            action.run();
            done.complete(null);
        });
        done.get(10, SECONDS);
    }

    @Test
    void anIdleLoopRunsAListenerRegisteredFromAnotherThreadAtOnce() throws Exception {
        idle().get(10, SECONDS);
        assertThat(events).containsExactly("idle");
    }

    @Test
    void aListenerRunsOnceTheLastLoopTaskHasRun_notBefore() throws Exception {
        CompletableFuture<CompletableFuture<Void>> registered = new CompletableFuture<>();
        onLoop(() -> {
            registered.complete(idle());
            loop.execute(() -> events.add("queued task"));
        });
        registered.get().get(10, SECONDS);
        assertThat(events).containsExactly("queued task", "idle");
    }

    @Test
    void anOrdinaryTimerKeepsTheLoopBusy_aWatchdogDoesNot() throws Exception {
        CompletableFuture<CompletableFuture<Void>> registered = new CompletableFuture<>();
        onLoop(() -> {
            loop.scheduleWatchdog(Duration.ofHours(1), () -> events.add("watchdog"));
            loop.schedule(Duration.ofMillis(50), () -> events.add("timer"));
            registered.complete(idle());
        });
        registered.get().get(10, SECONDS);
        assertThat(events).containsExactly("timer", "idle");
    }

    @Test
    void cancellingTheLastTimerFromAnotherThreadMakesTheLoopIdle() throws Exception {
        CompletableFuture<EventLoop.Cancellable> timer = new CompletableFuture<>();
        CompletableFuture<CompletableFuture<Void>> registered = new CompletableFuture<>();
        onLoop(() -> {
            timer.complete(loop.schedule(Duration.ofHours(1), () -> events.add("timer")));
            registered.complete(idle());
        });
        assertThat(registered.get()).isNotDone();

        timer.get().cancel();

        registered.get().get(10, SECONDS);
        assertThat(events).containsExactly("idle");
    }

    @Test
    void externalWorkInFlightKeepsTheLoopBusy_itsContinuationRunsBeforeTheListener() throws Exception {
        CompletableFuture<EventLoop.ExternalOperation> operation = new CompletableFuture<>();
        CompletableFuture<CompletableFuture<Void>> registered = new CompletableFuture<>();
        onLoop(() -> {
            operation.complete(loop.beginExternal("a fetch"));
            registered.complete(idle());
        });
        assertThat(registered.get()).isNotDone();

        operation.get().complete(() -> events.add("continuation"));

        registered.get().get(10, SECONDS);
        assertThat(events).containsExactly("continuation", "idle");
        assertThatThrownBy(() -> operation.get().complete(() -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("completed twice: a fetch");
    }

    @Test
    void aCancelledListenerNeverRuns() throws Exception {
        CompletableFuture<Void> ran = new CompletableFuture<>();
        onLoop(() -> loop.whenIdle(() -> ran.complete(null)).orElseThrow().cancel());
        idle().get(10, SECONDS);
        assertThat(ran).isNotDone();
    }

    @Test
    void aListenerThatMakesWorkHoldsBackTheNextUntilTheLoopIsIdleAgain() throws Exception {
        CompletableFuture<Void> second = new CompletableFuture<>();
        onLoop(() -> {
            loop.whenIdle(() -> {
                events.add("first");
                loop.schedule(Duration.ofMillis(50), () -> events.add("the first's timer"));
            }).orElseThrow();
            loop.whenIdle(() -> {
                events.add("second");
                second.complete(null);
            }).orElseThrow();
        });
        second.get(10, SECONDS);
        assertThat(events).containsExactly("first", "the first's timer", "second");
    }
}
