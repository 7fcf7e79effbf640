// The rate-limit filter's contexts. On each request: the limits whose condition holds and whose key
// can be read are checked first without charging (peek), the strictest verdict decides, and only
// when every enforced limit allows are they charged — each inside its table's CAS loop, deciding
// again on the fresh record; should one refuse at that moment (another worker took the last unit
// between peek and charge), the ones already charged are refunded and the request is refused, so
// no limit is ever charged for a refused request. A refusal is a 429 (configurable) with
// Retry-After and the configured header profiles; a concurrency limit's unit is given back when the
// stream ends (on_log, which Envoy calls for resets too).
import {
  RootContext, Context, FilterHeadersStatusValues, Counter, HeaderPair, HostRequestMatchInput, get_current_time_nanoseconds,
  HeaderMapType, send_local_response_string, add_header_map_value_string, logWarn, logError,
} from "@filterkit/sdk";
import { RECORD_HEADER_BYTES, UpdateResult, tableParamsError } from "@filterkit/sdk/assembly/ratelimit/table";
import { ceilSeconds, Decision } from "@filterkit/sdk/assembly/ratelimit/common";
import { Algorithm, Config, Missing, Profile, Scope, parseConfig } from "./config";
import { KeyInput, KeyPart } from "./keys";
import { LimitRuntime, makeLimiter } from "./limiters";

/** The most state one configuration may keep, all its limits' tables together (shared data or VM memory). */
const MAX_STATE_BYTES: i64 = 1 << 30;

class LimitMetrics {
  allowed: Counter;
  limited: Counter;
  shadowLimited: Counter;
  casExhausted: Counter;
  casRetries: Counter;
  evictions: Counter;
  constructor(name: string) {
    this.allowed = new Counter("ratelimit." + name + ".allowed");
    this.limited = new Counter("ratelimit." + name + ".limited");
    this.shadowLimited = new Counter("ratelimit." + name + ".shadow_limited");
    this.casExhausted = new Counter("ratelimit." + name + ".cas_exhausted");
    this.casRetries = new Counter("ratelimit." + name + ".cas_retries");
    this.evictions = new Counter("ratelimit." + name + ".evictions");
  }

  /** Adds what the limit's table counted since the last call (CAS retries, live records evicted). */
  sync(rt: LimitRuntime): void {
    const t = rt.table;
    const retries = t.casRetries - rt.reportedRetries;
    const evictions = t.evictions - rt.reportedEvictions;
    if (retries > 0) this.casRetries.increment(<u32>retries);
    if (evictions > 0) this.evictions.increment(<u32>evictions);
    rt.reportedRetries = t.casRetries;
    rt.reportedEvictions = t.evictions;
  }
}

export class RateLimitRoot extends RootContext {
  config: Config | null = null;
  runtimes: Array<LimitRuntime> = new Array<LimitRuntime>();
  metrics: Array<LimitMetrics> = new Array<LimitMetrics>();

  onConfigure(_size: u32): bool {
    const cfg = parseConfig(this.readConfiguration());
    if (cfg === null) return false;
    // the tables' bounds are checked before any is allocated (a worker table's memory is taken at once)
    let stateBytes: i64 = 0;
    let ok = true;
    for (let i = 0; i < cfg.limits.length; i++) {
      const l = unchecked(cfg.limits[i]);
      const payload = makeLimiter(l).stateBytes;
      const problem = tableParamsError(cfg.slots, payload, cfg.probe, cfg.casRetries, l.scope == Scope.Worker);
      if (problem.length > 0) {
        logError("invalid configuration: field \"table.slots\": " + problem + " (limit \"" + l.name + "\")");
        ok = false;
      }
      stateBytes += (<i64>cfg.slots + cfg.probe - 1) / cfg.probe * cfg.probe * (RECORD_HEADER_BYTES + payload);
    }
    if (stateBytes > MAX_STATE_BYTES) {
      logError("invalid configuration: field \"table.slots\": the limits' tables would hold " + stateBytes.toString() +
        " bytes of state, more than " + MAX_STATE_BYTES.toString());
      ok = false;
    }
    if (!ok) return false;
    // the new runtimes take their worker tables before the old ones let go: an unchanged limit keeps its table
    const old = this.runtimes;
    this.config = cfg;
    this.runtimes = new Array<LimitRuntime>();
    this.metrics = new Array<LimitMetrics>();
    for (let i = 0; i < cfg.limits.length; i++) {
      const rt = new LimitRuntime(unchecked(cfg.limits[i]), cfg);
      rt.prepare();
      this.runtimes.push(rt);
      this.metrics.push(new LimitMetrics(unchecked(cfg.limits[i]).name));
    }
    for (let i = 0; i < old.length; i++) unchecked(old[i]).release();
    return true;
  }

  onDone(): bool {
    // a retired root (Envoy replaced its configuration) gives its worker tables back; its runtimes
    // stay, so streams still in flight decide and release on the tables they hold
    for (let i = 0; i < this.runtimes.length; i++) unchecked(this.runtimes[i]).release();
    return super.onDone();
  }

  createContext(context_id: u32): Context {
    return new RateLimit(context_id, this);
  }
}

/** What one limit said about this request. */
class Verdict {
  index: i32;
  key: string;
  decision: Decision = new Decision();
  constructor(index: i32, key: string) {
    this.index = index;
    this.key = key;
  }
}

export class RateLimit extends Context {
  root: RateLimitRoot;
  /** the decisions of the request, for the headers on an allowed response */
  verdicts: Array<Verdict> = new Array<Verdict>();
  /** concurrency units held by this stream: (limit index, key) */
  held: Array<Verdict> = new Array<Verdict>();

  constructor(context_id: u32, root: RateLimitRoot) {
    super(context_id, root);
    this.root = root;
  }

  onRequestHeaders(_headers: u32, _endOfStream: bool): FilterHeadersStatusValues {
    const cfg = this.root.config;
    if (cfg === null) return FilterHeadersStatusValues.Continue;
    const now = <i64>get_current_time_nanoseconds();
    // the request is read as far as the limits' conditions and keys ask (a limit on everything reads no header)
    const input = new KeyInput(new HostRequestMatchInput());
    const applicable = new Array<Verdict>();
    for (let i = 0; i < cfg.limits.length; i++) {
      const l = unchecked(cfg.limits[i]);
      if (!l.when.evaluate(input.match)) continue;
      const key = keyOf(l.key, input, cfg.trustedHops, l.missing == Missing.Default ? l.defaultValue : null);
      if (key !== null) applicable.push(new Verdict(i, key));
    }
    // 1. peek every limit: the strictest enforced refusal decides. A lone limit is charged at once:
    //    its decision inside the CAS loop is the whole story (a refusal charges nothing), which
    //    saves the second read and hash of its bucket
    const alone = applicable.length == 1;
    let refusedBy: Verdict | null = null;
    for (let k = 0; k < applicable.length; k++) {
      const v = unchecked(applicable[k]);
      const rt = unchecked(this.root.runtimes[v.index]);
      const r = rt.run(v.key, now, alone);
      copyDecision(rt.step.out, v.decision);
      if (r == UpdateResult.CasExhausted || r == UpdateResult.HostError) {
        unchecked(this.root.metrics[v.index]).casExhausted.increment(1);
        if (cfg.allowOnCasExhausted) continue;
        v.decision.allowed = false;
        v.decision.retryAfterNs = 1_000_000_000;
      }
      if (!v.decision.allowed) {
        if (rt.limit.shadow) {
          unchecked(this.root.metrics[v.index]).shadowLimited.increment(1);
          v.decision.allowed = true;
          continue;
        }
        if (refusedBy === null || v.decision.retryAfterNs > refusedBy.decision.retryAfterNs) refusedBy = v;
      }
    }
    // 2. charge them all, each deciding again inside its CAS loop; refund on a late refusal
    if (refusedBy === null && !alone) {
      for (let k = 0; k < applicable.length; k++) {
        const v = unchecked(applicable[k]);
        const rt = unchecked(this.root.runtimes[v.index]);
        if (rt.limit.shadow && !v.decision.allowed) continue;
        const r = rt.run(v.key, now, true);
        copyDecision(rt.step.out, v.decision);
        const exhausted = r == UpdateResult.CasExhausted || r == UpdateResult.HostError;
        if (exhausted) unchecked(this.root.metrics[v.index]).casExhausted.increment(1);
        if ((exhausted && !cfg.allowOnCasExhausted) || (!exhausted && !v.decision.allowed && !rt.limit.shadow)) {
          for (let j = 0; j < k; j++) {
            const done = unchecked(applicable[j]);
            unchecked(this.root.runtimes[done.index]).refund(done.key, now);
          }
          refusedBy = v;
          break;
        }
      }
    }
    for (let k = 0; k < applicable.length; k++) {
      const v = unchecked(applicable[k]);
      unchecked(this.root.metrics[v.index]).sync(unchecked(this.root.runtimes[v.index]));
    }
    if (refusedBy !== null) {
      unchecked(this.root.metrics[refusedBy.index]).limited.increment(1);
      return this.refuse(cfg, changetype<Verdict>(refusedBy));
    }
    for (let k = 0; k < applicable.length; k++) {
      const v = unchecked(applicable[k]);
      unchecked(this.root.metrics[v.index]).allowed.increment(1);
      if (unchecked(this.root.runtimes[v.index]).limit.algorithm == Algorithm.Concurrency) this.held.push(v);
    }
    this.verdicts = applicable;
    return FilterHeadersStatusValues.Continue;
  }

  onResponseHeaders(_headers: u32, _endOfStream: bool): FilterHeadersStatusValues {
    const cfg = this.root.config;
    if (cfg === null || !cfg.headersOnAllowed || this.verdicts.length == 0) return FilterHeadersStatusValues.Continue;
    const v = strictest(this.verdicts, this.root);
    if (v === null) return FilterHeadersStatusValues.Continue;
    const hs = headersFor(cfg, this.root, v, false);
    for (let i = 0; i < hs.length; i++) {
      const h = unchecked(hs[i]);
      add_header_map_value_string(HeaderMapType.ResponseHeaders, h.keyString(), h.valueString());
    }
    return FilterHeadersStatusValues.Continue;
  }

  onLog(): void {
    // a concurrency unit is held until the stream ends, however it ends (Envoy calls on_log for resets too)
    if (this.held.length == 0) return;
    const now = <i64>get_current_time_nanoseconds();
    for (let i = 0; i < this.held.length; i++) {
      const v = unchecked(this.held[i]);
      const r = unchecked(this.root.runtimes[v.index]).refund(v.key, now);
      const rt = unchecked(this.root.runtimes[v.index]);
      if (r == UpdateResult.CasExhausted || r == UpdateResult.HostError) {
        unchecked(this.root.metrics[v.index]).casExhausted.increment(1);
        logWarn("rate-limit: could not release a concurrency unit of " + rt.limit.name);
      }
      unchecked(this.root.metrics[v.index]).sync(rt);
    }
    this.held = new Array<Verdict>();
  }

  refuse(cfg: Config, v: Verdict): FilterHeadersStatusValues {
    const headers = headersFor(cfg, this.root, v, true);
    send_local_response_string(<u32>cfg.status, "local_rate_limited", cfg.body, headers);
    return FilterHeadersStatusValues.StopIteration;
  }
}

function copyDecision(from: Decision, to: Decision): void {
  to.set(from.allowed, from.remaining, from.limit, from.resetNs, from.retryAfterNs, from.freshAfterNs, from.stateChanged);
}

/**
 * The verdict that drives the headers of an allowed answer: the enforced rate limit with the fewest
 * units left (Envoy: one descriptor's bucket). Shadow limits never refuse and a concurrency limit
 * is no rate (nothing to wait for), so neither speaks for the request; null when none is left.
 */
function strictest(vs: Array<Verdict>, root: RateLimitRoot): Verdict | null {
  let best: Verdict | null = null;
  for (let i = 0; i < vs.length; i++) {
    const v = unchecked(vs[i]);
    const l = unchecked(root.runtimes[v.index]).limit;
    if (l.shadow || l.algorithm == Algorithm.Concurrency) continue;
    if (best === null || v.decision.remaining < best.decision.remaining) best = v;
  }
  return best;
}

/** The key of a limit: its parts joined, or null when one cannot be read (and no default stands in). */
function keyOf(parts: Array<KeyPart>, input: KeyInput, hops: i32, def: string | null): string | null {
  let out = "";
  for (let i = 0; i < parts.length; i++) {
    const p = unchecked(parts[i]);
    let v = p.read(input, hops);
    if (v === null) {
      if (def === null) return null;
      v = p.name + "=" + def;
    }
    out += (i > 0 ? "|" : "") + v;
  }
  return out;
}

function headersFor(cfg: Config, root: RateLimitRoot, v: Verdict, refused: bool): Array<HeaderPair> {
  const out = new Array<HeaderPair>();
  const d = v.decision;
  const limit = unchecked(root.runtimes[v.index]).limit;
  for (let i = 0; i < cfg.profiles.length; i++) {
    const p = unchecked(cfg.profiles[i]);
    if (p == Profile.Envoy) {
      out.push(HeaderPair.of("x-ratelimit-limit", d.limit.toString()));
      out.push(HeaderPair.of("x-ratelimit-remaining", d.remaining.toString()));
      out.push(HeaderPair.of("x-ratelimit-reset", ceilSeconds(d.resetNs).toString()));
    } else if (p == Profile.Ietf) {
      // the policy's window: the limit's, a token bucket's time to fill from empty (q per w is then
      // its steady rate as well as its burst), none for a concurrency limit
      let windowNs = limit.windowNs;
      if (limit.algorithm == Algorithm.TokenBucket) {
        const fills = (limit.maxTokens + limit.tokensPerFill - 1) / limit.tokensPerFill;
        windowNs = fills > i64.MAX_VALUE / limit.fillIntervalNs ? i64.MAX_VALUE : fills * limit.fillIntervalNs;
      }
      const w = windowNs > 0 ? ";w=" + ceilSeconds(windowNs).toString() : "";
      out.push(HeaderPair.of("ratelimit-policy", "\"" + limit.name + "\";q=" + d.limit.toString() + w));
      out.push(HeaderPair.of("ratelimit", "\"" + limit.name + "\";r=" + d.remaining.toString() + ";t=" + ceilSeconds(d.resetNs).toString()));
    }
  }
  if (refused) {
    const s = ceilSeconds(d.retryAfterNs);
    out.push(HeaderPair.of("retry-after", (s < 1 ? 1 : s).toString()));
  }
  return out;
}
