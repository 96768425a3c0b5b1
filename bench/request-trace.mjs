// Preloaded into a bundle's process (`NODE_OPTIONS=--import bench/request-trace.mjs`) by bench/deploy.mjs:
// appends one JSON line per outgoing HTTP request (Node's fetch and node:http alike, through their
// diagnostics channels) to $MLOPS_BENCH_REQUEST_LOG: method, origin and path, start and end in ms since
// the process started. Observes only; changes nothing the action does.
import { appendFileSync } from "node:fs";
import { subscribe } from "node:diagnostics_channel";

const file = process.env.MLOPS_BENCH_REQUEST_LOG;
if (file) {
  const open = new WeakMap();
  const begin = (key, method, origin, path) =>
    open.set(key, { method, origin, path, start: performance.now() });
  const end = (key) => {
    const entry = open.get(key);
    if (!entry) return;
    open.delete(key);
    appendFileSync(file, `${JSON.stringify({ ...entry, end: performance.now() })}\n`);
  };
  subscribe("undici:request:create", ({ request }) =>
    begin(request, request.method, request.origin, request.path),
  );
  subscribe("undici:request:trailers", ({ request }) => end(request));
  subscribe("undici:request:error", ({ request }) => end(request));
  subscribe("http.client.request.start", ({ request }) =>
    begin(request, request.method, `${request.protocol}//${request.host}`, request.path),
  );
  subscribe("http.client.response.finish", ({ request }) => end(request));
  subscribe("http.client.request.error", ({ request }) => end(request));
  appendFileSync(file, `${JSON.stringify({ started: performance.now() })}\n`);
  process.on("exit", () => appendFileSync(file, `${JSON.stringify({ exited: performance.now() })}\n`));
}
