// Small total text helpers the methods share: hex, ASCII checks, and the redacted form of a
// secret that may appear in a log line (a short salted hash prefix, never the secret).
import { sha256 } from "@filterkit/sdk/assembly/crypto/sha256";

function hexDigit(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** Bytes of an even-length hex string, or null. */
export function fromHex(s: string): Uint8Array | null {
  if (s.length & 1) return null;
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const h = hexDigit(s.charCodeAt(2 * i));
    const l = hexDigit(s.charCodeAt(2 * i + 1));
    if (h < 0 || l < 0) return null;
    unchecked(out[i] = <u8>(h * 16 + l));
  }
  return out;
}

const HEX = "0123456789abcdef";

export function toHex(b: Uint8Array): string {
  let out = "";
  for (let i = 0; i < b.length; i++) {
    const v = <i32>unchecked(b[i]);
    out += HEX.charAt(v >> 4) + HEX.charAt(v & 15);
  }
  return out;
}

/** Whether every character is visible ASCII (0x21–0x7E): what API keys and tokens are made of. */
export function isVisibleAscii(s: string): bool {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** What a log line may say about a secret: 8 hex digits of SHA-256(salt || secret). */
export function redacted(secret: string, salt: Uint8Array): string {
  const k = String.UTF8.encode(secret);
  const buf = new Uint8Array(salt.length + k.byteLength);
  buf.set(salt, 0);
  buf.set(Uint8Array.wrap(k), salt.length);
  return toHex(sha256(buf).subarray(0, 4));
}
