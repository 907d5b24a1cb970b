package dev.ctxtestkit.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestResponseTest {

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, SECONDS);
    }

    @Nested
    class Requests {

        @Test
        void methodIsNormalisedAsFetchDoesAndUrlKept() {
            Request request = new Request("put", "http://worker.test/a?b=c", new Headers(), Body.empty());

            assertThat(request.method()).isEqualTo("PUT");
            assertThat(request.url()).isEqualTo("http://worker.test/a?b=c");
            assertThat(request.uri().getRawQuery()).isEqualTo("b=c");
            assertThat(request).hasToString("PUT http://worker.test/a?b=c");
            // fetch upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT: "patch" stays as written.
            assertThat(new Request("patch", "http://worker.test/", new Headers(), Body.empty()).method()).isEqualTo("patch");
            assertThatThrownBy(() -> new Request("GE T", "http://worker.test/", new Headers(), Body.empty()))
                    .hasMessageContaining("not an HTTP method");
        }

        @Test
        void relativeUrlIsRejected() {
            assertThatThrownBy(() -> Request.get("/relative"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("absolute")
                    .hasMessageContaining("/relative");
        }

        @Test
        void postCarriesAUtf8TextBody() throws Exception {
            Request request = Request.post("http://worker.test/", "grüße");

            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.body().length()).isEqualTo("grüße".getBytes(UTF_8).length);
            assertThat(await(request.text())).isEqualTo("grüße");
            assertThat(request.bodyUsed()).isTrue();
        }

        @Test
        void body1_secondReadOfARequestFails() throws Exception {
            Request request = Request.post("http://worker.test/", "x");
            await(request.text());

            assertThatThrownBy(() -> await(request.bytes()))
                    .hasCauseInstanceOf(IllegalStateException.class)
                    .hasRootCauseMessage(Body.ALREADY_USED);
        }

        @Test
        void body2_cloneTeesSoBothReadTheFullBody() throws Exception {
            Request original = Request.post("http://worker.test/p", "payload");

            Request copy = original.clone();

            assertThat(original.bodyUsed()).isFalse();
            assertThat(copy.bodyUsed()).isFalse();
            assertThat(copy.method()).isEqualTo("POST");
            assertThat(copy.url()).isEqualTo("http://worker.test/p");
            assertThat(await(original.text())).isEqualTo("payload");
            assertThat(await(copy.text())).isEqualTo("payload");
        }

        @Test
        void body2_cloneOfAMultiChunkBodyGivesBothTheFullContent() throws Exception {
            byte[] data = new byte[200_000];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) i;
            }
            Request original = new Request("PUT", "http://worker.test/", new Headers(), Body.of(ByteSource.of(data, 1000)));

            Request copy = original.clone();

            assertThat(await(copy.bytes())).isEqualTo(data);
            assertThat(await(original.bytes())).isEqualTo(data);
        }

        @Test
        void body2_cloneHasIndependentHeaders() {
            Request original = new Request("GET", "http://worker.test/", Headers.of("x-a", "1"), Body.empty());

            Request copy = original.clone();
            copy.headers().set("x-a", "2");

            assertThat(original.headers().get("x-a")).isEqualTo("1");
            assertThat(copy.headers().get("x-a")).isEqualTo("2");
        }

        @Test
        void body2_cloneAfterTheBodyWasUsedThrows() throws Exception {
            Request request = Request.post("http://worker.test/", "x");
            await(request.text());

            assertThatThrownBy(request::clone).isInstanceOf(IllegalStateException.class).hasMessage(Body.ALREADY_USED);
        }

        @Test
        void body2_cloneAfterAReaderWasTakenThrows() {
            Request request = Request.post("http://worker.test/", "x");
            request.body().reader();

            assertThatThrownBy(request::clone).isInstanceOf(IllegalStateException.class).hasMessage(Body.ALREADY_USED);
        }
    }

    @Nested
    class Responses {

        @ParameterizedTest
        @ValueSource(ints = {-1, 0, 100, 101, 199, 600, 999})
        void statusOutside200To599IsRejected(int status) {
            assertThatThrownBy(() -> new Response(status, new Headers(), Body.empty()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("response status must be in 200..599, got " + status);
        }

        @ParameterizedTest
        @ValueSource(ints = {200, 204, 299, 404, 500, 599})
        void statusInside200To599IsAccepted(int status) {
            assertThat(Response.empty(status).status()).isEqualTo(status);
        }

        @Test
        void textSetsTheContentTypeAndA200() throws Exception {
            Response response = Response.text("hi");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.headers().get("Content-Type")).isEqualTo("text/plain;charset=UTF-8");
            assertThat(await(response.text())).isEqualTo("hi");
        }

        @Test
        void streamBodyHasUnknownLengthAndEmptyHasZero() {
            assertThat(Response.stream(200, new BodyPipe().source()).body().length()).isEqualTo(-1);
            assertThat(Response.empty(204).body().length()).isZero();
            assertThat(Response.of(201, new byte[3]).body().length()).isEqualTo(3);
        }

        @Test
        void body2_cloneTeesAndKeepsStatusAndHeaders() throws Exception {
            Response original = Response.text(299, "both");

            Response copy = original.clone();

            assertThat(copy.status()).isEqualTo(299);
            assertThat(copy.headers()).isEqualTo(original.headers()).isNotSameAs(original.headers());
            assertThat(await(copy.text())).isEqualTo("both");
            assertThat(await(original.text())).isEqualTo("both");
        }

        @Test
        void body2_cloneOfAUsedResponseThrows() throws Exception {
            Response response = Response.text("x");
            await(response.bytes());

            assertThatThrownBy(response::clone).isInstanceOf(IllegalStateException.class).hasMessage(Body.ALREADY_USED);
            assertThat(response.bodyUsed()).isTrue();
        }
    }

    @Nested
    class IncomingRequests {

        @Test
        void ofAddsContentLengthAndKeepsTheWireMethod() {
            IncomingRequest request = IncomingRequest.of("put", "http://worker.test/", new byte[7]);

            assertThat(request.method()).as("methods are case-sensitive on the wire").isEqualTo("put");
            assertThat(request.headers().get("content-length")).isEqualTo("7");
            assertThat(request.body().length()).isEqualTo(7);
        }

        @Test
        void headersAreCopiedDefensively() {
            Headers headers = Headers.of("x-a", "1");
            IncomingRequest request = new IncomingRequest("GET", "http://worker.test/", headers, null);

            headers.set("x-a", "changed");
            IncomingRequest withHeader = request.withHeader("x-b", "2");

            assertThat(request.headers().get("x-a")).isEqualTo("1");
            assertThat(request.headers().has("x-b")).isFalse();
            assertThat(withHeader.headers().get("x-b")).isEqualTo("2");
            assertThat(request.body().length()).isZero();
        }
    }

    @Nested
    class Limits {

        @Test
        void lim4_defaultIsThirtySeconds() {
            assertThat(Limit.DEFAULT.duration()).contains(Duration.ofSeconds(30));
            assertThat(Limit.DEFAULT.isUnlimited()).isFalse();
        }

        @Test
        void lim4_unlimitedHasNoDuration() {
            assertThat(Limit.unlimited().isUnlimited()).isTrue();
            assertThat(Limit.unlimited().duration()).isEmpty();
            assertThat(Limit.unlimited()).hasToString("unlimited");
        }

        @Test
        void lim4_ofRejectsZeroAndNegativeDurations() {
            assertThatThrownBy(() -> Limit.of(Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("limit must be positive")
                    .hasMessageContaining("Limit.unlimited()");
            assertThatThrownBy(() -> Limit.of(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        }

        @ParameterizedTest
        @ValueSource(strings = {"unlimited", "UNLIMITED", " Unlimited "})
        void lim4_parseUnlimitedIgnoringCaseAndSpace(String text) {
            assertThat(Limit.parse(text)).isSameAs(Limit.unlimited());
        }

        @Test
        void lim4_parseMillisecondsAndIsoDurations() {
            assertThat(Limit.parse("30000")).isEqualTo(Limit.DEFAULT);
            assertThat(Limit.parse(" 1500 ").duration()).contains(Duration.ofMillis(1500));
            assertThat(Limit.parse("PT30S")).isEqualTo(Limit.DEFAULT);
            assertThat(Limit.parse("pt2m").duration()).contains(Duration.ofMinutes(2));
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "   ", "abc", "30s", "-5", "+30", "1.5", "0", "PT0S", "PT-1S", "99999999999999999999999"})
        void lim4_parseRejectsBadInputNamingItAndTheAcceptedForms(String text) {
            assertThatThrownBy(() -> Limit.parse(text))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("not a limit: '" + text + "' (expected 'unlimited', milliseconds, or an ISO-8601 duration like PT30S)");
        }

        @Test
        void lim4_parseOfZeroKeepsThePositivityReasonAsTheCause() {
            assertThatThrownBy(() -> Limit.parse("0"))
                    .cause().isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit must be positive");
        }

        @Test
        void parseNullIsANullPointerException() {
            assertThatThrownBy(() -> Limit.parse(null)).isInstanceOf(NullPointerException.class);
        }

        @Test
        void equalLimitsAreEqual() {
            assertThat(Limit.of(Duration.ofSeconds(5))).isEqualTo(Limit.parse("PT5S")).hasSameHashCodeAs(Limit.parse("5000"))
                    .isNotEqualTo(Limit.unlimited()).hasToString("PT5S");
        }
    }
}
