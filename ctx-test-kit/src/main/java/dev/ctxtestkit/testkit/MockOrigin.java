package dev.ctxtestkit.testkit;

import dev.ctxtestkit.runtime.Headers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * A mock origin on a loopback ephemeral port, built on OkHttp's MockWebServer: the fail-open target and the sink of
 * beacons (analytics posts, cache fills) of the worker under test.
 *
 * <p>Answers come from, in order: a {@linkplain #dispatcher custom dispatcher}; a {@linkplain #route route} whose
 * path prefix matches (not consumed: for beacons); the {@linkplain #enqueue queue} (consumed in order). A request
 * that none of them answers gets {@code 404} with a body saying so; in {@linkplain #strict strict mode} it is also
 * reported by {@link #verify()}, as is any queued answer left unconsumed.
 *
 * <p>{@link #takeRequest()} waits a bounded time (5 s by default) and fails with what did arrive: it never blocks
 * forever. Close it (try-with-resources) to free the port; usable without JUnit.
 */
public final class MockOrigin implements AutoCloseable {
    /** The default bound of {@link #takeRequest()}. */
    public static final Duration DEFAULT_TAKE_TIMEOUT = Duration.ofSeconds(5);

    private final MockWebServer server = new MockWebServer();
    private final Object lock = new Object();
    private final ArrayDeque<MockResponse> queue = new ArrayDeque<>();
    private final Map<String, MockResponse> routes = new LinkedHashMap<>();
    private final List<ReceivedRequest> received = new ArrayList<>();
    private final List<ReceivedRequest> unexpected = new ArrayList<>();
    private final LinkedBlockingDeque<ReceivedRequest> untaken = new LinkedBlockingDeque<>();
    private Function<ReceivedRequest, MockResponse> dispatcher;
    private volatile boolean strict;
    private volatile Duration takeTimeout = DEFAULT_TAKE_TIMEOUT;

    private MockOrigin() {
    }

    /** Starts a mock origin on 127.0.0.1 and an ephemeral port. */
    public static MockOrigin start() {
        MockOrigin origin = new MockOrigin();
        origin.server.setDispatcher(origin.new Recorder());
        try {
            origin.server.start(InetAddress.getLoopbackAddress(), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the mock origin on a loopback port", e);
        }
        return origin;
    }

    /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** {@link #url()} followed by {@code path}. */
    public String url(String path) {
        return url() + (path.startsWith("/") ? path : "/" + path);
    }

    public int port() {
        return server.getPort();
    }

    /** Queues an answer for the next request that no route or dispatcher answers. */
    public MockOrigin enqueue(MockResponse response) {
        synchronized (lock) {
            queue.add(Objects.requireNonNull(response, "response"));
        }
        return this;
    }

    /** Queues {@code status} with a text body. */
    public MockOrigin enqueue(int status, String body) {
        return enqueue(new MockResponse.Builder().code(status).body(body).build());
    }

    /**
     * Answers every request whose path starts with {@code pathPrefix} with {@code response}, without consuming it; when
     * several routes match, the longest prefix wins.
     */
    public MockOrigin route(String pathPrefix, MockResponse response) {
        synchronized (lock) {
            routes.put(Objects.requireNonNull(pathPrefix, "pathPrefix"), Objects.requireNonNull(response, "response"));
        }
        return this;
    }

    /** Answers every request whose path starts with {@code pathPrefix} with {@code 204}: for beacons. */
    public MockOrigin acceptBeacons(String pathPrefix) {
        return route(pathPrefix, new MockResponse.Builder().code(204).build());
    }

    /** Answers every request with {@code dispatcher}, ahead of routes and queue; {@code null} removes it. */
    public MockOrigin dispatcher(Function<ReceivedRequest, MockResponse> dispatcher) {
        synchronized (lock) {
            this.dispatcher = dispatcher;
        }
        return this;
    }

    /** In strict mode, {@link #verify()} fails for unanswered requests and for unconsumed queued answers. */
    public MockOrigin strict(boolean value) {
        this.strict = value;
        return this;
    }

    public boolean isStrict() {
        return strict;
    }

    /** The bound of {@link #takeRequest()}. */
    public MockOrigin takeTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("takeTimeout must be positive: " + timeout);
        }
        this.takeTimeout = timeout;
        return this;
    }

    /**
     * The next request not yet taken, waiting at most the take timeout (5 s by default).
     *
     * @throws AssertionError when none arrives in time; the message lists what did arrive
     */
    public ReceivedRequest takeRequest() {
        return takeRequest(takeTimeout);
    }

    /** {@link #takeRequest()} with an explicit bound. */
    public ReceivedRequest takeRequest(Duration timeout) {
        try {
            ReceivedRequest request = untaken.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (request == null) {
                throw new AssertionError("expected a request at the mock origin within " + timeout.toMillis() + " ms, but none arrived; received so far: "
                        + describe(received()));
            }
            return request;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a request at the mock origin", e);
        }
    }

    /** Every request received so far, in arrival order. */
    public List<ReceivedRequest> received() {
        synchronized (lock) {
            return List.copyOf(received);
        }
    }

    /** The requests received so far that {@code filter} accepts. */
    public List<ReceivedRequest> received(Predicate<ReceivedRequest> filter) {
        return received().stream().filter(filter).toList();
    }

    /** The requests received so far whose path starts with {@code pathPrefix}. */
    public List<ReceivedRequest> receivedUnder(String pathPrefix) {
        return received(r -> r.path().startsWith(pathPrefix));
    }

    public int requestCount() {
        synchronized (lock) {
            return received.size();
        }
    }

    /**
     * Checks strict-mode expectations: every request was answered by a dispatcher, a route or the queue, and the
     * queue is empty. Does nothing when not strict.
     *
     * @throws AssertionError listing the unanswered requests and the unconsumed answers
     */
    public void verify() {
        if (!strict) {
            return;
        }
        List<String> problems = new ArrayList<>();
        synchronized (lock) {
            if (!unexpected.isEmpty()) {
                problems.add("unexpected request(s), with no answer queued or routed: " + describe(unexpected));
            }
            if (!queue.isEmpty()) {
                problems.add(queue.size() + " queued answer(s) never requested: " + queue.stream().map(MockResponse::getStatus).toList());
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("strict mock origin " + url() + ": " + String.join("; ", problems));
        }
    }

    @Override
    public void close() {
        server.close();
    }

    @Override
    public String toString() {
        return "MockOrigin[" + url() + ", " + requestCount() + " received]";
    }

    private static String describe(List<ReceivedRequest> requests) {
        return requests.isEmpty() ? "(nothing)" : requests.stream().map(ReceivedRequest::toString).toList().toString();
    }

    private final class Recorder extends Dispatcher {
        @Override
        public MockResponse dispatch(RecordedRequest recorded) {
            Headers headers = new Headers();
            recorded.getHeaders().forEach(pair -> headers.append(pair.getFirst(), pair.getSecond()));
            byte[] body = recorded.getBody() == null ? new byte[0] : recorded.getBody().toByteArray();
            ReceivedRequest request;
            MockResponse answer;
            synchronized (lock) {
                request = new ReceivedRequest(received.size() + 1, recorded.getMethod(), recorded.getTarget(), headers, body);
                received.add(request);
                answer = answerFor(request);
            }
            untaken.add(request);
            return answer;
        }

        private MockResponse answerFor(ReceivedRequest request) {
            if (dispatcher != null) {
                MockResponse custom = dispatcher.apply(request);
                if (custom != null) {
                    return custom;
                }
            }
            // The longest matching prefix wins, so a specific route can override a general one.
            MockResponse routed = null;
            int longest = -1;
            for (Map.Entry<String, MockResponse> route : routes.entrySet()) {
                if (request.path().startsWith(route.getKey()) && route.getKey().length() > longest) {
                    routed = route.getValue();
                    longest = route.getKey().length();
                }
            }
            if (routed != null) {
                return routed;
            }
            MockResponse queued = queue.poll();
            if (queued != null) {
                return queued;
            }
            unexpected.add(request);
            return new MockResponse.Builder().code(404)
                    .body("ctx-test-kit MockOrigin: no answer queued or routed for " + request.method() + " " + request.target()).build();
        }
    }
}
