package dev.ctxtestkit.runtime;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A pull-based stream of bytes: the storage behind a {@link Body}.
 *
 * <p>Contract: at most one {@link #read} is outstanding at a time; a read completes with up to {@code maxBytes}
 * bytes (never an empty array), with {@code null} at the end of the stream, or exceptionally when the stream
 * errors. Implementations must be safe to call from any thread.
 */
public interface ByteSource {

    /** Reads the next chunk of at most {@code maxBytes} bytes; {@code null} at the end. */
    CompletionStage<byte[]> read(int maxBytes);

    /** The number of bytes this source will yield in total, or {@code -1} when unknown. */
    long length();

    /** Releases the source; later reads fail. The default does nothing. */
    default void cancel(Throwable reason) {
    }

    /** An empty source of known length 0. */
    static ByteSource empty() {
        return of(new byte[0]);
    }

    /** A source over a copy of {@code data}, of known length. */
    static ByteSource of(byte[] data) {
        return new ArraySource(data.clone());
    }

    /** A source over {@code data} that yields at most {@code chunkSize} bytes per read. */
    static ByteSource of(byte[] data, int chunkSize) {
        ArraySource source = new ArraySource(data.clone());
        return new ByteSource() {
            @Override
            public CompletionStage<byte[]> read(int maxBytes) {
                return source.read(Math.min(maxBytes, chunkSize));
            }

            @Override
            public long length() {
                return source.length();
            }
        };
    }

    /** The in-memory source behind {@link #of(byte[])}. */
    final class ArraySource implements ByteSource {
        private final byte[] data;
        private int position;
        private Throwable cancelled;

        ArraySource(byte[] data) {
            this.data = data;
        }

        @Override
        public synchronized CompletionStage<byte[]> read(int maxBytes) {
            if (maxBytes <= 0) {
                throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
            }
            if (cancelled != null) {
                return CompletableFuture.failedFuture(new IllegalStateException("stream was cancelled", cancelled));
            }
            if (position >= data.length) {
                return CompletableFuture.completedFuture(null);
            }
            int end = (int) Math.min((long) position + maxBytes, data.length);
            byte[] chunk = Arrays.copyOfRange(data, position, end);
            position = end;
            return CompletableFuture.completedFuture(chunk);
        }

        @Override
        public long length() {
            return data.length;
        }

        @Override
        public synchronized void cancel(Throwable reason) {
            cancelled = reason == null ? new IllegalStateException("cancelled") : reason;
        }
    }
}
