package dev.ctxtestkit.runtime;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A small in-memory cache binding, shared by the invocations of a worker instance. Thread-safe. Writes can be made
 * to fail, to test that a failing write in a task changes nothing else (WU-6, WU-7).
 */
public final class InMemoryCache {
    private final Map<String, byte[]> entries = new ConcurrentHashMap<>();
    private final AtomicReference<RuntimeException> writeFailure = new AtomicReference<>();
    private final EventLoop loop;
    private final Duration writeLatency;

    /** A cache whose writes complete at once. */
    public InMemoryCache() {
        this.loop = null;
        this.writeLatency = Duration.ZERO;
    }

    /**
     * A cache whose writes take {@code writeLatency} on {@code loop}'s clock, like real storage I/O: the value is
     * stored, and the write's stage completes, only then.
     */
    public InMemoryCache(EventLoop loop, Duration writeLatency) {
        this.loop = Objects.requireNonNull(loop, "loop");
        if (writeLatency.isNegative()) {
            throw new IllegalArgumentException("writeLatency must not be negative: " + writeLatency);
        }
        this.writeLatency = writeLatency;
    }

    /** Stores {@code value} under {@code key}; completes exceptionally while {@link #failWrites} is set. */
    public CompletionStage<Void> put(String key, byte[] value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        RuntimeException failure = writeFailure.get();
        byte[] copy = value.clone();
        if (loop == null || writeLatency.isZero()) {
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            entries.put(key, copy);
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.schedule(writeLatency, () -> {
            if (failure != null) {
                done.completeExceptionally(failure);
            } else {
                entries.put(key, copy);
                done.complete(null);
            }
        });
        return done;
    }

    public CompletionStage<Optional<byte[]>> match(String key) {
        byte[] value = entries.get(Objects.requireNonNull(key, "key"));
        return CompletableFuture.completedFuture(Optional.ofNullable(value).map(byte[]::clone));
    }

    /** The stored value, read synchronously (for assertions). */
    public Optional<byte[]> peek(String key) {
        return Optional.ofNullable(entries.get(key)).map(byte[]::clone);
    }

    public Set<String> keys() {
        return Set.copyOf(entries.keySet());
    }

    /** Makes every later {@link #put} fail with {@code failure}; {@code null} makes writes succeed again. */
    public void failWrites(RuntimeException failure) {
        writeFailure.set(failure);
    }
}
