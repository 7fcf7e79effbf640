// Envoy's substitution format strings ("%REQ(x-id)%-%START_TIME(%s)%"), compiled once and rendered
// per request with what Envoy 1.40 renders in a header value (keep_empty_value: true shows the raw
// result). sdk/README.md ("Value formatter") has the command table and the differences.
//
// The grammar is Envoy's: text is copied, "%%" is a literal '%', and every other '%' must start
// `%COMMAND(ARGUMENT):LENGTH%` as the regex `^%([A-Z0-9_]+)(?:\((.*?)\))?(?::([0-9]+))?%` matches
// it (the argument is the shortest run up to a ')' that the rest can follow; it cannot hold a
// newline). Then each command checks its own argument and length the way Envoy's parsers do.

import {
  bufChar, bufLength, bufLimitUtf8, bufReset, bufSet, bufAt, bufString, bufTake, bufTruncate, bufUtf8,
  bufDecimal, bufUnsigned,
} from "./buffer";
import { FormatContext, FormatPhase } from "./context";
import { TimeFormat, defaultTimeFormat, newlineConversionAt } from "./time";
import { isTokenChar } from "../header-safety";
import { decimal } from "../decimal";

// ---- the compiled form ------------------------------------------------------------------------------

const K_LITERAL = 0;
const K_REQ = 1;
const K_RESP = 2;
const K_QUERY = 3;
const K_COOKIE = 4;
const K_CAPTURE_INDEX = 5;
const K_CAPTURE_NAME = 6;
const K_PROP = 7;
const K_START_TIME = 8;
/** a string attribute rendered as is (path in `path`), "" when absent */
const K_STRING_ATTR = 9;
/** an address attribute: `mode` 0 whole, 1 without port, 2 port only */
const K_ADDRESS = 10;
const K_RESPONSE_CODE = 11;
const K_RESPONSE_CODE_DETAILS = 12;
const K_RESPONSE_FLAGS = 13;
const K_CONNECTION_ID = 14;
/** Envoy's stream id: the x-request-id the connection manager set or kept */
const K_STREAM_ID = 15;

class Part {
  kind: i32 = K_LITERAL;
  /** literal text; header name; parameter, cookie or capture name */
  text: string = "";
  /** alternate header name ("" = none) */
  alt: string = "";
  /** truncation in UTF-8 bytes, -1 = none */
  max: i64 = -1;
  /** attribute path */
  path: Array<string> | null = null;
  time: TimeFormat | null = null;
  /** capture index; address mode; ALLOW_WHITESPACES; long flag names */
  mode: i32 = 0;
}

/** Result of Template.compile: the template, or the first problem and where it starts. */
export class TemplateResult {
  ok: bool;
  template: Template | null;
  /** what is wrong (empty when ok) */
  error: string;
  /** offset (UTF-16 unit index) in the text where the problem starts; -1 when ok */
  offset: i32;

  constructor(template: Template | null, error: string, offset: i32) {
    this.ok = template !== null;
    this.template = template;
    this.error = error;
    this.offset = offset;
  }

  /** "<error> (at offset N)", or "" when ok. */
  describe(): string {
    return this.ok ? "" : this.error + " (at offset " + decimal(this.offset) + ")";
  }
}

/** A compiled format string. Compile once (at configure time), render per request. */
export class Template {
  /** the text it was compiled from */
  source: string;
  /** no command: render() returns `literal` without looking at the context */
  isLiteral: bool = true;
  /** the rendering of a literal template (the text with "%%" turned into "%") */
  literal: string = "";
  parts: Array<Part> = new Array<Part>();
  private headersUsed: Array<string> = new Array<string>();

  private constructor(source: string) {
    this.source = source;
  }

  /** Compiles `text`; never traps, whatever the input. */
  static compile(text: string): TemplateResult {
    const t = new Template(text);
    const err = t.parse();
    if (err !== null) return new TemplateResult(null, err, errorOffset);
    return new TemplateResult(t, "", -1);
  }

  /**
   * Lower-cased request-header names the template reads (%REQ% names and alternates; ":path" for
   * %QUERY_PARAM% / %QUERY%; "cookie" for %COOKIE%; "x-request-id" for %STREAM_ID%): what a filter
   * keeps from the request for response-phase rendering (HeaderStash.capture).
   */
  requestHeadersUsed(): Array<string> {
    return this.headersUsed.slice(0);
  }

  /** What the template renders for `ctx` (allocates only the result; a literal returns `literal`). */
  render(ctx: FormatContext): string {
    if (this.isLiteral) return this.literal;
    bufReset();
    const parts = this.parts;
    for (let i = 0; i < parts.length; i++) renderPart(unchecked(parts[i]), ctx);
    return bufTake();
  }

  // ---- parsing ----------------------------------------------------------------------------------

  private useHeader(name: string): void {
    if (name.length > 0 && !this.headersUsed.includes(name)) this.headersUsed.push(name);
  }

  private pushLiteral(s: string): void {
    const parts = this.parts;
    if (parts.length > 0) {
      const last = unchecked(parts[parts.length - 1]);
      if (last.kind == K_LITERAL) {
        last.text += s;
        return;
      }
    }
    const p = new Part();
    p.text = s;
    parts.push(p);
  }

  /** null when fine; else the error (errorOffset says where). */
  private parse(): string | null {
    const t = this.source;
    const n = t.length;
    let litStart = 0;
    let i = 0;
    while (i < n) {
      if (t.charCodeAt(i) != 0x25) {
        i++;
        continue;
      }
      if (i > litStart) this.pushLiteral(t.substring(litStart, i));
      if (i + 1 < n && t.charCodeAt(i + 1) == 0x25) {
        this.pushLiteral("%");
        i += 2;
        litStart = i;
        continue;
      }
      const end = matchCommand(t, i);
      if (end < 0) return diagnose(t, i);
      const err = this.command(t, i);
      if (err !== null) return err;
      i = end;
      litStart = i;
    }
    if (n > litStart) this.pushLiteral(t.substring(litStart, n));
    const parts = this.parts;
    let literal = true;
    for (let k = 0; k < parts.length; k++) if (unchecked(parts[k]).kind != K_LITERAL) literal = false;
    this.isLiteral = literal;
    if (literal) this.literal = parts.length == 0 ? "" : unchecked(parts[0]).text;
    return null;
  }

  /** Builds the part for the command matched at `at` (the m* globals hold its pieces). */
  private command(t: string, at: i32): string | null {
    const name = t.substring(mNameStart, mNameEnd);
    const hasArg = mArgStart >= 0;
    const arg = hasArg ? t.substring(mArgStart, mArgEnd) : "";
    let max: i64 = -1;
    if (mLenStart >= 0) {
      max = lengthValue(t, mLenStart, mLenEnd);
      if (max == -2) return fail("truncation length " + t.substring(mLenStart, mLenEnd) + " is too large (at most 18446744073709551615)", mLenStart);
    }
    const spec = commandSpec(name);
    if (spec < 0) {
      const why = unsupportedReason(name);
      if (why.length > 0) return fail("%" + name + "% is not supported: " + why, at);
      return fail("unknown command %" + name + "%", at);
    }
    const syntax = spec & 0xff;
    // Envoy's CommandSyntaxChecker, in its order
    if (syntax == ONLY && (arg.length > 0 || max >= 0)) return fail(name + " takes no argument and no length", at);
    if ((syntax & REQUIRED) != 0 && arg.length == 0) return fail(name + " requires an argument, e.g. %" + name + "(" + exampleArg(name) + ")%", at);
    if ((syntax & LENGTH) == 0 && max >= 0) return fail(name + " does not take a length (:" + t.substring(mLenStart, mLenEnd) + ")", mLenStart - 1);
    const p = new Part();
    p.max = max;
    const kind = spec >> 8;
    p.kind = kind;
    switch (kind) {
      case K_REQ:
      case K_RESP: {
        const q = arg.indexOf("?");
        let main = q < 0 ? arg : arg.substring(0, q);
        let alt = q < 0 ? "" : arg.substring(q + 1);
        if (alt.indexOf("?") >= 0) return fail("more than one alternate header in \"" + arg + "\" (write %" + name + "(main?alternate)%)", mArgStart);
        if (!validHeaderName(main)) return fail("invalid header name \"" + main + "\" in %" + name + "(" + arg + ")%", mArgStart);
        if (!validHeaderName(alt)) return fail("invalid header name \"" + alt + "\" in %" + name + "(" + arg + ")%", mArgStart + q + 1);
        p.text = lower(main);
        p.alt = lower(alt);
        if (kind == K_REQ) {
          this.useHeader(p.text);
          this.useHeader(p.alt);
        }
        break;
      }
      case K_QUERY:
        p.text = arg;
        this.useHeader(":path");
        break;
      case K_COOKIE:
        p.text = arg;
        this.useHeader("cookie");
        break;
      case K_CAPTURE_INDEX: {
        let digits = true;
        for (let k = 0; k < arg.length; k++) if (!isDigit(arg.charCodeAt(k))) digits = false;
        if (digits) {
          let v: i64 = 0;
          for (let k = 0; k < arg.length; k++) {
            v = v * 10 + (arg.charCodeAt(k) - 0x30);
            if (v > 0x7fffffff) v = 0x7fffffff;
          }
          p.mode = <i32>v;
        } else {
          p.kind = K_CAPTURE_NAME;
          p.text = arg;
        }
        break;
      }
      case K_PROP: {
        const path = splitPath(arg);
        if (path === null) return fail("empty segment in property path \"" + arg + "\" (segments are split on '.'; write \"\\.\" for a dot inside one)", mArgStart);
        p.path = path;
        p.mode = propType(path);
        if (p.mode == T_TIMESTAMP) p.time = new TimeFormat(defaultTimeFormat());
        break;
      }
      case K_START_TIME: {
        const nl = newlineConversionAt(arg);
        if (nl >= 0) return fail("START_TIME format \"" + arg + "\" holds a newline conversion (Envoy refuses it)", mArgStart + nl);
        p.time = new TimeFormat(arg.length == 0 ? defaultTimeFormat() : arg);
        p.path = ["request", "time"];
        break;
      }
      case K_STREAM_ID:
        p.text = "x-request-id";
        this.useHeader(p.text);
        break;
      case K_RESPONSE_CODE_DETAILS:
        // Envoy accepts any argument; only ALLOW_WHITESPACES changes the rendering
        p.mode = arg == "ALLOW_WHITESPACES" ? 1 : 0;
        p.path = ["response", "code_details"];
        break;
      default:
        attribute(name, p);
    }
    this.parts.push(p);
    return null;
  }
}

// ---- the command table ------------------------------------------------------------------------------

const ONLY = 0;
const REQUIRED = 1;
const OPTIONAL = 2;
const LENGTH = 4;

/** (kind << 8) | syntax, or -1 for a command this formatter does not know. */
function commandSpec(name: string): i32 {
  if (name == "REQ") return (K_REQ << 8) | REQUIRED | LENGTH;
  if (name == "RESP") return (K_RESP << 8) | REQUIRED | LENGTH;
  if (name == "QUERY_PARAM" || name == "QUERY") return (K_QUERY << 8) | REQUIRED | LENGTH;
  if (name == "COOKIE") return (K_COOKIE << 8) | REQUIRED | LENGTH;
  if (name == "CAPTURE") return (K_CAPTURE_INDEX << 8) | REQUIRED | LENGTH;
  if (name == "PROP") return (K_PROP << 8) | REQUIRED | LENGTH;
  if (name == "START_TIME") return (K_START_TIME << 8) | OPTIONAL;
  if (name == "RESPONSE_CODE_DETAILS") return (K_RESPONSE_CODE_DETAILS << 8) | OPTIONAL;
  if (name == "RESPONSE_CODE") return (K_RESPONSE_CODE << 8) | ONLY;
  if (name == "RESPONSE_FLAGS" || name == "RESPONSE_FLAGS_LONG") return (K_RESPONSE_FLAGS << 8) | ONLY;
  if (name == "CONNECTION_ID") return (K_CONNECTION_ID << 8) | ONLY;
  if (name == "STREAM_ID") return (K_STREAM_ID << 8) | ONLY;
  if (name == "PROTOCOL" || name == "UPSTREAM_CLUSTER" || name == "UPSTREAM_CLUSTER_RAW" || name == "ROUTE_NAME" ||
    name == "REQUESTED_SERVER_NAME" || name == "DOWNSTREAM_TLS_VERSION" ||
    name == "UPSTREAM_TRANSPORT_FAILURE_REASON" || name == "CONNECTION_TERMINATION_DETAILS") return (K_STRING_ATTR << 8) | ONLY;
  if (addressPath(name) !== null) return (K_ADDRESS << 8) | ONLY;
  return -1;
}

/** The attribute an address command reads, or null. */
function addressPath(name: string): Array<string> | null {
  let base = name;
  if (base.endsWith("_WITHOUT_PORT")) base = base.substring(0, base.length - 13);
  else if (base.endsWith("_PORT")) base = base.substring(0, base.length - 5) + "_ADDRESS";
  if (base == "DOWNSTREAM_REMOTE_ADDRESS" || base == "DOWNSTREAM_DIRECT_REMOTE_ADDRESS") return ["source", "address"];
  if (base == "DOWNSTREAM_LOCAL_ADDRESS") return ["destination", "address"];
  if (base == "UPSTREAM_REMOTE_ADDRESS") return ["upstream", "address"];
  if (base == "UPSTREAM_LOCAL_ADDRESS") return ["upstream", "local_address"];
  if (name == "UPSTREAM_HOST") return ["upstream", "address"];
  return null;
}

/** Fills the attribute-backed parts (string attributes, addresses, codes). */
function attribute(name: string, p: Part): void {
  if (p.kind == K_ADDRESS) {
    p.path = addressPath(name);
    p.mode = name.endsWith("_WITHOUT_PORT") ? 1 : name.endsWith("_PORT") ? 2 : 0;
    return;
  }
  if (p.kind == K_RESPONSE_CODE) { p.path = ["response", "code"]; return; }
  if (p.kind == K_RESPONSE_FLAGS) { p.path = ["response", "flags"]; p.mode = name == "RESPONSE_FLAGS_LONG" ? 1 : 0; return; }
  if (p.kind == K_CONNECTION_ID) { p.path = ["connection", "id"]; return; }
  if (name == "PROTOCOL") p.path = ["request", "protocol"];
  else if (name == "UPSTREAM_CLUSTER" || name == "UPSTREAM_CLUSTER_RAW") p.path = ["xds", "cluster_name"];
  else if (name == "ROUTE_NAME") p.path = ["xds", "route_name"];
  else if (name == "REQUESTED_SERVER_NAME") p.path = ["connection", "requested_server_name"];
  else if (name == "DOWNSTREAM_TLS_VERSION") p.path = ["connection", "tls_version"];
  else if (name == "UPSTREAM_TRANSPORT_FAILURE_REASON") p.path = ["upstream", "transport_failure_reason"];
  else if (name == "CONNECTION_TERMINATION_DETAILS") p.path = ["connection", "termination_details"];
}

function exampleArg(name: string): string {
  if (name == "REQ" || name == "RESP") return "x-name";
  if (name == "CAPTURE") return "1";
  if (name == "PROP") return "source.address";
  return "name";
}

/** Envoy commands a proxy-wasm filter cannot render faithfully, and why ("" for names Envoy does not know either). */
function unsupportedReason(name: string): string {
  if (name == "HOSTNAME" || name.startsWith("UPSTREAM_HOST_NAME")) return "a wasm filter cannot read that host name";
  if (name == "TRAILER") return "header values are rendered before trailers exist";
  if (name.startsWith("BYTES_") || name.endsWith("_BYTES") || name.indexOf("_WIRE_") >= 0 || name.endsWith("DURATION")) {
    return "byte counts and durations are not exposed as attributes with Envoy's meaning";
  }
  if (name.endsWith("METADATA") || name.endsWith("FILTER_STATE")) return "use %PROP(path)% for a string leaf of an attribute";
  if (name.startsWith("GRPC_STATUS") || name == "LOCAL_REPLY_BODY" || name == "VIRTUAL_CLUSTER_NAME" || name == "UPSTREAM_PROTOCOL" ||
    name == "ENVIRONMENT" || name == "CEL" || name == "PATH" || name == "REQ_WITHOUT_QUERY" || name.startsWith("DOWNSTREAM_PEER_") ||
    name.startsWith("UPSTREAM_PEER_") || name.startsWith("DOWNSTREAM_LOCAL_")) {
    return "not implemented in the SDK formatter (see sdk/README.md, Value formatter)";
  }
  return "";
}

// ---- matching, as Envoy's regex does ------------------------------------------------------------------

let mNameStart: i32 = 0;
let mNameEnd: i32 = 0;
let mArgStart: i32 = -1;
let mArgEnd: i32 = -1;
let mLenStart: i32 = -1;
let mLenEnd: i32 = -1;
let errorOffset: i32 = -1;

function fail(message: string, at: i32): string {
  errorOffset = at;
  return message;
}

function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

function isCommandChar(c: i32): bool {
  return (c >= 0x41 && c <= 0x5a) || isDigit(c) || c == 0x5f;
}

/** After ")" or the name at `k`: `(:[0-9]+)?%`. Returns the end (after '%') or -1. */
function matchTail(t: string, k: i32): i32 {
  const n = t.length;
  mLenStart = -1;
  mLenEnd = -1;
  if (k < n && t.charCodeAt(k) == 0x25) return k + 1;
  if (k < n && t.charCodeAt(k) == 0x3a) {
    let d = k + 1;
    while (d < n && isDigit(t.charCodeAt(d))) d++;
    if (d > k + 1 && d < n && t.charCodeAt(d) == 0x25) {
      mLenStart = k + 1;
      mLenEnd = d;
      return d + 1;
    }
  }
  return -1;
}

/** Matches a command at `pos` (a '%'); returns its end or -1, the m* globals hold its pieces. */
function matchCommand(t: string, pos: i32): i32 {
  const n = t.length;
  let i = pos + 1;
  mNameStart = i;
  while (i < n && isCommandChar(t.charCodeAt(i))) i++;
  mNameEnd = i;
  mArgStart = -1;
  mArgEnd = -1;
  if (i == mNameStart) return -1;
  if (i < n && t.charCodeAt(i) == 0x28) {
    for (let j = i + 1; j < n; j++) {
      const c = t.charCodeAt(j);
      if (c == 0x0a) break;
      if (c == 0x29) {
        const r = matchTail(t, j + 1);
        if (r >= 0) {
          mArgStart = i + 1;
          mArgEnd = j;
          return r;
        }
      }
    }
    return -1;
  }
  return matchTail(t, i);
}

function charName(c: i32): string {
  if (c == 0x0a) return "a newline";
  if (c == 0x0d) return "a carriage return";
  if (c == 0x09) return "a tab";
  if (c == 0x20) return "a space";
  return "\"" + String.fromCharCode(c) + "\"";
}

/** Why the '%' at `pos` does not start a command Envoy accepts. */
function diagnose(t: string, pos: i32): string {
  const n = t.length;
  let i = pos + 1;
  while (i < n && isCommandChar(t.charCodeAt(i))) i++;
  const name = t.substring(pos + 1, i);
  if (name.length == 0) {
    if (pos + 1 >= n) return fail("lone \"%\" at the end (write \"%%\" for a literal \"%\")", pos);
    const c = t.charCodeAt(pos + 1);
    if (c >= 0x61 && c <= 0x7a) {
      let j = pos + 1;
      while (j < n && (isCommandChar(t.charCodeAt(j)) || (t.charCodeAt(j) >= 0x61 && t.charCodeAt(j) <= 0x7a))) j++;
      return fail("command names are upper case: \"%" + t.substring(pos + 1, j) + "\" (write \"%%\" for a literal \"%\")", pos);
    }
    return fail("\"%\" is not followed by a command name (A-Z, 0-9, _) but by " + charName(c) + " (write \"%%\" for a literal \"%\")", pos);
  }
  if (i >= n) return fail("unterminated command \"%" + name + "\": expected \"%\" after the name", pos);
  const c = t.charCodeAt(i);
  if (c == 0x28) {
    // find why no ')' works
    let close = -1;
    for (let j = i + 1; j < n; j++) {
      const d = t.charCodeAt(j);
      if (d == 0x0a) return fail("a newline cannot appear inside the argument of %" + name + "(...)%", j);
      if (d == 0x29) { close = j; break; }
    }
    if (close < 0) return fail("unterminated argument of %" + name + "(: no closing \")\"", i);
    const k = close + 1;
    if (k >= n) return fail("unterminated command %" + name + "(...): expected \"%\" after \")\"", pos);
    if (t.charCodeAt(k) == 0x3a) return badLength(t, k, name);
    return fail("expected \"%\" or \":LENGTH%\" after %" + name + "(" + t.substring(i + 1, close) + "), found " + charName(t.charCodeAt(k)), k);
  }
  if (c == 0x3a) return badLength(t, i, name);
  if (c >= 0x61 && c <= 0x7a) return fail("command names are upper case: \"%" + name + String.fromCharCode(c) + "...\"", pos);
  return fail("expected \"(\", \":LENGTH\" or \"%\" after %" + name + ", found " + charName(c), i);
}

function badLength(t: string, colon: i32, name: string): string {
  const n = t.length;
  let d = colon + 1;
  while (d < n && isDigit(t.charCodeAt(d))) d++;
  if (d == colon + 1) return fail("bad truncation after %" + name + ": \":\" must be followed by decimal digits and \"%\"", colon);
  if (d >= n) return fail("unterminated command %" + name + ":" + t.substring(colon + 1, d) + ": expected \"%\" after the length", colon);
  return fail("bad truncation after %" + name + ": expected \"%\" after the length, found " + charName(t.charCodeAt(d)), d);
}

/** The value of digits [s, e) (leading zeros allowed); -2 past 2^64-1 (Envoy refuses those). */
function lengthValue(t: string, s: i32, e: i32): i64 {
  let v: u64 = 0;
  for (let i = s; i < e; i++) {
    const d = <u64>(t.charCodeAt(i) - 0x30);
    if (v > (0xffffffffffffffff - d) / 10) return -2;
    v = v * 10 + d;
  }
  return v > <u64>i64.MAX_VALUE ? i64.MAX_VALUE : <i64>v;
}

/** Envoy's header name check: empty, or an optional ':' then token characters (at least one). */
function validHeaderName(s: string): bool {
  const n = s.length;
  if (n == 0) return true;
  let i = s.charCodeAt(0) == 0x3a ? 1 : 0;
  if (i == n) return false;
  for (; i < n; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

function lower(s: string): string {
  let upper = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) { upper = true; break; }
  }
  if (!upper) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 32 : c);
  }
  return out;
}

/** "a.b\.c" → ["a", "b.c"]; null when a segment is empty. */
function splitPath(arg: string): Array<string> | null {
  const out = new Array<string>();
  let seg = "";
  for (let i = 0; i < arg.length; i++) {
    const c = arg.charCodeAt(i);
    if (c == 0x5c && i + 1 < arg.length && (arg.charCodeAt(i + 1) == 0x2e || arg.charCodeAt(i + 1) == 0x5c)) {
      seg += String.fromCharCode(arg.charCodeAt(i + 1));
      i++;
    } else if (c == 0x2e) {
      if (seg.length == 0) return null;
      out.push(seg);
      seg = "";
    } else {
      seg += String.fromCharCode(c);
    }
  }
  if (seg.length == 0) return null;
  out.push(seg);
  return out;
}

// ---- attribute types for %PROP% ----------------------------------------------------------------------

const T_TEXT = 0;
const T_INT = 1;
const T_UINT = 2;
const T_BOOL = 3;
const T_TIMESTAMP = 4;
const T_DURATION = 5;

/** How %PROP% renders the Envoy attribute at `path` (Envoy's attribute types; text for anything else). */
function propType(path: Array<string>): i32 {
  const d = path.join(".");
  if (d == "source.port" || d == "destination.port" || d == "upstream.port" || d == "response.code" ||
    d == "response.flags" || d == "response.grpc_status" || d == "request.size" || d == "request.total_size" ||
    d == "request.headers_bytes" || d == "response.size" || d == "response.total_size" ||
    d == "response.headers_bytes" || d == "response.trailers_bytes" || d == "xds.listener_direction") return T_INT;
  if (d == "connection.id" || d == "connection_id" || d == "upstream.request_attempt_count" || d == "upstream.num_endpoints") return T_UINT;
  if (d == "connection.mtls") return T_BOOL;
  if (d == "request.time") return T_TIMESTAMP;
  if (d == "request.duration" || d == "response.backend_latency" || d == "upstream.cx_pool_ready_duration") return T_DURATION;
  return T_TEXT;
}

// ---- rendering ----------------------------------------------------------------------------------------

/** Envoy's name of core response flag `bit` (CORE_RESPONSE_FLAGS order), or "" past the last one. */
function flagName(bit: i32, long: bool): string {
  // inside the function: a top-level table would be emitted into every filter importing the SDK
  const short: StaticArray<string> = [
    "LH", "UH", "UT", "LR", "UR", "UF", "UC", "UO", "NR", "DI", "FI", "RL", "UAEX", "RLSE", "DC", "URX",
    "SI", "IH", "DPE", "UMSDR", "RFCF", "NFCF", "DT", "UPE", "NC", "OM", "DF", "DO", "DR", "UDO",
  ];
  const names: StaticArray<string> = [
    "FailedLocalHealthCheck", "NoHealthyUpstream", "UpstreamRequestTimeout", "LocalReset",
    "UpstreamRemoteReset", "UpstreamConnectionFailure", "UpstreamConnectionTermination",
    "UpstreamOverflow", "NoRouteFound", "DelayInjected", "FaultInjected", "RateLimited",
    "UnauthorizedExternalService", "RateLimitServiceError", "DownstreamConnectionTermination",
    "UpstreamRetryLimitExceeded", "StreamIdleTimeout", "InvalidEnvoyRequestHeaders",
    "DownstreamProtocolError", "UpstreamMaxStreamDurationReached", "ResponseFromCacheFilter",
    "NoFilterConfigFound", "DurationTimeout", "UpstreamProtocolError", "NoClusterFound",
    "OverloadManagerTerminated", "DnsResolutionFailed", "DropOverload", "DownstreamRemoteReset",
    "UnconditionalDropOverload",
  ];
  if (bit < 0 || bit >= short.length) return "";
  return long ? names[bit] : short[bit];
}

function eightBytes(v: ArrayBuffer | null): bool {
  return v !== null && v.byteLength == 8;
}

/** Writes `v` as UTF-8 text; false when absent. */
function writeText(v: ArrayBuffer | null): bool {
  if (v === null) return false;
  bufUtf8(changetype<usize>(v), <usize>v.byteLength);
  return true;
}

/** Rewrites the address written after `mark` to its host (mode 1) or its port (mode 2). */
function addressPart(mark: i32, mode: i32): void {
  const end = bufLength();
  let hostStart = mark;
  let hostEnd = end;
  let portStart = -1;
  if (end > mark && bufAt(mark) == 0x5b) {
    // [v6]:port
    let close = -1;
    for (let i = mark + 1; i < end; i++) if (bufAt(i) == 0x5d) { close = i; break; }
    if (close > 0) {
      hostStart = mark + 1;
      hostEnd = close;
      if (close + 1 < end && bufAt(close + 1) == 0x3a) portStart = close + 2;
    }
  } else {
    let colon = -1;
    for (let i = end - 1; i >= mark; i--) if (bufAt(i) == 0x3a) { colon = i; break; }
    if (colon >= 0) {
      let digits = colon + 1 < end;
      for (let i = colon + 1; i < end; i++) if (!isDigit(bufAt(i))) digits = false;
      if (digits) {
        hostEnd = colon;
        portStart = colon + 1;
      }
    }
  }
  if (mode == 1) {
    for (let i = hostStart; i < hostEnd; i++) bufSet(mark + i - hostStart, bufAt(i));
    bufTruncate(mark + hostEnd - hostStart);
  } else {
    if (portStart < 0) {
      bufTruncate(mark);
      return;
    }
    for (let i = portStart; i < end; i++) bufSet(mark + i - portStart, bufAt(i));
    bufTruncate(mark + end - portStart);
  }
}

function replaceWhitespace(mark: i32): void {
  const end = bufLength();
  for (let i = mark; i < end; i++) {
    const c = bufAt(i);
    if (c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d || c == 0x0b || c == 0x0c) bufSet(i, 0x5f);
  }
}

function renderPart(p: Part, ctx: FormatContext): void {
  const mark = bufLength();
  switch (p.kind) {
    case K_LITERAL:
      bufString(p.text);
      return;
    case K_STREAM_ID: {
      const v = ctx.requestHeader(p.text);
      if (v !== null) bufString(v);
      return;
    }
    case K_REQ:
    case K_RESP: {
      let v: string | null = null;
      const isReq = p.kind == K_REQ;
      if (p.text.length > 0) v = isReq ? ctx.requestHeader(p.text) : ctx.responseHeader(p.text);
      if (v === null && p.alt.length > 0) v = isReq ? ctx.requestHeader(p.alt) : ctx.responseHeader(p.alt);
      if (v !== null) bufString(v);
      break;
    }
    case K_QUERY: {
      const v = ctx.queryParam(p.text);
      if (v !== null) bufString(v);
      break;
    }
    case K_COOKIE: {
      const v = ctx.cookie(p.text);
      if (v !== null) bufString(v);
      break;
    }
    case K_CAPTURE_INDEX: {
      const v = ctx.capture(p.mode);
      if (v !== null) bufString(v);
      break;
    }
    case K_CAPTURE_NAME: {
      const v = ctx.namedCapture(p.text);
      if (v !== null) bufString(v);
      break;
    }
    case K_START_TIME: {
      const v = ctx.property(changetype<Array<string>>(p.path));
      if (eightBytes(v)) changetype<TimeFormat>(p.time).render(load<i64>(changetype<usize>(v)));
      return;
    }
    case K_STRING_ATTR:
      writeText(ctx.property(changetype<Array<string>>(p.path)));
      return;
    case K_ADDRESS:
      if (writeText(ctx.property(changetype<Array<string>>(p.path))) && p.mode != 0) addressPart(mark, p.mode);
      return;
    case K_RESPONSE_CODE: {
      const v = ctx.property(changetype<Array<string>>(p.path));
      bufDecimal(eightBytes(v) ? load<i64>(changetype<usize>(v)) : 0);
      return;
    }
    case K_CONNECTION_ID: {
      const v = ctx.property(changetype<Array<string>>(p.path));
      bufUnsigned(eightBytes(v) ? load<u64>(changetype<usize>(v)) : 0);
      return;
    }
    case K_RESPONSE_CODE_DETAILS:
      if (writeText(ctx.property(changetype<Array<string>>(p.path))) && p.mode == 0) replaceWhitespace(mark);
      return;
    case K_RESPONSE_FLAGS: {
      const v = ctx.property(changetype<Array<string>>(p.path));
      const bits: u64 = eightBytes(v) ? load<u64>(changetype<usize>(v)) : 0;
      let any = false;
      for (let i = 0; i < 64; i++) {
        if ((bits & (<u64>1 << <u64>i)) == 0) continue;
        const name = flagName(i, p.mode == 1);
        if (name.length == 0) continue;
        if (any) bufChar(0x2c);
        bufString(name);
        any = true;
      }
      if (!any) bufChar(0x2d);
      return;
    }
    case K_PROP: {
      const v = ctx.property(changetype<Array<string>>(p.path));
      if (v !== null) renderTyped(v, p);
      break;
    }
  }
  if (p.max >= 0) bufLimitUtf8(mark, p.max);
}

/** Timestamps render as Envoy's default START_TIME format (UTC, milliseconds). */
function renderTyped(v: ArrayBuffer, part: Part): void {
  const p = changetype<usize>(v);
  const n = v.byteLength;
  const type = part.mode;
  if (type == T_INT && n == 8) bufDecimal(load<i64>(p));
  else if (type == T_UINT && n == 8) bufUnsigned(load<u64>(p));
  else if (type == T_BOOL && n == 1) bufString(load<u8>(p) != 0 ? "true" : "false");
  else if (type == T_TIMESTAMP && n == 8) changetype<TimeFormat>(part.time).render(load<i64>(p));
  else if (type == T_DURATION && n == 8) bufDecimal(load<i64>(p) / 1_000_000);
  else bufUtf8(p, <usize>n);
}
