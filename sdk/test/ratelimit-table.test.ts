// The rate-limit state table (sdk/assembly/ratelimit/table.ts) through its fixture
// (fixtures/ratelimit-table: "admit while count < limit" per key, 429 after): the record layout
// and hash checked against a reference written here, exact decisions with several worker VMs on
// one key (also with CAS conflicts forced by failure injection and with another VM writing between
// a read and a write), CasExhausted after maxRetries, the create-race the ABI leaves open and how
// prepare() closes it, bounded shared data and linear memory under 1,000,000 distinct keys,
// expired slots reused before live ones are evicted, determinism, LocalTable making the same
// decisions, and corrupted shared-data values read as empty. Nothing here is timed.
import { describe, expect, it } from "vitest";
import {
  createHost, createWorkers, LogLevel, ProxyProcess, WasmResult, type HostOptions, type MockHost,
} from "@filterkit/host-mock";
import { BUILDS, fixtureWasm, prng, type Build } from "./helpers.ts";

// ---- reference model of the table (what table.ts documents) ------------------------------------

const M64 = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & M64;
const u64le = (b: Uint8Array, o: number): bigint => new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(o, true);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** SipHash-2-4 (wide: the 128-bit variant), returning [first 64 bits, second 64 bits (0 if not wide)]. */
function sipHash(k0: bigint, k1: bigint, data: Uint8Array, wide: boolean): [bigint, bigint] {
  let v0 = k0 ^ 0x736f6d6570736575n, v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n, v3 = k1 ^ 0x7465646279746573n;
  if (wide) v1 ^= 0xeen;
  const round = (): void => {
    v0 = (v0 + v1) & M64; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M64; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & M64; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & M64; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const whole = data.length - (data.length % 8);
  const absorb = (m: bigint): void => { v3 ^= m; round(); round(); v0 ^= m; };
  for (let i = 0; i < whole; i += 8) absorb(u64le(data, i));
  let last = BigInt(data.length & 0xff) << 56n;
  for (let i = whole; i < data.length; i++) last |= BigInt(data[i]) << BigInt(8 * (i - whole));
  absorb(last);
  v2 ^= wide ? 0xeen : 0xffn;
  round(); round(); round(); round();
  const first = v0 ^ v1 ^ v2 ^ v3;
  if (!wide) return [first, 0n];
  v1 ^= 0xddn;
  round(); round(); round(); round();
  return [first, v0 ^ v1 ^ v2 ^ v3];
}

const KDF: [bigint, bigint] = [0x6b74696b72657466n, 0x656c626174736c72n];

interface Ref { k0: bigint; k1: bigint; buckets: number; probe: number; payload: number }

function tableRef(prefix: string, seed: string, slots: number, probe: number, payload: number): Ref {
  const p = utf8(prefix), s = utf8(seed);
  const m = new Uint8Array(4 + p.length + s.length);
  new DataView(m.buffer).setUint32(0, p.length, true);
  m.set(p, 4);
  m.set(s, 4 + p.length);
  const [k0, k1] = sipHash(KDF[0], KDF[1], m, true);
  return { k0, k1, buckets: Math.ceil(slots / probe), probe, payload };
}

function locate(t: Ref, key: string): { fp: bigint; bucket: number } {
  const [a, b] = sipHash(t.k0, t.k1, utf8(key), true);
  return { fp: a === 0n ? 1n : a, bucket: Number(((b >> 32n) * BigInt(t.buckets)) >> 32n) };
}

function bucketCheck(k0: bigint, v: Uint8Array): number {
  const C1 = 0xff51afd7ed558ccdn, C2 = 0xc4ceb9fe1a85ec53n;
  let h = k0 ^ 0x9e3779b97f4a7c15n ^ BigInt(v.length);
  h = (rotl(h ^ BigInt(new DataView(v.buffer, v.byteOffset).getUint32(0, true)), 27n) * C1) & M64;
  let p = 8;
  for (; p + 8 <= v.length; p += 8) h = (rotl(h ^ u64le(v, p), 27n) * C1) & M64;
  for (; p < v.length; p++) h = (rotl(h ^ BigInt(v[p]), 27n) * C2) & M64;
  h ^= h >> 33n; h = (h * C2) & M64; h ^= h >> 29n;
  return Number((h ^ (h >> 32n)) & 0xffffffffn);
}

interface Rec { fp: bigint; last: bigint; expires: bigint; count: number }

const bucketBytes = (t: Ref): number => 8 + t.probe * (24 + t.payload);

/** The records of a bucket value, or null when it is not a valid bucket of this table. */
function decodeBucket(t: Ref, v: Uint8Array | undefined): Rec[] | null {
  if (v === undefined || v.length !== bucketBytes(t)) return null;
  const d = new DataView(v.buffer, v.byteOffset, v.byteLength);
  if (v[0] !== 1 || v[1] !== t.probe || d.getUint16(2, true) !== t.payload || d.getUint32(4, true) !== bucketCheck(t.k0, v)) return null;
  const out: Rec[] = [];
  for (let w = 0; w < t.probe; w++) {
    const o = 8 + w * (24 + t.payload);
    out.push({ fp: d.getBigUint64(o, true), last: d.getBigInt64(o + 8, true), expires: d.getBigInt64(o + 16, true), count: d.getUint32(o + 24, true) });
  }
  return out;
}

/** A valid bucket value holding `recs` (the rest empty), built from the documented layout. */
function encodeBucket(t: Ref, recs: Array<Rec | null>): Uint8Array {
  const v = new Uint8Array(bucketBytes(t));
  const d = new DataView(v.buffer);
  v[0] = 1; v[1] = t.probe; d.setUint16(2, t.payload, true);
  recs.forEach((r, w) => {
    if (r === null) return;
    const o = 8 + w * (24 + t.payload);
    d.setBigUint64(o, r.fp, true); d.setBigInt64(o + 8, r.last, true); d.setBigInt64(o + 16, r.expires, true);
    d.setUint32(o + 24, r.count, true);
  });
  d.setUint32(4, bucketCheck(t.k0, v), true);
  return v;
}

/** FNV-1a-64 over every record of every bucket (the fixture's LocalTable digest). */
function recordsDigest(t: Ref, bucket: (b: number) => Uint8Array | undefined): string {
  let h = 0xcbf29ce484222325n;
  const recBytes = t.probe * (24 + t.payload);
  for (let b = 0; b < t.buckets; b++) {
    const v = bucket(b);
    const recs = decodeBucket(t, v) !== null ? (v as Uint8Array).subarray(8) : new Uint8Array(recBytes);
    for (const byte of recs) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & M64;
  }
  return h.toString(16).padStart(16, "0");
}

/** A process that remembers every shared-data key ever written, to count them. */
class CountingProcess extends ProxyProcess {
  readonly written = new Set<string>();
  override setShared(vmId: string, key: string, value: Uint8Array, cas: number): "ok" | "cas-mismatch" {
    this.written.add(`${vmId}\u0000${key}`);
    return super.setShared(vmId, key, value, cas);
  }
}

// ---- driving the fixture -----------------------------------------------------------------------

const T0 = 1_700_000_000_000_000_000n;
const WINDOW_MS = 60_000;

interface Cfg {
  prefix: string; slots: number; payload: number; probe: number; retries: number; seed: string;
  limit: number; window_ms: number; scope: "shared" | "local"; prepare: boolean; on_exhausted: "allow" | "deny";
}
const CFG: Cfg = {
  prefix: "rl:v1:limit", slots: 64, payload: 4, probe: 4, retries: 8, seed: "s3cret", limit: 3,
  window_ms: WINDOW_MS, scope: "shared", prepare: true, on_exhausted: "allow",
};
const refOf = (c: Cfg): Ref => tableRef(c.prefix, c.seed, c.slots, c.probe, c.payload);

function options(target: Build, cfg: Cfg, more: Partial<HostOptions> = {}): HostOptions {
  return { wasm: fixtureWasm("ratelimit-table", target), rootId: "ratelimit_table", vmId: "rl", pluginConfig: { ...cfg }, now: T0, ...more };
}

interface Hit { result: "admitted" | "denied" | "exhausted" | "error" | "contended"; count: number; slot: number; evicted: boolean }

function hit(h: MockHost, key: string, extra: Array<[string, string]> = []): Hit {
  const s = h.newHttpStream();
  s.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"], ["x-client", key], ...extra], true);
  const lr = s.localReply;
  let out: Hit;
  if (lr !== null) {
    const [word, c, sl] = lr.bodyText.split(" ");
    if (lr.status === 429 && word === "denied") out = { result: "denied", count: Number(c), slot: Number(sl), evicted: false };
    else if (lr.status === 429 && word === "exhausted") out = { result: "contended", count: -1, slot: -1, evicted: false };
    else throw new Error(`unexpected local reply ${lr.status} ${lr.bodyText}`);
  } else {
    const get = (n: string): string | undefined => s.request.headers.find(([k]) => k === n)?.[1];
    const r = get("x-rl-result");
    if (r === "admitted") out = { result: "admitted", count: Number(get("x-rl-count")), slot: Number(get("x-rl-slot")), evicted: get("x-rl-evicted") === "1" };
    else if (r === "exhausted" || r === "error") out = { result: r, count: -1, slot: -1, evicted: false };
    else throw new Error(`no x-rl-result on the request (${JSON.stringify(s.request.headers)})`);
  }
  s.complete();
  return out;
}

/** A test-only operation of the fixture; returns the reply body. */
function op(h: MockHost, headers: Array<[string, string]>): string {
  const s = h.newHttpStream();
  s.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"], ...headers], true);
  const body = s.localReply?.bodyText;
  s.complete();
  if (body === undefined) throw new Error("the operation was not answered");
  return body;
}

const metric = (h: MockHost, name: string): bigint => h.metric(name)?.value ?? 0n;
const bucketValue = (h: MockHost, c: Cfg, b: number): Uint8Array | undefined => h.sharedData(`${c.prefix}:${b}`)?.value;

/** Keys whose bucket is `bucket`, in the order k-0, k-1, … are tried. */
function keysInBucket(t: Ref, bucket: number, n: number, stem = "k-"): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (locate(t, stem + i).bucket === bucket) out.push(stem + i);
  return out;
}

/** Some key in the same bucket as `key`, other than it. */
function neighbour(t: Ref, key: string): string {
  const b = locate(t, key).bucket;
  return keysInBucket(t, b, 1, `${key}-n`)[0];
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const u64hex = (v: bigint): string => v.toString(16).padStart(16, "0");

describe.each(BUILDS)("rate-limit state table (%s build)", (target) => {
  it("computes SipHash-2-4 (64 and 128 bits) and the table key as documented", () => {
    const h = createHost(options(target, CFG));
    const key = Uint8Array.from({ length: 16 }, (_, i) => i);
    // published vectors (key 00..0f): message 00..0e and the empty message (128-bit from OpenSSL)
    expect(op(h, [["x-op", "hash"], ["x-hash-key", hex(key)], ["x-hash-data", hex(Uint8Array.from({ length: 15 }, (_, i) => i))]]).split(" ").slice(0, 3))
      .toEqual(["a129ca6149be45e5", "11a8b03399e99354", "d9c3cf970fec087e"]);
    expect(op(h, [["x-op", "hash"], ["x-hash-key", hex(key)], ["x-hash-data", ""]]).split(" ").slice(0, 3))
      .toEqual(["726fdb47dd0e0e31", "e6a825ba047f81a3", "930255c71472f66d"]);
    const rnd = prng(7);
    for (let len = 0; len < 70; len++) {
      const k = Uint8Array.from({ length: 16 }, () => Math.floor(rnd() * 256));
      const data = Uint8Array.from({ length: len }, () => Math.floor(rnd() * 256));
      const k0 = u64le(k, 0), k1 = u64le(k, 8);
      const [a] = sipHash(k0, k1, data, false);
      const [b, c] = sipHash(k0, k1, data, true);
      expect(op(h, [["x-op", "hash"], ["x-hash-key", hex(k)], ["x-hash-data", hex(data)]]).split(" ").slice(0, 3)).toEqual([u64hex(a), u64hex(b), u64hex(c)]);
    }
    const t = refOf(CFG);
    expect(op(h, [["x-op", "hash"]]).split(" ").slice(3)).toEqual([u64hex(t.k0), u64hex(t.k1)]);
  });

  it("admits up to the limit, answers 429 after, and stores the record the layout documents", () => {
    const h = createHost(options(target, CFG));
    const t = refOf(CFG);
    expect(h.logsAt(LogLevel.info)).toEqual([`prepared ${t.buckets} of ${t.buckets}`]);
    const { fp, bucket } = locate(t, "alice");
    const seen = [1, 2, 3, 4].map(() => hit(h, "alice"));
    expect(seen.map((x) => [x.result, x.count])).toEqual([["admitted", 1], ["admitted", 2], ["admitted", 3], ["denied", 3]]);
    expect(Math.floor(seen[0].slot / 4)).toBe(bucket);
    expect(new Set(seen.map((x) => x.slot)).size).toBe(1);
    const recs = decodeBucket(t, bucketValue(h, CFG, bucket));
    expect(recs).not.toBeNull();
    expect((recs as Rec[])[seen[0].slot % 4]).toEqual({ fp, last: T0, expires: T0 + BigInt(WINDOW_MS) * 1_000_000n, count: 3 });
    // the same key given as bytes (its UTF-8) is the same record; another key has its own
    expect(hit(h, "alice", [["x-key-as", "bytes"]]).result).toBe("denied");
    expect(hit(h, "bob").count).toBe(1);
    expect(hit(h, "bob", [["x-key-as", "bytes"]]).count).toBe(2);
    // a new window once the record's expiry has passed (the fixture's algorithm resets)
    h.advance(WINDOW_MS);
    expect([hit(h, "alice").count, hit(h, "alice").count]).toEqual([1, 2]);
    // every bucket exists (prepare) and none besides: ceil(slots / probe) shared-data keys
    expect(Array.from({ length: t.buckets + 4 }, (_, b) => bucketValue(h, CFG, b) !== undefined).filter(Boolean).length).toBe(t.buckets);
  });

  it("prepare() ends with a marker: the next VM of the process reads it once instead of every bucket; another shape prepares afresh", () => {
    const process = new ProxyProcess();
    const t = refOf(CFG);
    const a = createHost(options(target, CFG, { process }));
    expect(a.logsAt(LogLevel.info)).toEqual([`prepared ${t.buckets} of ${t.buckets}`]);
    const b = createHost(options(target, CFG, { process, start: false }));
    const entries = b.startTranscript();
    expect(b.start()).toBe(true);
    const calls = (name: string) => entries.filter((e) => e.kind === "hostcall" && e.name === name).length;
    expect([calls("proxy_get_shared_data"), calls("proxy_set_shared_data")]).toEqual([1, 0]);
    expect(b.logsAt(LogLevel.info)).toEqual([`prepared 0 of ${t.buckets}`]);
    // the same prefix with twice the slots: the marker's shape differs, every bucket is checked and the new half created
    const c = createHost(options(target, { ...CFG, slots: CFG.slots * 2 }, { process }));
    expect(c.logsAt(LogLevel.info)).toEqual([`prepared ${t.buckets} of ${2 * t.buckets}`]);
    // and the marker now says so: a fourth VM of that shape reads once
    const d = createHost(options(target, { ...CFG, slots: CFG.slots * 2 }, { process, start: false }));
    const more = d.startTranscript();
    d.start();
    expect(more.filter((e) => e.kind === "hostcall" && e.name === "proxy_get_shared_data").length).toBe(1);
  });

  it("several worker VMs hammering one key admit exactly the limit", () => {
    const cfg = { ...CFG, limit: 25 };
    const workers = createWorkers(4, options(target, cfg));
    const results = Array.from({ length: 200 }, (_, i) => hit(workers[i % 4], "hot"));
    expect(results.filter((r) => r.result === "admitted").length).toBe(25);
    expect(results.slice(0, 25).every((r) => r.result === "admitted")).toBe(true);
    expect(results.filter((r) => r.result === "admitted").map((r) => r.count)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const t = refOf(cfg);
    const { bucket } = locate(t, "hot");
    expect((decodeBucket(t, bucketValue(workers[0], cfg, bucket)) as Rec[]).map((r) => r.count)).toContain(25);
    // LocalTable: each worker has its own (per-worker limits, as documented)
    const locals = createWorkers(2, options(target, { ...cfg, limit: 3, scope: "local" }));
    expect(Array.from({ length: 10 }, (_, i) => hit(locals[i % 2], "hot").result).filter((r) => r === "admitted").length).toBe(6);
    // fewer requests than the limit: every one admitted
    const few = createWorkers(3, options(target, cfg));
    expect(Array.from({ length: 20 }, (_, i) => hit(few[i % 3], "hot").result).every((r) => r === "admitted")).toBe(true);
  });

  it("stays exact when other VMs write between a worker's read and its write (real CAS conflicts)", () => {
    // on_exhausted deny: a request that gave up after maxRetries is refused, so every request let
    // through was counted
    const cfg: Cfg = { ...CFG, limit: 40, on_exhausted: "deny" };
    const workers = createWorkers(4, options(target, cfg));
    const results: Hit[] = [];
    let depth = 0;
    let nested = 0;
    workers.forEach((w, i) => {
      w.interceptHostCall("proxy_set_shared_data", () => {
        // before this worker's write lands, the next worker serves a whole request on the same key
        if (depth < 2 && nested < 120) {
          depth++; nested++;
          results.push(hit(workers[(i + 1) % 4], "hot"));
          depth--;
        }
        return undefined;
      });
    });
    for (let i = 0; i < 60; i++) results.push(hit(workers[i % 4], "hot"));
    expect(results.length).toBe(60 + nested);
    expect(nested).toBeGreaterThan(40);
    expect(results.filter((r) => r.result === "admitted").length).toBe(40);
    const contended = results.filter((r) => r.result === "contended").length;
    expect(results.filter((r) => r.result === "denied").length).toBe(results.length - 40 - contended);
    expect(new Set(results.filter((r) => r.result === "admitted").map((r) => r.count)).size).toBe(40); // counts 1..40, each once
    const retries = metric(workers[0], "rl_cas_retries");
    expect(retries).toBeGreaterThan(0n);
    // a request whose every attempt met another VM's write gave up after 8 retries: counted, refused
    expect(metric(workers[0], "rl_exhausted")).toBe(BigInt(contended));
    const t = refOf(cfg);
    expect((decodeBucket(t, bucketValue(workers[0], cfg, locate(t, "hot").bucket)) as Rec[]).map((r) => r.count)).toContain(40);
    console.log(`[ratelimit-table ${target}] ${results.length} interleaved requests on one key, 4 workers: 40 admitted, ${retries} CAS retries, ${contended} CasExhausted`);
  });

  it("retries forced CAS mismatches up to maxRetries, then reports CasExhausted and writes nothing", () => {
    for (const forced of [1, 3, 8]) {
      const h = createHost(options(target, CFG));
      let left = forced;
      h.interceptHostCall("proxy_set_shared_data", () => (left-- > 0 ? WasmResult.CasMismatch : undefined));
      expect(hit(h, "carol")).toMatchObject({ result: "admitted", count: 1 });
      expect(metric(h, "rl_cas_retries")).toBe(BigInt(forced));
      expect(metric(h, "rl_exhausted")).toBe(0n);
    }
    // one more than maxRetries (8): 9 attempts fail, nothing is written, the filter fails open
    const h = createHost(options(target, CFG));
    expect(hit(h, "carol").count).toBe(1);
    const t = refOf(CFG);
    const before = bucketValue(h, CFG, locate(t, "carol").bucket);
    const remove = h.interceptHostCall("proxy_set_shared_data", () => WasmResult.CasMismatch);
    expect(hit(h, "carol").result).toBe("exhausted");
    expect(metric(h, "rl_cas_retries")).toBe(8n);
    expect(metric(h, "rl_exhausted")).toBe(1n);
    expect(bucketValue(h, CFG, locate(t, "carol").bucket)).toEqual(before);
    remove();
    expect(hit(h, "carol").count).toBe(2); // the failed request was not counted
    // a filter configured to deny on contention; maxRetries 0: the first mismatch gives up
    const strict = createHost(options(target, { ...CFG, retries: 0, on_exhausted: "deny" }));
    let once = 1;
    strict.interceptHostCall("proxy_set_shared_data", () => (once-- > 0 ? WasmResult.CasMismatch : undefined));
    expect(hit(strict, "dave").result).toBe("contended");
    expect(metric(strict, "rl_exhausted")).toBe(1n);
    expect(hit(strict, "dave")).toMatchObject({ result: "admitted", count: 1 });
    // any other failure of a shared-data call is a HostError (the fixture fails open)
    const broken = createHost(options(target, CFG));
    broken.interceptHostCall("proxy_get_shared_data", () => WasmResult.InternalFailure);
    expect(hit(broken, "erin").result).toBe("error");
  });

  it("two workers claiming the same empty slot: one wins, the other retries and sees its record", () => {
    const cfg = { ...CFG, limit: 1 };
    const [a, b] = createWorkers(2, options(target, cfg));
    let bSaw: Hit | null = null;
    let once = true;
    a.interceptHostCall("proxy_set_shared_data", () => {
      if (once) { once = false; bSaw = hit(b, "newcomer"); }
      return undefined;
    });
    const aSaw = hit(a, "newcomer");
    expect(bSaw).toMatchObject({ result: "admitted", count: 1 });
    expect(aSaw).toMatchObject({ result: "denied", count: 1, slot: (bSaw as Hit | null)?.slot });
    expect(metric(a, "rl_cas_retries")).toBe(1n);
    // another key of the same bucket claimed meanwhile: the retry takes the next empty slot
    const t = refOf(cfg);
    const other = neighbour(t, "second");
    let twice = true;
    let bOther: Hit | null = null;
    a.interceptHostCall("proxy_set_shared_data", () => {
      if (twice) { twice = false; bOther = hit(b, other); }
      return undefined;
    });
    const aSecond = hit(a, "second");
    expect(aSecond.result).toBe("admitted");
    expect(bOther).toMatchObject({ result: "admitted", count: 1 });
    expect(aSecond.slot).not.toBe((bOther as Hit | null)?.slot);
    expect(metric(a, "rl_cas_retries")).toBe(2n);
  });

  it("without prepare(): buckets are created on first use; the one unsafe interleaving is the creation itself", () => {
    const cfg = { ...CFG, limit: 1, prepare: false };
    const t = refOf(cfg);
    // a write landing between creation and decision is a CAS conflict like any other: exact
    {
      const [a, b] = createWorkers(2, options(target, cfg));
      let sets = 0;
      let bSaw: Hit | null = null;
      a.interceptHostCall("proxy_set_shared_data", () => {
        if (++sets === 2) bSaw = hit(b, "late"); // a's 1st set creates the bucket, its 2nd is the CAS write
        return undefined;
      });
      const aSaw = hit(a, "late");
      expect(bSaw).toMatchObject({ result: "admitted", count: 1 });
      expect(aSaw.result).toBe("denied");
      expect(metric(a, "rl_creations")).toBe(1n);
    }
    // Envoy writes a missing key whatever CAS is given, so when another worker creates the bucket
    // and writes a record between this worker's NotFound and its own creation, that record is
    // overwritten: both requests admitted under limit 1, the count says 1. prepare() (next block)
    // removes the window: every bucket exists before the first request.
    {
      const [a, b] = createWorkers(2, options(target, cfg));
      let once = true;
      let bSaw: Hit | null = null;
      a.interceptHostCall("proxy_set_shared_data", () => {
        if (once) { once = false; bSaw = hit(b, "racer"); }
        return undefined;
      });
      const aSaw = hit(a, "racer");
      expect([(bSaw as Hit | null)?.result, aSaw.result]).toEqual(["admitted", "admitted"]);
      expect((decodeBucket(t, bucketValue(a, cfg, locate(t, "racer").bucket)) as Rec[]).map((r) => r.count)).toContain(1);
    }
    {
      const [a, b] = createWorkers(2, options(target, { ...cfg, prepare: true }));
      let once = true;
      let bSaw: Hit | null = null;
      a.interceptHostCall("proxy_set_shared_data", () => {
        if (once) { once = false; bSaw = hit(b, "racer"); }
        return undefined;
      });
      const aSaw = hit(a, "racer");
      expect([(bSaw as Hit | null)?.result, aSaw.result]).toEqual(["admitted", "denied"]);
    }
  });

  it("1,000,000 distinct keys through 4,096 slots: shared data and linear memory stay bounded, evictions counted", { timeout: 120_000 }, () => {
    const cfg = { ...CFG, slots: 4096, limit: 1000 };
    const t = refOf(cfg);
    const process = new CountingProcess();
    const shared = createHost(options(target, cfg, { process }));
    const local = createHost(options(target, { ...cfg, scope: "local" }));
    const configured = { shared: shared.memoryPages(), local: local.memoryPages() };
    const BATCH = 10_000;
    const run = (h: MockHost, first: number): string => op(h, [["x-batch", `${first} ${BATCH}`]]);
    // warm-up: one batch (buffers, the host-result arena, the GC's first cycles)
    expect(run(shared, 0)).toBe(`admitted=${BATCH} denied=0 exhausted=0 errors=0`);
    run(local, 0);
    const pages = { shared: shared.memoryPages(), local: local.memoryPages() };
    let maxKeys = 0;
    for (let first = BATCH; first < 1_000_000; first += BATCH) {
      expect(run(shared, first)).toBe(`admitted=${BATCH} denied=0 exhausted=0 errors=0`);
      expect(run(local, first)).toBe(`admitted=${BATCH} denied=0 exhausted=0 errors=0`);
      maxKeys = Math.max(maxKeys, process.written.size);
    }
    const after = { shared: shared.memoryPages(), local: local.memoryPages() };
    console.log(`[ratelimit-table ${target}] 1,000,000 keys, ${cfg.slots} slots: shared-data keys ${process.written.size} (max ${maxKeys}), ` +
      `linear memory (64 KiB pages; configured / after 10,000 keys / after 1,000,000) shared ${configured.shared} / ${pages.shared} / ${after.shared}, ` +
      `local ${configured.local} / ${pages.local} / ${after.local} ` +
      `(local table ${t.buckets * t.probe * (24 + t.payload)} bytes), evictions ${metric(shared, "rl_evictions")}`);
    expect(maxKeys).toBe(t.buckets + 1); // ceil(4096 / 4) = 1024 buckets and prepare's marker, never more
    expect(process.written.size).toBeLessThanOrEqual(cfg.slots);
    expect(after.shared - pages.shared).toBe(0);
    expect(after.local - pages.local).toBe(0);
    expect(pages.shared).toBeLessThanOrEqual(4);
    expect(pages.local).toBeLessThanOrEqual(8);
    // every key is new: the first 4,096 claims fill empty slots, every later one evicts
    expect(metric(shared, "rl_evictions")).toBe(1_000_000n - 4096n);
    expect(metric(shared, "rl_reclaims")).toBe(0n);
    expect(op(shared, [["x-op", "counters"]])).toBe(`0 ${1_000_000 - 4096} 0 0 ${t.buckets} 0 0`);
    // the local table made the same decisions: the same records, byte for byte
    expect(op(local, [["x-op", "digest"]])).toBe(recordsDigest(t, (b) => bucketValue(shared, cfg, b)));
    expect(op(local, [["x-op", "counters"]])).toBe(`0 ${1_000_000 - 4096} 0 0 0 0 0`);
  });

  it("frees a LocalTable that a new configuration replaced (memory levels off)", () => {
    const cfg: Cfg = { ...CFG, slots: 16384, scope: "local" }; // 16,384 * 28 bytes = 448 KiB, 7 pages
    const h = createHost(options(target, cfg));
    const levels: number[] = [];
    for (let i = 1; i <= 200; i++) {
      expect(h.configure()).toBe(true);
      if (i % 50 === 0) levels.push(h.memoryPages());
    }
    // the SDK collects every 32nd callback, so some dozens of replaced tables are alive (or their
    // memory not yet reused) at once; 200 that were never freed would take 1,400 pages
    console.log(`[ratelimit-table ${target}] 200 configurations of a 448 KiB LocalTable: ${levels.join(", ")} pages`);
    expect(new Set(levels.slice(1)).size).toBe(1);
    expect(levels[0]).toBeLessThanOrEqual(64 * 7);
  });

  it("reuses expired slots before evicting live ones, then evicts the least recently charged", () => {
    for (const scope of ["shared", "local"] as const) {
      const cfg: Cfg = { ...CFG, slots: 8, scope };
      const t = refOf(cfg);
      const h = createHost(options(target, cfg));
      const [k1, k2, k3, k4, k5, k6] = keysInBucket(t, 0, 6);
      const s1 = hit(h, k1, [["x-window-ms", "1000"]]).slot; // expires after 1 s
      h.advance(1);
      const s2 = hit(h, k2).slot;
      h.advance(1);
      const s3 = hit(h, k3).slot;
      h.advance(1);
      const s4 = hit(h, k4).slot;
      expect(new Set([s1, s2, s3, s4])).toEqual(new Set([0, 1, 2, 3]));
      h.advance(1500); // k1's record has expired; k2..k4 are live
      const r5 = hit(h, k5);
      expect(r5).toMatchObject({ result: "admitted", count: 1, slot: s1, evicted: false });
      expect(metric(h, "rl_reclaims")).toBe(1n);
      expect(metric(h, "rl_evictions")).toBe(0n);
      expect([hit(h, k3).count, hit(h, k4).count]).toEqual([2, 2]); // untouched
      // no expired slot left: k6 evicts the least recently charged live record (k2's)
      h.advance(1);
      expect(hit(h, k6)).toMatchObject({ result: "admitted", count: 1, slot: s2, evicted: true });
      expect(metric(h, "rl_evictions")).toBe(1n);
      // k2 comes back as a new key (its state was lost: it starts from zero) and evicts k5's
      h.advance(1);
      expect(hit(h, k2)).toMatchObject({ result: "admitted", count: 1, slot: s1, evicted: true });
    }
  });

  it("is deterministic: the same requests at the same times give the same slots and contents", () => {
    const cfg = { ...CFG, slots: 256, limit: 5 };
    const t = refOf(cfg);
    const runOnce = (scope: "shared" | "local"): { slots: number[]; contents: string } => {
      const workers = createWorkers(2, options(target, { ...cfg, scope }));
      const rnd = prng(42);
      const slots: number[] = [];
      for (let i = 0; i < 3000; i++) {
        if (i % 100 === 99) workers[0].advance(Math.floor(rnd() * 20_000));
        const key = `client-${Math.floor(rnd() * 600)}`;
        const r = hit(workers[i % 2], key, [["x-window-ms", String(1000 + Math.floor(rnd() * 30_000))]]);
        slots.push(r.result === "admitted" || r.result === "denied" ? r.slot : -1);
      }
      const contents = scope === "shared"
        ? Array.from({ length: t.buckets }, (_, b) => hex(bucketValue(workers[0], cfg, b) ?? new Uint8Array(0))).join(",")
        : workers.map((w) => op(w, [["x-op", "digest"]])).join(",");
      return { slots, contents };
    };
    const first = runOnce("shared");
    expect(runOnce("shared")).toEqual(first);
    expect(first.slots.every((s) => s >= 0 && s < 256)).toBe(true);
    expect(runOnce("local")).toEqual(runOnce("local"));
  });

  it("reads corrupted, short, foreign or old-format shared-data values as an empty bucket", () => {
    const t = refOf(CFG);
    const { fp, bucket } = locate(t, "victim");
    const n = bucketBytes(t);
    const valid = (count: number): Uint8Array => encodeBucket(t, [{ fp, last: T0, expires: T0 + 10n ** 12n, count }]);
    const flipped = valid(2); flipped[32] ^= 1; // record 0's payload
    const v2 = valid(2); v2[0] = 2;
    const ways = valid(2); ways[1] = 2;
    const otherSeed = encodeBucket(tableRef(CFG.prefix, "another seed", CFG.slots, CFG.probe, CFG.payload), [{ fp, last: T0, expires: T0 + 10n ** 12n, count: 2 }]);
    const bad: Array<[string, Uint8Array]> = [
      ["empty", new Uint8Array(0)], ["one byte", Uint8Array.of(1)], ["header only", valid(2).subarray(0, 8)],
      ["one byte short", valid(2).subarray(0, n - 1)], ["one byte long", Uint8Array.from([...valid(2), 0])],
      ["all 0xff", new Uint8Array(n).fill(0xff)], ["a flipped payload bit", flipped], ["format version 2", v2],
      ["another probe", ways], ["another seed", otherSeed], ["text", utf8("not a bucket")],
    ];
    for (const [what, value] of bad) {
      const h = createHost(options(target, CFG));
      expect(h.setSharedData(`${CFG.prefix}:${bucket}`, value)).toBe("ok");
      expect(hit(h, "victim"), what).toMatchObject({ result: "admitted", count: 1 });
      expect(metric(h, "rl_corrupt"), what).toBe(1n);
      const recs = decodeBucket(t, bucketValue(h, CFG, bucket));
      expect(recs?.filter((r) => r.fp !== 0n).map((r) => [r.fp, r.count]), what).toEqual([[fp, 1]]);
    }
    // a valid bucket written from the documented layout is read as such
    const h = createHost(options(target, CFG));
    h.setSharedData(`${CFG.prefix}:${bucket}`, valid(2));
    expect(hit(h, "victim")).toMatchObject({ result: "admitted", count: 3 });
    expect(metric(h, "rl_corrupt")).toBe(0n);
    // random values of every length, the right one included: never a trap, always a decision
    const rnd = prng(3);
    const fuzz = createHost(options(target, { ...CFG, limit: 1000 }));
    for (let i = 0; i < 300; i++) {
      const len = i % 3 === 0 ? n : Math.floor(rnd() * (2 * n));
      fuzz.setSharedData(`${CFG.prefix}:${bucket}`, Uint8Array.from({ length: len }, () => Math.floor(rnd() * 256)));
      expect(hit(fuzz, "victim")).toMatchObject({ result: "admitted", count: 1 });
    }
    expect(metric(fuzz, "rl_corrupt")).toBe(300n);
  });
});
