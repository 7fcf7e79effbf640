// The mock host's fuzz harness on the rate-limit filter, on both builds: hostile generated requests
// (100,000 on the release build, 20,000 on debug) through a configuration with every algorithm and
// every key part — client addresses from X-Forwarded-For hops, masked addresses, headers, query
// parameters, header matches — over a small table (so slots are evicted and reused all the time).
// Zero traps, and both verdicts among the outcomes.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatFuzzTrap, fuzzChain } from "@filterkit/host-mock";
import { BUILDS } from "../../sdk/test/helpers.ts";

const here = dirname(fileURLToPath(import.meta.url));
const CONFIG = {
  xff_num_trusted_hops: 1,
  headers: ["envoy", "ietf"],
  headers_on_allowed: true,
  table: { slots: 256, probe: 4 },
  limits: [
    { name: "ip", key: [{ remote_address: {} }], algorithm: "token_bucket", max_tokens: 5, tokens_per_fill: 1, fill_interval_ms: 1000 },
    { name: "net", key: [{ masked_remote_address: { v4_prefix_mask_len: 16, v6_prefix_mask_len: 48 } }], algorithm: "sliding_window", limit: 20, window_ms: 10000 },
    { name: "ua", key: [{ request_header: { name: "user-agent" } }, { method: {} }], algorithm: "gcra", limit: 3, window_ms: 1000, burst: 2 },
    { name: "q", key: [{ query_parameter: { name: "a" } }, { path: {} }], algorithm: "fixed_window", limit: 2, window_ms: 60000, missing: "default", default_value: "-" },
    { name: "match", key: [{ header_value_match: { descriptor_value: "long", when: { header: { name: "x-forwarded-for", regex: ".{20,}" } } } }], algorithm: "token_bucket", max_tokens: 50, fill_interval_ms: 100 },
    { name: "inflight", algorithm: "concurrency", max: 1000, shadow: true },
  ],
};

describe.each(BUILDS)("rate-limit fuzz (%s build)", (target) => {
  it("survives hostile generated traffic over every algorithm and key part, without a trap", { timeout: 300_000 }, () => {
    const requests = target === "release" ? 100_000 : 20_000;
    const report = fuzzChain({ plugins: [{ wasm: join(here, "build", `${target}.wasm`), rootId: "rate_limit", configuration: CONFIG }] }, { seed: 31, requests, profile: "hostile" });
    expect(report.traps.map(formatFuzzTrap)).toEqual([]);
    expect(report.requests).toBe(requests);
    for (const status of [200, 429]) expect(report.statuses[status] ?? 0, `status ${status}`).toBeGreaterThan(requests / 100);
  });
});
