// RSA signature verification (sdk/assembly/crypto/rsa.ts: RS256/384/512 and PS256/384/512) and the
// big-integer arithmetic under it (bigint.ts), through the crypto-rsa fixture, on both builds:
// published JWS examples (RFC 7515 A.2, RFC 7520 §4.1 and §4.2), a differential run against Node's
// crypto (OpenSSL) over generated keys of 2048 to 4096 bits (odd sizes included) with valid and
// tampered signatures, forged PKCS#1 v1.5 and PSS blocks made by raw RSA with the private key,
// refused keys, inputs that must not trap, modexp and Montgomery products against BigInt, the bench mode.
import { beforeAll, describe, expect, it } from "vitest";
import {
  constants, createHash, createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync, generatePrime, privateEncrypt, sign, verify,
  type JsonWebKey, type KeyObject,
} from "node:crypto";
import { promisify } from "node:util";
import { createHost, LogLevel } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm, prng, type Build } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = { debug: fixtureWasm("crypto-rsa", "debug"), release: fixtureWasm("crypto-rsa", "release") };

type HashName = "SHA1" | "SHA256" | "SHA384" | "SHA512";
type Scheme = "pkcs1" | "pss";
const HASHES: HashName[] = ["SHA1", "SHA256", "SHA384", "SHA512"];
const NODE_HASH: Record<HashName, string> = { SHA1: "sha1", SHA256: "sha256", SHA384: "sha384", SHA512: "sha512" };
const HLEN: Record<HashName, number> = { SHA1: 20, SHA256: 32, SHA384: 48, SHA512: 64 };
const PADDING: Record<Scheme, number> = { pkcs1: constants.RSA_PKCS1_PADDING, pss: constants.RSA_PKCS1_PSS_PADDING };

type VerifyCase = {
  scheme: Scheme; hash: HashName | number; digest: string; sig: string; salt?: number;
  key?: number; n?: string; e?: string;
};
type KeyCase = { op: "key"; n: string; e: string };
type ModexpCase = { op: "modexp"; b: string; e: string; m: string };
type MontCase = { op: "mont"; a: string; b: string; m: string };
type Case = VerifyCase | KeyCase | ModexpCase | MontCase;
type Config = { keys?: { n: string; e: string }[]; cases: Case[] };

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const b64u = (s: string): Buffer => Buffer.from(s, "base64url");
const hashOf = (h: HashName, data: Uint8Array): Buffer => createHash(NODE_HASH[h]).update(data).digest();
const toBig = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(`0x${hex(b)}`));
function toBytes(x: bigint, len: number): Buffer {
  const h = x.toString(16).padStart(len * 2, "0");
  if (h.length > len * 2) throw new Error(`${x} does not fit in ${len} bytes`);
  return Buffer.from(h, "hex");
}
function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n % m;
  let x = b % m;
  while (e > 0n) {
    if (e & 1n) r = (r * x) % m;
    x = (x * x) % m;
    e >>= 1n;
  }
  return r;
}
function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [((a % m) + m) % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error("not invertible");
  return ((s0 % m) + m) % m;
}
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
function flipBit(b: Uint8Array, bit: number): Buffer {
  const out = Buffer.from(b);
  out[bit >> 3] ^= 1 << (bit & 7);
  return out;
}

/** A host running the fixture; run() sends one configuration and returns the line of each case (without its index). */
function rsaEngine(build: Build): { run: (cfg: Config) => string[]; bench: (b: object) => string } {
  const host = createHost({ wasm: WASM[build], rootId: "crypto_rsa", pluginConfig: { cases: [] } });
  return {
    run(cfg) {
      host.clearLogs();
      expect(host.configure(cfg)).toBe(true);
      expect(host.logsAt(LogLevel.critical)).toEqual([]);
      const lines = host.logsAt(LogLevel.info);
      expect(lines.length).toBe(cfg.cases.length);
      return lines.map((l, i) => {
        expect(l.startsWith(`${i} `)).toBe(true);
        return l.slice(String(i).length + 1);
      });
    },
    bench(b) {
      host.clearLogs();
      expect(host.configure({ bench: b })).toBe(true);
      expect(host.logsAt(LogLevel.critical)).toEqual([]);
      return host.logsAt(LogLevel.info).join("\n");
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Keys. Generated once per file, in parallel on libuv's pool (a 4096-bit key takes about a second).

type Key = {
  bits: number; k: number; n: Buffer; e: Buffer; pub: KeyObject; priv: KeyObject; jwk: JsonWebKey;
  nHex: string; eHex: string;
};

/** [modulus bits, public exponent]: the sizes JWKS serve, odd sizes (2049 and 2057 ≡ 1 mod 8), small and 4-byte e. */
const KEY_SPECS: [number, number][] = [
  [2048, 65537], [2048, 65537], [2048, 65537], [2048, 65537], [2048, 65537], [2048, 65537],
  [2048, 3], [2048, 0xffffffff], [2049, 65537], [2050, 65537], [2052, 65537], [2055, 65537],
  [2057, 65537], [3072, 65537], [3072, 65537], [3072, 3], [4096, 65537], [4096, 65537], [4096, 65537],
  [2051, 17],
];

const generate = promisify(generateKeyPair);
const primeOf = (bits: number): Promise<bigint> =>
  new Promise((resolve, reject) => generatePrime(bits, { bigint: true }, (err, p) => (err ? reject(err) : resolve(p))));

/**
 * OpenSSL makes an odd-sized modulus one bit short (both primes get bits/2 bits), so such keys are
 * put together here from primes of ceil(bits/2) and floor(bits/2) bits, drawn until n has `bits` bits.
 */
async function keyFromPrimes(bits: number, e: number): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  const eb = BigInt(e);
  for (;;) {
    const [p, q] = await Promise.all([primeOf(Math.ceil(bits / 2)), primeOf(Math.floor(bits / 2))]);
    const n = p * q;
    const phi = (p - 1n) * (q - 1n);
    if (n.toString(2).length !== bits || p === q || gcd(eb, phi) !== 1n) continue;
    const d = modInverse(eb, phi);
    const b = (x: bigint): string => Buffer.from(x.toString(16).padStart(Math.ceil(x.toString(16).length / 2) * 2, "0"), "hex").toString("base64url");
    const jwk: JsonWebKey = { kty: "RSA", n: b(n), e: b(eb), d: b(d), p: b(p), q: b(q), dp: b(d % (p - 1n)), dq: b(d % (q - 1n)), qi: b(modInverse(q, p)) };
    const privateKey = createPrivateKey({ key: jwk, format: "jwk" });
    return { publicKey: createPublicKey(privateKey), privateKey };
  }
}

async function makeKey(bits: number, e: number): Promise<Key> {
  const { publicKey, privateKey } = bits % 2 === 1 ? await keyFromPrimes(bits, e) : await generate("rsa", { modulusLength: bits, publicExponent: e });
  const jwk = privateKey.export({ format: "jwk" });
  const n = b64u(jwk.n ?? "");
  const eb = b64u(jwk.e ?? "");
  const got = toBig(n).toString(2).length;
  if (got !== bits) throw new Error(`asked for ${bits} bits, got ${got}`);
  return { bits, k: n.length, n, e: eb, pub: publicKey, priv: privateKey, jwk, nHex: hex(n), eHex: hex(eb) };
}

let keysPromise: Promise<Key[]> | undefined;
const allKeys = (): Promise<Key[]> => (keysPromise ??= Promise.all(KEY_SPECS.map(([b, e]) => makeKey(b, e))));

/** Node's verdict (crypto.verify; an error is false), with PSS salt length `salt` (default: the digest length). */
function nodeVerify(scheme: Scheme, hash: HashName, msg: Uint8Array, key: KeyObject, sig: Uint8Array, salt?: number): boolean {
  try {
    return verify(NODE_HASH[hash], msg, { key, padding: PADDING[scheme], saltLength: salt ?? HLEN[hash] }, sig);
  } catch {
    return false;
  }
}

function nodeSign(scheme: Scheme, hash: HashName, msg: Uint8Array, key: KeyObject, salt?: number): Buffer {
  return sign(NODE_HASH[hash], msg, { key, padding: PADDING[scheme], saltLength: salt ?? HLEN[hash] });
}

/** The raw private-key operation m^d mod n on a k-byte block (< n): signs any encoded message. */
function rawPrivate(key: Key, em: Uint8Array): Buffer {
  return privateEncrypt({ key: key.priv, padding: constants.RSA_NO_PADDING }, em);
}

// ---------------------------------------------------------------------------------------------
// Encodings built here (for forged blocks), written from RFC 8017 §9.1.1 and §9.2.

const DIGEST_INFO: Record<HashName, string> = {
  SHA1: "3021300906052b0e03021a05000414",
  SHA256: "3031300d060960864801650304020105000420",
  SHA384: "3041300d060960864801650304020205000430",
  SHA512: "3051300d060960864801650304020305000440",
};

/** 00 01 FF… 00 T, with T = DigestInfo prefix || digest: the block RSASSA-PKCS1-v1_5 signs. */
function pkcs1Block(k: number, t: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(k - 3 - t.length, 0xff), Buffer.from([0]), t]);
}

function mgf1(hash: HashName, seed: Buffer, len: number): Buffer {
  const parts: Buffer[] = [];
  for (let c = 0; parts.length * HLEN[hash] < len; c++) {
    const ctr = Buffer.alloc(4);
    ctr.writeUInt32BE(c);
    parts.push(hashOf(hash, Buffer.concat([seed, ctr])));
  }
  return Buffer.concat(parts).subarray(0, len);
}

type PssTweak = { trailer?: number; separator?: number; psByte?: number; topBits?: number };

/** EMSA-PSS-ENCODE with emBits = modBits - 1, left-padded to k bytes, with optional defects. */
function pssBlock(key: Key, hash: HashName, mHash: Buffer, salt: Buffer, tweak: PssTweak = {}): Buffer {
  const hLen = HLEN[hash];
  const emBits = key.bits - 1;
  const emLen = Math.ceil(emBits / 8);
  const h = hashOf(hash, Buffer.concat([Buffer.alloc(8), mHash, salt]));
  const db = Buffer.concat([Buffer.alloc(emLen - salt.length - hLen - 2), Buffer.from([tweak.separator ?? 1]), salt]);
  if (tweak.psByte !== undefined) db[0] = tweak.psByte;
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0xff >> (8 * emLen - emBits);
  if (tweak.topBits !== undefined) db[0] |= tweak.topBits;
  const em = Buffer.concat([db, h, Buffer.from([tweak.trailer ?? 0xbc])]);
  return Buffer.concat([Buffer.alloc(key.k - emLen), em]);
}

// ---------------------------------------------------------------------------------------------
// The differential corpus: built once (Node signs and judges every case), run on both builds.

type Judged = { c: VerifyCase; want: boolean; what: string };
type Batch = { cfg: Config; judged: Judged[] };

async function buildCorpus(): Promise<Batch[]> {
  const keys = await allKeys();
  const rnd = prng(7519);
  const randomBytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));
  const batches: Batch[] = [];
  keys.forEach((key, ki) => {
    // another key of the same byte length if there is one (a wrong key whose signatures have the right length)
    const other = keys.find((o, oi) => oi !== ki && o.k === key.k) ?? keys[(ki + 1) % keys.length];
    const judged: Judged[] = [];
    const add = (what: string, c: Omit<VerifyCase, "key">, want: boolean, keyIndex = 0): void => {
      judged.push({ c: { ...c, key: keyIndex }, want, what: `${key.bits}-bit key #${ki}: ${what}` });
    };
    for (let m = 0; m < 2; m++) {
      const msg = randomBytes(Math.floor(rnd() * 300));
      for (const scheme of ["pkcs1", "pss"] as const) {
        for (const hash of HASHES) {
          const digest = hashOf(hash, msg);
          const sig = nodeSign(scheme, hash, msg, key.priv);
          const base = { scheme, hash, digest: hex(digest) };
          const label = `${scheme} ${hash}`;
          const judge = (s: Uint8Array, h: HashName = hash, sch: Scheme = scheme, data: Uint8Array = msg, k: KeyObject = key.pub): boolean =>
            nodeVerify(sch, h, data, k, s);
          add(`${label} valid`, { ...base, sig: hex(sig) }, judge(sig));
          const flipped = flipBit(sig, Math.floor(rnd() * sig.length * 8));
          add(`${label} signature bit flipped`, { ...base, sig: hex(flipped) }, judge(flipped));
          const msg2 = flipBit(msg.length > 0 ? msg : Buffer.alloc(1), 0);
          add(`${label} other message`, { ...base, digest: hex(hashOf(hash, msg2)), sig: hex(sig) }, judge(sig, hash, scheme, msg2));
          // Node verifies messages, not bare digests: a flipped digest bit is the digest of no known
          // message, so the verdict is false by the hash's collision resistance.
          add(`${label} digest bit flipped`, { ...base, digest: hex(flipBit(digest, Math.floor(rnd() * digest.length * 8))), sig: hex(sig) }, false);
          add(`${label} wrong key`, { ...base, sig: hex(sig) }, judge(sig, hash, scheme, msg, other.pub), 1);
          const wrongHash = HASHES[(HASHES.indexOf(hash) + 1) % HASHES.length];
          add(`${label} checked as ${wrongHash}`, { scheme, hash: wrongHash, digest: hex(hashOf(wrongHash, msg)), sig: hex(sig) }, judge(sig, wrongHash));
          const otherScheme: Scheme = scheme === "pss" ? "pkcs1" : "pss";
          add(`${label} checked as ${otherScheme}`, { ...base, scheme: otherScheme, sig: hex(sig) }, judge(sig, hash, otherScheme));
          const short = sig.subarray(0, sig.length - 1);
          add(`${label} one byte short`, { ...base, sig: hex(short) }, judge(short));
          const long = Buffer.concat([Buffer.alloc(1), sig]);
          add(`${label} one byte long (leading 00)`, { ...base, sig: hex(long) }, judge(long));
          const longer = Buffer.concat([sig, Buffer.alloc(1)]);
          add(`${label} one byte long (trailing 00)`, { ...base, sig: hex(longer) }, judge(longer));
        }
      }
    }
    // signatures that are not in [1, n-1] or are degenerate
    const n = toBig(key.n);
    const specials: [string, Buffer][] = [
      ["signature = n", key.n], ["signature = n + 2", toBytes(n + 2n, key.k)], ["signature all FF", Buffer.alloc(key.k, 0xff)],
      ["signature 0", Buffer.alloc(key.k)], ["signature 1", toBytes(1n, key.k)], ["signature n - 1", toBytes(n - 1n, key.k)],
      ["signature empty", Buffer.alloc(0)],
    ];
    const msg = Buffer.from("special signatures");
    for (const [what, s] of specials) {
      for (const scheme of ["pkcs1", "pss"] as const) {
        add(`${scheme} ${what}`, { scheme, hash: "SHA256", digest: hex(hashOf("SHA256", msg)), sig: hex(s) }, nodeVerify(scheme, "SHA256", msg, key.pub, s));
      }
    }
    // PSS salt lengths other than the digest length (the API takes any; JWS uses hLen)
    for (const [signSalt, checkSalt] of [[0, 0], [0, 32], [32, 0], [31, 32], [33, 32], [20, 20], [100, 100]] as const) {
      const s = nodeSign("pss", "SHA256", msg, key.priv, signSalt);
      add(`pss SHA256 salt ${signSalt} checked with salt ${checkSalt}`, { scheme: "pss", hash: "SHA256", digest: hex(hashOf("SHA256", msg)), sig: hex(s), salt: checkSalt },
        nodeVerify("pss", "SHA256", msg, key.pub, s, checkSalt));
    }
    batches.push({ cfg: { keys: [{ n: key.nHex, e: key.eHex }, { n: other.nHex, e: other.eHex }], cases: judged.map((j) => j.c) }, judged });
  });
  return batches;
}

let corpusPromise: Promise<Batch[]> | undefined;
const corpus = (): Promise<Batch[]> => (corpusPromise ??= buildCorpus());

// ---------------------------------------------------------------------------------------------
// Published examples (typed in from the RFCs).

// RFC 7515 Appendix A.2 (JWS using RSASSA-PKCS1-v1_5 SHA-256): the public key of A.2.1 and the
// compact serialization of A.2.1's result.
const RFC7515_A2_N =
  "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs" +
  "D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV" +
  "MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
const RFC7515_A2_JWS =
  "eyJhbGciOiJSUzI1NiJ9" +
  ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ" +
  ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZ" +
  "cAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-e" +
  "OkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

// RFC 7520 §3.4 (RSA key "bilbo.baggins@hobbiton.example", public part), §4 payload (Figure 8),
// §4.1.2 RS256 signature (Figure 13) and §4.2.2 PS384 signature (Figure 20), with their protected headers.
const RFC7520_N =
  "n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_Ns" +
  "YOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCu" +
  "EHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw";
const RFC7520_PAYLOAD =
  "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlm" +
  "IHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4";
const RFC7520_41_PROTECTED = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9";
const RFC7520_41_SIG =
  "MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA7818" +
  "5hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_d" +
  "e3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg";
const RFC7520_42_PROTECTED = "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9";
const RFC7520_42_SIG =
  "cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2IpN6-tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhi" +
  "USMxbbXUvdvWXzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRXe8P_ijQ7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2X" +
  "ez2Mlp8cBE5awDzT0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw";

type Example = { name: string; scheme: Scheme; hash: HashName; n: string; input: string; sig: string };
const EXAMPLES: Example[] = [
  { name: "RFC 7515 A.2 (RS256)", scheme: "pkcs1", hash: "SHA256", n: RFC7515_A2_N,
    input: RFC7515_A2_JWS.split(".").slice(0, 2).join("."), sig: RFC7515_A2_JWS.split(".")[2] },
  { name: "RFC 7520 4.1 (RS256)", scheme: "pkcs1", hash: "SHA256", n: RFC7520_N, input: `${RFC7520_41_PROTECTED}.${RFC7520_PAYLOAD}`, sig: RFC7520_41_SIG },
  { name: "RFC 7520 4.2 (PS384)", scheme: "pss", hash: "SHA384", n: RFC7520_N, input: `${RFC7520_42_PROTECTED}.${RFC7520_PAYLOAD}`, sig: RFC7520_42_SIG },
];

/** modexp and Montgomery-product cases with BigInt's answers (built once, run on both builds). */
function makeBigintCorpus(): { cases: Case[]; want: string[] } {
  const rnd = prng(2718);
  const randBig = (bits: number): bigint => {
    let x = 0n;
    for (let i = 0; i < bits; i += 30) x = (x << 30n) | BigInt(Math.floor(rnd() * 2 ** 30));
    return x & ((1n << BigInt(bits)) - 1n);
  };
  const hexOf = (x: bigint): string => { const h = x.toString(16); return h.length % 2 ? `0${h}` : h; };
  const limbsOf = (m: bigint): number => Math.ceil(m.toString(2).length / 32);
  const cases: Case[] = [];
  const want: string[] = [];
  const modexp = (b: bigint, e: Uint8Array | bigint, m: bigint): void => {
    const eHex = typeof e === "bigint" ? hexOf(e) : hex(e);
    cases.push({ op: "modexp", b: hexOf(b), e: eHex, m: hexOf(m) });
    want.push(m % 2n === 0n || m < 2n || b >= m ? "null" : hex(toBytes(modPow(b, toBig(Buffer.from(eHex, "hex")), m), limbsOf(m) * 4)));
  };
  // edge moduli and values
  for (const m of [3n, 5n, 0xffffffffn, 0x100000001n, (1n << 64n) - 1n, (1n << 64n) + 1n, (1n << 2048n) - 1n, (1n << 4096n) - 159n, (1n << 16384n) - 1n]) {
    const exps = m > 1n << 4096n ? [0n, 1n, 65537n] : [0n, 1n, 2n, 3n, 65537n, (1n << 64n) - 1n];
    for (const b of [0n, 1n, 2n, m - 1n]) for (const e of exps) modexp(b, e, m);
  }
  modexp(5n, 3n, 1n); // m = 1
  modexp(5n, 3n, 10n); // even
  modexp(0n, 3n, 0n); // zero
  modexp(7n, 3n, 7n); // b = m
  modexp(8n, 3n, 7n); // b > m
  cases.push({ op: "modexp", b: "05", e: "03", m: "" });
  want.push("null");
  modexp(3n, new Uint8Array([0, 0, 1, 0, 1]), 1000003n); // exponent with leading zeros
  // random: sizes from one limb to 512 limbs, exponents short (public) and as long as the modulus
  for (let i = 0; i < 156; i++) {
    const bits = i < 150 ? 2 + Math.floor(rnd() * (i < 100 ? 300 : 4200)) : 8000 + Math.floor(rnd() * 8384);
    const m = randBig(bits) | (1n << BigInt(bits - 1)) | 1n;
    const b = randBig(bits) % m;
    const eBits = i % 4 === 0 && bits <= 1100 ? bits : Math.floor(rnd() * 70);
    modexp(b, i >= 150 ? 65537n : randBig(eBits), m);
  }
  // Montgomery product a·b·R⁻¹ mod m with R = 2^(32·limbs)
  for (let i = 0; i < 150; i++) {
    const bits = 2 + Math.floor(rnd() * 3000);
    const m = randBig(bits) | (1n << BigInt(bits - 1)) | 1n;
    const a = i % 10 === 0 ? m - 1n : randBig(bits) % m;
    const b = i % 10 === 1 ? m - 1n : randBig(bits) % m;
    const limbs = limbsOf(m);
    const rInv = modInverse(1n << BigInt(32 * limbs), m);
    cases.push({ op: "mont", a: hexOf(a), b: hexOf(b), m: hexOf(m) });
    want.push(hex(toBytes((((a * b) % m) * rInv) % m, limbs * 4)));
  }
  return { cases, want };
}
let bigintCache: { cases: Case[]; want: string[] } | undefined;
const bigintCorpus = (): { cases: Case[]; want: string[] } => (bigintCache ??= makeBigintCorpus());

// ---------------------------------------------------------------------------------------------

describe.each(BUILDS)("RSA verification (%s build)", (build) => {
  const { run, bench } = rsaEngine(build);
  let keys: Key[] = [];
  beforeAll(async () => {
    keys = await allKeys();
  }, 120_000);

  it("verifies the RFC 7515 A.2 and RFC 7520 4.1 / 4.2 examples, and refuses them altered", () => {
    const cases: VerifyCase[] = [];
    const want: string[] = [];
    for (const ex of EXAMPLES) {
      const digest = hashOf(ex.hash, Buffer.from(ex.input, "ascii"));
      const sig = b64u(ex.sig);
      const key = { n: hex(b64u(ex.n)), e: "010001" };
      // the vectors as typed in are the published ones: Node accepts them too
      const pub = createPublicKey({ key: { kty: "RSA", n: ex.n, e: "AQAB" }, format: "jwk" });
      expect(nodeVerify(ex.scheme, ex.hash, Buffer.from(ex.input, "ascii"), pub, sig), ex.name).toBe(true);
      cases.push({ scheme: ex.scheme, hash: ex.hash, digest: hex(digest), sig: hex(sig), ...key });
      want.push("true");
      cases.push({ scheme: ex.scheme, hash: ex.hash, digest: hex(digest), sig: hex(flipBit(sig, 100)), ...key });
      want.push("false");
      cases.push({ scheme: ex.scheme, hash: ex.hash, digest: hex(flipBit(digest, 3)), sig: hex(sig), ...key });
      want.push("false");
      cases.push({ scheme: ex.scheme === "pss" ? "pkcs1" : "pss", hash: ex.hash, digest: hex(digest), sig: hex(sig), ...key });
      want.push("false");
      // a JWK's n may carry a leading zero byte
      cases.push({ scheme: ex.scheme, hash: ex.hash, digest: hex(digest), sig: hex(sig), n: `00${key.n}`, e: "00010001" });
      want.push("true");
    }
    expect(run({ cases })).toEqual(want);
  });

  it("agrees with Node's crypto.verify on every case: 20 keys × messages × hashes × both schemes, valid and tampered", async () => {
    const batches = await corpus();
    let total = 0;
    let valid = 0;
    const mismatches: string[] = [];
    for (const b of batches) {
      const got = run(b.cfg);
      b.judged.forEach((j, i) => {
        total++;
        if (j.want) valid++;
        if (got[i] !== String(j.want)) mismatches.push(`${j.what}: got ${got[i]}, Node says ${j.want}`);
      });
    }
    expect(mismatches).toEqual([]);
    expect(total).toBeGreaterThan(3000);
    expect(valid).toBeGreaterThan(300);
  }, 60_000);

  it("refuses a PSS signature with its leading zero byte dropped (RFC 7518: exactly k bytes), which OpenSSL accepts", () => {
    const key = keys[0];
    let sig: Buffer | undefined;
    let msg = Buffer.alloc(0);
    for (let i = 0; i < 5000 && sig === undefined; i++) {
      msg = Buffer.from(`leading zero ${i}`);
      const s = nodeSign("pss", "SHA256", msg, key.priv);
      if (s[0] === 0) sig = s;
    }
    expect(sig).toBeDefined();
    const s = sig ?? Buffer.alloc(0);
    const stripped = s.subarray(1);
    expect(nodeVerify("pss", "SHA256", msg, key.pub, s)).toBe(true);
    expect(nodeVerify("pss", "SHA256", msg, key.pub, stripped)).toBe(true); // OpenSSL's leniency
    const digest = hex(hashOf("SHA256", msg));
    const kk = { n: key.nHex, e: key.eHex };
    expect(run({ cases: [
      { scheme: "pss", hash: "SHA256", digest, sig: hex(s), ...kk },
      { scheme: "pss", hash: "SHA256", digest, sig: hex(stripped), ...kk },
    ] })).toEqual(["true", "false"]);
  }, 30_000);

  it("refuses forged PKCS#1 v1.5 blocks (raw RSA with the private key): garbage after the digest, bad padding, no separator", () => {
    const key = keys.find((k) => k.bits === 2048 && k.eHex === "03") ?? keys[0];
    const k = key.k;
    const msg = Buffer.from("forged");
    const d = hashOf("SHA256", msg);
    const prefix = Buffer.from(DIGEST_INFO.SHA256, "hex");
    const t = Buffer.concat([prefix, d]);
    const forged: [string, Buffer, boolean][] = [];
    const add = (what: string, em: Buffer, want: boolean): void => {
      expect(em.length, what).toBe(k);
      forged.push([what, em, want]);
    };
    add("the correct block (control)", pkcs1Block(k, t), true);
    add("8 garbage bytes after the digest", Buffer.concat([pkcs1Block(k - 8, t), Buffer.from("garbage!")]), false);
    add("Bleichenbacher 2006: one FF, then DigestInfo, digest and garbage", Buffer.concat([Buffer.from([0, 1, 0xff, 0]), t, Buffer.alloc(k - 4 - t.length, 0x5a)]), false);
    const fe = pkcs1Block(k, t);
    fe[50] = 0xfe;
    add("one padding byte FE", fe, false);
    add("padding of 00 bytes", Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(k - 3 - t.length), Buffer.from([0]), t]), false);
    add("no 00 separator (FF instead)", Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(k - 2 - t.length, 0xff), t]), false);
    const bt2 = pkcs1Block(k, t);
    bt2[1] = 2;
    add("block type 02", bt2, false);
    const lead = pkcs1Block(k, t);
    lead[0] = 1;
    add("leading byte 01", lead, false);
    // DigestInfo with the NULL parameters left out (an encoding some parsers accept)
    const noNull = Buffer.concat([Buffer.from("302f300b0609608648016503040201", "hex"), Buffer.from([0x04, 0x20]), d]);
    add("DigestInfo without NULL parameters", pkcs1Block(k, noNull), false);
    add("SHA-384's OID around a SHA-256 digest", pkcs1Block(k, Buffer.concat([Buffer.from(DIGEST_INFO.SHA384, "hex").subarray(0, 17), Buffer.from([0x04, 0x20]), d])), false);
    const lenByte = Buffer.from(t);
    lenByte[1] = 0x32;
    add("DigestInfo with a wrong length byte", pkcs1Block(k, lenByte), false);
    add("digest of another message", pkcs1Block(k, Buffer.concat([prefix, hashOf("SHA256", Buffer.from("other"))])), false);
    add("digest without DigestInfo", pkcs1Block(k, d), false);
    add("PS shorter than 8 bytes, garbage in front", Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(7, 0xff), Buffer.from([0]), t, Buffer.alloc(k - 10 - t.length, 0xff)]), false);
    const cases: VerifyCase[] = forged.map(([, em]) => ({ scheme: "pkcs1", hash: "SHA256", digest: hex(d), sig: hex(rawPrivate(key, em)), n: key.nHex, e: key.eHex }));
    const got = run({ cases });
    forged.forEach(([what, em, want], i) => {
      expect(got[i], what).toBe(String(want));
      expect(nodeVerify("pkcs1", "SHA256", msg, key.pub, rawPrivate(key, em)), `Node: ${what}`).toBe(want);
    });
  });

  it("refuses defective PSS blocks (raw RSA): trailer, leftmost bits, separator, padding, salt length, 8m+1-bit moduli", () => {
    const cases: VerifyCase[] = [];
    const wants: [string, boolean][] = [];
    const rnd = prng(4);
    const salt = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));
    const sizes = [2048, 2049, 2055, 2057, 3072];
    const chosen = sizes.map((bits) => keys.find((k) => k.bits === bits && k.eHex === "010001")).filter((k): k is Key => k !== undefined);
    expect(chosen.length).toBe(sizes.length);
    for (const key of chosen) {
      for (const hash of ["SHA256", "SHA384", "SHA512", "SHA1"] as const) {
        const msg = Buffer.from(`pss ${key.bits} ${hash}`);
        const d = hashOf(hash, msg);
        const hLen = HLEN[hash];
        const add = (what: string, block: Buffer | undefined, want: boolean, checkSalt = hLen): void => {
          if (block === undefined) throw new Error(`${key.bits}-bit ${hash}: no block below n for "${what}"`);
          const sig = rawPrivate(key, block);
          cases.push({ scheme: "pss", hash, digest: hex(d), sig: hex(sig), salt: checkSalt, n: key.nHex, e: key.eHex });
          const label = `${key.bits}-bit ${hash}: ${what}`;
          wants.push([label, want]);
          expect(nodeVerify("pss", hash, msg, key.pub, sig, checkSalt), `Node: ${label}`).toBe(want);
        };
        /** A block made with fresh salts until its value is below n (a defect may push it above). */
        const below = (make: (s: Buffer) => Buffer): Buffer | undefined => {
          for (let i = 0; i < 200; i++) {
            const b = make(salt(hLen));
            if (toBig(b) < toBig(key.n)) return b;
          }
          return undefined;
        };
        add("correct block (control)", pssBlock(key, hash, d, salt(hLen)), true);
        add("empty salt, checked with salt 0", pssBlock(key, hash, d, Buffer.alloc(0)), true, 0);
        add("trailer BD", pssBlock(key, hash, d, salt(hLen), { trailer: 0xbd }), false);
        add("separator 02", pssBlock(key, hash, d, salt(hLen), { separator: 2 }), false);
        add("separator 00", pssBlock(key, hash, d, salt(hLen), { separator: 0 }), false);
        add("non-zero padding byte", pssBlock(key, hash, d, salt(hLen), { psByte: 1 }), false);
        add("salt one byte shorter", pssBlock(key, hash, d, salt(hLen - 1)), false);
        add("salt one byte longer", pssBlock(key, hash, d, salt(hLen + 1)), false);
        add("salt of another length, checked with it", pssBlock(key, hash, d, salt(hLen + 5)), true, hLen + 5);
        add("digest of another message", pssBlock(key, hash, hashOf(hash, Buffer.from("other")), salt(hLen)), false);
        const emBits = key.bits - 1;
        const zeroBits = 8 * Math.ceil(emBits / 8) - emBits;
        if (zeroBits > 0) {
          // the leftmost 8·emLen − emBits bits must be zero: set the lowest of them
          add("a leftmost bit set", below((s) => pssBlock(key, hash, d, s, { topBits: 0x80 >> (zeroBits - 1) })), false);
        } else {
          // modBits ≡ 1 mod 8: the k-byte block must start with 00 (I2OSP to emLen = k − 1 bytes)
          add("leading byte 01 before the encoded message", below((s) => { const b = pssBlock(key, hash, d, s); b[0] = 1; return b; }), false);
        }
      }
    }
    expect(cases.length).toBeGreaterThan(150);
    const got = run({ cases });
    expect(got.map((g, i) => `${wants[i][0]}: ${g}`)).toEqual(wants.map(([w, v]) => `${w}: ${v}`));
  });

  it("takes keys as a JWK gives them; refuses 1024-bit, over-8192-bit and even moduli, e < 3, even e, e longer than 8 bytes, e ≥ n", () => {
    const k2048 = keys[0];
    const rnd = prng(11);
    const oddOfBits = (bits: number): string => {
      let x = 1n << BigInt(bits - 1);
      for (let i = 0; i < bits - 1; i += 30) x |= BigInt(Math.floor(rnd() * 2 ** 30)) << BigInt(i);
      x &= (1n << BigInt(bits)) - 1n;
      x |= 1n << BigInt(bits - 1);
      x |= 1n;
      return x.toString(16).padStart(Math.ceil(bits / 8) * 2, "0");
    };
    const n = k2048.nHex;
    const even = hex(toBytes(toBig(k2048.n) - 1n, k2048.k));
    const rows: [string, KeyCase, string][] = [
      ["2048-bit generated", { op: "key", n, e: "010001" }, "ok 2048"],
      ["leading zeros in n and e", { op: "key", n: `0000${n}`, e: "000000010001" }, "ok 2048"],
      ["1024-bit modulus", { op: "key", n: oddOfBits(1024), e: "010001" }, "badkey"],
      ["2047-bit modulus", { op: "key", n: oddOfBits(2047), e: "010001" }, "badkey"],
      ["2048-bit odd number", { op: "key", n: oddOfBits(2048), e: "010001" }, "ok 2048"],
      ["8192-bit odd number", { op: "key", n: oddOfBits(8192), e: "010001" }, "ok 8192"],
      ["8193-bit odd number", { op: "key", n: oddOfBits(8193), e: "010001" }, "badkey"],
      ["even modulus", { op: "key", n: even, e: "010001" }, "badkey"],
      ["empty modulus", { op: "key", n: "", e: "010001" }, "badkey"],
      ["modulus of zero bytes", { op: "key", n: "0000000000", e: "010001" }, "badkey"],
      ["e = 1", { op: "key", n, e: "01" }, "badkey"],
      ["e = 2", { op: "key", n, e: "02" }, "badkey"],
      ["e = 0", { op: "key", n, e: "00" }, "badkey"],
      ["e empty", { op: "key", n, e: "" }, "badkey"],
      ["e = 65536 (even)", { op: "key", n, e: "010000" }, "badkey"],
      ["e = 3", { op: "key", n, e: "03" }, "ok 2048"],
      ["e of 8 bytes", { op: "key", n, e: "ffffffffffffffff" }, "ok 2048"],
      ["e of 8 bytes after leading zeros", { op: "key", n, e: "0000ffffffffffffffff" }, "ok 2048"],
      ["e of 9 bytes", { op: "key", n, e: "010000000000000001" }, "badkey"],
      ["e = n (e ≥ n)", { op: "key", n, e: n }, "badkey"],
      ["e > n", { op: "key", n, e: `01${n}` }, "badkey"],
    ];
    const got = run({ cases: rows.map(([, c]) => c) });
    expect(got.map((g, i) => `${rows[i][0]}: ${g}`)).toEqual(rows.map(([w, , v]) => `${w}: ${v}`));
    // a real 1024-bit key: Node accepts its signatures, the kit refuses the key (RFC 7518: ≥ 2048 bits)
    const small = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const sj = small.publicKey.export({ format: "jwk" });
    const msg = Buffer.from("1024-bit key");
    const cases: VerifyCase[] = (["pkcs1", "pss"] as const).map((scheme) => {
      const sig = nodeSign(scheme, "SHA256", msg, small.privateKey);
      expect(nodeVerify(scheme, "SHA256", msg, small.publicKey, sig)).toBe(true);
      return { scheme, hash: "SHA256", digest: hex(hashOf("SHA256", msg)), sig: hex(sig), key: 0 };
    });
    // a refused key refuses every signature it is asked about
    expect(run({ keys: [{ n: hex(b64u(sj.n ?? "")), e: hex(b64u(sj.e ?? "")) }], cases })).toEqual(["badkey", "badkey"]);
    expect(run({ keys: [{ n: even, e: "010001" }], cases: [{ scheme: "pkcs1", hash: "SHA256", digest: "00".repeat(32), sig: "00".repeat(256), key: 0 }] })).toEqual(["badkey"]);
  });

  it("verifies under an 8-byte public exponent (signed here with BigInt from the key's primes)", () => {
    const key = keys[0];
    const p = toBig(b64u(key.jwk.p ?? ""));
    const q = toBig(b64u(key.jwk.q ?? ""));
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
    let e = 0xfedcba9876543211n;
    while (gcd(e, lambda) !== 1n) e += 2n;
    const d = modInverse(e, lambda);
    const n = toBig(key.n);
    const msg = Buffer.from("big exponent");
    const digest = hashOf("SHA256", msg);
    const em = pkcs1Block(key.k, Buffer.concat([Buffer.from(DIGEST_INFO.SHA256, "hex"), digest]));
    const sig = toBytes(modPow(toBig(em), d, n), key.k);
    const eHex = e.toString(16).padStart(16, "0");
    const pub = createPublicKey({ key: { kty: "RSA", n: key.n.toString("base64url"), e: Buffer.from(eHex, "hex").toString("base64url") }, format: "jwk" });
    expect(nodeVerify("pkcs1", "SHA256", msg, pub, sig)).toBe(true);
    expect(run({ cases: [
      { scheme: "pkcs1", hash: "SHA256", digest: hex(digest), sig: hex(sig), n: key.nHex, e: eHex },
      { scheme: "pkcs1", hash: "SHA256", digest: hex(digest), sig: hex(flipBit(sig, 7)), n: key.nHex, e: eHex },
    ] })).toEqual(["true", "false"]);
  });

  it("never traps: junk keys, signatures, digests, hashes and salt lengths give a verdict", () => {
    const rnd = prng(99);
    const bytes = (n: number): string => Array.from({ length: n }, () => Math.floor(rnd() * 256).toString(16).padStart(2, "0")).join("");
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const key = keys[8]; // 2049 bits: k = 257
    const cases: VerifyCase[] = [];
    for (let i = 0; i < 300; i++) {
      const scheme = pick(["pkcs1", "pss"] as const);
      const hash = pick<HashName | number>(["SHA1", "SHA256", "SHA384", "SHA512", 0, 5, -1, 1e6]);
      const real = rnd() < 0.6;
      const n = real ? key.nHex : bytes(pick([0, 1, 255, 256, 257, 512, 1025, 1100]));
      const e = real ? key.eHex : bytes(pick([0, 1, 3, 8, 9]));
      const sigLen = pick([0, 1, key.k - 1, key.k, key.k, key.k + 1, 512]);
      const sig = pick([bytes(sigLen), "ff".repeat(sigLen), "00".repeat(sigLen), `${"00".repeat(Math.max(0, sigLen - 1))}01`]);
      const digest = bytes(pick([0, 20, 32, 48, 64, 65]));
      const salt = pick([undefined, -1, 0, 1, 32, 200, 256, 2 ** 31 - 1, -(2 ** 31)]);
      cases.push({ scheme, hash, digest, sig, n, e, ...(salt === undefined ? {} : { salt }) });
    }
    const got = run({ cases });
    for (const g of got) expect(["true", "false", "badkey"]).toContain(g);
    expect(got.filter((g) => g === "false").length).toBeGreaterThan(100);
  });

  it("bigint: modexp and Montgomery products agree with BigInt (1 to 512 limbs, edge values)", () => {
    const { cases, want } = bigintCorpus();
    const got = run({ cases });
    expect(got.filter((g) => g.includes("MISMATCH"))).toEqual([]);
    const bad = got.map((g, i) => (g === want[i] ? "" : `${JSON.stringify(cases[i])}: got ${g}, want ${want[i]}`)).filter((s) => s !== "");
    expect(bad).toEqual([]);
  });

  // speed is npm run bench's (bench/crypto.ts): here, that the bench mode verifies at every key size and scheme
  it("bench mode: repeated verifications per key size and scheme", async () => {
    const rows: string[] = [];
    for (const bits of [2048, 3072, 4096]) {
      const key = keys.find((k) => k.bits === bits && k.eHex === "010001");
      if (key === undefined) throw new Error(`no ${bits}-bit key`);
      for (const scheme of ["pkcs1", "pss"] as const) {
        const msg = Buffer.from("bench");
        const sig = nodeSign(scheme, "SHA256", msg, key.priv);
        const b = { scheme, hash: "SHA256", n: key.nHex, e: key.eHex, digest: hex(hashOf("SHA256", msg)), sig: hex(sig) };
        const iters = Math.max(5, Math.round((build === "release" ? 200 : 20) * (2048 / bits) ** 2));
        const time = (n: number): number => {
          const t0 = performance.now();
          expect(bench({ ...b, iters: n })).toBe(`bench ${n}`);
          return performance.now() - t0;
        };
        time(2); // warm up
        // the fastest of 5 rounds each, one verification's fixed costs (configuration, key) taken off
        let many = Infinity;
        let one = Infinity;
        for (let r = 0; r < 5; r++) {
          many = Math.min(many, time(iters + 1));
          one = Math.min(one, time(1));
        }
        const best = Math.max(0, many - one) / iters;
        rows.push(`${bits} ${scheme === "pkcs1" ? "RS256" : "PS256"} ${(best * 1000).toFixed(0)} µs`);
      }
    }
    expect(rows).toHaveLength(6);
  }, 60_000);
});
