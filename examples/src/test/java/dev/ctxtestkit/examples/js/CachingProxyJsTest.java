package dev.ctxtestkit.examples.js;

import static dev.ctxtestkit.testkit.CtxAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ctxtestkit.junit.Workerd;
import dev.ctxtestkit.junit.WorkerdWorker;
import dev.ctxtestkit.testkit.MockOrigin;
import dev.ctxtestkit.testkit.ReceivedRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The JavaScript caching proxy in real workerd, its origin and its cache both the test's mock origin. */
@Workerd(script = "../examples/js/caching-proxy.mjs", originBindings = "CACHE")
class CachingProxyJsTest {
    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void wu5_answersWithTheHeaderBeforeTheSlowCacheWriteFinishes(WorkerdWorker worker, MockOrigin origin) throws Exception {
        origin.route("/item", new MockResponse.Builder().code(200).body("hello").build());
        // The cache takes 2 s to answer its PUT: the client must not wait for it.
        origin.route("/store", new MockResponse.Builder().code(204).headersDelay(2, TimeUnit.SECONDS).build());

        long start = System.nanoTime();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(worker.url("/item?id=1")).build(), HttpResponse.BodyHandlers.ofString());
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-foo")).hasValue("bar");
        assertThat(response.body()).isEqualTo("hello");
        assertThat(millis).as("the response did not wait for the 2 s cache write").isLessThan(1_500);

        List<ReceivedRequest> writes = Awaitility.await("the cache write reaches the cache").atMost(Duration.ofSeconds(10))
                .until(() -> origin.receivedUnder("/store"), list -> !list.isEmpty());
        assertThat(writes.get(0)).hasMethod("PUT").hasBody("hello");
        assertThat(writes.get(0).target()).contains("key=" + java.net.URLEncoder.encode(worker.url("/item?id=1").toString(), java.nio.charset.StandardCharsets.UTF_8)
                .replace("+", "%20"));
    }

    @Test
    void wu6_aFailingCacheWriteDoesNotChangeTheResponse(WorkerdWorker worker, MockOrigin origin) throws Exception {
        origin.route("/item", new MockResponse.Builder().code(200).body("hello").build());
        origin.route("/store", new MockResponse.Builder().code(503).build());

        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(worker.url("/item").toString())).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello");
        Awaitility.await("the cache write was attempted").atMost(Duration.ofSeconds(10)).until(() -> !origin.receivedUnder("/store").isEmpty());
    }
}
