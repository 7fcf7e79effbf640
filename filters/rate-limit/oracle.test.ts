// Native Envoy as the oracle: the same token bucket as Envoy's own local_ratelimit and as this
// filter, each in real Envoy 1.40 with --concurrency 2 (two worker VMs), hit by a burst of 5x the
// bucket over 16 parallel connections: both admit exactly max_tokens, and after a pause both admit
// what the continuous refill gave back. The refusals carry the same status and body, and the same
// x-ratelimit-* headers where both emit them (this filter adds Retry-After on purpose).
//
// Then the same comparison for: one bucket per value of a request header (Envoy's wildcard
// descriptor); the refill rate of a steady stream over several fill intervals; the x-ratelimit-*
// headers on every answer of a sequence on one connection; two limits on one request. Where the
// two differ on purpose (the response flag, a refused request's charge on the other limits, which
// limit's headers an answer carries) the test pins both sides' exact outcome and says why.
//
// Only the release build runs here: it is what Envoy runs (sdk/test/both-builds.test.ts covers the
// files that run guest code on the mock host; this one runs none there).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client, Pool } from "undici";
import { describe, expect, it } from "vitest";
import { startEnvoy, envoyRuntime, RecordingUpstream, type RunningEnvoy } from "@filterkit/envoy";

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

// ---- the further cases: shared ground ----------------------------------------------------------

const ENABLED = {
  filter_enabled: { runtime_key: "oracle_enabled", default_value: { numerator: 100, denominator: "HUNDRED" } },
  filter_enforced: { runtime_key: "oracle_enforced", default_value: { numerator: 100, denominator: "HUNDRED" } },
};

/** Envoy's local_ratelimit with `fields` (descriptors, rate_limits, token_bucket…), enforced, with x-ratelimit-* headers. */
function native(fields: Record<string, unknown>): object {
  return {
    name: "envoy.filters.http.local_ratelimit",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
      stat_prefix: "oracle", ...ENABLED, enable_x_ratelimit_headers: "DRAFT_VERSION_03", ...fields,
    },
  };
}

/**
 * Envoy's header_mutation, first in the chain on both sides: every answer, the local replies
 * included, carries the stream's response flags and response code details as Envoy's access log
 * would print them (%RESPONSE_FLAGS%, %RESPONSE_CODE_DETAILS%).
 */
const STREAM_INFO = {
  name: "envoy.filters.http.header_mutation",
  typed_config: {
    "@type": "type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation",
    mutations: {
      response_mutations: [
        { append: { header: { key: "x-oracle-flags", value: "%RESPONSE_FLAGS%" }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" } },
        { append: { header: { key: "x-oracle-details", value: "%RESPONSE_CODE_DETAILS%" }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" } },
      ],
    },
  },
};

type Side = "native" | "ours";

/**
 * Both sides at once, each in its own Envoy (--concurrency 2, STREAM_INFO first): Envoy's
 * local_ratelimit `nativeFilter`, and this filter with `ours`. `drive` runs against both
 * concurrently, so both see the same schedule at the same moments.
 */
async function both<T>(nativeFilter: object, ours: object, drive: (envoy: RunningEnvoy, side: Side) => Promise<T>): Promise<Record<Side, T>> {
  const one = async (side: Side): Promise<T> => {
    const upstream = new RecordingUpstream(() => ({ status: 200, headers: [["content-type", "text/plain"]], body: "ok" }));
    const port = await upstream.start();
    try {
      const envoy = await startEnvoy({
        upstreamPort: port, concurrency: 2,
        ...(side === "native"
          ? { plugins: [], nativeFilters: [STREAM_INFO, nativeFilter] }
          : { nativeFilters: [STREAM_INFO], plugins: [{ name: "rate_limit", rootId: "rate_limit", vmId: "rate_limit", wasm: join(here, "build", "release.wasm"), configuration: JSON.stringify(ours), failurePolicy: "FAIL_CLOSED" as const }] }),
      });
      try {
        return await drive(envoy, side);
      } finally {
        await envoy.stop();
      }
    } finally {
      await upstream.stop();
    }
  };
  const [n, o] = await Promise.all([one("native"), one("ours")]);
  return { native: n, ours: o };
}

interface Answer {
  status: number;
  body: string;
  /** "limit remaining reset" of the x-ratelimit-* headers, "-" for one that is absent */
  rl: string;
  /** x-envoy-ratelimited, absent: undefined */
  envoyRatelimited: string | undefined;
  /** "%RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%" */
  info: string;
  /** performance.now() when the request was handed to the client */
  sentAt: number;
}

async function ask(via: Pool | Client, headers: Record<string, string>): Promise<Answer> {
  const sentAt = performance.now();
  const r = await via.request({ method: "GET", path: "/", headers: { host: "example.com", ...headers } });
  const body = await r.body.text();
  const h = (n: string): string | undefined => (r.headers[n] === undefined ? undefined : String(r.headers[n]));
  return {
    status: r.statusCode, body, sentAt,
    rl: ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"].map((n) => h(n) ?? "-").join(" "),
    envoyRatelimited: h("x-envoy-ratelimited"),
    info: `${h("x-oracle-flags") ?? "?"} ${h("x-oracle-details") ?? "?"}`,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const count = (as: Answer[], status: number): number => as.filter((a) => a.status === status).length;
const distinct = (as: Answer[], f: (a: Answer) => string): string[] => [...new Set(as.map(f))].sort();

// ---- 1. one bucket per client: a descriptor keyed on a request header ---------------------------

// Envoy 1.40: a descriptor entry without a value is a wildcard — every value the request_headers
// action produces gets its own bucket, created on first use (LocalRateLimiterImpl's
// DynamicDescriptorMap; max_dynamic_descriptors, default 20, bounds how many values are kept, LRU).
// 1 token per 4 s: a burst of a fraction of a second refills none, so each client's admissions are
// exactly PER_CLIENT however the requests interleave. No filter-level token_bucket: a request
// without x-client produces no descriptor and meets no bucket (ours: `missing: skip`).
const PER_CLIENT = 6;
const CLIENTS = ["alice", "bob", "carol"];
const BY_CLIENT_NATIVE = native({
  descriptors: [{ entries: [{ key: "client" }], token_bucket: { max_tokens: PER_CLIENT, tokens_per_fill: 1, fill_interval: "4s" } }],
  rate_limits: [{ actions: [{ request_headers: { header_name: "x-client", descriptor_key: "client" } }] }],
  always_consume_default_token_bucket: false,
});
const BY_CLIENT_OURS = {
  limits: [{ name: "per-client", key: [{ request_header: { name: "x-client", descriptor_key: "client" } }], algorithm: "token_bucket", max_tokens: PER_CLIENT, tokens_per_fill: 1, fill_interval_ms: 4000 }],
  headers_on_allowed: true,
};

// ---- 2. the refill rate of a steady stream -------------------------------------------------------

// 5 tokens per 1 s (continuous refill: 5 tokens/s), a request every 25 ms for 3.5 s (40 req/s, 8x
// what the bucket gives) spread over 8 connections: the bucket starts full and then admits about
// 5 + 5 × 3.5.
const STREAM = { maxTokens: 5, tokensPerFill: 5, fillMs: 1000, everyMs: 25, forMs: 3500 };
const STREAM_NATIVE = native({ token_bucket: { max_tokens: STREAM.maxTokens, tokens_per_fill: STREAM.tokensPerFill, fill_interval: `${STREAM.fillMs / 1000}s` } });
const STREAM_OURS = {
  limits: [{ name: "all", key: [{ generic_key: { descriptor_value: "all" } }], algorithm: "token_bucket", max_tokens: STREAM.maxTokens, tokens_per_fill: STREAM.tokensPerFill, fill_interval_ms: STREAM.fillMs }],
};

/** What a continuously refilled bucket (starting full) admits of requests at `times` (ms). */
function modelAdmits(times: number[]): number {
  const rate = STREAM.tokensPerFill / STREAM.fillMs;
  let tokens = STREAM.maxTokens;
  let last = times[0];
  let admitted = 0;
  for (const t of [...times].sort((a, b) => a - b)) {
    tokens = Math.min(STREAM.maxTokens, tokens + (t - last) * rate);
    last = t;
    if (tokens >= 1) {
      tokens -= 1;
      admitted++;
    }
  }
  return admitted;
}

// ---- 3. the x-ratelimit-* headers on every answer ------------------------------------------------

// Two buckets picked by x-bucket: "slow" (4 tokens, 1 per 2 s: the next token more than a second
// away) and "fast" (5 tokens, 5 per 1 s: the next token 200 ms away). Native: exact-value
// descriptors; ours: one limit per bucket, each under a `when` on the header.
const HEADERS_NATIVE = native({
  descriptors: [
    { entries: [{ key: "bucket", value: "slow" }], token_bucket: { max_tokens: 4, tokens_per_fill: 1, fill_interval: "2s" } },
    { entries: [{ key: "bucket", value: "fast" }], token_bucket: { max_tokens: 5, tokens_per_fill: 5, fill_interval: "1s" } },
  ],
  rate_limits: [{ actions: [{ request_headers: { header_name: "x-bucket", descriptor_key: "bucket" } }] }],
  always_consume_default_token_bucket: false,
});
const HEADERS_OURS = {
  limits: [
    { name: "slow", when: { header: { name: "x-bucket", exact: "slow" } }, key: [{ generic_key: { descriptor_value: "slow" } }], algorithm: "token_bucket", max_tokens: 4, tokens_per_fill: 1, fill_interval_ms: 2000 },
    { name: "fast", when: { header: { name: "x-bucket", exact: "fast" } }, key: [{ generic_key: { descriptor_value: "fast" } }], algorithm: "token_bucket", max_tokens: 5, tokens_per_fill: 5, fill_interval_ms: 1000 },
  ],
  headers_on_allowed: true,
};

// ---- 4. two limits on one request -----------------------------------------------------------------

// Per client 5 tokens, 1 per 4 s (0.25/s), and for everyone 6 tokens, 1 per 1 s (1/s): Envoy's
// rate_limits produce two descriptors for a request with x-client, one for a request without.
const TWO_NATIVE = native({
  descriptors: [
    { entries: [{ key: "client" }], token_bucket: { max_tokens: 5, tokens_per_fill: 1, fill_interval: "4s" } },
    { entries: [{ key: "generic_key", value: "all" }], token_bucket: { max_tokens: 6, tokens_per_fill: 1, fill_interval: "1s" } },
  ],
  rate_limits: [
    { actions: [{ request_headers: { header_name: "x-client", descriptor_key: "client" } }] },
    { actions: [{ generic_key: { descriptor_value: "all" } }] },
  ],
  always_consume_default_token_bucket: false,
});
const TWO_OURS = {
  limits: [
    { name: "per-client", key: [{ request_header: { name: "x-client", descriptor_key: "client" } }], algorithm: "token_bucket", max_tokens: 5, tokens_per_fill: 1, fill_interval_ms: 4000 },
    { name: "all", key: [{ generic_key: { descriptor_value: "all" } }], algorithm: "token_bucket", max_tokens: 6, tokens_per_fill: 1, fill_interval_ms: 1000 },
  ],
  headers_on_allowed: true,
};

describe.skipIf(skip !== null)(`rate-limit against Envoy's local_ratelimit, further cases${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 60_000 }, () => {
  it("one bucket per x-client value: 3 clients x 3x the bucket, interleaved over 16 connections — both admit exactly the bucket per client", async () => {
    const r = await both(BY_CLIENT_NATIVE, BY_CLIENT_OURS, async (envoy) => {
      const pool = new Pool(envoy.url, { connections: 16, pipelining: 1 });
      try {
        const plan: Array<string | null> = [];
        for (let i = 0; i < 3 * PER_CLIENT; i++) plan.push(...CLIENTS, ...(i % 3 === 0 ? [null] : []));
        const answers = await Promise.all(plan.map((c) => ask(pool, c === null ? {} : { "x-client": c })));
        return plan.map((c, i) => ({ client: c ?? "(none)", a: answers[i] }));
      } finally {
        await pool.close();
      }
    });
    for (const side of ["native", "ours"] as const) {
      const of = (c: string): Answer[] => r[side].filter((x) => x.client === c).map((x) => x.a);
      for (const c of CLIENTS) {
        expect([side, c, count(of(c), 200), count(of(c), 429)]).toEqual([side, c, PER_CLIENT, 2 * PER_CLIENT]);
        expect([side, c, distinct(of(c).filter((a) => a.status === 429), (a) => `${a.body} ${a.rl}`)]).toEqual([side, c, [`local_rate_limited ${PER_CLIENT} 0 4`]]);
        expect([side, c, distinct(of(c).filter((a) => a.status === 200), (a) => a.rl.split(" ")[0])]).toEqual([side, c, [String(PER_CLIENT)]]);
      }
      // no x-client: no descriptor, no limit, no headers
      expect([side, distinct(of("(none)"), (a) => `${a.status} ${a.rl}`)]).toEqual([side, ["200 - - -"]]);
      // neither sets x-envoy-ratelimited (Envoy's global ratelimit filter does; local_ratelimit only
      // through response_headers_to_add)
      expect([side, distinct(r[side].map((x) => x.a), (a) => String(a.envoyRatelimited))]).toEqual([side, ["undefined"]]);
    }
    // Response flags and details of the refusals, as the access log would print them: Envoy's
    // filter marks its refusal RL (StreamInfo CoreResponseFlag::RateLimited); a proxy-wasm plugin
    // has no call that sets a response flag, so ours shows "-" — an access log or a dashboard that
    // counts RL misses this filter's refusals. The details are the same: both hand
    // "local_rate_limited" to the local reply.
    const refusalInfo = (side: Side): string[] => distinct(r[side].map((x) => x.a).filter((a) => a.status === 429), (a) => a.info);
    expect(refusalInfo("native")).toEqual(["RL local_rate_limited"]);
    expect(refusalInfo("ours")).toEqual(["- local_rate_limited"]);
    expect(distinct(r.ours.map((x) => x.a).filter((a) => a.status === 200), (a) => a.info)).toEqual(["- via_upstream"]);
    expect(distinct(r.native.map((x) => x.a).filter((a) => a.status === 200), (a) => a.info)).toEqual(["- via_upstream"]);
  });

  it("refill over time: a steady 40 req/s for 3.5 s against 5 tokens/s — both admit what the continuous bucket gives, within one fill of each other", async () => {
    const r = await both(STREAM_NATIVE, STREAM_OURS, async (envoy) => {
      const pool = new Pool(envoy.url, { connections: 8, pipelining: 1 });
      try {
        const t0 = performance.now() + 50;
        const n = Math.floor(STREAM.forMs / STREAM.everyMs);
        const answers = await Promise.all(Array.from({ length: n }, async (_, i) => {
          await sleep(Math.max(0, t0 + i * STREAM.everyMs - performance.now()));
          return ask(pool, {});
        }));
        return answers;
      } finally {
        await pool.close();
      }
    });
    const n = Math.floor(STREAM.forMs / STREAM.everyMs);
    for (const side of ["native", "ours"] as const) {
      const as = r[side];
      expect([side, as.length, count(as, 200) + count(as, 429)]).toEqual([side, n, n]);
      // Against the model fed with this side's own send times: within 1 token. The decision is made
      // when Envoy reads the request, a millisecond or (on a loaded machine) some tens of ms after it
      // was sent — 5 tokens/s turns 100 ms of that noise into half a token — and the count is whole.
      const model = modelAdmits(as.map((a) => a.sentAt));
      expect([side, Math.abs(count(as, 200) - model) <= 1, count(as, 200), model]).toEqual([side, true, count(as, 200), model]);
      // and the model itself: the full bucket plus 5 tokens/s over the 3.5 s
      expect([side, model >= 20 && model <= 24, model]).toEqual([side, true, model]);
    }
    // Between the two Envoys: within one fill (5 tokens). Each is within a token of the model of its
    // own send times; the two streams ran concurrently but in two processes with their own clocks and
    // scheduling, so their counts differ by timing noise, not by the algorithm (a wrong rate, a timer
    // refill in chunks or a bucket that did not refill would be off by far more over 3.5 s).
    const diff = count(r.native, 200) - count(r.ours, 200);
    expect([Math.abs(diff) <= STREAM.tokensPerFill, count(r.native, 200), count(r.ours, 200)]).toEqual([true, count(r.native, 200), count(r.ours, 200)]);
  });

  it("x-ratelimit-* on every answer, allowed ones included, for a sequence on one connection: the same limit, remaining and reset on each", async () => {
    const r = await both(HEADERS_NATIVE, HEADERS_OURS, async (envoy) => {
      const client = new Client(envoy.url, { pipelining: 1 });
      try {
        const seq: string[] = [];
        const go = async (bucket: string, times: number): Promise<void> => {
          for (let i = 0; i < times; i++) {
            const a = await ask(client, { "x-bucket": bucket });
            seq.push(`${bucket} ${a.status} ${a.rl}`);
          }
        };
        await go("fast", 7);
        await go("slow", 6);
        await go("other", 1);
        await sleep(2200);
        await go("slow", 2);
        await go("fast", 2);
        return seq;
      } finally {
        await client.close();
      }
    });
    expect(r.ours).toEqual(r.native);
    expect(r.native).toEqual([
      // 5 tokens, 5/s: the last token's answer already says the next one is 200 ms away: 1 s
      "fast 200 5 4 0", "fast 200 5 3 0", "fast 200 5 2 0", "fast 200 5 1 0", "fast 200 5 0 1",
      "fast 429 5 0 1", "fast 429 5 0 1",
      // 4 tokens, 1 per 2 s
      "slow 200 4 3 0", "slow 200 4 2 0", "slow 200 4 1 0", "slow 200 4 0 2", "slow 429 4 0 2", "slow 429 4 0 2",
      // no bucket for this value: no headers
      "other 200 - - -",
      // 2.2 s later: 1.1 tokens, one admitted, the next whole token 1.8 s away
      "slow 200 4 0 2", "slow 429 4 0 2",
      // full again
      "fast 200 5 4 0", "fast 200 5 3 0",
    ]);
  });

  it("two limits (per client, and for everyone): the same admissions while the global bucket is what refuses; on purpose not the same charge of a refused request", async () => {
    const r = await both(TWO_NATIVE, TWO_OURS, async (envoy) => {
      const pool = new Pool(envoy.url, { connections: 16, pipelining: 1 });
      const client = new Client(envoy.url, { pipelining: 1 });
      try {
        // 1. 8 requests without x-client: only the global limit applies — 6 admitted, the bucket is empty
        const phase1 = await Promise.all(Array.from({ length: 8 }, () => ask(pool, {})));
        const emptied = performance.now();
        // 2. each of 3 clients 5 times, interleaved, in parallel: all refused by the global bucket
        const phase2 = await Promise.all(Array.from({ length: 15 }, (_, i) => ask(pool, { "x-client": CLIENTS[i % 3] })));
        // 3. 2.5 s after the global bucket was emptied it holds 2.5 tokens; the clients' buckets were
        //    (native) or were not (ours) charged in phase 2. Sequentially: a new client, then the three.
        await sleep(Math.max(0, emptied + 2500 - performance.now()));
        const phase3: string[] = [];
        for (const c of ["dave", ...CLIENTS]) {
          const a = await ask(client, { "x-client": c });
          phase3.push(`${c} ${a.status} ${a.rl.split(" ").slice(0, 2).join(" ")}`);
        }
        return { phase1, phase2, phase3 };
      } finally {
        await pool.close();
        await client.close();
      }
    });
    for (const side of ["native", "ours"] as const) {
      const { phase1, phase2 } = r[side];
      expect([side, count(phase1, 200), count(phase1, 429)]).toEqual([side, 6, 2]);
      expect([side, distinct(phase1.filter((a) => a.status === 429), (a) => a.rl)]).toEqual([side, ["6 0 1"]]);
      expect([side, count(phase2, 200), count(phase2, 429)]).toEqual([side, 0, 15]);
    }
    // Phase 3 differs, and on purpose. Envoy (LocalRateLimiterImpl::requestAllowed) sorts a request's
    // matched buckets by fill rate, slowest first, and consumes them one after the other, giving
    // nothing back when a later one refuses: in phase 2 each client's bucket (0.25/s) paid a token for
    // every request the global bucket (1/s) then refused — all 5, so alice, bob and carol are refused
    // by their own buckets in phase 3 (0.6 tokens). This filter charges no limit for a refused request
    // (peek all, then charge; README): their buckets are still full, and the global bucket's 2.5
    // tokens admit dave and alice.
    // The headers of an allowed answer differ too: Envoy reports the slowest-filling matched bucket
    // (dave's own: 5, 4 left), this filter the one with the fewest units left (the global: 6, 1 left).
    // Refusals: Envoy reports the bucket that refused (the client's, 5), this filter the strictest
    // refusing limit (the global, 6).
    expect(r.native.phase3).toEqual(["dave 200 5 4", "alice 429 5 0", "bob 429 5 0", "carol 429 5 0"]);
    expect(r.ours.phase3).toEqual(["dave 200 6 1", "alice 200 6 0", "bob 429 6 0", "carol 429 6 0"]);
  });
});
