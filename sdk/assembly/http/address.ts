// Client addresses as a proxy must read them: IPv4 and IPv6 text parsed strictly into 16 bytes
// (IPv4 as ::ffff:a.b.c.d, so one mask routine serves both), masked to a prefix and printed back
// in canonical form (RFC 5952 for IPv6), the port taken off a "host:port" / "[v6]:port"
// source.address, and the client picked from X-Forwarded-For by a number of trusted hops — the
// entry that many from the right, never the client-chosen leftmost one. Total: any text in, null
// for what is not an address, no trap.

/** An address: 16 bytes, and whether it is IPv4 (then bytes 0..11 are ::ffff:). */
export class IpAddress {
  bytes: Uint8Array = new Uint8Array(16);
  v4: bool = false;

  /** The address with every bit after the first `bits` (of 32 or 128) cleared. */
  masked(bits: i32): IpAddress {
    const out = new IpAddress();
    out.v4 = this.v4;
    const total = this.v4 ? 32 : 128;
    const keep = bits < 0 ? 0 : bits > total ? total : bits;
    const start = this.v4 ? 96 : 0; // bit offset of the address inside the 16 bytes
    for (let i = 0; i < 16; i++) {
      const bitStart = i * 8;
      let b = <i32>unchecked(this.bytes[i]);
      if (bitStart >= start) {
        const rel = bitStart - start;
        if (rel >= keep) b = 0;
        else if (rel + 8 > keep) b &= (0xff << (8 - (keep - rel))) & 0xff;
      }
      unchecked(out.bytes[i] = <u8>b);
    }
    return out;
  }

  toString(): string {
    if (this.v4) {
      return unchecked(this.bytes[12]).toString() + "." + unchecked(this.bytes[13]).toString() + "." +
        unchecked(this.bytes[14]).toString() + "." + unchecked(this.bytes[15]).toString();
    }
    // RFC 5952: lower-case hex, no leading zeros, the longest run of two or more zero groups as "::"
    const groups = new Array<i32>(8);
    for (let i = 0; i < 8; i++) unchecked(groups[i] = (<i32>unchecked(this.bytes[2 * i]) << 8) | <i32>unchecked(this.bytes[2 * i + 1]));
    let bestStart = -1;
    let bestLen = 0;
    for (let i = 0; i < 8;) {
      if (unchecked(groups[i]) != 0) { i++; continue; }
      let j = i;
      while (j < 8 && unchecked(groups[j]) == 0) j++;
      if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
      i = j;
    }
    let out = "";
    for (let i = 0; i < 8; i++) {
      if (i == bestStart) {
        out += "::";
        i += bestLen - 1;
        continue;
      }
      if (out.length > 0 && !out.endsWith(":")) out += ":";
      out += unchecked(groups[i]).toString(16);
    }
    return out;
  }
}

function digit(c: i32): i32 { return c >= 0x30 && c <= 0x39 ? c - 0x30 : -1; }
function hex(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** Dotted-quad IPv4 (four decimal parts 0..255, no leading zeros but "0") into bytes 12..15; false if not one. */
function parseV4Into(s: string, start: i32, end: i32, out: Uint8Array): bool {
  let part = 0;
  let i = start;
  while (part < 4) {
    if (i >= end) return false;
    let v = 0;
    let n = 0;
    const first = i;
    while (i < end && digit(s.charCodeAt(i)) >= 0) {
      v = v * 10 + digit(s.charCodeAt(i));
      n++;
      i++;
      if (n > 3) return false;
    }
    if (n == 0 || v > 255 || (n > 1 && s.charCodeAt(first) == 0x30)) return false;
    unchecked(out[12 + part] = <u8>v);
    part++;
    if (part < 4) {
      if (i >= end || s.charCodeAt(i) != 0x2e) return false;
      i++;
    }
  }
  return i == end;
}

/** An IPv4 or IPv6 address (no brackets, no zone, no port), or null. */
export function parseIp(s: string): IpAddress | null {
  const a = new IpAddress();
  const n = s.length;
  if (n == 0 || n > 45) return null;
  if (!s.includes(":")) {
    if (!parseV4Into(s, 0, n, a.bytes)) return null;
    unchecked(a.bytes[10] = 0xff);
    unchecked(a.bytes[11] = 0xff);
    a.v4 = true;
    return a;
  }
  // IPv6: up to 8 groups of 1-4 hex digits, one "::", an optional trailing dotted quad
  const groups = new Array<i32>(0);
  let gap = -1;
  let i = 0;
  if (s.startsWith("::")) {
    gap = 0;
    i = 2;
    if (i == n) return a; // "::"
  } else if (s.charCodeAt(0) == 0x3a) return null;
  while (i < n) {
    // a dotted quad ends the address
    const nextColon = s.indexOf(":", i);
    const segEnd = nextColon < 0 ? n : nextColon;
    if (nextColon < 0 && s.indexOf(".", i) >= 0) {
      const tmp = new Uint8Array(16);
      if (!parseV4Into(s, i, n, tmp)) return null;
      groups.push((<i32>unchecked(tmp[12]) << 8) | <i32>unchecked(tmp[13]));
      groups.push((<i32>unchecked(tmp[14]) << 8) | <i32>unchecked(tmp[15]));
      i = n;
      break;
    }
    const len = segEnd - i;
    if (len < 1 || len > 4) return null;
    let v = 0;
    for (let k = i; k < segEnd; k++) {
      const h = hex(s.charCodeAt(k));
      if (h < 0) return null;
      v = v * 16 + h;
    }
    groups.push(v);
    if (segEnd == n) { i = n; break; }
    // at a ':'
    if (segEnd + 1 < n && s.charCodeAt(segEnd + 1) == 0x3a) {
      if (gap >= 0) return null; // a second "::"
      gap = groups.length;
      i = segEnd + 2;
      if (i == n) break;
    } else {
      i = segEnd + 1;
      if (i == n) return null; // a trailing single ':'
    }
  }
  if (groups.length > 8 || (gap < 0 && groups.length != 8) || (gap >= 0 && groups.length > 7)) return null;
  const zeros = 8 - groups.length;
  let g = 0;
  for (let k = 0; k < 8; k++) {
    let v = 0;
    if (gap >= 0 && k >= gap && k < gap + zeros) v = 0;
    else v = unchecked(groups[g++]);
    unchecked(a.bytes[2 * k] = <u8>(v >> 8));
    unchecked(a.bytes[2 * k + 1] = <u8>(v & 0xff));
  }
  return a;
}

/** The address of a "host:port", "[v6]:port", "[v6]" or bare address (Envoy's source.address), or null. */
export function addressWithoutPort(s: string): IpAddress | null {
  if (s.startsWith("[")) {
    const close = s.indexOf("]");
    if (close < 0) return null;
    const rest = s.substring(close + 1);
    if (rest.length > 0 && !(rest.startsWith(":") && isPort(rest.substring(1)))) return null;
    return parseIp(s.substring(1, close));
  }
  const colon = s.indexOf(":");
  if (colon >= 0 && s.indexOf(":", colon + 1) < 0) {
    if (!isPort(s.substring(colon + 1))) return null;
    return parseIp(s.substring(0, colon));
  }
  return parseIp(s);
}

function isPort(s: string): bool {
  if (s.length == 0 || s.length > 5) return false;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const d = digit(s.charCodeAt(i));
    if (d < 0) return false;
    v = v * 10 + d;
  }
  return v <= 65535;
}

/**
 * The client address from X-Forwarded-For values with `hops` trusted proxies in front (Envoy's
 * xff_num_trusted_hops): each trusted proxy appended the address it received from, so the client
 * is the entry `hops` places from the right. Null when there are fewer entries, or that entry is
 * not an address (the caller then applies its missing-key rule). Several headers count as one
 * comma-separated list, in order.
 */
export function clientFromXff(values: Array<string>, hops: i32): IpAddress | null {
  if (hops < 1) return null;
  const entries = new Array<string>();
  for (let i = 0; i < values.length; i++) {
    const parts = unchecked(values[i]).split(",");
    for (let k = 0; k < parts.length; k++) entries.push(unchecked(parts[k]).trim());
  }
  if (entries.length < hops) return null;
  return addressWithoutPort(unchecked(entries[entries.length - hops]));
}
