package dev.ctxtestkit.runtime;

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

    /** Stores {@code value} under {@code key}; completes exceptionally while {@link #failWrites} is set. */
    public CompletionStage<Void> put(String key, byte[] value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        RuntimeException failure = writeFailure.get();
        if (failure != null) {
            return CompletableFuture.failedFuture(failure);
        }
        entries.put(key, value.clone());
        return CompletableFuture.completedFuture(null);
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
