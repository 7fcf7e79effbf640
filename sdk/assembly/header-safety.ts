// What the SDK lets a filter write into a header map. Envoy writes filter-set headers toward the
// client unvalidated: a value carrying "\r\n" splits the response (a second, forged header reaches
// the client), and toward the upstream its router answers 503 instead of forwarding. So every header
// write made through the SDK (add, replace, set_headers, local-reply headers) refuses names and
// values holding CR, LF or NUL by default, for every filter: the write returns BadArgument, nothing
// reaches the host, and refused_header_writes() counts it. A filter that really must write such
// bytes says so per call (the *_unchecked methods) or for the whole VM (set_header_write_policy).

/** What header writes do with CR, LF or NUL in a name or value. */
export enum HeaderWritePolicy {
  /** refuse the write (the default) */
  Refuse = 0,
  /** write the bytes as given: the filter takes responsibility for what the peer receives */
  Allow = 1,
}

let policy = HeaderWritePolicy.Refuse;
let refused: u32 = 0;

/** Sets the policy for every header write of this VM (default Refuse). */
export function set_header_write_policy(p: HeaderWritePolicy): void {
  policy = p;
}

export function header_write_policy(): HeaderWritePolicy {
  return policy;
}

/** Header writes refused since the VM started (CR, LF or NUL in a name or value). */
export function refused_header_writes(): u32 {
  return refused;
}

/** Counts one refusal (used by the header and local-reply modules). */
export function countRefusedHeaderWrite(): void {
  refused++;
}

/** Whether the `n` bytes at `p` hold CR (0x0d), LF (0x0a) or NUL (0x00). */
export function hasForbiddenHeaderBytes(p: usize, n: usize): bool {
  for (let i: usize = 0; i < n; i++) {
    const b = load<u8>(p + i);
    if (b == 0x0d || b == 0x0a || b == 0x00) return true;
  }
  return false;
}

/** Whether a write of these bytes must be refused under the current policy. */
export function refusesHeaderBytes(p: usize, n: usize): bool {
  return policy == HeaderWritePolicy.Refuse && hasForbiddenHeaderBytes(p, n);
}

/** Whether `s` may be a header value the SDK writes by default (no CR, LF or NUL). */
export function isSafeHeaderValue(s: string): bool {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x0d || c == 0x0a || c == 0x00) return false;
  }
  return true;
}

/** RFC 9110 tchar as a 128-bit set: bit c of (c < 64 ? lo : hi) says whether ASCII c is one. */
const TOKEN_LO: u64 = 0x03FF6CFA00000000;
const TOKEN_HI: u64 = 0x57FFFFFFC7FFFFFE;

/** RFC 9110 tchar: ALPHA / DIGIT / "!#$%&'*+-.^_`|~". */
export function isTokenChar(c: i32): bool {
  return c >= 0 && c < 128 && (((c < 64 ? TOKEN_LO : TOKEN_HI) >> (<u64>c & 63)) & 1) != 0;
}

/** Whether `s` is an HTTP field name (RFC 9110 token characters, at least one). */
export function isHeaderName(s: string): bool {
  if (s.length == 0) return false;
  for (let i = 0; i < s.length; i++) {
    if (!isTokenChar(s.charCodeAt(i))) return false;
  }
  return true;
}

/** ASCII lower-casing (header names are ASCII; String#toLowerCase would pull in Unicode tables). */
export function asciiLower(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 32 : c);
  }
  return out;
}
