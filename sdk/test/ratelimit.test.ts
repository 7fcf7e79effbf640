// The rate-limit algorithms of sdk/assembly/ratelimit (token bucket, GCRA, sliding window, fixed
// window, concurrency), driven through the ratelimit fixture on both builds:
//   * a TypeScript reference model of each algorithm (BigInt, exact): every decision, remaining,
//     limit, reset, retry-after, "state changed" flag and the record bytes themselves must equal
//     the model's, over seeded random schedules (request times, costs, peeks, refunds, backward
//     clocks, huge gaps, corrupted and short records) and hand-written edge cases. The models
//     compute retry-after and reset by searching for the first nanosecond at which the condition
//     holds (not by the closed forms the AssemblyScript code uses), so they check those too;
//   * the token bucket against a transcription of Envoy 1.40's local_ratelimit token bucket
//     (double-precision, as Envoy computes), over schedules of bursts;
//   * the properties each file header promises: fixed window <= limit per aligned window,
//     sliding window <= limit + floor(P·e/W) over any window-length span, GCRA <= burst + t/I
//     over any span t;
//   * the parameter checks.
// Nothing here is timed.
import { describe, expect, it } from "vitest";
import { createHost, LogLevel, type MockHost } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm, prng, type Build } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = { debug: fixtureWasm("ratelimit", "debug"), release: fixtureWasm("ratelimit", "release") };

// ---- constants of sdk/assembly/ratelimit/common.ts ----------------------------------------------
const NEVER = (1n << 63n) - 1n;
const MAX_TIME = 1n << 62n;
const MAX_COUNT = 4294967295n;
const MAX_PERIOD = 31536000000000000n;
const MAX_FILL = 1577880000000000000n;
const MS = 1000000n;
const SEC = 1000000000n;
/** A wall-clock-like origin for the schedules (late 2025, in ns). */
const T0 = 1764000000000000000n;

type Alg = "tb" | "gcra" | "sw" | "fw" | "cc";
type Step = ["d", string, string, 0 | 1] | ["r", string, string] | ["s", string] | ["i"];
interface Case { alg: Alg; p: string[]; state?: string; steps: Step[] }
interface Check { alg: Alg; p: string[] }

const big = (v: bigint | number): string => String(v);
const clamp = (v: bigint, lo: bigint, hi: bigint): bigint => (v < lo ? lo : v > hi ? hi : v);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}
const ceilDiv = (a: bigint, b: bigint): bigint => -floorDiv(-a, b);
const ceilSeconds = (ns: bigint): bigint => (ns <= 0n ? 0n : ceilDiv(ns, SEC));

// ---- records ---------------------------------------------------------------------------------------
/** A per-key record as the model holds it: the bytes, little-endian i64 fields. */
class Rec {
  constructor(public bytes: Buffer) {}
  static zero(n: number): Rec { return new Rec(Buffer.alloc(n)); }
  static hex(h: string): Rec { return new Rec(Buffer.from(h, "hex")); }
  field(size: number, i: number): bigint { return this.bytes.length < size ? 0n : this.bytes.readBigInt64LE(8 * i); }
  canWrite(size: number): boolean { return this.bytes.length >= size; }
  set(fields: bigint[]): void { fields.forEach((v, i) => this.bytes.writeBigInt64LE(BigInt.asIntN(64, v), 8 * i)); }
  toHex(): string { return this.bytes.length === 0 ? "-" : this.bytes.toString("hex"); }
  copy(): Rec { return new Rec(Buffer.from(this.bytes)); }
}

interface Out { allowed: boolean; remaining: bigint; limit: bigint; reset: bigint; retry: bigint; fresh: bigint; changed: boolean }

interface Model {
  readonly stateBytes: number;
  readonly limit: bigint;
  decide(r: Rec, now: bigint, cost: bigint, charge: boolean): Out;
  refund(r: Rec, now: bigint, cost: bigint): boolean;
}

/** The first t in [lo, hi] with pred(t), pred being false then true; hi must satisfy it. */
function firstTrue(lo: bigint, hi: bigint, pred: (t: bigint) => boolean): bigint {
  if (!pred(hi)) throw new Error(`search bound ${hi} does not satisfy the predicate`);
  while (lo < hi) {
    const mid = lo + (hi - lo) / 2n;
    if (pred(mid)) hi = mid;
    else lo = mid + 1n;
  }
  return lo;
}

// ---- GCRA and the Envoy token bucket: the key's "behind" x, exactly, in units of 1/rate ns ---------
/**
 * GCRA with I = period / rate ns per unit and capacity `burst` (the token bucket is the same with
 * I = fill_interval / tokens_per_fill, burst = max_tokens, cost 0 refused and reset = time until
 * one whole token). Time is scaled by `rate` so that everything is an integer: S = TAT·rate.
 */
class GcraModel implements Model {
  readonly stateBytes = 16;
  readonly P: bigint;
  readonly Q: bigint;
  readonly B: bigint;
  constructor(rate: bigint, period: bigint, burst: bigint, readonly tb: boolean) {
    this.Q = clamp(rate, 1n, MAX_COUNT);
    this.P = clamp(period, 1n, MAX_PERIOD);
    const b = clamp(burst, 1n, MAX_COUNT);
    const most = (MAX_FILL * this.Q) / this.P;
    this.B = b > most ? (most < 1n ? 1n : most) : b;
  }
  get limit(): bigint { return this.B; }
  private get W(): bigint { return this.B * this.P; } // scaled
  /** The record's TAT (scaled) after normalisation at `now`, and whether it was normalised. */
  private view(r: Rec, now: bigint): { S: bigint; fix: boolean } {
    let fr = r.field(16, 1);
    let fix = false;
    if (fr < 0n || fr >= this.Q) { fr = 0n; fix = true; }
    let x = r.field(16, 0) * this.Q + fr - now * this.Q;
    if (x < 0n) x = 0n;
    else if (x > 2n * this.W) { x = this.W; fix = true; }
    return { S: now * this.Q + x, fix };
  }
  private x(S: bigint, t: bigint): bigint { return max(S - t * this.Q, 0n); }
  private allowedAt(S: bigint, t: bigint, c: bigint): boolean {
    if (c > this.B || (c === 0n && this.tb)) return false;
    return this.x(S, t) <= (this.B - c) * this.P;
  }
  private write(r: Rec, S: bigint): void { r.set([floorDiv(S, this.Q), S - floorDiv(S, this.Q) * this.Q]); }

  decide(r: Rec, nowIn: bigint, cost: bigint, charge: boolean): Out {
    const now = clamp(nowIn, 0n, MAX_TIME);
    const c = max(cost, 0n);
    const { S, fix } = this.view(r, now);
    const allowed = this.allowedAt(S, now, c);
    const S2 = allowed ? max(S, now * this.Q) + c * this.P : S;
    const charged = allowed && charge && c > 0n;
    const changed = (charged || fix) && r.canWrite(16);
    if (changed) this.write(r, charged ? S2 : S);
    const x2 = this.x(S2, now);
    const remaining = x2 <= this.W ? (this.W - x2) / this.P : 0n;
    const horizon = now + ceilDiv(3n * this.W, this.Q) + 2n;
    let retry = 0n;
    if (!allowed) {
      retry = c > this.B || (c === 0n && this.tb) ? NEVER : firstTrue(now, horizon, (t) => this.allowedAt(S, t, c)) - now;
    }
    const fresh = firstTrue(now, horizon, (t) => this.x(S2, t) === 0n) - now;
    const reset = this.tb ? firstTrue(now, horizon, (t) => this.x(S2, t) <= (this.B - 1n) * this.P) - now : fresh;
    return { allowed, remaining, limit: this.B, reset, retry, fresh, changed };
  }

  refund(r: Rec, nowIn: bigint, cost: bigint): boolean {
    if (cost <= 0n || !r.canWrite(16)) return false;
    const now = clamp(nowIn, 0n, MAX_TIME);
    const { S, fix } = this.view(r, now);
    const x = this.x(S, now);
    if (x === 0n && !fix) return false;
    this.write(r, now * this.Q + (cost >= this.B ? 0n : max(x - cost * this.P, 0n)));
    return true;
  }
}

// ---- sliding window --------------------------------------------------------------------------------
class SlidingModel implements Model {
  readonly stateBytes = 24;
  readonly L: bigint;
  readonly W: bigint;
  constructor(limit: bigint, window: bigint) {
    this.L = clamp(limit, 1n, MAX_COUNT);
    this.W = clamp(window, 1n, MAX_PERIOD);
  }
  get limit(): bigint { return this.L; }
  /** The record at time t: the window n it is read in, the effective time, C and P. */
  view(r: Rec, t: bigint): { n: bigint; eff: bigint; c: bigint; p: bigint; fix: boolean } {
    let k = r.field(24, 0);
    const rc = r.field(24, 1);
    const rp = r.field(24, 2);
    const curr = clamp(rc, 0n, this.L);
    const prev = clamp(rp, 0n, this.L);
    let fix = curr !== rc || prev !== rp;
    let n = t / this.W;
    if (k > n + 1n) { k = n; fix = true; }
    let eff = t;
    if (k === n + 1n) { n = k; eff = k * this.W; }
    const [c, p] = k === n ? [curr, prev] : k === n - 1n ? [0n, curr] : [0n, 0n];
    return { n, eff, c, p, fix };
  }
  /** est·W = C·W + P·(W - e), exactly. */
  private estW(v: { n: bigint; eff: bigint; c: bigint; p: bigint }): bigint {
    const e = v.eff - v.n * this.W;
    return v.c * this.W + v.p * (this.W - e);
  }
  private allowedAt(r: Rec, t: bigint, c: bigint): boolean {
    return c <= this.L && this.estW(this.view(r, t)) + c * this.W <= this.L * this.W;
  }

  decide(r: Rec, nowIn: bigint, cost: bigint, charge: boolean): Out {
    const now = clamp(nowIn, 0n, MAX_TIME);
    const c = max(cost, 0n);
    const v = this.view(r, now);
    const norm = new Rec(Buffer.alloc(24));
    norm.set([v.n, v.c, v.p]);
    const allowed = this.allowedAt(norm, now, c);
    const after = new Rec(Buffer.alloc(24));
    after.set([v.n, allowed ? v.c + c : v.c, v.p]);
    const charged = allowed && charge && c > 0n;
    const changed = (charged || v.fix) && r.canWrite(24);
    if (changed) r.set([v.n, charged ? v.c + c : v.c, v.p]);
    const a = this.view(after, now);
    const remaining = max(floorDiv(this.L * this.W - this.estW(a), this.W), 0n);
    const horizon = now + 3n * this.W + 2n;
    const retry = allowed ? 0n : c > this.L ? NEVER : firstTrue(now, horizon, (t) => this.allowedAt(norm, t, c)) - now;
    const reset = firstTrue(now, horizon, (t) => this.estW(this.view(after, t)) === 0n) - now;
    return { allowed, remaining, limit: this.L, reset, retry, fresh: reset, changed };
  }

  refund(r: Rec, nowIn: bigint, cost: bigint): boolean {
    if (cost <= 0n || !r.canWrite(24)) return false;
    const v = this.view(r, clamp(nowIn, 0n, MAX_TIME));
    if (v.c === 0n && v.p === 0n && !v.fix) return false;
    const fromC = cost < v.c ? cost : v.c;
    r.set([v.n, v.c - fromC, max(v.p - (cost - fromC), 0n)]);
    return true;
  }
}

// ---- fixed window ----------------------------------------------------------------------------------
class FixedModel implements Model {
  readonly stateBytes = 16;
  readonly L: bigint;
  readonly W: bigint;
  constructor(limit: bigint, window: bigint) {
    this.L = clamp(limit, 1n, MAX_COUNT);
    this.W = clamp(window, 1n, MAX_PERIOD);
  }
  get limit(): bigint { return this.L; }
  view(r: Rec, t: bigint): { n: bigint; c: bigint; fix: boolean } {
    let k = r.field(16, 0);
    const raw = r.field(16, 1);
    const count = clamp(raw, 0n, this.L);
    let fix = count !== raw;
    let n = t / this.W;
    if (k > n + 1n) { k = n; fix = true; }
    if (k === n + 1n) n = k;
    return { n, c: k === n ? count : 0n, fix };
  }
  decide(r: Rec, nowIn: bigint, cost: bigint, charge: boolean): Out {
    const now = clamp(nowIn, 0n, MAX_TIME);
    const c = max(cost, 0n);
    const v = this.view(r, now);
    const norm = new Rec(Buffer.alloc(16));
    norm.set([v.n, v.c]);
    const okAt = (t: bigint): boolean => c <= this.L && this.view(norm, t).c + c <= this.L;
    const allowed = okAt(now);
    const c2 = allowed ? v.c + c : v.c;
    const charged = allowed && charge && c > 0n;
    const changed = (charged || v.fix) && r.canWrite(16);
    if (changed) r.set([v.n, charged ? c2 : v.c]);
    const after = new Rec(Buffer.alloc(16));
    after.set([v.n, c2]);
    const horizon = now + 2n * this.W + 2n;
    const retry = allowed ? 0n : c > this.L ? NEVER : firstTrue(now, horizon, okAt) - now;
    const reset = firstTrue(now, horizon, (t) => this.view(after, t).c === 0n) - now;
    return { allowed, remaining: this.L - c2, limit: this.L, reset, retry, fresh: reset, changed };
  }
  refund(r: Rec, nowIn: bigint, cost: bigint): boolean {
    if (cost <= 0n || !r.canWrite(16)) return false;
    const v = this.view(r, clamp(nowIn, 0n, MAX_TIME));
    if (v.c === 0n && !v.fix) return false;
    r.set([v.n, cost >= v.c ? 0n : v.c - cost]);
    return true;
  }
}

// ---- concurrency -----------------------------------------------------------------------------------
class ConcurrencyModel implements Model {
  readonly stateBytes = 8;
  readonly limit: bigint;
  constructor(limit: bigint) { this.limit = clamp(limit, 1n, MAX_COUNT); }
  decide(r: Rec, _now: bigint, cost: bigint, charge: boolean): Out {
    const raw = r.field(8, 0);
    const n = clamp(raw, 0n, MAX_COUNT);
    const c = max(cost, 0n);
    const allowed = n + c <= this.limit;
    const charged = allowed && charge && c > 0n;
    const changed = (charged || n !== raw) && r.canWrite(8);
    if (changed) r.set([charged ? n + c : n]);
    const n2 = allowed ? n + c : n;
    return { allowed, remaining: max(this.limit - n2, 0n), limit: this.limit, reset: 0n, retry: allowed ? 0n : NEVER, fresh: n2 === 0n ? 0n : NEVER, changed };
  }
  refund(r: Rec, _now: bigint, cost: bigint): boolean {
    if (cost <= 0n || !r.canWrite(8)) return false;
    const raw = r.field(8, 0);
    const n = clamp(raw, 0n, MAX_COUNT);
    if (n === 0n && raw === 0n) return false;
    r.set([cost >= n ? 0n : n - cost]);
    return true;
  }
}

function model(alg: Alg, p: bigint[]): Model {
  switch (alg) {
    case "tb": return new GcraModel(p[1], p[2], p[0], true);
    case "gcra": return new GcraModel(p[0], p[1], p[2], false);
    case "sw": return new SlidingModel(p[0], p[1]);
    case "fw": return new FixedModel(p[0], p[1]);
    case "cc": return new ConcurrencyModel(p[0]);
  }
}

/** The fixture's lines for a case, computed by the model. */
function expectedLines(ci: number, c: Case): string[] {
  const m = model(c.alg, c.p.map(BigInt));
  let r = c.state !== undefined ? Rec.hex(c.state) : Rec.zero(m.stateBytes);
  return c.steps.map((st, si) => {
    const head = `${ci} ${si} `;
    switch (st[0]) {
      case "d": {
        const o = m.decide(r, BigInt(st[1]), BigInt(st[2]), st[3] === 1);
        return head + `d ${o.allowed ? 1 : 0} ${o.remaining} ${o.limit} ${o.reset} ${o.retry} ${o.fresh} ${o.changed ? 1 : 0} ${r.toHex()}`;
      }
      case "r": {
        const changed = m.refund(r, BigInt(st[1]), BigInt(st[2]));
        return head + `r ${changed ? 1 : 0} ${r.toHex()}`;
      }
      case "s":
        r = Rec.hex(st[1]);
        return head + `s ${r.toHex()}`;
      case "i":
        return head + `i ${m.stateBytes} ${m.limit}`;
    }
  });
}

// ---- the fixture -----------------------------------------------------------------------------------
interface Engine { host: MockHost; run(cases: Case[], checks?: Check[]): { lines: string[][]; checks: string[] } }

function engine(build: Build): Engine {
  const host = createHost({ wasm: WASM[build], rootId: "ratelimit", pluginConfig: { cases: [] } });
  return {
    host,
    run(cases, checks = []) {
      host.clearLogs();
      expect(host.configure({ cases, checks })).toBe(true);
      expect(host.logsAt(LogLevel.critical)).toEqual([]);
      const all = host.logsAt(LogLevel.info);
      const lines = cases.map((): string[] => []);
      const checkLines: string[] = [];
      for (const l of all) {
        if (l.startsWith("v ")) { checkLines.push(l); continue; }
        lines[Number(l.slice(0, l.indexOf(" ")))].push(l);
      }
      return { lines, checks: checkLines };
    },
  };
}

/** Runs the cases in the fixture and compares every line with the model's. */
function agree(rl: Engine, cases: Case[]): void {
  const { lines } = rl.run(cases);
  cases.forEach((c, ci) => {
    const want = expectedLines(ci, c);
    expect(lines[ci].length, `case ${ci} (${c.alg} ${c.p.join(",")}) ran every step`).toBe(c.steps.length);
    for (let si = 0; si < want.length; si++) {
      if (lines[ci][si] !== want[si]) {
        expect(lines[ci][si], `case ${ci} ${c.alg} [${c.p.join(", ")}] step ${si} ${JSON.stringify(c.steps[si])}\n` +
          `after ${JSON.stringify(c.steps.slice(Math.max(0, si - 4), si))}`).toBe(want[si]);
      }
    }
  });
}

/** Parsed decision line. */
function parseDecision(line: string): Out & { state: string } {
  const f = line.split(" ");
  expect(f[2]).toBe("d");
  return { allowed: f[3] === "1", remaining: BigInt(f[4]), limit: BigInt(f[5]), reset: BigInt(f[6]), retry: BigInt(f[7]), fresh: BigInt(f[8]), changed: f[9] === "1", state: f[10] };
}

const d = (t: bigint, cost: bigint | number = 1, charge: 0 | 1 = 1): Step => ["d", big(t), big(cost), charge];
const rf = (t: bigint, cost: bigint | number = 1): Step => ["r", big(t), big(cost)];
const setState = (hex: string): Step => ["s", hex];

// ---- random schedules ------------------------------------------------------------------------------
type Rand = () => number;
const pick = <T>(rnd: Rand, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const int = (rnd: Rand, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
/** A bigint in [0, n) (n up to 2^64). */
function below(rnd: Rand, n: bigint): bigint {
  if (n <= 0n) return 0n;
  const v = (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32));
  return v % n;
}
function randomHex(rnd: Rand, bytes: number): string {
  let s = "";
  for (let i = 0; i < bytes; i++) s += int(rnd, 0, 255).toString(16).padStart(2, "0");
  return s;
}
function le64(vals: bigint[]): string {
  const b = Buffer.alloc(8 * vals.length);
  vals.forEach((v, i) => b.writeBigInt64LE(BigInt.asIntN(64, v), 8 * i));
  return b.toString("hex");
}

/** Parameters of an algorithm, random but valid; `span` is its natural time scale (ns). */
function randomParams(rnd: Rand, alg: Alg): { p: bigint[]; span: bigint; unit: bigint } {
  switch (alg) {
    case "tb": {
      const max = BigInt(pick(rnd, [1, 2, 3, 5, 10, 100, 4294967295]));
      const tpf = BigInt(pick(rnd, [1, 1, 2, 3, 7, 1000, 4294967295]));
      const fi = BigInt(pick(rnd, [50, 100, 250, 1000, 1500, 3000, 60000, 86400000])) * MS;
      const most = (MAX_FILL * tpf) / fi;
      const p = [max, tpf, fi];
      const span = ((max > most ? most : max) * fi) / tpf + 1n;
      return { p, span, unit: fi / tpf + 1n };
    }
    case "gcra": {
      const limit = BigInt(pick(rnd, [1, 2, 3, 10, 60, 1000, 4294967295]));
      const period = BigInt(pick(rnd, [1000000, 7000001, 1000000000, 60000000000, 3600000000000, 31536000000000000]));
      let burst = BigInt(pick(rnd, [1, 2, 5, 10, 1000, 4294967295]));
      const most = (MAX_FILL * limit) / period;
      if (burst > most) burst = most < 1n ? 1n : most;
      const span = (burst * period) / limit + 1n;
      return { p: [limit, period, burst], span, unit: period / limit + 1n };
    }
    case "sw":
    case "fw": {
      const limit = BigInt(pick(rnd, [1, 2, 3, 5, 10, 100, 4294967295]));
      const w = BigInt(pick(rnd, [1000000, 3000007, 1000000000, 60000000000, 86400000000000, 31536000000000000]));
      return { p: [limit, w], span: w, unit: w / (limit < 20n ? limit : 20n) + 1n };
    }
    case "cc":
      return { p: [BigInt(pick(rnd, [1, 2, 5, 100]))], span: SEC, unit: SEC };
  }
}

/** A random schedule: mostly forward in time, sometimes exactly on a boundary, backwards or far. */
function randomCase(rnd: Rand, alg: Alg, steps: number): Case {
  const { p, span, unit } = randomParams(rnd, alg);
  const lim = alg === "tb" ? p[0] : alg === "gcra" ? p[2] : p[0];
  const bytes = alg === "sw" ? 24 : alg === "cc" ? 8 : 16;
  let t = T0 + below(rnd, span);
  const out: Step[] = [];
  for (let i = 0; i < steps; i++) {
    const r = rnd();
    if (r < 0.45) t += below(rnd, unit * 2n);
    else if (r < 0.55) t += below(rnd, span * 2n);
    else if (r < 0.62) t = (t / span + 1n) * span; // a window / fill boundary
    else if (r < 0.66) t = ((t / unit) + 1n) * unit - 1n;
    else if (r < 0.70) t -= below(rnd, unit); // a worker with an earlier clock
    else if (r < 0.72) t -= below(rnd, span * 3n); // a clock jump back
    else if (r < 0.73) t += span * BigInt(int(rnd, 1, 1000));
    // otherwise the same instant
    const q = rnd();
    const cost = q < 0.7 ? 1n : q < 0.85 ? BigInt(int(rnd, 2, 4)) : q < 0.9 ? 0n : q < 0.94 ? lim : q < 0.97 ? lim + 1n : BigInt(int(rnd, -3, -1));
    const o = rnd();
    if (o < 0.62) out.push(d(t, cost, 1));
    else if (o < 0.85) out.push(d(t, cost, 0));
    else if (o < 0.96) out.push(rf(t, cost));
    else if (o < 0.98) out.push(setState(randomHex(rnd, bytes)));
    else if (o < 0.99) out.push(setState(randomHex(rnd, int(rnd, 0, bytes - 1))));
    else out.push(setState("00".repeat(bytes)));
  }
  return { alg, p: p.map(big), steps: out };
}

// ---- Envoy 1.40's token bucket, transcribed ---------------------------------------------------------
/**
 * A transcription of the token bucket behind Envoy 1.40's local_ratelimit filter, as Envoy computes
 * it (doubles, seconds of its monotonic clock):
 *   source/common/common/token_bucket_impl.h/.cc, AtomicTokenBucketImpl: fill_rate_ =
 *     max(|fill_rate|, 1/(365·24·3600)); time_in_seconds_ = now - max_tokens / fill_rate_ at
 *     construction (full); consume(cb): total = min(max_tokens, (now - time_in_seconds_) ·
 *     fill_rate_), consumed = cb(total), nothing when 0, else time_in_seconds_ = now - (total -
 *     consumed) / fill_rate_; remainingTokens() = min(max_tokens, (now - time_in_seconds_) ·
 *     fill_rate_).
 *   source/extensions/filters/common/local_ratelimit/local_ratelimit_impl.cc/.h,
 *     RateLimitTokenBucket: fill rate = tokens_per_fill / (fill_interval in seconds, from whole
 *     milliseconds); consume(factor 1, hits_addend) = consume(total < tokens ? 0 : tokens) != 0;
 *     remainingTokens() = uint64 of the above; resetSeconds() from nextTokenAvailable(): 0 with a
 *     whole token left, else the seconds until one, rounded up (the formula measured on the 1.40.0
 *     binary, see token-bucket.ts; the stored sources did not show that function's 1.40 body).
 * The headers are compared at the decision's instant, where Envoy's doubles can put a count that is
 * whole in exact arithmetic (the bucket right after taking a token from a full one) a hair below
 * it; Envoy itself evaluates them in encodeHeaders, microseconds later, past that rounding. So a
 * count within 1e-6 of a whole number is read as that number for the headers (never for the
 * admission decision, which is compared as Envoy computes it).
 */
class EnvoyTokenBucket {
  private readonly maxTokens: number;
  private readonly fillRate: number;
  private timeInSeconds: number;
  constructor(maxTokens: number, tokensPerFill: number, fillIntervalMs: number, nowSeconds: number) {
    this.maxTokens = maxTokens;
    this.fillRate = Math.max(Math.abs(tokensPerFill / (fillIntervalMs / 1000)), 1.0 / (365 * 24 * 60 * 60));
    this.timeInSeconds = nowSeconds - this.maxTokens / this.fillRate;
  }
  consume(nowSeconds: number, tokens: number): boolean {
    const total = Math.min(this.maxTokens, (nowSeconds - this.timeInSeconds) * this.fillRate);
    const consumed = total < tokens ? 0 : tokens;
    if (consumed === 0) return false;
    this.timeInSeconds = nowSeconds - (total - consumed) / this.fillRate;
    return true;
  }
  private tokensForHeaders(nowSeconds: number): number {
    const t = Math.min(this.maxTokens, (nowSeconds - this.timeInSeconds) * this.fillRate);
    return Math.abs(t - Math.round(t)) < 1e-6 ? Math.round(t) : t;
  }
  remainingTokens(nowSeconds: number): number {
    const t = this.tokensForHeaders(nowSeconds);
    return t < 0 ? 0 : Math.floor(t);
  }
  resetSeconds(nowSeconds: number): number {
    const t = this.tokensForHeaders(nowSeconds);
    return t >= 1 ? 0 : Math.ceil((1 - t) / this.fillRate);
  }
}

// ---- properties over admission logs -----------------------------------------------------------------
interface Admit { t: bigint; cost: bigint }

/** Charges a monotonic random schedule and returns what was admitted. */
function admissions(rl: Engine, alg: Alg, p: bigint[], times: bigint[], costs: bigint[]): Admit[] {
  const steps = times.map((t, i) => d(t, costs[i], 1));
  const { lines } = rl.run([{ alg, p: p.map(big), steps }]);
  expect(lines[0].length).toBe(steps.length);
  return lines[0].flatMap((l, i) => (parseDecision(l).allowed ? [{ t: times[i], cost: costs[i] }] : []));
}

function burstyTimes(rnd: Rand, n: number, unit: bigint, span: bigint): bigint[] {
  const times: bigint[] = [];
  let t = T0 + below(rnd, span);
  while (times.length < n) {
    const r = rnd();
    if (r < 0.6) t += below(rnd, unit / 8n + 1n);
    else if (r < 0.9) t += below(rnd, unit * 2n);
    else t += below(rnd, span * 2n);
    if (rnd() < 0.1) t = (t / span + 1n) * span - BigInt(int(rnd, 0, 1)); // right at an edge
    times.push(t);
  }
  return times;
}

describe.each(BUILDS)("rate-limit algorithms (%s build)", (build) => {
  const rl = engine(build);

  it("reports its record sizes and limits", () => {
    const cases: Case[] = [
      { alg: "tb", p: ["10", "2", big(SEC)], steps: [["i"]] },
      { alg: "gcra", p: ["5", big(SEC), "7"], steps: [["i"]] },
      { alg: "sw", p: ["9", big(SEC)], steps: [["i"]] },
      { alg: "fw", p: ["8", big(SEC)], steps: [["i"]] },
      { alg: "cc", p: ["3"], steps: [["i"]] },
    ];
    expect(rl.run(cases).lines.map((l) => l[0])).toEqual(["0 0 i 16 10", "1 0 i 16 7", "2 0 i 24 9", "3 0 i 16 8", "4 0 i 8 3"]);
  });

  it("token bucket: starts full, refills continuously, reports what Envoy reports", () => {
    // max_tokens 3, tokens_per_fill 1, fill_interval 1 s: one token per second, three at most
    const t = T0;
    const steps: Step[] = [
      d(t), d(t), d(t), d(t),                     // 3 admitted, the 4th refused
      d(t + 400n * MS),                           // 0.4 token: refused
      d(t + SEC - 1n), d(t + SEC),                // the token completes at exactly 1 s
      d(t + SEC, 0),                              // cost 0 is refused, as Envoy refuses hits_addend 0
      d(t + 10n * SEC, 5),                        // more than max_tokens: never
      d(t + 10n * SEC, 2, 0),                     // a peek: reported as if charged, nothing written
      d(t + 10n * SEC, 2),
      rf(t + 10n * SEC, 2),                       // refunded: full again
      d(t + 10n * SEC, 3),
    ];
    const { lines } = rl.run([{ alg: "tb", p: ["3", "1", big(SEC)], steps }]);
    const o = lines[0].map(parseDecisionOrRefund);
    expect(o.slice(0, 4).map((x) => x.allowed)).toEqual([true, true, true, false]);
    expect(o[2]).toMatchObject({ remaining: 0n, limit: 3n, reset: SEC, retry: 0n, changed: true });
    expect(o[3]).toMatchObject({ allowed: false, remaining: 0n, reset: SEC, retry: SEC, changed: false });
    expect(o[4]).toMatchObject({ allowed: false, reset: 600n * MS, retry: 600n * MS });
    expect(o[5]).toMatchObject({ allowed: false, retry: 1n });
    expect(o[6]).toMatchObject({ allowed: true, remaining: 0n, reset: SEC });
    expect(o[7]).toMatchObject({ allowed: false, retry: NEVER });
    expect(o[8]).toMatchObject({ allowed: false, remaining: 3n, reset: 0n, retry: NEVER });
    expect(o[9]).toMatchObject({ allowed: true, remaining: 1n, reset: 0n, changed: false });
    expect(o[9].state).toBe(o[8].state);
    expect(o[10]).toMatchObject({ allowed: true, remaining: 1n, reset: 0n, changed: true });
    expect(o[12]).toMatchObject({ allowed: true, remaining: 0n, reset: SEC });
    agree(rl, [{ alg: "tb", p: ["3", "1", big(SEC)], steps }]);
  });

  it("GCRA: exact retry-after and reset, sub-nanosecond intervals kept exactly", () => {
    // 3 per 1 ms (I = 333,333.33… ns), burst 2
    const t = T0;
    const steps: Step[] = [d(t), d(t), d(t), d(t + 333333n), d(t + 333334n), d(t + 333334n)];
    const { lines } = rl.run([{ alg: "gcra", p: ["3", big(MS), "2"], steps }]);
    const o = lines[0].map(parseDecision);
    expect(o.map((x) => x.allowed)).toEqual([true, true, false, false, true, false]);
    expect(o[1]).toMatchObject({ remaining: 0n, reset: 666667n }); // 2I = 666,666.67 ns, rounded up
    expect(o[2]).toMatchObject({ retry: 333334n });
    expect(o[3]).toMatchObject({ retry: 1n });
    expect(o[5]).toMatchObject({ retry: 333333n }); // TAT = t + 1,000,000 exactly: room again at t + 666,666.67, so t + 666,667
    agree(rl, [{ alg: "gcra", p: ["3", big(MS), "2"], steps }]);
  });

  it("sliding window: the previous window weighs what the sliding window still covers", () => {
    // 10 per second; 10 at the end of window 0, then the weighted estimate in window 1
    const w0 = (T0 / SEC) * SEC;
    const steps: Step[] = [];
    for (let i = 0; i < 10; i++) steps.push(d(w0 + SEC - 10n));
    steps.push(d(w0 + SEC));                    // est = 10·1 + 0: refused at the edge (no double burst)
    steps.push(d(w0 + SEC + SEC / 2n, 5, 0));   // est = 5: 5 more fit
    steps.push(d(w0 + SEC + SEC / 2n, 6, 0));   // 6 do not: retry when the weight has dropped by 0.1
    steps.push(d(w0 + SEC + 600n * MS, 6, 0));
    const { lines } = rl.run([{ alg: "sw", p: ["10", big(SEC)], steps }]);
    const o = lines[0].map(parseDecision);
    expect(o.slice(0, 10).every((x) => x.allowed)).toBe(true);
    expect(o[10]).toMatchObject({ allowed: false, remaining: 0n, retry: 100n * MS, reset: SEC });
    expect(o[11]).toMatchObject({ allowed: true, remaining: 0n });
    expect(o[12]).toMatchObject({ allowed: false, remaining: 5n, retry: 100n * MS });
    expect(o[13]).toMatchObject({ allowed: true, remaining: 0n, reset: 2n * SEC - 600n * MS });
    agree(rl, [{ alg: "sw", p: ["10", big(SEC)], steps }]);
  });

  it("fixed window: counts per aligned window, resets exactly at the edge", () => {
    const w0 = (T0 / SEC) * SEC;
    const steps: Step[] = [d(w0 + SEC - 1n, 2), d(w0 + SEC - 1n), d(w0 + SEC), d(w0 + SEC, 2), d(w0 + SEC, 1, 0)];
    const { lines } = rl.run([{ alg: "fw", p: ["2", big(SEC)], steps }]);
    const o = lines[0].map(parseDecision);
    expect(o.map((x) => x.allowed)).toEqual([true, false, true, false, true]);
    expect(o[0]).toMatchObject({ remaining: 0n, reset: 1n });
    expect(o[1]).toMatchObject({ retry: 1n });
    expect(o[3]).toMatchObject({ remaining: 1n, retry: SEC, reset: SEC });
    agree(rl, [{ alg: "fw", p: ["2", big(SEC)], steps }]);
  });

  it("concurrency: acquire, release, never below zero", () => {
    const steps: Step[] = [d(0n), d(0n), d(0n), d(0n, 1, 0), rf(0n), d(0n), rf(0n, 5), rf(0n), d(0n, 2), d(0n, 3)];
    const { lines } = rl.run([{ alg: "cc", p: ["2"], steps }]);
    expect(lines[0].map((l) => l.split(" ").slice(2, 4).join(" "))).toEqual(["d 1", "d 1", "d 0", "d 0", "r 1", "d 1", "r 1", "r 0", "d 1", "d 0"]);
    agree(rl, [{ alg: "cc", p: ["2"], steps }]);
  });

  for (const alg of ["tb", "gcra", "sw", "fw", "cc"] as const) {
    it(`${alg}: random schedules (peeks, refunds, backward clocks, corrupted records) equal the model`, () => {
      const rnd = prng(0x5eed + alg.length * 7919 + alg.charCodeAt(0));
      const cases: Case[] = [];
      for (let i = 0; i < 24; i++) cases.push(randomCase(rnd, alg, 120));
      agree(rl, cases);
      // the schedules reach every path: admitted, refused, never, refunds, records normalised by a peek
      const seen = { allowed: 0, refused: 0, never: 0, refunded: 0, normalised: 0 };
      cases.forEach((c, ci) => expectedLines(ci, c).forEach((l, si) => {
        const f = l.split(" ");
        const st = c.steps[si];
        if (f[2] === "d") {
          if (f[3] === "1") seen.allowed++;
          else if (BigInt(f[7]) === NEVER) seen.never++;
          else seen.refused++;
          if (st[0] === "d" && st[3] === 0 && f[9] === "1") seen.normalised++;
        } else if (f[2] === "r" && f[3] === "1") seen.refunded++;
      }));
      // (a concurrency limit has no time-based retry, and its only normalisation is a negative count)
      const least: Record<keyof typeof seen, number> = { allowed: 20, refused: alg === "cc" ? 0 : 20, never: 20, refunded: 20, normalised: alg === "cc" ? 0 : 5 };
      for (const k of Object.keys(seen) as (keyof typeof seen)[]) expect(seen[k], `${alg}: ${k}`).toBeGreaterThanOrEqual(least[k]);
    });
  }

  it("edge cases: boundaries, time backwards, cost 0 / negative / above the limit / huge, huge gaps, corrupted and short records", () => {
    const huge = big(NEVER);
    const cases: Case[] = [];
    const params: Record<Alg, string[]> = {
      tb: ["5", "2", big(SEC)], gcra: ["4", big(SEC), "3"], sw: ["4", big(SEC)], fw: ["4", big(SEC)], cc: ["4"],
    };
    const bytes: Record<Alg, number> = { tb: 16, gcra: 16, sw: 24, fw: 16, cc: 8 };
    for (const alg of ["tb", "gcra", "sw", "fw", "cc"] as const) {
      const w0 = (T0 / SEC) * SEC;
      const n = bytes[alg];
      const steps: Step[] = [
        d(w0 - 1n), d(w0), d(w0), d(w0 + SEC - 1n, 3), d(w0 + SEC, 3), d(w0 + SEC), // edges
        d(w0 + SEC, 0), d(w0 + SEC, 0, 0), d(w0 + SEC, -5), rf(w0 + SEC, -5), rf(w0 + SEC, 0),
        d(w0 + SEC, 4), d(w0 + SEC, 5), ["d", big(w0 + SEC), huge, 1], ["r", big(w0 + SEC), huge],
        d(w0 - 1n), d(w0 - SEC / 2n), d(w0 - 3n * SEC), d(w0 - 3n * SEC, 1, 0), // backwards, small and big
        d(w0 + 2n * SEC), d(0n), d(-5n), ["d", "-9223372036854775808", "1", 1], // the epoch and before
        d(MAX_TIME - 1n), d(MAX_TIME), ["d", huge, "1", 1], ["d", huge, huge, 0], d(w0), // the far future, back
        setState("ff".repeat(n)), d(w0), setState("7f".repeat(n)), d(w0, 1, 0), d(w0), rf(w0),
        setState("80" + "00".repeat(n - 1)), d(w0), setState("00".repeat(n - 1) + "80"), d(w0),
        setState(le64(new Array<bigint>(n / 8).fill(-1n))), d(w0), rf(w0, 2),
        setState(""), d(w0), rf(w0), setState("0102"), d(w0, 1, 0), setState("00".repeat(n)), d(w0),
        setState("00".repeat(n + 3)), d(w0), rf(w0),
      ];
      cases.push({ alg, p: params[alg], steps });
    }
    // records from a clock ahead, one window / bucket-fill and more
    for (const alg of ["tb", "gcra", "sw", "fw"] as const) {
      const t = T0;
      const steps: Step[] = [];
      for (let i = 0; i < 6; i++) steps.push(d(t + BigInt(i) * 10n * MS));
      for (const back of [1n, 500n * MS, SEC, 2n * SEC, 3n * SEC, 10n * SEC, 1000n * SEC]) {
        steps.push(d(t + SEC - back, 1, 0), d(t + SEC - back), rf(t + SEC - back), d(t + SEC));
      }
      cases.push({ alg, p: params[alg], steps });
    }
    agree(rl, cases);
    // a too-short record is read as fresh and never written
    const { lines } = rl.run([{ alg: "tb", p: ["1", "1", big(SEC)], state: "00", steps: [d(T0), d(T0), rf(T0)] }]);
    expect(lines[0]).toEqual([`0 0 d 1 0 1 ${SEC} 0 ${SEC} 0 00`, `0 1 d 1 0 1 ${SEC} 0 ${SEC} 0 00`, "0 2 r 0 00"]);
  });

  it("parameters outside the checks' bounds are clamped, and the clamped limiter equals the model's", () => {
    const rnd = prng(99);
    const odd = ["0", "-1", "1", "4294967296", "9223372036854775807", "-9223372036854775808", "49999999", "50000000"];
    const cases: Case[] = [];
    for (const alg of ["tb", "gcra", "sw", "fw", "cc"] as const) {
      for (let i = 0; i < 6; i++) {
        const p = [pick(rnd, odd), pick(rnd, odd), pick(rnd, odd)];
        const steps: Step[] = [["i"]];
        let t = T0;
        for (let k = 0; k < 20; k++) {
          t += below(rnd, 2n * SEC);
          steps.push(d(t, BigInt(int(rnd, 0, 3)), rnd() < 0.8 ? 1 : 0));
          if (rnd() < 0.2) steps.push(rf(t, 1n));
        }
        cases.push({ alg, p, steps });
      }
    }
    agree(rl, cases);
  });

  it("token bucket admits what Envoy 1.40's local_ratelimit admits (transcription, bursts)", () => {
    const rnd = prng(1400);
    const uptime = 86400n * SEC; // Envoy's monotonic clock: a day after boot
    let admitted = 0;
    let refused = 0;
    for (let round = 0; round < 30; round++) {
      const maxTokens = pick(rnd, [1, 2, 3, 5, 10, 20]);
      const tpf = pick(rnd, [1, 1, 2, 3, 5]);
      const fiMs = pick(rnd, [50, 100, 200, 250, 500, 1000, 1500, 3000]);
      const fi = BigInt(fiMs) * MS;
      const times: bigint[] = [];
      const costs: bigint[] = [];
      let t = below(rnd, fi);
      for (let b = 0; b < 12; b++) {
        t += below(rnd, (fi * BigInt(maxTokens) * 2n) / BigInt(tpf) + 1n); // the gap before a burst
        const n = int(rnd, 1, 3 * maxTokens);
        for (let k = 0; k < n; k++) {
          t += below(rnd, 2n * MS); // a burst: requests microseconds to milliseconds apart
          times.push(t);
          costs.push(BigInt(rnd() < 0.85 ? 1 : rnd() < 0.8 ? 2 : 0));
        }
      }
      const envoy = new EnvoyTokenBucket(maxTokens, tpf, fiMs, Number(uptime) / 1e9);
      const steps = times.map((x, i) => d(T0 + x, costs[i], 1));
      const { lines } = rl.run([{ alg: "tb", p: [big(maxTokens), big(tpf), big(fi)], steps }]);
      lines[0].forEach((l, i) => {
        const now = Number(uptime + times[i]) / 1e9;
        const ok = envoy.consume(now, Number(costs[i]));
        const o = parseDecision(l);
        const where = `max_tokens ${maxTokens}, tokens_per_fill ${tpf}, fill_interval ${fiMs} ms, request ${i} at +${times[i]} ns, cost ${costs[i]}`;
        expect(o.allowed, where).toBe(ok);
        expect(o.remaining, where).toBe(BigInt(envoy.remainingTokens(now)));
        expect(o.limit).toBe(BigInt(maxTokens));
        expect(ceilSeconds(o.reset), where).toBe(BigInt(envoy.resetSeconds(now)));
        if (ok) admitted++;
        else refused++;
      });
    }
    expect(admitted).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(500);
  });

  it("properties: fixed window <= limit per aligned window", () => {
    const rnd = prng(7);
    for (let round = 0; round < 12; round++) {
      const limit = BigInt(pick(rnd, [1, 2, 3, 5, 10]));
      const w = BigInt(pick(rnd, [1000000, 3000007, 1000000000]));
      const times = burstyTimes(rnd, 400, w / limit + 1n, w);
      const costs = times.map(() => BigInt(rnd() < 0.8 ? 1 : int(rnd, 2, 3)));
      const got = admissions(rl, "fw", [limit, w], times, costs);
      const perWindow = new Map<bigint, bigint>();
      for (const a of got) perWindow.set(a.t / w, (perWindow.get(a.t / w) ?? 0n) + a.cost);
      for (const [k, sum] of perWindow) expect(sum, `window ${k}`).toBeLessThanOrEqual(limit);
      expect(got.length).toBeGreaterThan(10);
    }
  });

  it("properties: sliding window <= limit + floor(P·e/W) in any window-length span (the documented bound)", () => {
    const rnd = prng(8);
    let excessSeen = false;
    for (let round = 0; round < 12; round++) {
      const limit = BigInt(pick(rnd, [1, 2, 3, 5, 10]));
      const w = BigInt(pick(rnd, [1000000, 3000007, 1000000000]));
      const times = burstyTimes(rnd, 400, w / limit + 1n, w);
      const costs = times.map(() => BigInt(rnd() < 0.8 ? 1 : int(rnd, 2, 3)));
      const got = admissions(rl, "sw", [limit, w], times, costs);
      const perWindow = new Map<bigint, bigint>();
      for (const a of got) perWindow.set(a.t / w, (perWindow.get(a.t / w) ?? 0n) + a.cost);
      // the span (t - W, t] is checked at every admission and every window start (where the bound is
      // lowest); between those points the count only falls and the bound only rises
      const prefix = [0n];
      for (const a of got) prefix.push(prefix[prefix.length - 1] + a.cost);
      /** Admitted cost at times <= t. */
      const upTo = (t: bigint): bigint => {
        let lo = 0;
        let hi = got.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (got[mid].t <= t) lo = mid + 1;
          else hi = mid;
        }
        return prefix[lo];
      };
      const points = [...got.map((a) => a.t), ...[...perWindow.keys()].flatMap((k) => [k * w, (k + 1n) * w])];
      for (const t of points) {
        const n = t / w;
        const e = t - n * w;
        const prev = perWindow.get(n - 1n) ?? 0n;
        const inSpan = upTo(t) - upTo(t - w);
        const bound = limit + (prev * e) / w;
        expect(inSpan, `span ending at ${t} (offset ${e}, previous window ${prev})`).toBeLessThanOrEqual(bound);
        if (inSpan > limit) excessSeen = true;
      }
    }
    expect(excessSeen, "the schedules reach the approximation's excess (the bound is not vacuous)").toBe(true);
  });

  it("properties: GCRA and the token bucket admit at most burst + t/I over any span t", () => {
    const rnd = prng(9);
    for (let round = 0; round < 16; round++) {
      const tb = round % 2 === 1;
      const rate = BigInt(pick(rnd, [1, 2, 3, 7]));
      const period = BigInt(pick(rnd, [1000000, 7000001, 1000000000]));
      const burst = BigInt(pick(rnd, [1, 2, 5, 10]));
      const p = tb ? [burst, rate, period] : [rate, period, burst];
      const unit = period / rate + 1n;
      const times = burstyTimes(rnd, 300, unit, burst * unit);
      const costs = times.map(() => BigInt(rnd() < 0.8 ? 1 : int(rnd, 2, 3)));
      const got = admissions(rl, tb ? "tb" : "gcra", p, times, costs);
      let worst = -1n << 64n; // the largest sum - bound over every span [t_i, t_j]
      let where = "";
      for (let i = 0; i < got.length; i++) {
        let sum = 0n;
        for (let j = i; j < got.length; j++) {
          sum += got[j].cost;
          const over = sum - burst - ((got[j].t - got[i].t) * rate) / period;
          if (over > worst) { worst = over; where = `[${got[i].t}, ${got[j].t}]`; }
        }
      }
      expect(worst, `span ${where}`).toBeLessThanOrEqual(0n);
      expect(worst, "some span reaches the bound").toBe(0n);
      expect(got.length).toBeGreaterThan(10);
    }
  });

  it("retry-after is exact: the same request passes then and not a nanosecond earlier", () => {
    const rnd = prng(10);
    for (const alg of ["tb", "gcra", "sw", "fw"] as const) {
      const c = randomCase(rnd, alg, 200);
      c.steps = c.steps.filter((s) => s[0] !== "s");
      const { lines } = rl.run([c]);
      const probes: Case[] = [];
      lines[0].forEach((l, i) => {
        const st = c.steps[i];
        if (st[0] !== "d") return;
        const o = parseDecision(l);
        if (o.allowed || o.retry === NEVER || BigInt(st[1]) < 0n || BigInt(st[1]) > MAX_TIME - 4n * SEC) return;
        const at = BigInt(st[1]) + o.retry;
        // the record after a refused decision is the one it decided on (normalised, when it had to be)
        probes.push({ alg, p: c.p, state: o.state === "-" ? "" : o.state, steps: [d(at, BigInt(st[2]), 0), d(at - 1n, BigInt(st[2]), 0)] });
      });
      expect(probes.length, alg).toBeGreaterThan(5);
      const res = rl.run(probes).lines;
      res.forEach((ls, k) => {
        expect(parseDecision(ls[0]).allowed, `${alg} probe ${k} at the retry time`).toBe(true);
        expect(parseDecision(ls[1]).allowed, `${alg} probe ${k} 1 ns before`).toBe(false);
      });
    }
  });

  it("freshAfterNs is true: left alone that long, a record decides exactly like an all-zero one", () => {
    const rnd = prng(11);
    for (const alg of ["tb", "gcra", "sw", "fw", "cc"] as const) {
      const c = randomCase(rnd, alg, 150);
      c.steps = c.steps.filter((s) => s[0] !== "s");
      const { lines } = rl.run([c]);
      const probes: Case[] = [];
      const lim = model(alg, c.p.map(BigInt)).limit;
      lines[0].forEach((l, i) => {
        const st = c.steps[i];
        if (st[0] !== "d") return;
        const o = parseDecision(l);
        const now = clamp(BigInt(st[1]), 0n, MAX_TIME);
        if (o.fresh === NEVER || now + o.fresh > MAX_TIME) return;
        const at = now + o.fresh;
        const probe: Step[] = [d(at, 1, 0), d(at, lim, 0), d(at, 2, 0)];
        probes.push({ alg, p: c.p, state: o.state === "-" ? "" : o.state, steps: probe });
        probes.push({ alg, p: c.p, steps: probe });
      });
      expect(probes.length, alg).toBeGreaterThan(alg === "cc" ? 1 : 20); // a concurrency count is fresh only at 0
      const res = rl.run(probes).lines;
      for (let k = 0; k < res.length; k += 2) {
        const strip = (ls: string[]): string[] => ls.map((l) => l.split(" ").slice(2, 9).join(" "));
        expect(strip(res[k]), `${alg} probe ${k / 2}`).toEqual(strip(res[k + 1]));
      }
    }
  });

  it("parameter checks name the field and Envoy's rules", () => {
    const checks: Check[] = [
      { alg: "tb", p: ["10", "1", big(SEC)] },
      { alg: "tb", p: ["0", "1", big(SEC)] },
      { alg: "tb", p: ["10", "0", big(SEC)] },
      { alg: "tb", p: ["10", "1", big(49n * MS)] },
      { alg: "tb", p: ["10", "1", big(50n * MS)] },
      { alg: "tb", p: ["10", "1", big(SEC + 1n)] },
      { alg: "tb", p: ["10", "1", "0"] },
      { alg: "tb", p: ["4294967296", "1", big(SEC)] },
      { alg: "tb", p: ["4294967295", "1", big(365n * 86400n * SEC)] },
      { alg: "tb", p: ["10", "1", big(366n * 86400n * SEC)] },
      { alg: "gcra", p: ["10", big(SEC), "20"] },
      { alg: "gcra", p: ["-1", big(SEC), "20"] },
      { alg: "gcra", p: ["10", "999999", "20"] },
      { alg: "gcra", p: ["10", big(SEC), "0"] },
      { alg: "gcra", p: ["1", big(365n * 86400n * SEC), "51"] },
      { alg: "gcra", p: ["1", big(365n * 86400n * SEC), "50"] },
      { alg: "sw", p: ["100", big(60n * SEC)] },
      { alg: "sw", p: ["0", big(60n * SEC)] },
      { alg: "sw", p: ["100", "-5"] },
      { alg: "fw", p: ["100", big(MAX_PERIOD + 1n)] },
      { alg: "fw", p: ["100", big(MAX_PERIOD)] },
      { alg: "cc", p: ["0"] },
      { alg: "cc", p: ["100"] },
    ];
    const { checks: got } = rl.run([], checks);
    expect(got).toEqual([
      "v 0 ok",
      'v 1 E "max_tokens must be at least 1"',
      'v 2 E "tokens_per_fill must be at least 1"',
      'v 3 E "fill_interval must be at least 50 ms (Envoy refuses shorter fill intervals)"',
      "v 4 ok",
      'v 5 E "fill_interval must be a whole number of milliseconds (Envoy reads it in milliseconds)"',
      'v 6 E "fill_interval must be positive"',
      'v 7 E "max_tokens must be at most 4294967295"',
      'v 8 E "max_tokens × fill_interval / tokens_per_fill (the time an empty bucket takes to fill) must be at most 50 years"',
      'v 9 E "fill_interval must be at most 365 days"',
      "v 10 ok",
      'v 11 E "limit must be at least 1"',
      'v 12 E "period must be at least 1 ms"',
      'v 13 E "burst must be at least 1"',
      'v 14 E "burst × period / limit (the time an empty bucket takes to fill) must be at most 50 years"',
      "v 15 ok",
      "v 16 ok",
      'v 17 E "limit must be at least 1"',
      'v 18 E "window must be positive"',
      'v 19 E "window must be at most 365 days"',
      "v 20 ok",
      'v 21 E "limit must be at least 1"',
      "v 22 ok",
    ]);
  });
});

/** A decision or refund line as a loose record (refund lines carry only changed and state). */
function parseDecisionOrRefund(line: string): Partial<Out> & { state: string } {
  const f = line.split(" ");
  if (f[2] === "r") return { changed: f[3] === "1", state: f[4] };
  return parseDecision(line);
}
