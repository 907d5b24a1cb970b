package dev.ctxtestkit.runtime.internal;

import dev.ctxtestkit.runtime.Body;
import dev.ctxtestkit.runtime.EventLoop;
import dev.ctxtestkit.runtime.Headers;
import dev.ctxtestkit.runtime.Request;
import dev.ctxtestkit.runtime.Response;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.RequestBody;

/** {@code env.fetch}: an outbound request over OkHttp, answered on the event loop through the invocation. */
public final class OutboundFetch {
    private final RuntimeConfig config;

    public OutboundFetch(RuntimeConfig config) {
        this.config = config;
    }

    /**
     * @param deliver runs the completion on the loop as part of the invocation (it drops it once the invocation has
     *                finished, LIM-7)
     */
    public CompletionStage<Response> fetch(Request request, Consumer<Runnable> deliver) {
        CompletableFuture<Response> result = new CompletableFuture<>();
        request.bytes().whenComplete((bytes, readError) -> {
            if (readError != null) {
                result.completeExceptionally(readError);
                return;
            }
            send(request, bytes, result, deliver);
        });
        return result;
    }

    private void send(Request request, byte[] body, CompletableFuture<Response> result, Consumer<Runnable> deliver) {
        URI uri = request.uri();
        URI connectTo = config.globalOutbound() != null ? config.globalOutbound() : uri;
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        HttpUrl url = HttpUrl.parse(connectTo.getScheme() + "://" + connectTo.getRawAuthority() + path + query);
        if (url == null) {
            result.completeExceptionally(new IllegalArgumentException("cannot fetch " + request.url()));
            return;
        }
        Headers headers = new Headers();
        headers.set("host", uri.getRawAuthority());
        Http.forwardable(request.headers()).forEach(headers::append);
        RequestBody requestBody = Http.forbidsBody(request.method()) ? null
                : body.length == 0 && !Http.requiresBody(request.method()) ? null : RequestBody.create(body);
        okhttp3.Request outbound = Http.exactRequest(headers)
                .url(url)
                .method(request.method(), requestBody)
                .build();
        okhttp3.OkHttpClient http;
        try {
            http = config.http().get();
        } catch (RuntimeException e) { // the instance was closed: fail the fetch rather than leave it pending
            deliver.accept(() -> result.completeExceptionally(e));
            return;
        }
        // Begun only once nothing can fail before the call is enqueued: an operation never completed would keep the
        // loop busy for good, and with it hang detection (ERR-3) off.
        EventLoop.ExternalOperation operation = config.loop().beginExternal("fetch " + request.method() + " " + request.url());
        http.newCall(outbound).enqueue(new Callback() {
            @Override
            public void onFailure(Call call, IOException e) {
                operation.complete(() -> deliver.accept(() -> result.completeExceptionally(e)));
            }

            @Override
            public void onResponse(Call call, okhttp3.Response response) {
                try (response) {
                    Headers responseHeaders = new Headers();
                    response.headers().forEach(pair -> responseHeaders.append(pair.getFirst(), pair.getSecond()));
                    byte[] bytes = response.body().bytes();
                    Response answer = new Response(response.code(), responseHeaders, Body.of(bytes));
                    operation.complete(() -> deliver.accept(() -> result.complete(answer)));
                } catch (IOException | RuntimeException e) {
                    operation.complete(() -> deliver.accept(() -> result.completeExceptionally(e)));
                }
            }
        });
    }
}
