package dev.ctxtestkit.runtime.internal;

import java.time.Duration;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;

/**
 * A worker instance's OkHttp client, made on first use: most instances in tests never fetch, and the first client in
 * a JVM costs about 100 ms (TLS set-up), so building it eagerly made every cold test pay for it.
 */
public final class LazyHttpClient implements Supplier<OkHttpClient> {
    private final Supplier<OkHttpClient> factory;
    private OkHttpClient client;
    private boolean closed;

    private LazyHttpClient(Supplier<OkHttpClient> factory) {
        this.factory = factory;
    }

    /** A client with {@code timeout} read/write timeouts, built when first needed. */
    public static LazyHttpClient withTimeout(Duration timeout) {
        return new LazyHttpClient(() -> Http.newClient(timeout));
    }

    /** An existing client, which {@link #close()} also closes. */
    public static LazyHttpClient of(OkHttpClient existing) {
        return new LazyHttpClient(() -> existing);
    }

    @Override
    public synchronized OkHttpClient get() {
        if (closed) {
            throw new IllegalStateException("the worker instance is closed: no more outbound requests");
        }
        if (client == null) {
            client = factory.get();
        }
        return client;
    }

    /** Closes the client if it was ever made. */
    public synchronized void close() {
        closed = true;
        if (client != null) {
            Http.close(client);
        }
    }
}
