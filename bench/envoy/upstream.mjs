// The real upstream of npm run bench:envoy's "through an upstream" variants: a plain node:http
// server on 127.0.0.1 answering every request 200 "ok" with a Content-Length (keep-alive, as
// Envoy's HTTP/1.1 connection pool expects), pinned by run.ts to core 1 beside the load generator
// so Envoy keeps core 0 to itself. Node's own, so it runs wherever the kit does. Usage: node
// upstream.mjs PORT; prints "listening" once it accepts connections.
import { createServer } from "node:http";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: node upstream.mjs PORT");
  process.exit(2);
}
const body = Buffer.from("ok");
const server = createServer((req, res) => {
  req.resume(); // drain any request body, so the connection stays usable
  // x-upstream: run.ts checks that the variants routed here are answered from here
  res.writeHead(200, { "content-type": "text/plain", "content-length": body.length, "x-upstream": "bench" });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1", () => console.log("listening"));
