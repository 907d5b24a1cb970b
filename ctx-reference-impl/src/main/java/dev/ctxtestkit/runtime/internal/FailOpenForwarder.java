package dev.ctxtestkit.runtime.internal;

import dev.ctxtestkit.runtime.ByteSource;
import dev.ctxtestkit.runtime.EventLoop;
import dev.ctxtestkit.runtime.FailOpenRecord;
import dev.ctxtestkit.runtime.Headers;
import dev.ctxtestkit.runtime.IncomingRequest;
import dev.ctxtestkit.runtime.ResponseSink;
import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.RequestBody;
import okio.BufferedSink;
import okio.BufferedSource;

/**
 * Forwards a failed request to the origin (PT-5, PT-7, PT-12) and relays the answer verbatim (PT-6), or answers a
 * bare {@code 500} when that fails (PT-8). Runs the network part on OkHttp's threads; reports back on the event loop.
 */
public class FailOpenForwarder {
    private static final int CHUNK = 64 * 1024;
    private static final long BODY_WAIT_SECONDS = 30;

    private final RuntimeConfig config;

    public FailOpenForwarder(RuntimeConfig config) {
        this.config = config;
    }

    /**
     * @param done called on the event loop once the response has been relayed or the bare 500 sent
     */
    void forward(IncomingRequest original, RequestBodyTracker body, ResponseSink sink, Consumer<FailOpenRecord> done) {
        URI origin = config.origin();
        if (origin == null) {
            answerFailedFallback(sink);
            done.accept(new FailOpenRecord(null, OptionalInt.empty(), 0, "no origin is configured"));
            return;
        }
        URI source = URI.create(original.url());
        HttpUrl target = targetUrl(origin, source);
        Headers headers = forwardedHeaders(original, source);
        RequestBody requestBody = remainderBody(original.method(), body);
        RemainderBody remainder = requestBody instanceof RemainderBody r ? r : null;
        okhttp3.Request request = Http.exactRequest(headers)
                .url(target)
                .method(original.method(), requestBody)
                .build();
        OkHttpClient http = config.http().get(); // before the operation begins: if it throws, nothing is left in flight
        EventLoop.ExternalOperation operation = config.loop().beginExternal("fail-open " + original.method() + " " + target);
        http.newCall(request).enqueue(new Callback() {
            @Override
            public void onFailure(Call call, IOException e) {
                String failure = describe(e);
                try {
                    answerFailedFallback(sink);
                } catch (RuntimeException sinkError) {
                    failure += "; and the client could not be answered: " + describe(sinkError);
                } finally {
                    long forwarded = remainder == null ? 0 : remainder.forwarded.get();
                    String cause = failure;
                    operation.complete(() -> done.accept(new FailOpenRecord(target.toString(), OptionalInt.empty(), forwarded, cause)));
                }
            }

            @Override
            public void onResponse(Call call, okhttp3.Response response) {
                String malformed = malformedResponse(response);
                long forwardedNow = remainder == null ? 0 : remainder.forwarded.get();
                // The status and headers go to the client as the completion of the request on the loop (so a virtual
                // clock can give the origin latency); the relay of the body is then announced from the loop, once the
                // headers are out: between the two a virtual clock may move, which it never does while I/O is in flight.
                java.util.concurrent.CompletableFuture<EventLoop.ExternalOperation> started = new java.util.concurrent.CompletableFuture<>();
                // Who handles the response: the loop takes it (and relays), or this thread gives up waiting for a
                // blocked loop; whichever comes first. The loser must neither relay nor leave an operation open.
                java.util.concurrent.atomic.AtomicInteger handoff = new java.util.concurrent.atomic.AtomicInteger(PENDING);
                operation.complete(() -> {
                    if (malformed != null) {
                        // Nothing of it was relayed: the fallback failed (PT-8). The connection's framing cannot be
                        // trusted any more: close it rather than let the pool reuse it.
                        call.cancel();
                        closeQuietly(response);
                        answerFailedFallback(sink);
                        started.cancel(false);
                        done.accept(new FailOpenRecord(target.toString(), OptionalInt.empty(), forwardedNow,
                                "the origin's response is malformed: " + malformed));
                        return;
                    }
                    if (!handoff.compareAndSet(PENDING, TAKEN_BY_LOOP)) {
                        // The loop was blocked for longer than this thread waits: the response was closed unrelayed (PT-8).
                        answerFailedFallback(sink);
                        done.accept(new FailOpenRecord(target.toString(), OptionalInt.empty(), forwardedNow,
                                "the event loop did not take the origin's response within " + loopWait().toSeconds()
                                        + " s (was it blocked?), so it was not relayed"));
                        return;
                    }
                    EventLoop.ExternalOperation relaying = config.loop().beginExternal("relaying the origin's response body for " + target);
                    try {
                        startRelay(response, sink);
                        started.complete(relaying);
                    } catch (RuntimeException e) {
                        started.completeExceptionally(e);
                        relaying.complete(() -> done.accept(new FailOpenRecord(target.toString(), OptionalInt.of(response.code()), forwardedNow,
                                "relaying the origin's response failed: " + describe(e))));
                    }
                });
                EventLoop.ExternalOperation relaying;
                try {
                    relaying = awaitHandoff(started, handoff);
                } catch (Exception e) {
                    closeQuietly(response);
                    return; // the loop already answered and reported why, will when it runs, or is gone
                }
                String failure = null;
                try {
                    failure = relayBody(response, sink);
                } catch (RuntimeException e) {
                    failure = "relaying the origin's response failed: " + describe(e);
                } finally {
                    closeQuietly(response);
                    long forwarded = remainder == null ? 0 : remainder.forwarded.get();
                    String cause = failure;
                    relaying.complete(() -> done.accept(new FailOpenRecord(target.toString(), OptionalInt.of(response.code()), forwarded, cause)));
                }
            }
        });
    }

    private static final int PENDING = 0;
    private static final int TAKEN_BY_LOOP = 1;
    private static final int ABANDONED = 2;

    /**
     * The relay's operation once the loop has taken the response; throws if the loop answered otherwise, or if it did
     * not take the response within {@link #loopWait()} (then it never will relay it).
     */
    private EventLoop.ExternalOperation awaitHandoff(java.util.concurrent.CompletableFuture<EventLoop.ExternalOperation> started,
                                                     java.util.concurrent.atomic.AtomicInteger handoff) throws Exception {
        try {
            return started.get(loopWait().toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            if (handoff.compareAndSet(PENDING, ABANDONED)) {
                throw e;
            }
            return started.get(); // the loop took it just now and is about to say how the relay starts
        }
    }

    /** How long the origin's response waits for the event loop to take it before it is given up (PT-8). */
    protected java.time.Duration loopWait() {
        return java.time.Duration.ofSeconds(BODY_WAIT_SECONDS);
    }

    /**
     * Why the origin's response cannot be relayed as it came, or null when it can: a header the runtime's
     * {@link Headers} refuses, or framing that is not one plain {@code Content-Length} or that comes together with
     * {@code Transfer-Encoding} (RFC 9112 6.3: a possible response-splitting attempt). OkHttp reads such responses
     * leniently; relaying them would fail at the client side after the status had been chosen.
     */
    protected String malformedResponse(okhttp3.Response response) {
        Headers headers = new Headers();
        try {
            response.headers().forEach(pair -> headers.append(pair.getFirst(), pair.getSecond()));
        } catch (IllegalArgumentException e) {
            return describe(e);
        }
        java.util.List<String> lengths = headers.getAll("content-length");
        if (!lengths.isEmpty()) {
            if (headers.has("transfer-encoding")) {
                return "both Content-Length and Transfer-Encoding";
            }
            if (lengths.size() > 1 || !lengths.get(0).matches("[0-9]{1,18}")) {
                return "Content-Length " + lengths;
            }
        }
        return null;
    }

    /** Sends the origin's status and headers as they came (PT-6). */
    protected void startRelay(okhttp3.Response response, ResponseSink sink) {
        Headers headers = new Headers();
        response.headers().forEach(pair -> headers.append(pair.getFirst(), pair.getSecond()));
        sink.start(response.code(), headers);
    }

    /** Streams the origin's body as it comes; returns why it broke off, or null. */
    protected String relayBody(okhttp3.Response response, ResponseSink sink) {
        try (okhttp3.ResponseBody body = response.body()) {
            BufferedSource source = body.source();
            byte[] buffer = new byte[CHUNK];
            int n;
            while ((n = source.read(buffer)) != -1) {
                sink.write(Arrays.copyOf(buffer, n)).toCompletableFuture().get(BODY_WAIT_SECONDS, TimeUnit.SECONDS);
            }
            sink.end();
            return null;
        } catch (Exception e) {
            sink.fail(e);
            return "the origin's response body broke off after the headers were relayed: " + describe(e);
        }
    }

    private static void closeQuietly(okhttp3.Response response) {
        try {
            response.close();
        } catch (RuntimeException closeFailure) {
            // OkHttp can throw here for a response it parsed leniently (a negative Content-Length): the record must
            // still come, or the invocation never finishes.
        }
    }

    /** PT-8: a bare 500 with an empty body. */
    protected void answerFailedFallback(ResponseSink sink) {
        sink.start(500, Headers.of("content-length", "0"));
        sink.end();
    }

    /** The origin's scheme and authority with the original path and query (PT-5). */
    protected HttpUrl targetUrl(URI origin, URI source) {
        String path = source.getRawPath() == null || source.getRawPath().isEmpty() ? "/" : source.getRawPath();
        String query = source.getRawQuery() == null ? "" : "?" + source.getRawQuery();
        String base = origin.getScheme() + "://" + origin.getRawAuthority();
        HttpUrl url = HttpUrl.parse(base + path + query);
        if (url == null) {
            throw new IllegalArgumentException("cannot build a fail-open URL from origin " + origin + " and " + source);
        }
        return url;
    }

    /** The original headers minus hop-by-hop and framing headers; {@code Host} is the client's (PT-5). */
    protected Headers forwardedHeaders(IncomingRequest original, URI source) {
        Headers headers = new Headers();
        String host = original.headers().get("host");
        headers.set("host", host != null ? host : source.getRawAuthority());
        Http.forwardable(original.headers()).forEach(headers::append);
        return headers;
    }

    /** The unread remainder of the client's body (PT-7), or null when there is nothing to send. */
    protected RequestBody remainderBody(String method, RequestBodyTracker body) {
        long total = body.clientLength();
        long consumed = body.consumedBytes();
        if (Http.forbidsBody(method)) {
            return null;
        }
        if (total == 0) {
            return Http.requiresBody(method) ? new RemainderBody(body.remainder(), 0) : null;
        }
        // workerd 2026-11-23 sends a fully read body as chunked with zero bytes, and a partly read one with the
        // remaining Content-Length (PT-7 notes).
        long remaining = total < 0 || consumed >= total ? -1 : total - consumed;
        return new RemainderBody(body.remainder(), remaining);
    }

    static String describe(Throwable e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** Streams the remainder as OkHttp writes the request; never buffers it whole. */
    private static final class RemainderBody extends RequestBody {
        private final ByteSource source;
        private final long length;
        final AtomicLong forwarded = new AtomicLong();

        RemainderBody(ByteSource source, long length) {
            this.source = source;
            this.length = length;
        }

        @Override
        public MediaType contentType() {
            return null;
        }

        @Override
        public long contentLength() {
            return length;
        }

        @Override
        public boolean isOneShot() {
            return true;
        }

        @Override
        public void writeTo(BufferedSink sink) throws IOException {
            while (true) {
                byte[] chunk;
                try {
                    chunk = source.read(CHUNK).toCompletableFuture().get(BODY_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while reading the client's request body", e);
                } catch (ExecutionException e) {
                    throw new IOException("the client's request body failed: " + describe(e), e.getCause());
                } catch (TimeoutException e) {
                    throw new IOException("no request body data from the client for " + BODY_WAIT_SECONDS + " s", e);
                }
                if (chunk == null) {
                    return;
                }
                sink.write(chunk);
                forwarded.addAndGet(chunk.length);
            }
        }
    }
}
