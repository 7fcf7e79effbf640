// A small JSON parser (RFC 8259) that cannot trap on any input.
//
// * Works on UTF-8 bytes; every read is bounds-checked; offsets in errors are byte offsets.
// * Nesting is limited to JSON_MAX_DEPTH (64) levels, so recursion stays shallow.
// * Strings must be valid UTF-8 (overlong forms, surrogates and code points > U+10FFFF are
//   rejected); escapes are validated, including surrogate pairs (a lone surrogate is an error).
// * Numbers follow the JSON grammar; values are f64. Numbers that overflow f64 are an error.
//   Conversion is exact for integers up to 2^53 and for ordinary decimals; see decimalToF64 for
//   the (1 ulp) limits on long or extreme numbers.
// * Objects keep their keys in document order; duplicate keys are kept, lookups return the last.
// * A UTF-8 byte order mark at the very start is skipped.

import { encode1, scratchBase } from "./abi/memory";
import { decimal } from "./decimal";
import { decodeUtf8Lossy, utf8Sequence } from "./utf8";

export const JSON_MAX_DEPTH: i32 = 64;

export enum JsonKind {
  Null = 0,
  Bool = 1,
  Number = 2,
  String = 3,
  Array = 4,
  Object = 5,
}

/** Name of a JSON kind as used in error messages ("null", "boolean", "number", ...). */
export function jsonKindName(kind: JsonKind): string {
  switch (kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return "boolean";
    case JsonKind.Number: return "number";
    case JsonKind.String: return "string";
    case JsonKind.Array: return "array";
    default: return "object";
  }
}

/** Base class of every parsed value. Check `kind` (or the is* helpers) before downcasting. */
export class JsonValue {
  kind: JsonKind;

  constructor(kind: JsonKind) {
    this.kind = kind;
  }

  isNull(): bool { return this.kind == JsonKind.Null; }
  isBool(): bool { return this.kind == JsonKind.Bool; }
  isNumber(): bool { return this.kind == JsonKind.Number; }
  isString(): bool { return this.kind == JsonKind.String; }
  isArray(): bool { return this.kind == JsonKind.Array; }
  isObject(): bool { return this.kind == JsonKind.Object; }
  kindName(): string { return jsonKindName(this.kind); }

  /** Serializes the value as compact JSON. */
  toJson(): string {
    const parts = new Array<string>();
    writeJson(this, parts, 0);
    return parts.join("");
  }

  toString(): string { return this.toJson(); }
}

export class JsonNull extends JsonValue {
  constructor() { super(JsonKind.Null); }
}

export class JsonBool extends JsonValue {
  value: bool;
  constructor(value: bool) { super(JsonKind.Bool); this.value = value; }
}

/** 2^53: integers up to this magnitude are exact in f64. */
const MAX_SAFE: f64 = 9007199254740992.0;

export class JsonNumber extends JsonValue {
  value: f64;
  constructor(value: f64) { super(JsonKind.Number); this.value = value; }
  /** Whether the value is an integer that f64 represents exactly (|v| <= 2^53). */
  isInteger(): bool {
    const v = this.value;
    return isFinite<f64>(v) && Math.floor(v) == v && Math.abs(v) <= MAX_SAFE;
  }
  /** The value as i64 (truncated; 0 when not finite). */
  toI64(): i64 {
    return isFinite<f64>(this.value) && Math.abs(this.value) <= MAX_SAFE ? <i64>this.value : 0;
  }
}

export class JsonString extends JsonValue {
  value: string;
  constructor(value: string) { super(JsonKind.String); this.value = value; }
}

export class JsonArray extends JsonValue {
  items: Array<JsonValue>;
  constructor(items: Array<JsonValue> = new Array<JsonValue>()) { super(JsonKind.Array); this.items = items; }
  get length(): i32 { return this.items.length; }
  /** Element `i`, or null when out of range. */
  at(i: i32): JsonValue | null {
    return i >= 0 && i < this.items.length ? unchecked(this.items[i]) : null;
  }
}

export class JsonObject extends JsonValue {
  keys: Array<string>;
  values: Array<JsonValue>;
  constructor() {
    super(JsonKind.Object);
    this.keys = new Array<string>();
    this.values = new Array<JsonValue>();
  }
  /** Value of `key` (the last one if repeated), or null. */
  get(key: string): JsonValue | null {
    for (let i = this.keys.length - 1; i >= 0; i--) {
      if (unchecked(this.keys[i]) == key) return unchecked(this.values[i]);
    }
    return null;
  }
  has(key: string): bool { return this.get(key) !== null; }
  set(key: string, value: JsonValue): void {
    this.keys.push(key);
    this.values.push(value);
  }
  get size(): i32 { return this.keys.length; }
}

/** Outcome of parseJson: `value` on success, otherwise `error` and the byte `offset`. */
export class JsonParseResult {
  value: JsonValue | null = null;
  error: string = "";
  offset: i32 = -1;
  get ok(): bool { return this.value !== null; }
  /** "<error> at byte <offset>" or "" on success. */
  describe(): string {
    return this.ok ? "" : this.error + " at byte " + decimal(this.offset);
  }
}

// ---- parser ----------------------------------------------------------------------------------

let strBuf: usize = 0;
let strCap: usize = 0;

function strReserve(n: usize): void {
  if (n <= strCap) return;
  let cap = strCap < 64 ? <usize>64 : strCap;
  while (cap < n) cap <<= 1;
  strBuf = strBuf == 0 ? heap.alloc(cap) : heap.realloc(strBuf, cap);
  strCap = cap;
}

function hexVal(c: u32): i32 {
  if (c >= 48 && c <= 57) return <i32>(c - 48);
  if (c >= 97 && c <= 102) return <i32>(c - 87);
  if (c >= 65 && c <= 70) return <i32>(c - 55);
  return -1;
}

// ---- number conversion -------------------------------------------------------------------------
//
// Decimal -> f64 without the standard library's strtod (which costs ~2 KB of code).
// * Integers up to 2^53 and decimals with at most 15-16 significant digits and a decimal exponent
//   within ±22 (after moving the point: 1.5, 0.001, 2.5e10, 123.456) take the exact path: one
//   correctly rounded multiplication or division by an exact power of ten (Clinger's fast path).
// * Everything else is computed in double-double arithmetic (~100 bits) as m * 5^e * 2^e and then
//   rounded once (also in the subnormal range), which gives the correctly rounded result except
//   for inputs within ~2^-95 of a rounding tie. Limit: only the first 19 significant digits are
//   kept exactly (any further non-zero digits count as half a unit of the 19th), so a number with
//   more than 19 significant digits that lies very close to a tie can come out 1 ulp off.
//   Ordinary configuration numbers are never affected.
// * Overflow gives +Infinity (the parser reports "number out of range"); underflow gives 0.

// @ts-ignore: decorator
@inline const SPLITTER: f64 = 134217729.0; // 2^27 + 1

/** The rounding error of the product `p = a * b` (Dekker), so that a * b == p + error exactly. */
function productError(a: f64, b: f64, p: f64): f64 {
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/**
 * Converts the digits of a JSON number that the parser validated (`[0-9]+(.[0-9]+)?([eE][+-]?[0-9]+)?`,
 * without the sign) at [p, end) to its non-negative f64 value.
 */
function decimalToF64(p: usize, end: usize): f64 {
  let m: u64 = 0;      // the first 19 significant digits
  let digits = 0;
  let exp: i32 = 0;    // value = m * 10^exp
  let fraction = false;
  let dropped = false; // a non-zero digit after the first 19
  for (; p < end; p++) {
    const c = <u32>load<u8>(p);
    if (c == 0x2E) { fraction = true; continue; }
    if ((c | 0x20) == 0x65) break; // e / E
    const d = c - 0x30;
    if (digits < 19) {
      if (m == 0 && d == 0) { if (fraction) exp--; continue; } // leading zeros
      m = m * 10 + <u64>d;
      digits++;
      if (fraction) exp--;
    } else {
      if (!fraction) exp++; // a dropped integer digit
      if (d != 0) dropped = true;
    }
  }
  if (p < end) {
    p++; // e
    const sign = <u32>load<u8>(p);
    const negative = sign == 0x2D;
    if (negative || sign == 0x2B) p++;
    let e: i32 = 0;
    for (; p < end; p++) if (e < 100000) e = e * 10 + <i32>(<u32>load<u8>(p) - 0x30);
    exp += negative ? -e : e;
  }
  if (m == 0 || exp < -360) return 0; // m < 10^19, so m * 10^-360 < 2^-1075
  if (exp > 310) return Infinity;
  let x = <f64>m;
  if (m <= (<u64>1 << 53)) {
    // Exact path: m and 10^k (k <= 22) are exact f64 values, so one rounding happens.
    let k = exp < 0 ? -exp : exp;
    if (k <= 22 + 15) {
      if (exp > 22) {
        // m * 10^(exp-22) may still be an exact integer below 2^53 (e.g. 1e30 = 10^8 * 10^22).
        for (; k > 22; k--) x *= 10;
        if (x > 9007199254740992.0) k = 99; // not exact: slow path
      }
      if (k <= 22) {
        let pow: f64 = 1;
        for (let i = 0; i < k; i++) pow *= 10;
        return exp < 0 ? x / pow : x * pow;
      }
      x = <f64>m;
    }
  }
  // Double-double path: 5^|exp| as (ph, pl), m as (x, xl); 5^360 < 2^836 keeps every product finite.
  const k = exp < 0 ? -exp : exp;
  let ph: f64 = 1;
  let pl: f64 = 0;
  for (let i = 0; i < k; i++) {
    const h = ph * 5;
    const l = productError(ph, 5, h) + pl * 5;
    ph = h + l;
    pl = l - (ph - h);
  }
  // m = x + xl exactly; dropped digits count as half a unit of the 19th digit
  const xl = <f64>(<i64>(m - <u64>x)) + (dropped ? 0.5 : 0);
  let rh: f64; // (rh + rl) * 2^exp is the value
  let rl: f64;
  if (exp >= 0) {
    rh = x * ph;
    rl = productError(x, ph, rh) + x * pl + xl * ph;
  } else {
    rh = x / ph;
    const qp = rh * ph;
    rl = (((x - qp) - productError(rh, ph, qp)) + xl - rh * pl) / ph;
  }
  // |exp| <= 360, so 2^exp and 2^(exp + 1074) are normal f64 values
  if (exp < 0 && rh < reinterpret<f64>(<u64>(1 - exp) << 52)) { // rh * 2^exp < 2^-1022
    // Subnormal result: round (rh + rl) * 2^(exp + 1074) to an integer number of 2^-1074 units in
    // one step (rounding to 53 bits first and scaling after would round twice).
    const w = reinterpret<f64>(<u64>(1023 + 1074 + exp) << 52);
    const h = rh * w;
    const l = rl * w;
    let n = (h + 4503599627370496.0) - 4503599627370496.0; // h < 2^52: nearest integer, ties even
    const d = (h - n) + l;
    const odd = n != Math.floor(n * 0.5) * 2;
    if (d > 0.5 || (d == 0.5 && odd)) n += 1;
    else if (d < -0.5 || (d == -0.5 && odd)) n -= 1;
    return n * reinterpret<f64>(1);
  }
  // overflow gives Infinity
  return (rh + rl) * reinterpret<f64>(<u64>(1023 + exp) << 52);
}

class Parser {
  ptr: usize;
  len: usize;
  pos: usize = 0;
  error: string = "";
  errorPos: usize = 0;
  failed: bool = false;

  constructor(ptr: usize, len: usize) {
    this.ptr = ptr;
    this.len = len;
  }

  fail(message: string, at: usize): JsonValue | null {
    if (!this.failed) {
      this.failed = true;
      this.error = message;
      this.errorPos = at;
    }
    return null;
  }

  @inline peek(): u32 {
    return this.pos < this.len ? <u32>load<u8>(this.ptr + this.pos) : 0xFFFFFFFF;
  }

  skipWs(): void {
    while (this.pos < this.len) {
      const c = load<u8>(this.ptr + this.pos);
      if (c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D) this.pos++;
      else break;
    }
  }

  literal(word: string, value: JsonValue): JsonValue | null {
    const n = <usize>word.length;
    if (this.len - this.pos < n) return this.fail("invalid literal", this.pos);
    for (let i: usize = 0; i < n; i++) {
      if (<u32>load<u8>(this.ptr + this.pos + i) != <u32>word.charCodeAt(<i32>i)) {
        return this.fail("invalid literal", this.pos);
      }
    }
    this.pos += n;
    return value;
  }

  value(depth: i32): JsonValue | null {
    this.skipWs();
    const c = this.peek();
    if (c == 0xFFFFFFFF) return this.fail("unexpected end of input", this.pos);
    if (c == 0x7B) return this.object(depth + 1);
    if (c == 0x5B) return this.array(depth + 1);
    if (c == 0x22) {
      const s = this.string();
      return s !== null ? new JsonString(s) : null;
    }
    if (c == 0x74) return this.literal("true", new JsonBool(true));
    if (c == 0x66) return this.literal("false", new JsonBool(false));
    if (c == 0x6E) return this.literal("null", new JsonNull());
    if (c == 0x2D || (c >= 0x30 && c <= 0x39)) return this.number();
    return this.fail("unexpected character", this.pos);
  }

  object(depth: i32): JsonValue | null {
    if (depth > JSON_MAX_DEPTH) return this.fail("nesting deeper than " + decimal(JSON_MAX_DEPTH) + " levels", this.pos);
    this.pos++; // {
    const obj = new JsonObject();
    this.skipWs();
    if (this.peek() == 0x7D) { this.pos++; return obj; }
    while (true) {
      this.skipWs();
      if (this.peek() != 0x22) return this.fail(this.pos < this.len ? "expected a string key" : "unexpected end of input", this.pos);
      const key = this.string();
      if (key === null) return null;
      this.skipWs();
      if (this.peek() != 0x3A) return this.fail(this.pos < this.len ? "expected ':' after key" : "unexpected end of input", this.pos);
      this.pos++;
      const v = this.value(depth);
      if (v === null) return null;
      obj.set(key, v);
      this.skipWs();
      const c = this.peek();
      if (c == 0x2C) { this.pos++; continue; }
      if (c == 0x7D) { this.pos++; return obj; }
      return this.fail(c == 0xFFFFFFFF ? "unexpected end of input" : "expected ',' or '}'", this.pos);
    }
  }

  array(depth: i32): JsonValue | null {
    if (depth > JSON_MAX_DEPTH) return this.fail("nesting deeper than " + decimal(JSON_MAX_DEPTH) + " levels", this.pos);
    this.pos++; // [
    const arr = new JsonArray();
    this.skipWs();
    if (this.peek() == 0x5D) { this.pos++; return arr; }
    while (true) {
      const v = this.value(depth);
      if (v === null) return null;
      arr.items.push(v);
      this.skipWs();
      const c = this.peek();
      if (c == 0x2C) { this.pos++; continue; }
      if (c == 0x5D) { this.pos++; return arr; }
      return this.fail(c == 0xFFFFFFFF ? "unexpected end of input" : "expected ',' or ']'", this.pos);
    }
  }

  /** Reads 4 hex digits at pos; -1 on error. */
  hex4(): i32 {
    if (this.len - this.pos < 4) return -1;
    let v = 0;
    for (let i: usize = 0; i < 4; i++) {
      const h = hexVal(<u32>load<u8>(this.ptr + this.pos + i));
      if (h < 0) return -1;
      v = (v << 4) | h;
    }
    this.pos += 4;
    return v;
  }

  string(): string | null {
    const start = this.pos;
    this.pos++; // opening quote
    let n: usize = 0;
    while (true) {
      if (this.pos >= this.len) { this.fail("unterminated string", start); return null; }
      const c = <u32>load<u8>(this.ptr + this.pos);
      if (c == 0x22) { this.pos++; break; }
      if (c < 0x20) { this.fail("control character in string", this.pos); return null; }
      strReserve(n + 4);
      if (c == 0x5C) {
        const escAt = this.pos;
        this.pos++;
        if (this.pos >= this.len) { this.fail("unterminated string", start); return null; }
        const e = <u32>load<u8>(this.ptr + this.pos);
        this.pos++;
        let out: i32 = -1;
        if (e == 0x22) out = 0x22;
        else if (e == 0x5C) out = 0x5C;
        else if (e == 0x2F) out = 0x2F;
        else if (e == 0x62) out = 0x08;
        else if (e == 0x66) out = 0x0C;
        else if (e == 0x6E) out = 0x0A;
        else if (e == 0x72) out = 0x0D;
        else if (e == 0x74) out = 0x09;
        else if (e == 0x75) {
          let cp = this.hex4();
          if (cp < 0) { this.fail("invalid \\u escape", escAt); return null; }
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            // needs a low surrogate escape right after
            if (this.len - this.pos < 6 || load<u8>(this.ptr + this.pos) != 0x5C || load<u8>(this.ptr + this.pos + 1) != 0x75) {
              this.fail("unpaired surrogate in \\u escape", escAt); return null;
            }
            this.pos += 2;
            const lo = this.hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) { this.fail("unpaired surrogate in \\u escape", escAt); return null; }
            cp = 0x10000 + (((cp - 0xD800) << 10) | (lo - 0xDC00));
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            this.fail("unpaired surrogate in \\u escape", escAt); return null;
          }
          const p = strBuf + n;
          if (cp < 0x80) { store<u8>(p, <u8>cp); n += 1; }
          else if (cp < 0x800) {
            store<u8>(p, <u8>(0xC0 | (cp >> 6))); store<u8>(p + 1, <u8>(0x80 | (cp & 63))); n += 2;
          } else if (cp < 0x10000) {
            store<u8>(p, <u8>(0xE0 | (cp >> 12))); store<u8>(p + 1, <u8>(0x80 | ((cp >> 6) & 63)));
            store<u8>(p + 2, <u8>(0x80 | (cp & 63))); n += 3;
          } else {
            store<u8>(p, <u8>(0xF0 | (cp >> 18))); store<u8>(p + 1, <u8>(0x80 | ((cp >> 12) & 63)));
            store<u8>(p + 2, <u8>(0x80 | ((cp >> 6) & 63))); store<u8>(p + 3, <u8>(0x80 | (cp & 63))); n += 4;
          }
          continue;
        } else {
          this.fail("invalid escape", escAt); return null;
        }
        store<u8>(strBuf + n, <u8>out);
        n++;
        continue;
      }
      if (c < 0x80) {
        store<u8>(strBuf + n, <u8>c);
        n++;
        this.pos++;
        continue;
      }
      // multi-byte UTF-8: only well-formed sequences
      const k = utf8Sequence(this.ptr + this.pos, this.len - this.pos);
      if (k < 0) { this.fail("invalid UTF-8", this.pos); return null; }
      memory.copy(strBuf + n, this.ptr + this.pos, <usize>k);
      n += <usize>k;
      this.pos += <usize>k;
    }
    // validated above: the SDK's one decoder serves (AssemblyScript's would be a second copy in every filter)
    return decodeUtf8Lossy(strBuf, n);
  }

  digits(): usize {
    const s = this.pos;
    while (this.pos < this.len) {
      const c = load<u8>(this.ptr + this.pos);
      if (c < 0x30 || c > 0x39) break;
      this.pos++;
    }
    return this.pos - s;
  }

  number(): JsonValue | null {
    const start = this.pos;
    let simple = true;
    if (this.peek() == 0x2D) this.pos++;
    const intStart = this.pos;
    const c0 = this.peek();
    if (c0 == 0x30) {
      this.pos++;
    } else if (c0 >= 0x31 && c0 <= 0x39) {
      this.digits();
    } else {
      return this.fail("invalid number", start);
    }
    const intDigits = this.pos - intStart;
    if (this.peek() == 0x2E) {
      simple = false;
      this.pos++;
      if (this.digits() == 0) return this.fail("invalid number", start);
    }
    const e = this.peek();
    if (e == 0x65 || e == 0x45) {
      simple = false;
      this.pos++;
      const sign = this.peek();
      if (sign == 0x2B || sign == 0x2D) this.pos++;
      if (this.digits() == 0) return this.fail("invalid number", start);
    }
    let v: f64;
    if (simple && intDigits <= 15) {
      let acc: i64 = 0;
      for (let i = intStart; i < this.pos; i++) acc = acc * 10 + <i64>(load<u8>(this.ptr + i) - 0x30);
      v = <f64>acc;
    } else {
      v = decimalToF64(this.ptr + intStart, this.ptr + this.pos);
      if (!isFinite<f64>(v)) return this.fail("number out of range", start);
    }
    if (intStart != start) v = -v;
    return new JsonNumber(v);
  }
}

/** Parses UTF-8 JSON at ptr/len (the memory must stay alive during the call). */
export function parseJsonAt(ptr: usize, len: usize): JsonParseResult {
  const p = new Parser(ptr, len);
  // skip a UTF-8 BOM
  if (len >= 3 && load<u8>(ptr) == 0xEF && load<u8>(ptr + 1) == 0xBB && load<u8>(ptr + 2) == 0xBF) p.pos = 3;
  const v = p.value(0);
  const res = new JsonParseResult();
  if (v !== null && !p.failed) {
    p.skipWs();
    if (p.pos != p.len) {
      p.fail("unexpected trailing characters", p.pos);
    } else {
      res.value = v;
      return res;
    }
  }
  res.error = p.failed ? p.error : "invalid JSON";
  res.offset = <i32>p.errorPos;
  return res;
}

/** Parses UTF-8 JSON bytes. */
export function parseJsonBytes(buf: ArrayBuffer): JsonParseResult {
  return parseJsonAt(changetype<usize>(buf), <usize>buf.byteLength);
}

/** Parses a JSON text (offsets in the result refer to its UTF-8 form). */
export function parseJson(text: string): JsonParseResult {
  // Encoded into the shared scratch area (no ArrayBuffer, no String.UTF8.encode in the module);
  // nothing the parser does touches the scratch area.
  const n = encode1(text);
  return parseJsonAt(scratchBase(), n);
}

// ---- serializer ------------------------------------------------------------------------------

const HEX = "0123456789abcdef";

/** Quotes and escapes `s` as a JSON string. */
export function jsonQuote(s: string): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c == 0x22 || c == 0x5C) { plain = false; break; }
  }
  if (plain) return "\"" + s + "\"";
  const parts = new Array<string>();
  parts.push("\"");
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5C) continue;
    if (i > from) parts.push(s.substring(from, i));
    from = i + 1;
    if (c == 0x22) parts.push("\\\"");
    else if (c == 0x5C) parts.push("\\\\");
    else if (c == 0x0A) parts.push("\\n");
    else if (c == 0x0D) parts.push("\\r");
    else if (c == 0x09) parts.push("\\t");
    else if (c == 0x08) parts.push("\\b");
    else if (c == 0x0C) parts.push("\\f");
    else parts.push("\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15));
  }
  if (from < s.length) parts.push(s.substring(from));
  parts.push("\"");
  return parts.join("");
}

/** JSON form of a number (integers without a fraction; -0 kept). */
export function jsonNumber(v: f64): string {
  if (!isFinite<f64>(v)) return "null";
  if (Math.floor(v) == v && Math.abs(v) <= MAX_SAFE) {
    if (v == 0 && 1 / v < 0) return "-0";
    return decimal(<i64>v);
  }
  return v.toString();
}

function writeJson(v: JsonValue, parts: Array<string>, depth: i32): void {
  switch (v.kind) {
    case JsonKind.Null: parts.push("null"); break;
    case JsonKind.Bool: parts.push(changetype<JsonBool>(v).value ? "true" : "false"); break;
    case JsonKind.Number: parts.push(jsonNumber(changetype<JsonNumber>(v).value)); break;
    case JsonKind.String: parts.push(jsonQuote(changetype<JsonString>(v).value)); break;
    case JsonKind.Array: {
      const items = changetype<JsonArray>(v).items;
      parts.push("[");
      for (let i = 0; i < items.length; i++) {
        if (i > 0) parts.push(",");
        writeJson(unchecked(items[i]), parts, depth + 1);
      }
      parts.push("]");
      break;
    }
    default: {
      const o = changetype<JsonObject>(v);
      parts.push("{");
      for (let i = 0; i < o.keys.length; i++) {
        if (i > 0) parts.push(",");
        parts.push(jsonQuote(unchecked(o.keys[i])));
        parts.push(":");
        writeJson(unchecked(o.values[i]), parts, depth + 1);
      }
      parts.push("}");
    }
  }
}
