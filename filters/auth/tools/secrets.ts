// The stored forms of the auth filter's secrets, made with Node's crypto: API key hashes
// (SHA-256 of salt and key, hex), `{SHA}` htpasswd entries (base64 of SHA-1) and passlib-style
// `$pbkdf2-sha256$rounds$salt$hash` (adapted base64: "." for "+", no padding). The filter reads
// exactly these (filters/auth/assembly/api-key.ts, basic.ts); its tests make their fixtures here.
import { createHash, pbkdf2Sync, randomBytes } from "node:crypto";

/** SHA-256(salt || key) in hex: the `sha256` of an API key entry. */
export function apiKeyHash(salt: string, key: string): string {
  return createHash("sha256").update(Buffer.concat([Buffer.from(salt, "utf8"), Buffer.from(key, "utf8")])).digest("hex");
}

/** `{SHA}` + base64(SHA-1(password)): Apache's and Envoy basic_auth's form. */
export function shaEntry(password: string): string {
  return `{SHA}${createHash("sha1").update(password, "utf8").digest("base64")}`;
}

function ab64(b: Buffer): string {
  return b.toString("base64").replace(/=+$/, "").replace(/\+/g, ".");
}

/** `$pbkdf2-sha256$<rounds>$<salt>$<hash>` with a 32-byte derived key (passlib's format). */
export function pbkdf2Entry(password: string, rounds = 29000, salt: Buffer = randomBytes(16)): string {
  const dk = pbkdf2Sync(Buffer.from(password, "utf8"), salt, rounds, 32, "sha256");
  return `$pbkdf2-sha256$${rounds}$${ab64(salt)}$${ab64(dk)}`;
}

/** Whether a key may be configured: the filter looks only at visible ASCII keys of at most 1024 bytes. */
export function usableKey(key: string): boolean {
  return key.length > 0 && key.length <= 1024 && /^[\x21-\x7e]+$/.test(key);
}
