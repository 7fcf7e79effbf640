// The virtual clock: the only source of time for a host (or for several hosts sharing it). It
// drives proxy_get_current_time_nanoseconds, the WASI realtime and monotonic clocks and every
// root context's tick timer. Time stands still until a test advances it, so a run is repeatable;
// timers due during an advance fire in order of due time, then of scheduling, each seeing the
// clock at its own due time.

export interface Timer {
  readonly dueNs: bigint;
  readonly seq: number;
  cancelled: boolean;
  readonly fire: () => void;
}

/** Monotonic time starts here rather than at 0, which some runtimes read as "unset". */
const MONOTONIC_BASE_NS = 1_000_000_000n;

export class VirtualClock {
  private readonly epochNs: bigint;
  private elapsedNs = 0n;
  private seq = 0;
  private timers: Timer[] = [];
  private advancing = false;

  /** `startNs`: wall-clock time at creation, ns since the Unix epoch (default: the real time now). */
  constructor(startNs?: bigint | number) {
    this.epochNs = startNs === undefined ? BigInt(Date.now()) * 1_000_000n : BigInt(startNs);
  }

  /** Wall-clock time, ns since the Unix epoch. */
  nowNs(): bigint {
    return this.epochNs + this.elapsedNs;
  }

  /** Monotonic time in ns (arbitrary origin). */
  monotonicNs(): bigint {
    return MONOTONIC_BASE_NS + this.elapsedNs;
  }

  /** Runs `fire` once `delayMs` of virtual time have passed. */
  schedule(delayMs: number, fire: () => void): Timer {
    const timer: Timer = { dueNs: this.elapsedNs + msToNs(delayMs), seq: this.seq++, cancelled: false, fire };
    this.timers.push(timer);
    return timer;
  }

  cancel(timer: Timer | undefined): void {
    if (timer !== undefined) timer.cancelled = true;
  }

  /** Milliseconds until the earliest pending timer, or undefined when none is pending. */
  nextDueMs(): number | undefined {
    const next = this.nextDue(BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n);
    return next === undefined ? undefined : Number(next.dueNs - this.elapsedNs) / 1e6;
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way (including timers
   * scheduled by those that fire). A timer that throws (a trapped filter) stops the advance at its
   * due time and the error propagates.
   */
  advance(ms: number): void {
    if (this.advancing) throw new Error("advance() called from inside a timer");
    const target = this.elapsedNs + msToNs(ms);
    this.advancing = true;
    try {
      for (;;) {
        const next = this.nextDue(target);
        if (next === undefined) break;
        this.timers.splice(this.timers.indexOf(next), 1);
        this.elapsedNs = next.dueNs;
        next.fire();
      }
      this.elapsedNs = target;
    } finally {
      this.advancing = false;
      this.timers = this.timers.filter((t) => !t.cancelled);
    }
  }

  private nextDue(limit: bigint): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) {
      if (t.cancelled || t.dueNs > limit) continue;
      if (best === undefined || t.dueNs < best.dueNs || (t.dueNs === best.dueNs && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

function msToNs(ms: number): bigint {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a duration must be a finite number of milliseconds >= 0, got ${ms}`);
  return BigInt(Math.round(ms * 1_000_000));
}
