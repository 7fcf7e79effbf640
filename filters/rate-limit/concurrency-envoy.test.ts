// The concurrency limit in real Envoy 1.40 (two workers): a unit is held while a request is in
// flight and comes back however its stream ends — answered, reset by the client mid-request, or
// reset by the upstream — because Envoy calls on_log for every stream it destroys. Also what the
// limit's metrics are called in Envoy's /stats, and that they count what happened.
//
// Only the release build runs here: it is what Envoy runs (sdk/test/both-builds.test.ts covers the
// files that run guest code on the mock host; this one runs none there).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect as tcpConnect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { startEnvoy, envoyRuntime, type RunningEnvoy } from "@filterkit/envoy";

const here = dirname(fileURLToPath(import.meta.url));
const skip = envoyRuntime();
const CONFIG = { limits: [{ name: "in-flight", algorithm: "concurrency", max: 1 }] };

/** An upstream that answers /quick at once, holds /hold until told, and resets /reset after a moment. */
class HoldingUpstream {
  held: ServerResponse[] = [];
  arrived = 0;
  private server = createServer((req: IncomingMessage, res: ServerResponse) => {
    this.arrived++;
    if (req.url === "/hold") this.held.push(res);
    else if (req.url === "/reset") setTimeout(() => req.socket.destroy(), 100);
    else res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  });
  async start(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    return (this.server.address() as AddressInfo).port;
  }
  async stop(): Promise<void> {
    for (const r of this.held) r.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const statusOf = async (envoy: RunningEnvoy, path: string): Promise<number> => {
  const r = await request(`${envoy.url}${path}`, { headers: { host: "example.com" } });
  await r.body.text();
  return r.statusCode;
};

/** A raw HTTP/1.1 request left open (no answer read), to be destroyed by the test. */
function openRequest(envoy: RunningEnvoy, path: string): Promise<Socket> {
  const { hostname, port } = new URL(envoy.url);
  return new Promise((resolve, reject) => {
    const s = tcpConnect(Number(port), hostname, () => {
      s.write(`GET ${path} HTTP/1.1\r\nhost: example.com\r\n\r\n`);
      resolve(s);
    });
    s.on("error", reject);
  });
}

async function until(what: string, f: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The filter's counters in Envoy's /stats, by their full name there. */
async function stats(envoy: RunningEnvoy): Promise<Record<string, number>> {
  const text = await (await request(`${envoy.adminUrl}/stats?filter=${encodeURIComponent("^wasmcustom\\.ratelimit\\.")}`)).body.text();
  return Object.fromEntries(text.trim().split("\n").filter((l) => l.includes(": ")).map((l) => {
    const [k, v] = l.split(": ");
    return [k, Number(v)];
  }));
}

describe.skipIf(skip !== null)(`the concurrency limit in real Envoy${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 60_000 }, () => {
  it("a unit comes back when the request is answered, reset by the client, or reset by the upstream", async () => {
    const upstream = new HoldingUpstream();
    const port = await upstream.start();
    const envoy = await startEnvoy({
      upstreamPort: port, concurrency: 2,
      plugins: [{ name: "rate_limit", rootId: "rate_limit", vmId: "rate_limit", wasm: join(here, "build", "release.wasm"), configuration: JSON.stringify(CONFIG), failurePolicy: "FAIL_CLOSED" }],
    });
    try {
      // answered: one at a time, each after the previous one ended
      expect(await statusOf(envoy, "/quick")).toBe(200);
      expect(await statusOf(envoy, "/quick")).toBe(200);

      // held: the one unit is taken, a second request is refused
      const client = await openRequest(envoy, "/hold");
      await until("the held request to reach the upstream", () => upstream.held.length === 1);
      expect(await statusOf(envoy, "/quick")).toBe(429);

      // the client resets mid-request: Envoy destroys the stream, on_log gives the unit back
      client.destroy();
      await until("the unit to come back after the client's reset", async () => (await statusOf(envoy, "/quick")) === 200);

      // the upstream resets: Envoy answers 503 itself, the stream ends, the unit comes back
      expect(await statusOf(envoy, "/reset")).toBe(503);
      expect(await statusOf(envoy, "/quick")).toBe(200);

      const s = await stats(envoy);
      // Envoy lists a Wasm filter's own metrics under the wasmcustom namespace
      const m = (name: string) => `wasmcustom.ratelimit.in-flight.${name}`;
      expect(Object.keys(s).sort()).toEqual(["allowed", "cas_exhausted", "cas_retries", "evictions", "limited", "shadow_limited"].map(m));
      // admitted: 2 answered, the held one, at least one after the client's reset, /reset, the last
      expect(s[m("allowed")]).toBeGreaterThanOrEqual(6);
      expect(s[m("limited")]).toBeGreaterThanOrEqual(1);
      expect(s[m("cas_exhausted")]).toBe(0);
      expect(s[m("evictions")]).toBe(0);
    } finally {
      await envoy.stop();
      await upstream.stop();
    }
  });
});
