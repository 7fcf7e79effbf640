// Each configured limit's runtime: its algorithm (sdk/assembly/ratelimit) and its state table —
// process scope on shared data (every worker counts against the same records), worker scope in
// the VM (worker-tables.ts) — named after the limit's parameters, so a changed threshold starts
// from fresh state and an unchanged one keeps its state across a configuration push.
import { Limiter, Decision } from "@filterkit/sdk/assembly/ratelimit/common";
import { TokenBucket } from "@filterkit/sdk/assembly/ratelimit/token-bucket";
import { Gcra } from "@filterkit/sdk/assembly/ratelimit/gcra";
import { SlidingWindow } from "@filterkit/sdk/assembly/ratelimit/sliding-window";
import { FixedWindow } from "@filterkit/sdk/assembly/ratelimit/fixed-window";
import { ConcurrencyLimiter } from "@filterkit/sdk/assembly/ratelimit/concurrency";
import { KeyedTable, LocalTable, SharedTable, SlotUpdate, UpdateResult } from "@filterkit/sdk/assembly/ratelimit/table";
import { Algorithm, Config, Limit, Scope } from "./config";
import { acquireWorkerTable, releaseWorkerTable } from "./worker-tables";

/** One decide() inside the table's CAS loop: runs again on every retry, with the fresh record. */
export class Step extends SlotUpdate {
  limiter: Limiter;
  cost: i64 = 1;
  charge: bool = false;
  /** refund instead of deciding (a later limit refused, or a concurrency slot is released) */
  giveBack: bool = false;
  out: Decision = new Decision();

  constructor(limiter: Limiter) {
    super();
    this.limiter = limiter;
  }

  apply(payload: Uint8Array, fresh: bool, nowNs: i64): bool {
    if (this.giveBack) {
      const changed = this.limiter.refund(payload, nowNs, this.cost);
      return changed;
    }
    this.limiter.decide(payload, nowNs, this.cost, this.charge, this.out);
    const fa = this.out.freshAfterNs;
    // the record may be reused once it is as good as fresh again
    this.expiresNs = fa >= i64.MAX_VALUE - nowNs ? i64.MAX_VALUE : nowNs + fa;
    return this.out.stateChanged;
  }
}

export class LimitRuntime {
  limit: Limit;
  limiter: Limiter;
  table: KeyedTable;
  step: Step;
  /** the table's counters already added to the limit's metrics */
  reportedRetries: u64 = 0;
  reportedEvictions: u64 = 0;
  private released: bool = false;

  constructor(limit: Limit, cfg: Config) {
    const limiter = makeLimiter(limit);
    const prefix = "filterkit.ratelimit:" + limit.fingerprint;
    this.limit = limit;
    this.limiter = limiter;
    this.table = limit.scope == Scope.Process
      ? new SharedTable(prefix, cfg.slots, limiter.stateBytes, cfg.probe, cfg.casRetries, limit.fingerprint)
      : acquireWorkerTable(prefix, cfg.slots, limiter.stateBytes, cfg.probe, limit.fingerprint);
    this.step = new Step(limiter);
  }

  /** Lets go of a worker table (another root may keep it); the runtime is not used after. */
  release(): void {
    const t = this.table;
    if (this.released) return;
    this.released = true;
    if (t instanceof LocalTable) releaseWorkerTable(<LocalTable>t);
  }

  /** Creates the shared buckets at configure time (their first write cannot be conditional). */
  prepare(): void {
    const t = this.table;
    if (t instanceof SharedTable) (<SharedTable>t).prepare();
  }

  /** Decides (peek or charge) for `key`; the decision is in `step.out`. */
  run(key: string, nowNs: i64, charge: bool): UpdateResult {
    const s = this.step;
    s.cost = this.limit.cost;
    s.charge = charge;
    s.giveBack = false;
    return this.table.update<string>(key, nowNs, s);
  }

  refund(key: string, nowNs: i64): UpdateResult {
    const s = this.step;
    s.cost = this.limit.cost;
    s.giveBack = true;
    const r = this.table.update<string>(key, nowNs, s);
    s.giveBack = false;
    return r;
  }
}

/** The algorithm of limit `l`, with its parameters. */
export function makeLimiter(l: Limit): Limiter {
  switch (l.algorithm) {
    case Algorithm.TokenBucket: return new TokenBucket(l.maxTokens, l.tokensPerFill, l.fillIntervalNs);
    case Algorithm.Gcra: return new Gcra(l.limit, l.windowNs, l.burst);
    case Algorithm.SlidingWindow: return new SlidingWindow(l.limit, l.windowNs);
    case Algorithm.FixedWindow: return new FixedWindow(l.limit, l.windowNs);
    default: return new ConcurrencyLimiter(l.limit);
  }
}
