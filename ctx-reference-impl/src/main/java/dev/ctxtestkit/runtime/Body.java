package dev.ctxtestkit.runtime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A single-use, streaming body of a {@link Request} or {@link Response} (the Java mirror of BODY-1 and BODY-2).
 *
 * <p>A body can be consumed once: by {@link #bytes()}, {@link #text()}, {@link #reader()} or {@link #tee()}. After
 * that {@link #used()} is {@code true}; a second {@code bytes()} or {@code text()} completes exceptionally and a
 * second {@code reader()} or {@code tee()} throws, both with an {@link IllegalStateException} whose message is
 * {@value #ALREADY_USED}.
 */
public final class Body {
    /** The message of the error for a second read (BODY-1). */
    public static final String ALREADY_USED =
            "Body has already been used. It can only be used once. Use tee() first if you need to read it twice.";
    /** The largest chunk a reader returns by default. */
    public static final int DEFAULT_CHUNK_SIZE = 64 * 1024;

    private final ByteSource source;
    private boolean used;

    private Body(ByteSource source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    /** An empty body of length 0. */
    public static Body empty() {
        return new Body(ByteSource.empty());
    }

    public static Body of(byte[] bytes) {
        return new Body(ByteSource.of(Objects.requireNonNull(bytes, "bytes")));
    }

    /** A UTF-8 text body. */
    public static Body of(String text) {
        return of(Objects.requireNonNull(text, "text").getBytes(StandardCharsets.UTF_8));
    }

    /** A streaming body over {@code source}; its length is {@code source.length()}. */
    public static Body of(ByteSource source) {
        return new Body(source);
    }

    /** Whether the body has been consumed. */
    public synchronized boolean used() {
        return used;
    }

    /** The total length in bytes, or {@code -1} when unknown (a stream). */
    public long length() {
        return source.length();
    }

    /** Marks the body used and returns a reader over it. */
    public BodyReader reader() {
        markUsed();
        return new BodyReader() {
            private volatile boolean cancelled;

            @Override
            public CompletionStage<byte[]> read(int maxBytes) {
                if (cancelled) {
                    return CompletableFuture.completedFuture(null);
                }
                return source.read(maxBytes);
            }

            @Override
            public void cancel() {
                cancelled = true;
                source.cancel(new IllegalStateException("reader cancelled"));
            }
        };
    }

    /** Reads the whole body. Completes exceptionally if the body was already used or the stream errors. */
    public CompletionStage<byte[]> bytes() {
        BodyReader reader;
        try {
            reader = reader();
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        readAll(reader, new ByteArrayOutputStream(), result);
        return result;
    }

    /** Reads the whole body as UTF-8 text. */
    public CompletionStage<String> text() {
        return bytes().thenApply(b -> new String(b, StandardCharsets.UTF_8));
    }

    /**
     * Splits this body into two bodies that each yield the full content (BODY-2); this body becomes used. Bytes are
     * pulled from the underlying stream once, as either branch asks for them, and kept until the other branch has
     * read them.
     */
    public Body[] tee() {
        markUsed();
        Tee tee = new Tee(source);
        return new Body[] {new Body(tee.branch(0)), new Body(tee.branch(1))};
    }

    private synchronized void markUsed() {
        if (used) {
            throw new IllegalStateException(ALREADY_USED);
        }
        used = true;
    }

    /** Reads without growing the stack when chunks arrive synchronously. */
    private static void readAll(BodyReader reader, ByteArrayOutputStream out, CompletableFuture<byte[]> result) {
        while (true) {
            CompletableFuture<byte[]> next = reader.read().toCompletableFuture();
            if (!next.isDone()) {
                next.whenComplete((chunk, error) -> {
                    if (error != null) {
                        result.completeExceptionally(error);
                    } else if (chunk == null) {
                        result.complete(out.toByteArray());
                    } else {
                        out.writeBytes(chunk);
                        readAll(reader, out, result);
                    }
                });
                return;
            }
            byte[] chunk;
            try {
                chunk = next.join();
            } catch (RuntimeException e) {
                result.completeExceptionally(e.getCause() != null ? e.getCause() : e);
                return;
            }
            if (chunk == null) {
                result.complete(out.toByteArray());
                return;
            }
            out.writeBytes(chunk);
        }
    }

    /** Shares one upstream between two branches. */
    private static final class Tee {
        private final ByteSource upstream;
        @SuppressWarnings("unchecked")
        private final ArrayDeque<byte[]>[] queues = new ArrayDeque[] {new ArrayDeque<byte[]>(), new ArrayDeque<byte[]>()};
        private boolean ended;
        private Throwable error;
        private CompletableFuture<Void> inflight;

        Tee(ByteSource upstream) {
            this.upstream = upstream;
        }

        ByteSource branch(int index) {
            return new ByteSource() {
                @Override
                public CompletionStage<byte[]> read(int maxBytes) {
                    return Tee.this.read(index, maxBytes);
                }

                @Override
                public long length() {
                    return upstream.length();
                }
            };
        }

        private CompletionStage<byte[]> read(int branch, int maxBytes) {
            synchronized (this) {
                ArrayDeque<byte[]> queue = queues[branch];
                if (!queue.isEmpty()) {
                    byte[] head = queue.poll();
                    if (head.length > maxBytes) {
                        queue.addFirst(Arrays.copyOfRange(head, maxBytes, head.length));
                        head = Arrays.copyOf(head, maxBytes);
                    }
                    return CompletableFuture.completedFuture(head);
                }
                if (error != null) {
                    return CompletableFuture.failedFuture(error);
                }
                if (ended) {
                    return CompletableFuture.completedFuture(null);
                }
            }
            return pull().thenCompose(ignored -> read(branch, maxBytes));
        }

        private synchronized CompletionStage<Void> pull() {
            if (inflight != null) {
                return inflight;
            }
            CompletableFuture<Void> mine = new CompletableFuture<>();
            inflight = mine;
            upstream.read(DEFAULT_CHUNK_SIZE).whenComplete((chunk, failure) -> {
                synchronized (Tee.this) {
                    inflight = null;
                    if (failure != null) {
                        error = failure;
                    } else if (chunk == null) {
                        ended = true;
                    } else {
                        queues[0].add(chunk);
                        queues[1].add(chunk);
                    }
                }
                mine.complete(null);
            });
            return mine;
        }
    }
}
