// The example filter (filters/add-header) in real Envoy, checked over HTTP the way its mock-host
// tests check it: the header on every response from both worker VMs, the request untouched
// upstream, and a bad configuration refused at load with the filter's own error line.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost } from "@filterkit/host-mock";
import { connect, send, EnvoyStartError, startEnvoy, envoyRuntime, RecordingUpstream, type RunningEnvoy } from "@filterkit/envoy";
import { recordEnvoyStart } from "./src/report.ts";

const skip = envoyRuntime();
const WASM = fileURLToPath(new URL("../filters/add-header/build/release.wasm", import.meta.url));
const CONFIG = JSON.stringify({ name: "x-powered-by", value: "filterkit" });
const plugin = (configuration: string) => ({ name: "add_header", rootId: "add_header", vmId: "example", wasm: WASM, configuration, failurePolicy: "FAIL_CLOSED" as const });

describe.skipIf(skip !== null)(`add-header in real Envoy${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 60_000 }, () => {
  const upstream = new RecordingUpstream(() => ({ status: 200, headers: [["content-type", "text/plain"]], body: "hello from upstream" }));
  let envoy: RunningEnvoy;

  beforeAll(async () => {
    const port = await upstream.start();
    envoy = await startEnvoy({ upstreamPort: port, plugins: [plugin(CONFIG)] });
    recordEnvoyStart("example-filter", envoy);
  }, 120_000);

  afterAll(async () => {
    await envoy?.stop();
    await upstream.stop();
  });

  it("adds the header to the response and leaves the request alone, as on the mock host", async () => {
    const client = connect(envoy.url);
    const r = await send(client, { method: "GET", path: "/hello?x=1", headers: [["host", "example.com"], ["x-client", "1"]], chunks: [] });
    await client.close();
    expect(r.status).toBe(200);
    expect(r.headers).toContainEqual(["x-powered-by", "filterkit"]);
    expect(r.body).toBe("hello from upstream");
    const got = upstream.received.at(-1);
    expect(got?.path).toBe("/hello?x=1");
    expect(got?.headers).toContainEqual(["x-client", "1"]);
    expect(got?.headers.some(([k]) => k === "x-powered-by")).toBe(false);

    // the same request on the mock host gives the same response header list (minus Envoy's own)
    const host = createHost({ wasm: WASM, rootId: "add_header", pluginConfig: CONFIG });
    const s = host.newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", "/hello?x=1"], [":authority", "example.com"], ["x-client", "1"]], true);
    s.sendResponseHeaders([[":status", "200"], ["content-type", "text/plain"], ["content-length", "19"]], false);
    s.sendResponseBody("hello from upstream", true);
    s.complete();
    const ours = new Set(["date", "server", "x-envoy-upstream-service-time"]);
    expect(r.headers.filter(([k]) => !ours.has(k))).toEqual(s.response.headers.filter(([k]) => k !== ":status"));
  });

  it("answers 200 requests on fresh connections, spread over both workers, all with the header", async () => {
    const statuses = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      const client = connect(envoy.url);
      try {
        const r = await send(client, { method: "GET", path: `/n/${i}`, headers: [["host", "example.com"]], chunks: [] });
        return r.status === 200 && r.headers.some(([k, v]) => k === "x-powered-by" && v === "filterkit");
      } finally {
        await client.close();
      }
    }));
    expect(statuses.filter((ok) => !ok)).toEqual([]);
    // each worker runs its own VM of the plugin: Envoy's stats show more than one active
    const stats = await (await fetch(`${envoy.adminUrl}/stats?filter=wasm`)).text();
    expect(stats).toMatch(/wasm\.envoy\.wasm\.runtime\.v8\.active: [2-9]/);
  });

  it("refuses a bad configuration at load with the filter's own error line", async () => {
    const port = upstream.port;
    const err = await startEnvoy({ upstreamPort: port, plugins: [plugin(JSON.stringify({ name: 42 }))] }).then(
      () => { throw new Error("Envoy started with an invalid plugin configuration"); },
      (e: unknown) => e);
    expect(err).toBeInstanceOf(EnvoyStartError);
    expect((err as Error).message).toMatch(/wasm log add_header example: invalid configuration: field "name": expected a non-empty string, got number/);
    expect((err as Error).message).toMatch(/Plugin add_header failed to load/);
  });
});
