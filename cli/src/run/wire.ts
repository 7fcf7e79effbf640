// What node:http hands over, as a filter sees it: header text as UTF-8, raw header lists as
// lower-cased [name, value] pairs with order and repeats kept, and a request's whole body. Shared
// by the echo server and the mock host's listener, so that both turn the same bytes into the same
// text.
import type { IncomingMessage } from "node:http";

// Node's HTTP APIs hand header text over as latin1 (one char per byte); filters see UTF-8 bytes.
// Local copies of @filterkit/envoy's wire.ts: importing that package loads testcontainers (~0.4 s),
// which the mock mode never needs.
export const fromWire = (s: string): string => Buffer.from(s, "latin1").toString("utf8");
export const toWire = (s: string): string => Buffer.from(s, "utf8").toString("latin1");

/** Node's rawHeaders / rawTrailers (name, value, name, value, ...) as pairs, names lower-cased. */
export function rawPairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([fromWire(raw[i]).toLowerCase(), fromWire(raw[i + 1])]);
  return out;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
