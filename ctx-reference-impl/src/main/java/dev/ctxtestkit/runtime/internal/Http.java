package dev.ctxtestkit.runtime.internal;

import dev.ctxtestkit.runtime.Headers;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;

/** OkHttp set up for forwarding: no redirects followed, no retries, and no headers added (PT-5, PT-6). */
public final class Http {
    /** Hop-by-hop headers (RFC 9110 section 7.6.1) and framing headers, which are never forwarded as they came. */
    static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
            "upgrade", "proxy-authenticate", "proxy-authorization", "content-length", "transfer-encoding");

    private Http() {
    }

    /** A client for one worker instance, with 30 s read/write timeouts; close it with {@link #close(OkHttpClient)}. */
    public static OkHttpClient newClient() {
        return newClient(Duration.ofSeconds(30));
    }

    /**
     * A client whose connects, reads and writes each give up after {@code timeout} (connects after at most 10 s):
     * a stalled origin cannot hold an invocation forever.
     */
    public static OkHttpClient newClient(Duration timeout) {
        Duration connect = timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10);
        // Every fail-open goes to one origin: OkHttp's default of 5 concurrent requests per host would queue the
        // sixth client (its body unread) behind the others.
        okhttp3.Dispatcher dispatcher = new okhttp3.Dispatcher();
        dispatcher.setMaxRequests(256);
        dispatcher.setMaxRequestsPerHost(256);
        return new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .followRedirects(false)
                .followSslRedirects(false)
                .retryOnConnectionFailure(false)
                .connectTimeout(connect)
                .readTimeout(timeout)
                .writeTimeout(timeout)
                .addNetworkInterceptor(Http::sendExactHeaders)
                .build();
    }

    /** Stops the client's threads and connections. */
    public static void close(OkHttpClient client) {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    /**
     * OkHttp adds {@code User-Agent}, {@code Accept-Encoding} and {@code Connection} on its own; a request tagged with
     * {@link ExactHeaders} goes out with exactly those headers plus the framing OkHttp computed for the body.
     */
    private static okhttp3.Response sendExactHeaders(Interceptor.Chain chain) throws IOException {
        okhttp3.Request request = chain.request();
        ExactHeaders exact = request.tag(ExactHeaders.class);
        if (exact == null) {
            return chain.proceed(request);
        }
        okhttp3.Headers.Builder headers = new okhttp3.Headers.Builder();
        exact.headers().forEach(headers::addUnsafeNonAscii);
        for (String framing : new String[] {"Content-Length", "Transfer-Encoding"}) {
            String value = request.header(framing);
            if (value != null) {
                headers.set(framing, value);
            }
        }
        return chain.proceed(request.newBuilder().headers(headers.build()).build());
    }

    /** The headers a forwarded request must carry, as given. */
    record ExactHeaders(Headers headers) {
    }

    /**
     * Starts an OkHttp request that goes out with exactly {@code headers}. OkHttp decompresses gzip transparently only
     * when it added {@code Accept-Encoding} itself; giving it one (the client's, or {@code identity}) turns that off, so
     * the origin's body is relayed byte for byte (PT-6), and the network interceptor then restores the exact headers.
     */
    static okhttp3.Request.Builder exactRequest(Headers headers) {
        String acceptEncoding = headers.get("accept-encoding");
        return new okhttp3.Request.Builder()
                .header("Accept-Encoding", acceptEncoding != null ? acceptEncoding : "identity")
                .tag(ExactHeaders.class, new ExactHeaders(headers));
    }

    /** The headers to forward: all but hop-by-hop ones, including any the {@code Connection} header names (RFC 9110 7.6.1). */
    static Headers forwardable(Headers original) {
        java.util.Set<String> connectionOptions = new java.util.HashSet<>();
        for (String value : original.getAll("connection")) {
            for (String option : value.split(",")) {
                if (!option.isBlank()) {
                    connectionOptions.add(option.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        Headers kept = new Headers();
        original.forEach((name, value) -> {
            if (!NOT_FORWARDED.contains(name) && !connectionOptions.contains(name) && !name.equals("host")) {
                kept.append(name, value);
            }
        });
        return kept;
    }

    static boolean forbidsBody(String method) {
        return method.equals("GET") || method.equals("HEAD");
    }

    static boolean requiresBody(String method) {
        return Set.of("POST", "PUT", "PATCH", "PROPPATCH", "REPORT").contains(method.toUpperCase(Locale.ROOT));
    }
}
