// P5 for workerd: the JavaScript equivalent of FetchProxyWorker. Proxies every request to the origin (the worker's
// globalOutbound) and registers one waitUntil task of ?task=<ms> (0 by default) per request.
export default {
  async fetch(request, env, ctx) {
    const ms = Number(new URL(request.url).searchParams.get("task") ?? "0");
    const upstream = await fetch("http://origin.internal/");
    ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, ms)));
    return new Response(upstream.body, upstream);
  },
};
