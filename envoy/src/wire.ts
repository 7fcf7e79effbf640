// Header text on the wire. Scenario strings are Unicode and reach filters as UTF-8 (what a client
// sends for obs-text); Node's HTTP APIs and undici take and give header strings as latin1, one char
// per byte, and refuse characters above U+00FF. These two functions cross between the two views.
import type { Pairs } from "./servers.ts";

/** A header name or value as Node / undici must be given it so that its UTF-8 bytes go out. */
export function toWire(s: string): string {
  return Buffer.from(s, "utf8").toString("latin1");
}

/** A header name or value received from Node (latin1 string) or undici (Buffer), decoded as UTF-8. */
export function fromWire(raw: string | Buffer): string {
  return (typeof raw === "string" ? Buffer.from(raw, "latin1") : raw).toString("utf8");
}

/** [name, value, name, value, …] as Node and undici want it. */
export function flatWire(pairs: ReadonlyArray<readonly [string, string]>): string[] {
  const flat: string[] = [];
  for (const [k, v] of pairs) flat.push(toWire(k), toWire(v));
  return flat;
}

/** Raw header lists as Node / undici hand them over: names lower-cased, values decoded. */
export function pairsFromWire(raw: ReadonlyArray<string | Buffer> | null | undefined): Pairs {
  const out: Pairs = [];
  if (raw === null || raw === undefined) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([fromWire(raw[i]).toLowerCase(), fromWire(raw[i + 1])]);
  return out;
}
