// The seed's second JavaScript example: call ctx.passThroughOnException() first, then fail. workerd forwards the
// original request to the origin (PT-3, PT-5) with only the part of the body the worker has not read (PT-7).
// ?peek reads the first chunk of the body before failing; /stream answers with a body that breaks after its first
// part, and once the headers are out there is no fail-open (PT-4).
export default {
  async fetch(request, env, ctx) {
    ctx.passThroughOnException();
    const url = new URL(request.url);
    if (url.pathname === "/stream") {
      const encoder = new TextEncoder();
      let sent = false;
      const body = new ReadableStream({
        async pull(controller) {
          if (!sent) {
            sent = true;
            controller.enqueue(encoder.encode("part 1\n"));
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 10));
          controller.error(new Error("the report generator crashed"));
        },
      });
      return new Response(body, { status: 200 });
    }
    if (url.searchParams.has("peek")) {
      await request.body.getReader().read();
    }
    throw new Error("the worker's own logic failed");
  },
};
