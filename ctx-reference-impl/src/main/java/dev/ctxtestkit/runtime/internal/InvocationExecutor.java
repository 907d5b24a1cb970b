package dev.ctxtestkit.runtime.internal;

import dev.ctxtestkit.runtime.EventLoop;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs an invocation's work on the event loop until the invocation finishes, then refuses it (LIM-9). */
final class InvocationExecutor implements Executor {
    private final EventLoop loop;
    private volatile boolean refusing;
    private final AtomicInteger refused = new AtomicInteger();

    InvocationExecutor(EventLoop loop) {
        this.loop = loop;
    }

    @Override
    public void execute(Runnable command) {
        if (refusing) {
            refused.incrementAndGet();
            return;
        }
        loop.execute(() -> {
            if (refusing) {
                refused.incrementAndGet();
            } else {
                command.run();
            }
        });
    }

    void refuseFromNowOn() {
        refusing = true;
    }

    boolean isRefusing() {
        return refusing;
    }

    void countRefused() {
        refused.incrementAndGet();
    }

    int refusedCount() {
        return refused.get();
    }
}
