// Envoy header-map operations on ordered pairs (§11.1–§11.3): keys are lower-cased on every write,
// repeats keep their order, `get` answers the first entry.

import { utf8Length } from "./memory.ts";
import type { HeaderPairs } from "./pairs.ts";

/**
 * Envoy "inline" headers (§11.2): Envoy stores them in O(1) slots that hold ONE entry, so adding an
 * existing one appends to its value with "," instead of making a second entry — also when the
 * client sends the header twice (two `authorization` lines reach every filter as "a,b"). Each map
 * kind has its own set. This is the only place the sets live.
 *
 * Measured in Envoy 1.40.0 (official build, every extension linked, so every extension's custom
 * inline registration counts): each name sent twice by the client (request) or by the upstream
 * (response), then read where it arrived — joined into one entry, or two (2026-12-02). Names Envoy
 * removes from an external request or writes itself (x-envoy-* internal headers, x-forwarded-*,
 * te, connection, content-length) cannot be measured that way; they are Envoy's static inline
 * headers (source/common/http/header_map_impl.h, the INLINE_REQ_ and INLINE_RESP_ lists). `cookie` is
 * not one: Envoy 1.40 keeps every cookie header as its own entry (integration/scenarios/request-id.json).
 */
const PSEUDO_REQUEST = [":authority", ":path", ":method", ":scheme", ":protocol"];
export const INLINE_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  ...PSEUDO_REQUEST,
  // measured: joined
  "accept", "accept-encoding", "access-control-request-headers", "access-control-request-method", "authentication",
  "authorization", "cache-control", "cdn-loop", "content-encoding", "content-type", "grpc-accept-encoding",
  "grpc-timeout", "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "origin",
  "pragma", "proxy-status", "referer", "user-agent", "via", "x-client-trace-id", "x-envoy-attempt-count",
  "x-envoy-decorator-operation", "x-envoy-downstream-service-cluster", "x-envoy-downstream-service-node",
  "x-envoy-external-address", "x-envoy-is-timeout-retry", "x-envoy-original-path", "x-forwarded-host", "x-forwarded-port",
  // Envoy's static inline request headers that an external request cannot show
  "connection", "content-length", "te", "transfer-encoding", "upgrade", "keep-alive", "proxy-connection",
  "x-request-id", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-client-cert", "x-envoy-expected-rq-timeout-ms",
  "x-envoy-force-trace", "x-envoy-hedge-on-per-try-timeout", "x-envoy-internal", "x-envoy-ip-tags", "x-envoy-max-retries",
  "x-envoy-original-url", "x-envoy-retriable-header-names", "x-envoy-retriable-status-codes", "x-envoy-retry-grpc-on",
  "x-envoy-retry-on", "x-envoy-upstream-alt-stat-name", "x-envoy-upstream-rq-per-try-timeout-ms",
  "x-envoy-upstream-rq-timeout-alt-response", "x-envoy-upstream-rq-timeout-ms", "x-envoy-upstream-stream-duration-ms",
]);
export const INLINE_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  ":status",
  // measured: joined
  "access-control-allow-credentials", "access-control-allow-headers", "access-control-allow-methods",
  "access-control-allow-origin", "access-control-expose-headers", "access-control-max-age", "age", "cache-control",
  "content-encoding", "content-type", "date", "etag", "expires", "grpc-message", "grpc-status", "last-modified",
  "location", "proxy-status", "vary", "via", "x-request-id", "x-envoy-degraded", "x-envoy-immediate-health-check-fail",
  "x-envoy-ratelimited",
  // Envoy's static inline response headers that it writes itself
  "connection", "content-length", "server", "transfer-encoding", "upgrade", "keep-alive", "proxy-connection",
  "x-envoy-upstream-service-time", "x-envoy-overloaded", "x-envoy-upstream-canary",
]);
/** gRPC's status in trailers (Envoy's INLINE_RESP_TRAILERS); request trailers have no inline names. */
export const INLINE_RESPONSE_TRAILERS: ReadonlySet<string> = new Set(["grpc-status", "grpc-message"]);
export const NO_INLINE: ReadonlySet<string> = new Set();

/** The inline set of a proxy-wasm map type (0 request headers … 7 callout response trailers). */
export function inlineFor(mapType: number): ReadonlySet<string> {
  switch (mapType) {
    case 0: return INLINE_REQUEST_HEADERS;
    case 2: case 6: return INLINE_RESPONSE_HEADERS;
    case 3: case 7: return INLINE_RESPONSE_TRAILERS;
    default: return NO_INLINE; // request trailers, gRPC metadata
  }
}

export function getFirst(map: HeaderPairs, key: string): string | undefined {
  for (let i = 0; i < map.length; i++) if (map[i][0] === key) return map[i][1];
  return undefined;
}

/** Appends (key already lower-cased); a name of `inline` comma-merges into the existing entry. */
export function addValue(map: HeaderPairs, key: string, value: string, inline: ReadonlySet<string>): void {
  if (inline.has(key)) {
    for (let i = 0; i < map.length; i++) {
      if (map[i][0] === key) {
        map[i][1] = map[i][1] === "" ? value : map[i][1] + "," + value;
        return;
      }
    }
  }
  map.push([key, value]);
}

/** Removes every entry with that name (key already lower-cased). */
export function removeAll(map: HeaderPairs, key: string): void {
  let w = 0;
  for (let r = 0; r < map.length; r++) if (map[r][0] !== key) map[w++] = map[r];
  map.length = w;
}

/** Current Envoy: remove all entries with the name, then append one at the end. */
export function replaceValue(map: HeaderPairs, key: string, value: string): void {
  removeAll(map, key);
  map.push([key, value]);
}

/** Clears the map, then adds each pair in order (lower-cased keys, `add` semantics). */
export function setPairs(map: HeaderPairs, pairs: HeaderPairs, inline: ReadonlySet<string>): void {
  map.length = 0;
  for (const [k, v] of pairs) addValue(map, k.toLowerCase(), v, inline);
}

/** Envoy `byteSize()`: Σ(len(key) + len(value)) in bytes. */
export function byteSize(map: HeaderPairs): number {
  let n = 0;
  for (const [k, v] of map) n += utf8Length(k) + utf8Length(v);
  return n;
}

/** Lower-cases keys and copies, as every write path does (a name of `inline` sent twice is joined). */
export function normalize(pairs: ReadonlyArray<readonly [string, string]>, inline: ReadonlySet<string>): HeaderPairs {
  const out: HeaderPairs = [];
  for (const [k, v] of pairs) addValue(out, k.toLowerCase(), v, inline);
  return out;
}

/** Comma-joined value of all entries (what properties and CEL see, §11.2). */
export function joinedValue(map: HeaderPairs, key: string): string | undefined {
  let out: string | undefined;
  for (const [k, v] of map) if (k === key) out = out === undefined ? v : `${out},${v}`;
  return out;
}

export function clonePairs(map: HeaderPairs): HeaderPairs {
  return map.map(([k, v]) => [k, v] as [string, string]);
}
