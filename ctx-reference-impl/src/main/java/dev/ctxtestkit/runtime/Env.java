package dev.ctxtestkit.runtime;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The environment of one invocation: the worker's bindings plus the invocation-bound facilities that Workers code
 * gets from globals (timers, {@code fetch}, {@code console}). Everything here is bound to the invocation: once it has
 * finished, timers never fire, outbound responses are never delivered, and executor work is refused (LIM-7, LIM-9).
 */
public interface Env {

    /**
     * The binding named {@code name}.
     *
     * @throws IllegalArgumentException if there is no such binding (the message lists the names there are), or it is
     *                                  not of {@code type}
     */
    <T> T binding(String name, Class<T> type);

    /** The names of all bindings. */
    Set<String> bindingNames();

    /** Timers on the worker's event loop, bound to its clock. */
    Timers timers();

    /** Runs work on the event loop as part of this invocation; refused once the invocation has finished (LIM-9). */
    Executor executor();

    /**
     * An outbound request (the global {@code fetch}). With a global outbound configured, every request goes there
     * whatever its URL names, keeping its {@code Host}, as in standalone workerd (section 16 of the spec).
     */
    CompletionStage<Response> fetch(Request request);

    /** Log output, recorded with levels in the invocation record (ERR-5). */
    Console console();

    /** Now, on the worker's clock. */
    Instant now();

    /** Invocation-bound timers. */
    interface Timers {
        /** Completes on the event loop after {@code delay}; never completes if the invocation finishes first. */
        CompletionStage<Void> sleep(Duration delay);

        /** Runs {@code task} on the event loop after {@code delay}, unless the invocation finished first (LIM-7). */
        EventLoop.Cancellable setTimeout(Runnable task, Duration delay);
    }

    /** {@code console.*}: each call adds a line to the invocation record. */
    interface Console {
        void log(String message);

        void warn(String message);

        void error(String message);

        void debug(String message);
    }
}
