// Generated HTTP/1.1 traffic, seeded and replayable: requests a client may put on the wire (and the
// answers an upstream may give) with everything RFC 9110/9112 allows and filters rarely see in
// hand-written tests — token header names of every length and character, visible-ASCII and obs-text
// values, optional whitespace around values, empty values, repeats in mixed case, many headers,
// values up to and past Envoy's limits, unusual but valid paths and query strings, bodies in one
// piece or in chunks, trailers, upstream answers with repeated headers and set-cookie.
//
// The output is scenario-document JSON (scenario.schema.json: `requests[]` with per-request
// `upstream`), so one generator serves the differential fuzzer (scripts/fuzz-diff.ts: the same
// traffic on the mock host and in real Envoy) and the mock-host fuzz harness that shows a filter
// never traps (fuzz.ts). Same seed and options, same traffic, byte for byte.
import { SeededRandom } from "../prng.ts";
import { ENVOY_HTTP1_LIMITS, headBytes } from "../http1.ts";
import { clientWireHead, upstreamWireHead } from "../scenario/peers.ts";

/** A request as the scenario format writes it. */
export interface RequestDoc {
  method: string;
  path: string;
  authority: string;
  headers: Array<[string, string]>;
  body?: string | string[];
  trailers?: Array<[string, string]>;
  upstream?: UpstreamDoc;
  /** why the generator made it (a probe of a limit, …): kept in replay files for the reader */
  note?: string;
}

export interface UpstreamDoc {
  status: number;
  headers: Array<[string, string]>;
  body: string;
  trailers?: Array<[string, string]>;
}

export interface TrafficOptions {
  seed: number;
  /** how many requests */
  count: number;
  /**
   * "wire" (default): what clients commonly put on the wire, with the odd corner; "hostile": a
   * quarter of the requests are attacks a filter must survive — header storms, one name repeated
   * dozens of times in mixed case, paths and query strings of thousands of characters, bodies in
   * dozens of one-byte chunks or full of control characters, authorities of every legal shape.
   * Both stay within what Envoy's codec lets through to filters (or past its limits, which the
   * codec answers itself).
   */
  profile?: "wire" | "hostile";
  /** requests with trailers (sent chunked); default true */
  trailers?: boolean;
  /** a generated upstream answer per request; default true */
  answers?: boolean;
  /** share of requests that probe Envoy's header limits (count and size, just under and past them); default 0.04 */
  limitProbes?: number;
}

/** RFC 9110 token characters (tchar). */
export const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/** Visible ASCII (VCHAR), the body of a field value. */
const VCHAR = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join("");
/** obs-text as UTF-8: characters whose bytes are all >= 0x80 on the wire. */
const OBS_TEXT = ["é", "ü", "ß", "€", "日本", "ñ", "😀", "Ω", "ø", "한"];
/** path characters (RFC 3986 pchar without pct-encoding, '/' between segments) */
const PCHAR = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@";
const QUERY_EXTRA = "/?";

/**
 * Header names that mean something to the HTTP/1 codec or to Envoy's connection manager (framing,
 * hop-by-hop, headers Envoy sets or sanitises itself): random names never take them, so a
 * difference is about how filters see ordinary headers. Special headers are scenarios of their own.
 */
const RESERVED = new Set([
  "host", "content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
  "expect", "x-forwarded-proto", "x-forwarded-for", "x-forwarded-host", "x-forwarded-port", "x-request-id", "x-client-trace-id",
  "traceparent", "tracestate", "x-ot-span-context", "via", "date", "server", "content-type", "content-encoding",
]);
const RESERVED_PREFIXES = ["x-envoy-", "proxy-", ":"];

export function isReservedName(name: string): boolean {
  const n = name.toLowerCase();
  return RESERVED.has(n) || RESERVED_PREFIXES.some((p) => n.startsWith(p));
}

const METHODS = ["GET", "GET", "GET", "POST", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];
const WITH_BODY = new Set(["POST", "PUT", "PATCH"]);
const STATUSES = [200, 200, 200, 200, 201, 202, 203, 204, 206, 301, 302, 307, 400, 401, 403, 404, 409, 418, 429, 500, 502, 503];

/**
 * For an ASCII alphabet, the character each random byte picks (`alphabet[byte % length]`), so a
 * long string costs one table load per character; null for an alphabet with other characters.
 */
const byteTables = new Map<string, Uint8Array | null>();
function byteTable(alphabet: string): Uint8Array | null {
  let table = byteTables.get(alphabet);
  if (table === undefined) {
    table = /^[\x00-\x7f]*$/.test(alphabet) ? Uint8Array.from({ length: 256 }, (_, b) => alphabet.charCodeAt(b % alphabet.length)) : null;
    byteTables.set(alphabet, table);
  }
  return table;
}

/** The random choices, over one seeded generator. */
class Dice {
  private readonly r: SeededRandom;

  constructor(seed: number) {
    this.r = new SeededRandom(seed);
  }

  /** [0, 1) */
  next(): number {
    return this.r.nextU32() / 4294967296;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: ReadonlyArray<T>): T {
    return xs[Math.floor(this.next() * xs.length)];
  }

  /**
   * `n` characters of `alphabet` (single UTF-16 units). Four characters per random word; past 4,096
   * characters a random block repeats from a random offset: long values and bodies are about size,
   * and a fuzz run of 100,000 requests must not spend its time here.
   */
  chars(alphabet: string, n: number): string {
    const len = alphabet.length;
    const block = Math.min(n, 4_096);
    let s: string;
    const table = block <= 8 ? null : byteTable(alphabet);
    if (table === null) {
      s = "";
      let w = this.r.nextU32();
      for (let i = 0; i < block; i++) {
        if (i === 4) w = this.r.nextU32();
        s += alphabet[(w & 0xff) % len];
        w >>>= 8;
      }
    } else {
      // an ASCII alphabet: bytes decoded as latin1 are the characters
      const bytes = Buffer.allocUnsafe(block);
      let w = 0;
      for (let i = 0; i < block; i++) {
        if ((i & 3) === 0) w = this.r.nextU32();
        bytes[i] = table[w & 0xff];
        w >>>= 8;
      }
      s = bytes.toString("latin1");
    }
    if (n === block) return s;
    const offset = this.int(0, block - 1);
    const doubled = s + s;
    const parts: string[] = [];
    for (let have = 0; have < n; have += block) parts.push(doubled.slice(offset, offset + Math.min(block, n - have)));
    return parts.join("");
  }


}

function headerName(d: Dice): string {
  for (;;) {
    const roll = d.next();
    const name = roll < 0.65 ? `x-${d.chars("abcdefghijklmnopqrstuvwxyz", d.int(2, 14))}${d.chance(0.3) ? `-${d.chars("abcdefghijklmnopqrstuvwxyz0123456789", d.int(1, 8))}` : ""}`
      : roll < 0.9 ? d.chars(TCHAR, d.int(1, 40))
        : d.chars(TCHAR, d.int(100, 600));
    if (!isReservedName(name)) return name;
  }
}

/** A field value: no CR, LF, NUL or other control character but HTAB. */
function headerValue(d: Dice): string {
  const roll = d.next();
  if (roll < 0.35) return d.chars("abcdefghijklmnopqrstuvwxyz0123456789", d.int(1, 24));
  if (roll < 0.55) {
    // visible ASCII with single spaces and tabs inside
    const words = Array.from({ length: d.int(2, 6) }, () => d.chars(VCHAR, d.int(1, 12)));
    return words.join(d.chance(0.8) ? " " : "\t");
  }
  if (roll < 0.63) return "";
  if (roll < 0.75) {
    // optional whitespace around the value (RFC 9112: OWS, which a parser drops)
    const ows = (): string => d.chars(" \t", d.int(1, 3));
    const core = d.chars(VCHAR, d.int(1, 16));
    const where = d.int(0, 2);
    return `${where !== 1 ? ows() : ""}${core}${where !== 0 ? ows() : ""}`;
  }
  if (roll < 0.85) return Array.from({ length: d.int(1, 4) }, () => d.pick(OBS_TEXT) + d.chars(VCHAR, d.int(0, 5))).join("");
  if (roll < 0.97) return d.chars(VCHAR + " ", d.int(200, 2_000)).trim() || "v";
  return d.chars(VCHAR, d.int(4_000, 12_000));
}

function pathSegment(d: Dice): string {
  let s = "";
  const n = d.int(1, 12);
  for (let i = 0; i < n; i++) {
    s += d.chance(0.1) ? `%${d.chars("0123456789ABCDEF", 2)}` : d.chars(PCHAR, 1);
  }
  return s;
}

function path(d: Dice): string {
  const segments = Array.from({ length: d.int(0, 4) }, () => pathSegment(d));
  let p = `/${segments.join("/")}`;
  if (d.chance(0.4)) {
    const pairs = Array.from({ length: d.int(1, 5) }, () => `${pathSegment(d)}=${d.chance(0.8) ? d.chars(PCHAR + QUERY_EXTRA, d.int(0, 10)) : ""}`);
    p += `?${pairs.join(d.chance(0.8) ? "&" : ";")}`;
  }
  return p;
}

function authority(d: Dice): string {
  if (d.chance(0.6)) return "example.com";
  const labels = Array.from({ length: d.int(1, 3) }, () => d.chars("abcdefghijklmnopqrstuvwxyz0123456789", d.int(1, 10)));
  return `${labels.join(".")}${d.chance(0.3) ? `:${d.int(1, 65535)}` : ""}`;
}

function bodyText(d: Dice, big: boolean): string {
  return d.chars(`${VCHAR} \n`, big ? d.int(16_000, 64_000) : d.int(1, 2_000));
}

/** Headers with repeats: a name already used comes back, in another letter case, now and then. */
function headerSet(d: Dice, count: number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < count; i++) {
    if (out.length > 0 && d.chance(0.15)) {
      const [name] = d.pick(out);
      const cased = d.chance(0.5) ? name.toUpperCase() : name;
      out.push([isReservedName(cased) ? name : cased, headerValue(d)]);
    } else {
      out.push([headerName(d), headerValue(d)]);
    }
  }
  return out;
}

function headerCount(d: Dice): number {
  const roll = d.next();
  return roll < 0.6 ? d.int(0, 8) : roll < 0.9 ? d.int(9, 30) : d.int(31, 80);
}

const DELTAS = [-3, -2, -1, 0, 1, 2, 5];
const SIZE_DELTAS = [-600, -64, -8, -1, 0, 1, 8, 64, 600, 4_000];

/**
 * Filler headers that bring a head to exactly `target` bytes on the wire: values of up to 7,000
 * bytes, the last one cut to fit. `bytesWith(headers)` is the head's size with them.
 */
function fillTo(d: Dice, target: number, bytesWith: (extra: Array<[string, string]>) => number, prefix: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let size = bytesWith([]);
  for (let i = 0; ; i++) {
    const name = `${prefix}${i}`;
    const room = target - size - (name.length + 4); // "name: " + value + CRLF
    if (room < 0) return out; // not even an empty header fits: close enough below the target
    const value = d.chars("abcdefghijklmnopqrstuvwxyz", Math.min(room, 7_000));
    out.push([name, value]);
    size += name.length + 4 + value.length;
    if (room <= 7_000) return out;
  }
}
/**
 * A request that probes one of Envoy's request-header limits, counted as the client writes the head
 * (peers.ts: host, connection, content-length included): header lines, or bytes, a little under,
 * at, or a little past the default (ENVOY_HTTP1_LIMITS).
 */
function requestProbe(d: Dice, method: string, path: string, authority: string): { headers: Array<[string, string]>; note: string } {
  const limits = ENVOY_HTTP1_LIMITS;
  const head = (headers: Array<[string, string]>) => clientWireHead({ method, path, authority, headers, body: "", trailers: [] });
  if (d.chance(0.5)) {
    const lines = limits.maxHeadersCount + d.pick(DELTAS);
    const extra = head([]).headers.length; // the lines the client adds itself
    const headers: Array<[string, string]> = Array.from({ length: Math.max(0, lines - extra) }, (_, i) => [`x-probe-${i}`, d.chars("abcdefghij", 4)]);
    return { headers, note: `request header lines: ${head(headers).headers.length} on the wire (limit ${limits.maxHeadersCount})` };
  }
  const target = limits.maxRequestHeadersBytes + d.pick(SIZE_DELTAS);
  const headers = fillTo(d, target, (h) => headBytes(head(h)), "x-fill-");
  return { headers, note: `request head: ${headBytes(head(headers))} bytes on the wire (limit ${limits.maxRequestHeadersBytes})` };
}

/** An upstream answer that probes the response-header limits, counted as the Node upstream writes it. */
function answerProbe(d: Dice): UpstreamDoc & { note: string } {
  const limits = ENVOY_HTTP1_LIMITS;
  const status = d.pick([200, 200, 404]);
  const body = "probe";
  const head = (headers: Array<[string, string]>) => upstreamWireHead({ status, headers, body, trailers: [] });
  if (d.chance(0.5)) {
    const lines = limits.maxHeadersCount + d.pick(DELTAS);
    const extra = head([]).headers.length;
    const headers: Array<[string, string]> = Array.from({ length: Math.max(0, lines - extra) }, (_, i) => [`x-rprobe-${i}`, d.chars("abcdefghij", 4)]);
    return { status, headers, body, note: `response header lines: ${head(headers).headers.length} on the wire (limit ${limits.maxHeadersCount})` };
  }
  const target = limits.maxResponseHeadersBytes + d.pick(SIZE_DELTAS);
  const headers = fillTo(d, target, (h) => headBytes(head(h)), "x-rfill-");
  return { status, headers, body, note: `response head: ${headBytes(head(headers))} bytes on the wire (limit ${limits.maxResponseHeadersBytes})` };
}

function answer(d: Dice, trailers: boolean): UpstreamDoc {
  const status = d.pick(STATUSES);
  const headers = headerSet(d, d.int(0, 10));
  for (let i = d.int(0, 3); i > 0; i--) headers.push(["set-cookie", `${d.chars("abcdefghij", d.int(1, 8))}=${d.chars(PCHAR, d.int(0, 20))}; Path=/; HttpOnly`]);
  // a 204 has no body (and so no trailers)
  const body = status === 204 || d.chance(0.2) ? "" : bodyText(d, d.chance(0.03));
  return { status, headers, body, ...(trailers && status !== 204 && d.chance(0.06) ? { trailers: headerSet(d, d.int(1, 3)).map(([k, v]) => [k, v.trim() || "t"] as [string, string]) } : {}) };
}

/** One attack of the hostile profile, as a request with its parts replaced. */
function hostile(d: Dice, req: RequestDoc): RequestDoc {
  const attack = d.int(0, 7);
  switch (attack) {
    case 0: { // one name dozens of times, every letter case, odd values
      const name = headerName(d);
      const n = d.int(20, 95);
      const variants = [name, name.toUpperCase(), name.replace(/^./, (c) => c.toUpperCase())].filter((x) => !isReservedName(x));
      return { ...req, headers: Array.from({ length: n }, (_, i) => [d.pick(variants), i % 3 === 0 ? "" : headerValue(d)]), note: `hostile: ${n} × one header name` };
    }
    case 1: { // a long path: deep, dot segments, empty segments, escapes
      const parts = Array.from({ length: d.int(50, 600) }, () => d.pick(["..", ".", "", "%2e%2e", "%2F", "a", pathSegment(d)]));
      return { ...req, path: `/${parts.join("/")}`, note: "hostile: long path with dot and empty segments" };
    }
    case 2: { // a query string of hundreds of pairs, repeated and empty keys
      const pairs = Array.from({ length: d.int(100, 900) }, () => d.pick(["", "=", "a=", "=b", "a=1", "a", `${pathSegment(d)}=${pathSegment(d)}`]));
      return { ...req, path: `${req.path.split("?")[0]}?${pairs.join("&")}`, note: "hostile: query string storm" };
    }
    case 3: // a body in dozens of one-byte chunks
      return { ...req, body: Array.from({ length: d.int(16, 64) }, () => d.chars(VCHAR, 1)), note: "hostile: body in one-byte chunks" };
    case 4: { // a body of control characters, NUL and unpaired-looking text
      const chars = Array.from({ length: d.int(1, 4_000) }, () => String.fromCharCode(d.int(0, 0x7f))).join("") + d.pick(OBS_TEXT);
      return { ...req, body: chars, note: "hostile: body of control characters" };
    }
    case 5: // authorities of every legal shape
      return { ...req, authority: d.pick(["[::1]", "[2001:db8::1]:8443", "localhost:0", "EXAMPLE.COM", "a".repeat(d.int(200, 2_000)), "1.2.3.4:65535", "xn--nxasmq6b.example"]), note: "hostile: unusual authority" };
    case 6: // header names of punctuation only, one-character names, very long names
      return { ...req, headers: [...req.headers, ["!#$%&'*+-.^_`|~", "punct"], [d.chars(TCHAR.slice(0, 15), 1), "one"], [`x-${d.chars("abcdefghijklmnopqrstuvwxyz", 4_000)}`, "long name"]], note: "hostile: odd header names" };
    default: // one header close to the whole request limit
      return { ...req, headers: [["x-huge", d.chars(VCHAR, d.int(40_000, ENVOY_HTTP1_LIMITS.maxRequestHeadersBytes))]], note: "hostile: one huge header" };
  }
}

/** `count` requests from `seed`. */
export function generateTraffic(options: TrafficOptions): RequestDoc[] {
  return [...traffic(options)];
}

/** The same requests as generateTraffic, one at a time (a fuzz run of 100,000 need not hold them all). */
export function* traffic(options: TrafficOptions): Generator<RequestDoc> {
  const d = new Dice(options.seed);
  const withTrailers = options.trailers ?? true;
  const withAnswers = options.answers ?? true;
  const probes = options.limitProbes ?? 0.04;
  const attacks = options.profile === "hostile" ? 0.25 : 0;
  for (let n = 0; n < options.count; n++) {
    const method = d.pick(METHODS);
    const p = path(d);
    const host = authority(d);
    const probe = d.chance(probes) ? requestProbe(d, method, p, host) : null;
    const headers = probe?.headers ?? headerSet(d, headerCount(d));
    const req: RequestDoc = { method, path: p, authority: host, headers };
    if (probe !== null) req.note = probe.note;
    const bodyChance = WITH_BODY.has(method) ? 0.8 : 0.05;
    if (probe === null && d.chance(bodyChance)) {
      const big = d.chance(0.03);
      req.body = d.chance(0.35) ? Array.from({ length: d.int(2, 4) }, () => bodyText(d, false)) : bodyText(d, big);
    }
    if (probe === null && withTrailers && d.chance(0.06)) req.trailers = headerSet(d, d.int(1, 3)).map(([k, v]) => [k, v.trim() || "t"]);
    if (withAnswers) {
      if (probe === null && d.chance(probes)) {
        const { note, ...answered } = answerProbe(d);
        req.upstream = answered;
        req.note = note;
      } else {
        req.upstream = answer(d, withTrailers);
      }
    }
    yield attacks > 0 && probe === null && d.chance(attacks) ? hostile(d, req) : req;
  }
}
