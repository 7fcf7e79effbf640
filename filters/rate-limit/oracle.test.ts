// Native Envoy as the oracle: the same token bucket as Envoy's own local_ratelimit and as this
// filter, each in real Envoy 1.40 with --concurrency 2 (two worker VMs), hit by a burst of 5x the
// bucket over 16 parallel connections: both admit exactly max_tokens, and after a pause both admit
// what the continuous refill gave back. The refusals carry the same status and body, and the same
// x-ratelimit-* headers where both emit them (this filter adds Retry-After on purpose).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import { describe, expect, it } from "vitest";
import { startEnvoy, type RunningEnvoy } from "../../integration/src/envoy.ts";
import { envoyRuntime } from "../../integration/src/runtime.ts";
import { RecordingUpstream } from "../../integration/src/servers.ts";

const here = dirname(fileURLToPath(import.meta.url));
const skip = envoyRuntime();
const MAX = 20;
// 1 token per 2 s: a burst taking a fraction of a second refills a fraction of a token, so the
// burst's admissions are exactly MAX however the requests interleave
const NATIVE = {
  name: "envoy.filters.http.local_ratelimit",
  typed_config: {
    "@type": "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
    stat_prefix: "oracle",
    token_bucket: { max_tokens: MAX, tokens_per_fill: 1, fill_interval: "2s" },
    filter_enabled: { runtime_key: "oracle_enabled", default_value: { numerator: 100, denominator: "HUNDRED" } },
    filter_enforced: { runtime_key: "oracle_enforced", default_value: { numerator: 100, denominator: "HUNDRED" } },
    enable_x_ratelimit_headers: "DRAFT_VERSION_03",
  },
};
const OURS = {
  limits: [{ name: "all", key: [{ generic_key: { descriptor_value: "all" } }], algorithm: "token_bucket", max_tokens: MAX, tokens_per_fill: 1, fill_interval_ms: 2000 }],
  headers_on_allowed: true,
};

interface Burst { ok: number; limited: number; bodies: Set<string>; limitedHeaders: Set<string>; okLimit: Set<string> }

async function burst(envoy: RunningEnvoy, n: number): Promise<Burst> {
  const pool = new Pool(envoy.url, { connections: 16, pipelining: 1 });
  const out: Burst = { ok: 0, limited: 0, bodies: new Set(), limitedHeaders: new Set(), okLimit: new Set() };
  try {
    await Promise.all(Array.from({ length: n }, async () => {
      const r = await pool.request({ method: "GET", path: "/", headers: { host: "example.com" } });
      const body = await r.body.text();
      if (r.statusCode === 200) {
        out.ok++;
        out.okLimit.add(String(r.headers["x-ratelimit-limit"]));
      } else {
        out.limited++;
        out.bodies.add(`${r.statusCode} ${body}`);
        out.limitedHeaders.add(["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"].map((h) => `${h}=${String(r.headers[h])}`).join(" "));
      }
    }));
  } finally {
    await pool.close();
  }
  return out;
}

async function run(kind: "native" | "ours"): Promise<[Burst, Burst]> {
  const upstream = new RecordingUpstream(() => ({ status: 200, headers: [["content-type", "text/plain"]], body: "ok" }));
  const port = await upstream.start();
  const envoy = await startEnvoy({
    upstreamPort: port, concurrency: 2,
    ...(kind === "native" ? { plugins: [], nativeFilters: [NATIVE] } : { plugins: [{ name: "rate_limit", rootId: "rate_limit", vmId: "rate_limit", wasm: join(here, "build", "release.wasm"), configuration: JSON.stringify(OURS), failurePolicy: "FAIL_CLOSED" as const }] }),
  });
  try {
    const first = await burst(envoy, 5 * MAX);
    await new Promise((r) => setTimeout(r, 2300)); // one token and a fraction refilled
    const second = await burst(envoy, 10);
    return [first, second];
  } finally {
    await envoy.stop();
    await upstream.stop();
  }
}

describe.skipIf(skip !== null)(`rate-limit against Envoy's local_ratelimit${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 120_000 }, () => {
  it("a burst of 5x the bucket over 16 connections and two workers: both admit exactly max_tokens, then the same refill", async () => {
    const [n1, n2] = await run("native");
    const [o1, o2] = await run("ours");
    expect([n1.ok, n1.limited]).toEqual([MAX, 4 * MAX]);
    expect([o1.ok, o1.limited]).toEqual([MAX, 4 * MAX]);
    expect([n2.ok, o2.ok]).toEqual([1, 1]);
    expect([...o1.bodies]).toEqual([...n1.bodies]);
    expect([...o1.limitedHeaders]).toEqual([...n1.limitedHeaders]);
    expect([...o1.okLimit]).toEqual([...n1.okLimit]);
    expect([...n1.limitedHeaders]).toEqual([`x-ratelimit-limit=${MAX} x-ratelimit-remaining=0 x-ratelimit-reset=2`]); // not vacuous: Envoy emits them
  });
});
