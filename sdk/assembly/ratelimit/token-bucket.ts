// The token bucket of Envoy's local_ratelimit filter (Envoy 1.40), with Envoy's parameters —
// max_tokens, tokens_per_fill, fill_interval — computed lazily from timestamps, so that a filter
// using it admits exactly the requests Envoy's own local_ratelimit admits for the same request
// times, and reports the same x-ratelimit-remaining and x-ratelimit-reset.
//
// What Envoy 1.40 does (read in the envoyproxy/envoy sources of the releases around 1.40 — the
// 1.40 tag itself could not be read here — and measured on the official 1.40.0 binary, build
// 9e5580933739775e8bce696a57a2e1bc99368f23, with direct-response routes and curl):
//   * There is no fill timer any more. LocalRateLimiterImpl
//     (source/extensions/filters/common/local_ratelimit/local_ratelimit_impl.cc) builds one
//     RateLimitTokenBucket per bucket (the default one and one per descriptor), each wrapping an
//     AtomicTokenBucketImpl (source/common/common/token_bucket_impl.h/.cc) whose fill rate is
//     tokens_per_fill / fill_interval in tokens per second (a double; fill_interval is read in
//     whole milliseconds, and must be >= 50 ms: "local rate limit token bucket fill timer must be
//     >= 50ms", "local rate limit descriptor token bucket fill timer must be >= 50ms"). The old
//     TimerTokenBucket, which added tokens_per_fill every fill_interval on the main thread, and
//     its runtime guard envoy.reloadable_features.no_timer_based_rate_limit_token_bucket are gone:
//     the guard's name (runtime guards are kept as strings) is not in the 1.40.0 binary, and the
//     measured refill is continuous — with max_tokens 2, tokens_per_fill 2, fill_interval 2s, a
//     bucket emptied at t admits one request at t + 1.1 s and refuses the next one, then refuses
//     at t + 1.7 s and admits at t + 2.3 s, which no timer adding 2 tokens at a time can do.
//   * AtomicTokenBucketImpl keeps one double, time_in_seconds_: the bucket holds
//     min(max_tokens, (now - time_in_seconds_) × fill_rate) tokens, refilling continuously.
//     The constructor sets it to now - max_tokens / fill_rate (the bucket starts full).
//     consume(cb) computes that total, asks the callback how much to take, and moves
//     time_in_seconds_ to now - (total - consumed) / fill_rate. RateLimitTokenBucket::consume
//     passes a callback returning `total < tokens ? 0 : tokens` (tokens = the request's
//     hits_addend, 1 by default, divided by the share factor, 1 without a local cluster share),
//     and reports `consume(cb) != 0`: a request is admitted iff the bucket holds at least its
//     cost, and a cost of 0 is always refused (the callback's 0 reads as "nothing consumed").
//     RateLimitTokenBucket::refill (negative hits_addend) adds tokens back, capped at max_tokens.
//   * Headers: x-ratelimit-limit = max_tokens; x-ratelimit-remaining = remainingTokens(), the
//     whole tokens left (floor) when the headers are written; x-ratelimit-reset =
//     resetSeconds(), from AtomicTokenBucketImpl::nextTokenAvailable(): 0 while at least one whole
//     token is left, otherwise the time until the bucket holds one whole token again, in seconds
//     rounded up. (Measured on 1.40.0 with max_tokens 1, tokens_per_fill 1, fill_interval 3s:
//     3 right after the token is taken and still 0.98 s later, 2 at 1.90 s and 1.98 s, 1 at
//     2.92 s and 2.99 s; dividing a millisecond count by 1000 in integers would give 2 at 0.98 s.
//     The 1.40 body of nextTokenAvailable() was not among the sources read: this is the measured
//     rule.)
//     Also measured: a request whose hits_addend is 0 gets 429 from a full bucket; one of cost 2
//     takes two tokens.
//
// Lazily, in exact integers: this is GCRA (gcra.ts) with I = fill_interval / tokens_per_fill
// and burst = max_tokens — Envoy's time_in_seconds_ is TAT - W — so nothing is ticked and a
// lazy computation at each request equals what Envoy computes. Decision fields:
//   allowed       the bucket holds >= cost tokens (cost <= 0 is refused, retryAfterNs NEVER)
//   remaining     floor(tokens left after this decision)
//   resetNs       0 while >= 1 whole token is left, else the time until there is one:
//                 ceilSeconds(resetNs) is Envoy's x-ratelimit-reset
//   retryAfterNs  the exact time until the bucket holds `cost` tokens (NEVER if cost > max_tokens)
//   freshAfterNs  the time until the bucket is full again
//   refund(cost)  Envoy's refill: tokens back, capped at max_tokens
// Where a lazy exact computation and Envoy can still differ (none of it is a timer effect):
//   * Envoy computes in double-precision seconds of its monotonic clock; this computes exactly.
//     A request arriving within about a nanosecond of the instant a token completes may be
//     decided the other way (Envoy's rounding), and Envoy's rate is the double nearest to
//     tokens_per_fill / fill_interval, not the rational number.
//   * Envoy reads its monotonic clock; a filter passes proxy_get_current_time (the real-time
//     clock), read at a slightly different moment. Envoy evaluates the headers in encodeHeaders,
//     after the upstream answered (more refill by then); a filter computes them at the decision.
//   * A share factor (local_cluster_rate_limit) is not modelled: tokens_per_fill is given as is.

import { MAX_PERIOD_NS, checkCount } from "./common";
import { Gcra, checkGcra } from "./gcra";

/** Envoy's shortest fill interval (50 ms). */
export const ENVOY_MIN_FILL_INTERVAL_NS: i64 = 50000000;

export class TokenBucket extends Gcra {
  readonly maxTokens: i64;
  readonly tokensPerFill: i64;
  readonly fillIntervalNs: i64;

  /** Envoy's token_bucket {max_tokens, tokens_per_fill, fill_interval}; starts full. */
  constructor(maxTokens: i64, tokensPerFill: i64, fillIntervalNs: i64) {
    super(tokensPerFill, fillIntervalNs, maxTokens);
    this.maxTokens = this.burst;
    this.tokensPerFill = this.rate;
    this.fillIntervalNs = this.periodNs;
    this.resetToNextUnit = true;
    this.refuseZeroCost = true;
  }
}

/**
 * Error text for token-bucket parameters as Envoy names them, or null. Envoy's own rules:
 * max_tokens and tokens_per_fill > 0 (uint32), fill_interval >= 50 ms and read in whole
 * milliseconds; and bounds of the kit: fill_interval <= 365 days (below that Envoy would raise
 * its fill rate to one token a year), an empty bucket fills again within 50 years.
 */
export function checkTokenBucket(maxTokens: i64, tokensPerFill: i64, fillIntervalNs: i64): string | null {
  let e = checkCount("max_tokens", maxTokens);
  if (e !== null) return e;
  e = checkCount("tokens_per_fill", tokensPerFill);
  if (e !== null) return e;
  if (fillIntervalNs <= 0) return "fill_interval must be positive";
  if (fillIntervalNs < ENVOY_MIN_FILL_INTERVAL_NS) return "fill_interval must be at least 50 ms (Envoy refuses shorter fill intervals)";
  if (fillIntervalNs % 1000000 != 0) return "fill_interval must be a whole number of milliseconds (Envoy reads it in milliseconds)";
  if (fillIntervalNs > MAX_PERIOD_NS) return "fill_interval must be at most 365 days";
  if (checkGcra(tokensPerFill, fillIntervalNs, maxTokens) !== null) {
    return "max_tokens × fill_interval / tokens_per_fill (the time an empty bucket takes to fill) must be at most 50 years";
  }
  return null;
}
