// Unit tests of the rate-limit filter on the mock host, on both builds, with virtual time: the
// token bucket as Envoy's local_ratelimit admits and refills, the headers and Retry-After, several
// limits checked together and none charged for a refused request, shadow mode, keys (headers,
// client address through trusted X-Forwarded-For hops, missing keys), the concurrency limit released
// when the stream ends, worker VMs sharing one process's state (also under injected CAS failures),
// and configuration errors naming the field.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { WasmResult } from "../../sdk/assembly/abi/enums.ts";
import { createHost, createWorkers, LogLevel, type HeaderPairs, type MockHost } from "@filterkit/host-mock";
import { BUILDS } from "../../sdk/test/helpers.ts";

const here = dirname(fileURLToPath(import.meta.url));
const T0 = 1_800_000_000_000_000_000n;
const bucket = (extra: Record<string, unknown> = {}) => ({ name: "per-client", key: [{ request_header: { name: "x-client" } }], algorithm: "token_bucket", max_tokens: 3, tokens_per_fill: 1, fill_interval_ms: 1000, ...extra });

describe.each(BUILDS)("rate-limit (%s build)", (target) => {
  const wasm = join(here, "build", `${target}.wasm`);
  const host = (config: Record<string, unknown>): MockHost => {
    const h = createHost({ wasm, rootId: "rate_limit", vmId: "t", pluginConfig: config, now: T0 });
    expect(h.configured, h.logsAt(LogLevel.error).join("\n")).toBe(true);
    return h;
  };
  interface Out { status: number; headers: HeaderPairs }
  const send = (h: MockHost, extra: HeaderPairs, path = "/", end = true): Out => {
    const s = h.newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", path], [":authority", "a"], ...extra], true);
    const r = s.localReply;
    if (r !== null) return { status: r.status, headers: r.headers.filter(([k]) => k !== ":status" && k !== "content-length" && k !== "content-type") };
    s.sendResponseHeaders([[":status", "200"]], true);
    if (end) s.complete();
    return { status: 200, headers: s.response.headers.filter(([k]) => k !== ":status") };
  };
  const statuses = (h: MockHost, n: number, extra: HeaderPairs): number[] => Array.from({ length: n }, () => send(h, extra).status);

  it("token bucket: a burst of 5 admits max_tokens, a refill one token per fill_interval (continuous, as Envoy 1.40)", () => {
    const h = host({ limits: [bucket()] });
    expect(statuses(h, 5, [["x-client", "a"]])).toEqual([200, 200, 200, 429, 429]);
    h.advance(999);
    expect(send(h, [["x-client", "a"]]).status).toBe(429);
    h.advance(1);
    expect(statuses(h, 2, [["x-client", "a"]])).toEqual([200, 429]);
    h.advance(2500);
    expect(statuses(h, 3, [["x-client", "a"]])).toEqual([200, 200, 429]);
    expect(send(h, [["x-client", "b"]]).status).toBe(200); // its own bucket
  });

  it("reads the request only as far as the limits ask: no header map for a limit on everything, one value for a consumer, the whole map for every value of a header", () => {
    const calls = (limit: Record<string, unknown>, extra: HeaderPairs): string[] => {
      const h = host({ limits: [limit] });
      const t = h.startTranscript([]);
      const out = send(h, extra);
      h.stopTranscript();
      expect(out.status).toBe(200);
      return t.filter((c) => c.kind === "hostcall" && /header_map/.test(c.name)).map((c) => c.name);
    };
    const all = { name: "all", algorithm: "token_bucket", max_tokens: 9, tokens_per_fill: 9, fill_interval_ms: 1000 };
    expect(calls(all, [["x-client", "a"]])).toEqual([]);
    expect(calls({ ...all, key: [{ path: {} }, { method: {} }] }, [])).toEqual(["proxy_get_header_map_value", "proxy_get_header_map_value"]);
    expect(calls({ ...all, key: [{ consumer: {} }] }, [["x-consumer", "alice"]])).toEqual(["proxy_get_header_map_value"]);
    // a repeated header's values are all in the key (joined), which only the whole map gives
    expect(calls({ ...all, key: [{ request_header: { name: "x-client" } }] }, [["x-client", "a"], ["x-client", "b"]])).toEqual(["proxy_get_header_map_pairs"]);
  });

  it("a repeated key header counts as its values joined, and a consumer as its first value (the whole map and the single value agree with Envoy)", () => {
    const h = host({ limits: [bucket({ max_tokens: 1, tokens_per_fill: 1 })] });
    expect(send(h, [["x-client", "a"], ["x-client", "b"]]).status).toBe(200);
    expect(send(h, [["x-client", "a,b"]]).status).toBe(429); // the same bucket: "a,b"
    expect(send(h, [["x-client", "a"]]).status).toBe(200);
    const c = host({ limits: [{ name: "per-consumer", key: [{ consumer: {} }], algorithm: "token_bucket", max_tokens: 1, tokens_per_fill: 1, fill_interval_ms: 1000 }] });
    expect(send(c, [["x-consumer", "alice"], ["x-consumer", "bob"]]).status).toBe(200);
    expect(send(c, [["x-consumer", "alice"]]).status).toBe(429);
    expect(send(c, [["x-consumer", "bob"]]).status).toBe(200);
  });

  it("a refusal: 429, Envoy's body and details, Retry-After, x-ratelimit-* (and on allowed answers when asked)", () => {
    const h = host({ limits: [bucket()], headers_on_allowed: true });
    expect(send(h, [["x-client", "a"]]).headers).toEqual([["x-ratelimit-limit", "3"], ["x-ratelimit-remaining", "2"], ["x-ratelimit-reset", "0"]]);
    send(h, [["x-client", "a"]]);
    send(h, [["x-client", "a"]]);
    const s = h.newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"], ["x-client", "a"]], true);
    expect(s.localReply).toMatchObject({ status: 429, bodyText: "local_rate_limited", details: "local_rate_limited" });
    expect(s.localReply?.headers).toEqual(expect.arrayContaining([["retry-after", "1"], ["x-ratelimit-remaining", "0"], ["x-ratelimit-reset", "1"]]));
    const ietf = host({ limits: [bucket({ algorithm: "fixed_window", limit: 2, window_ms: 60000, max_tokens: undefined, tokens_per_fill: undefined, fill_interval_ms: undefined })], headers: ["ietf"], status: 503 });
    send(ietf, [["x-client", "a"]]);
    send(ietf, [["x-client", "a"]]);
    const r = send(ietf, [["x-client", "a"]]);
    expect(r.status).toBe(503);
    expect(r.headers.find(([k]) => k === "ratelimit-policy")?.[1]).toBe('"per-client";q=2;w=60');
    expect(r.headers.find(([k]) => k === "ratelimit")?.[1]).toMatch(/^"per-client";r=0;t=\d+$/);
  });

  it("several limits: all checked, the strictest decides, and a refused request charges none of them", () => {
    const h = host({ limits: [
      bucket({ name: "client", max_tokens: 2 }),
      { name: "global", key: [{ generic_key: { descriptor_value: "all" } }], algorithm: "fixed_window", limit: 3, window_ms: 60000 },
    ] });
    expect(statuses(h, 3, [["x-client", "a"]])).toEqual([200, 200, 429]); // client's 2 used, global 2 of 3
    expect(send(h, [["x-client", "b"]]).status).toBe(200); // global's 3rd: the refused request above took none
    expect(send(h, [["x-client", "c"]]).status).toBe(429); // global exhausted; c's bucket untouched
    h.advance(60000);
    expect(statuses(h, 2, [["x-client", "c"]])).toEqual([200, 200]);
  });

  it("shadow: counts what it would refuse, refuses nothing", () => {
    const h = host({ limits: [bucket({ shadow: true, max_tokens: 1 })] });
    expect(statuses(h, 3, [["x-client", "a"]])).toEqual([200, 200, 200]);
    expect(h).toHaveMetric("ratelimit.per-client.shadow_limited", 2);
  });

  it("keys: the client address from the connection, or from X-Forwarded-For with trusted hops (never the leftmost entry); missing keys skip or default", () => {
    const byIp = host({ limits: [{ name: "ip", key: [{ remote_address: {} }], algorithm: "fixed_window", limit: 1, window_ms: 60000 }], xff_num_trusted_hops: 1 });
    expect(send(byIp, [["x-forwarded-for", "6.6.6.6, 1.1.1.1"]]).status).toBe(200);
    expect(send(byIp, [["x-forwarded-for", "7.7.7.7, 1.1.1.1"]]).status).toBe(429); // same client: the spoofed leftmost entry does not matter
    expect(send(byIp, [["x-forwarded-for", "1.1.1.2"]]).status).toBe(200);
    const masked = host({ limits: [{ name: "net", key: [{ masked_remote_address: { v4_prefix_mask_len: 24 } }], algorithm: "fixed_window", limit: 1, window_ms: 60000 }], xff_num_trusted_hops: 1 });
    expect(send(masked, [["x-forwarded-for", "10.0.0.1"]]).status).toBe(200);
    expect(send(masked, [["x-forwarded-for", "10.0.0.200"]]).status).toBe(429);
    const skip = host({ limits: [bucket({ max_tokens: 1 })] });
    expect(statuses(skip, 3, [])).toEqual([200, 200, 200]);
    const def = host({ limits: [bucket({ max_tokens: 1, missing: "default", default_value: "anonymous" })] });
    expect(statuses(def, 2, [])).toEqual([200, 429]);
  });

  it("concurrency: in-flight requests are limited and a unit comes back when the stream ends", () => {
    const h = host({ limits: [{ name: "inflight", algorithm: "concurrency", max: 2 }] });
    const open = () => {
      const st = h.newHttpStream();
      st.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"]], true);
      return st;
    };
    const a = open();
    const b = open();
    expect([a.localReply, b.localReply]).toEqual([null, null]);
    expect(open().localReply?.status).toBe(429);
    a.sendResponseHeaders([[":status", "200"]], true);
    a.complete();
    const c = open();
    expect(c.localReply).toBeNull();
    expect(open().localReply?.status).toBe(429);
    b.complete();
    const d = open();
    expect(d.localReply).toBeNull();
    // a client that goes away mid-request gives its unit back too (Envoy calls on_log for resets)
    d.resetByPeer();
    c.resetByPeer();
    expect([open().localReply, open().localReply, open().localReply?.status]).toEqual([null, null, 429]);
  });

  it("worker VMs share the process's state: exactly the limit is admitted, also when CAS writes fail on purpose", () => {
    const ws = createWorkers(3, { wasm, rootId: "rate_limit", vmId: "w", pluginConfig: { limits: [bucket({ max_tokens: 25 })] }, now: T0 });
    let admitted = 0;
    let writes = 0;
    let failures = 0;
    const off = ws.map((w) => w.interceptHostCall("proxy_set_shared_data", () => (writes++ % 3 === 0 ? (failures++, WasmResult.CasMismatch) : undefined)));
    for (let i = 0; i < 120; i++) if (send(ws[i % 3], [["x-client", "k"]]).status === 200) admitted++;
    off.forEach((f) => f());
    expect(failures).toBeGreaterThan(0);
    expect(admitted).toBe(25);
    // every failed write was retried (none ran out at 8 retries); the process's stats, as in Envoy, add up the workers
    expect(ws[0]).toHaveMetric("ratelimit.per-client.cas_retries", failures);
    expect(ws[0]).toHaveMetric("ratelimit.per-client.cas_exhausted", 0);
  });

  it("a full table evicts the least recently charged live record, counted per limit", () => {
    const h = host({ limits: [bucket()], table: { slots: 16, probe: 4 } });
    for (let i = 0; i < 100; i++) expect(send(h, [["x-client", `c${i}`]]).status).toBe(200);
    // 16 slots: the first 16 keys claim a slot each (4 per bucket), every later key evicts one
    expect(h).toHaveMetric("ratelimit.per-client.evictions", 84);
    // an evicted client starts afresh: more, never fewer, requests admitted
    expect(statuses(h, 4, [["x-client", "c0"]])).toEqual([200, 200, 200, 429]);
  });

  it.each(["process", "worker"])("a configuration push keeps the state of unchanged limits and starts changed ones afresh (%s scope)", (scope) => {
    const h = host({ limits: [bucket({ scope })] });
    expect(statuses(h, 4, [["x-client", "a"]])).toEqual([200, 200, 200, 429]);
    // another header profile, the same limit: the client's bucket is still empty
    expect(h.configure({ limits: [bucket({ scope })], headers: ["ietf"] })).toBe(true);
    expect(send(h, [["x-client", "a"]]).status).toBe(429);
    // a new threshold is a new limit: a full bucket of 5
    expect(h.configure({ limits: [bucket({ scope, max_tokens: 5 })] })).toBe(true);
    expect(statuses(h, 6, [["x-client", "a"]])).toEqual([200, 200, 200, 200, 200, 429]);
    // back to 3 (process scope: its old state is still in shared data; worker scope: dropped, fresh)
    expect(h.configure({ limits: [bucket({ scope })] })).toBe(true);
    expect(send(h, [["x-client", "a"]]).status).toBe(scope === "process" ? 429 : 200);
  });

  it("worker tables of retired configurations are freed: memory stops growing after a few pushes of a 65,536-slot limit", () => {
    const h = host({ limits: [bucket({ scope: "worker" })] });
    const table = 65_536 * 40; // slots x (24 B header + 16 B record)
    const pages0 = h.memoryPages();
    const push = (i: number) => {
      expect(h.configure({ limits: [bucket({ scope: "worker", max_tokens: 10 + i })] })).toBe(true);
      expect(send(h, [["x-client", `c${i}`]]).status).toBe(200);
    };
    for (let i = 0; i < 20; i++) push(i);
    const pages20 = h.memoryPages();
    for (let i = 20; i < 100; i++) push(i);
    // a leak would add a table per push (80 more: ~200 MiB); the new table is built before the old
    // one is let go, and the allocator's free blocks come back in use: a few tables at most
    expect(h.memoryPages()).toBe(pages20);
    expect((pages20 - pages0) * 65_536).toBeLessThan(5 * table);
  });

  it.each([
    [{ limits: [] }, /field "limits": expected/],
    [{ limits: [bucket({ max_tokens: 0 })] }, /field "limits\[0\].max_tokens"/],
    [{ limits: [bucket({ fill_interval_ms: 10 })] }, /field "limits\[0\].fill_interval_ms"/],
    [{ limits: [bucket({ algorithm: "leaky" })] }, /field "limits\[0\].algorithm"/],
    [{ limits: [bucket({ key: [{ remote_ip: {} }] })] }, /field "limits\[0\].key\[0\]": expected exactly one of/],
    [{ limits: [bucket({ key: [{ masked_remote_address: { v4_prefix_mask_len: 33 } }] })] }, /v4_prefix_mask_len/],
    [{ limits: [bucket({ missing: "default" })] }, /default_value/],
    [{ limits: [bucket(), bucket()] }, /another limit has this name/],
    [{ limits: [bucket()], status: 200 }, /field "status"/],
    [{ limits: [bucket()], table: { slots: 8 } }, /field "table.slots": expected an integer in \[16, 4194304\]/],
    [{ limits: [bucket()], table: { slots: 16, probe: 17 } }, /field "table.probe"/],
    [{ limits: [bucket()], table: { slots: 16, probe: 16, cas_retries: 0 } }, /field "table.cas_retries"/],
    [{ limits: [0, 1, 2, 3, 4, 5, 6].map((i) => bucket({ name: `l${i}` })), table: { slots: 4_194_304 } }, /field "table.slots": the limits' tables would hold \d+ bytes of state, more than 1073741824/],
  ] as Array<[Record<string, unknown>, RegExp]>)("refuses %j", (config, error) => {
    const h = createHost({ wasm, rootId: "rate_limit", vmId: "t", pluginConfig: config });
    expect(h.configured).toBe(false);
    expect(h.logsAt(LogLevel.error).join("\n")).toMatch(error);
  });
});
