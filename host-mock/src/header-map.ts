// Envoy header-map operations on ordered pairs (§11.1–§11.3): keys are lower-cased on every write,
// repeats keep their order, `get` answers the first entry.

import { utf8Length } from "./memory.ts";
import type { HeaderPairs } from "./pairs.ts";

/**
 * Envoy "inline" headers (§11.2): Envoy stores them in O(1) slots that hold ONE entry, so `add` on an
 * existing one appends to its value with "," instead of creating a second entry.
 * The reference does not enumerate Envoy's full list (§13); this is the pseudo-headers plus the
 * common names §11.2 names. This is the only place the list lives. `cookie` is not one: Envoy 1.40
 * keeps every cookie header a client sends, and every one a filter adds, as its own entry
 * (measured: integration/scenarios/request-id.json).
 */
export const INLINE_HEADERS: ReadonlySet<string> = new Set([
  ":authority", ":path", ":method", ":scheme", ":protocol", ":status",
  "content-type", "content-length", "user-agent", "x-request-id", "x-forwarded-for",
  "x-forwarded-proto", "te", "connection", "grpc-status", "grpc-message", "date", "server",
]);


export function getFirst(map: HeaderPairs, key: string): string | undefined {
  for (let i = 0; i < map.length; i++) if (map[i][0] === key) return map[i][1];
  return undefined;
}

/** Appends (key already lower-cased); inline headers comma-merge into the existing entry. */
export function addValue(map: HeaderPairs, key: string, value: string): void {
  if (INLINE_HEADERS.has(key)) {
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
export function setPairs(map: HeaderPairs, pairs: HeaderPairs): void {
  map.length = 0;
  for (const [k, v] of pairs) addValue(map, k.toLowerCase(), v);
}

/** Envoy `byteSize()`: Σ(len(key) + len(value)) in bytes. */
export function byteSize(map: HeaderPairs): number {
  let n = 0;
  for (const [k, v] of map) n += utf8Length(k) + utf8Length(v);
  return n;
}

/** Lower-cases keys and copies, as every write path does. */
export function normalize(pairs: ReadonlyArray<readonly [string, string]>): HeaderPairs {
  const out: HeaderPairs = [];
  for (const [k, v] of pairs) addValue(out, k.toLowerCase(), v);
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
