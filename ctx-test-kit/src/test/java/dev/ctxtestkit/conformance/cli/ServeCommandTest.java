package dev.ctxtestkit.conformance.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class ServeCommandTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final OkHttpClient client = new OkHttpClient();

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void servesTheDemoWorkerPrintsEachInvocationAndStopsCleanly() throws Exception {
        ServeCommand.Running running = ServeCommand.start(new String[] {"--port", "0"}, out);
        String url = running.server().url().toString();
        assertThat(output()).contains("serving the demo worker on " + url, "Ctrl-C to stop");

        try (okhttp3.Response response = client.newCall(new Request.Builder().url(url + "/hello").build()).execute()) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.body().string()).contains("hello from the ctx-test-kit reference runtime");
        }
        try (okhttp3.Response response = client.newCall(new Request.Builder().url(url + "/fail").build()).execute()) {
            assertThat(response.code()).as("no origin configured: PT-8's bare 500").isEqualTo(500);
            assertThat(response.body().string()).isEmpty();
        }
        running.stop(out);

        assertThat(output()).contains("GET " + url + "/fail -> fail-open 500, outcome exception")
                .contains("GET " + url + "/hello -> 200, outcome ok, 1 task(s): 1 resolved")
                .contains("stopped: ");
    }

    @Test
    void shutdownCancelsWhatOutlivesTheGraceAndSaysSo() throws Exception {
        ServeCommand.Running running = ServeCommand.start(new String[] {"--port", "0", "--limit", "PT0.2S"}, out);
        String url = running.server().url().toString();
        try (okhttp3.Response response = client.newCall(new Request.Builder().url(url + "/").build()).execute()) {
            assertThat(response.code()).isEqualTo(200);
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> output().contains("cancelled, finished after"));
        running.stop(out);
        assertThat(output()).contains("-> 200, outcome ok, 1 task(s): 0 resolved, 0 rejected, 1 cancelled");
    }

    @Test
    void badOptionsSayWhatIsWrong() {
        assertThatThrownBy(() -> ServeCommand.start(new String[] {"--port", "eighty"}, out)).hasMessageContaining("--port needs a number, got 'eighty'");
        assertThatThrownBy(() -> ServeCommand.start(new String[] {"--worker", "com.example.Nope"}, out)).hasMessageContaining("unknown worker 'com.example.Nope'");
        assertThatThrownBy(() -> ServeCommand.start(new String[] {"--worker", "java.lang.String"}, out)).hasMessageContaining("neither a FetchHandler nor a WorkerEntrypoint");
        assertThatThrownBy(() -> ServeCommand.start(new String[] {"--frobnicate"}, out)).hasMessageContaining("unknown option '--frobnicate'");
        assertThatThrownBy(() -> ServeCommand.start(new String[] {"--origin", "ftp://x"}, out)).hasMessageContaining("must be an http(s) URL");
    }

    @Test
    void helpPrintsUsage() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ConformanceMain.run(new String[] {"serve", "--help"}, out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isZero();
        assertThat(output()).contains("usage: ctx-conformance serve", "--worker NAME");
    }
}
