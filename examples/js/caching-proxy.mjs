// The seed's first JavaScript example: proxy to the origin, add x-foo: bar, and store the answer in a cache with
// ctx.waitUntil, so the client never waits for the write (WU-5). The CACHE binding is a service that stores what it
// is PUT; in the tests it is the mock origin, so the write can be seen.
export default {
  async fetch(request, env, ctx) {
    const upstream = await fetch(request);
    const response = new Response(upstream.body, upstream);
    response.headers.set("x-foo", "bar");
    const copy = response.clone();
    ctx.waitUntil(
      copy.arrayBuffer().then((body) =>
        env.CACHE.fetch("http://cache.internal/store?key=" + encodeURIComponent(request.url), { method: "PUT", body }),
      ),
    );
    return response;
  },
};
