// ECDSA signature verification on NIST P-256 and P-384, for JWS ES256 and ES384 (RFC 7518 §3.4):
// public keys from JWK-style affine coordinates (RFC 7518 §6.2.1), signatures in the JWS form
// R || S, digests computed by the caller. The verification is SEC 1 v2 §4.1.4 (FIPS 186-4 §6.4):
// the digest becomes an integer from its leftmost bits(n) bits, u1 = e·s⁻¹, u2 = r·s⁻¹ mod n,
// and the signature is valid when u1·G + u2·Q is not the point at infinity and its x-coordinate
// mod n is r. Field and scalar arithmetic: ec-field.ts; points: ec-point.ts.
//
// A key is accepted only if both coordinates are the field length, below p, and the point lies on
// the curve: a point off the curve (invalid-curve attack) or the point at infinity (which has no
// affine coordinates; (0, 0), sometimes used for it, is not on these curves) is refused. The
// curves have cofactor 1, so every point on them generates the whole group.
//
// Everything here is public (key, digest, signature), so the code is not constant time: it
// branches and indexes its tables by values derived from them, which reveals nothing secret. No
// input traps: lengths are checked before any byte is read. Memory is allocated for each key (its
// coordinates) and once per curve (tables and scratch); verification itself allocates nothing.

import { EcGroup, groupP256, groupP384 } from "./ec-point";
import { addLimbs, isZeroLimbs, limbsFromBytes, shiftRightLimbs, subLimbs } from "./ec-field";

export enum EcCurve {
  P256 = 1,
  P384 = 2,
}

/** Bytes of a coordinate, and of each half of a JWS signature, on `curve` (32, 48; 0 if unknown). */
export function ecFieldBytes(curve: EcCurve): i32 {
  return curve == EcCurve.P256 ? 32 : curve == EcCurve.P384 ? 48 : 0;
}

function groupOf(curve: EcCurve): EcGroup | null {
  if (curve == EcCurve.P256) return groupP256();
  if (curve == EcCurve.P384) return groupP384();
  return null;
}

/** Per-curve scratch numbers of verification: r, s, e, w, u1, u2, a spare, and the result point. */
class Scratch {
  readonly r: usize; readonly s: usize; readonly e: usize; readonly w: usize;
  readonly u1: usize; readonly u2: usize; readonly t: usize; readonly point: usize;
  private readonly mem: ArrayBuffer;
  constructor(limbs: i32) {
    const fe = <usize>limbs << 2;
    this.mem = new ArrayBuffer(<i32>(fe * 10));
    const p = changetype<usize>(this.mem);
    this.r = p; this.s = p + fe; this.e = p + 2 * fe; this.w = p + 3 * fe;
    this.u1 = p + 4 * fe; this.u2 = p + 5 * fe; this.t = p + 6 * fe; this.point = p + 7 * fe;
  }
}

let scratch256: Scratch | null = null;
let scratch384: Scratch | null = null;

function scratchOf(curve: EcCurve, limbs: i32): Scratch {
  let s = curve == EcCurve.P256 ? scratch256 : scratch384;
  if (s === null) {
    s = new Scratch(limbs);
    if (curve == EcCurve.P256) scratch256 = s; else scratch384 = s;
  }
  return s;
}

/** A public key: a point on P-256 or P-384 other than the point at infinity. */
export class EcPublicKey {
  readonly curve: EcCurve;
  private readonly group: EcGroup;
  /** x then y, in Montgomery form modulo p. */
  private readonly xy: ArrayBuffer;

  private constructor(curve: EcCurve, group: EcGroup) {
    this.curve = curve;
    this.group = group;
    this.xy = new ArrayBuffer(group.bytes * 2);
  }

  /**
   * The key with affine coordinates x and y (big-endian, exactly the field length: 32 bytes for
   * P-256, 48 for P-384, as in a JWK). Null if a length is wrong, a coordinate is not below p,
   * or the point is not on the curve.
   */
  static fromCoordinates(curve: EcCurve, x: Uint8Array, y: Uint8Array): EcPublicKey | null {
    const g = groupOf(curve);
    if (g === null) return null;
    const len = g.bytes;
    if (x.length != len || y.length != len) return null;
    const key = new EcPublicKey(curve, g);
    const n = g.limbs;
    const kx = changetype<usize>(key.xy), ky = kx + <usize>len;
    limbsFromBytes(kx, n, x.dataStart, len);
    limbsFromBytes(ky, n, y.dataStart, len);
    const F = g.fp;
    if (!F.isReduced(kx) || !F.isReduced(ky)) return null;
    F.toMont(kx, kx);
    F.toMont(ky, ky);
    if (!g.onCurve(kx, ky)) return null;
    return key;
  }

  /** See verifyEcdsa. */
  verify(digest: Uint8Array, signature: Uint8Array): bool {
    const g = this.group;
    const len = g.bytes;
    if (signature.length != 2 * len) return false;
    const n = g.limbs;
    const fn = g.fn, fp = g.fp;
    const sc = scratchOf(this.curve, n);
    const r = sc.r, s = sc.s, e = sc.e, w = sc.w, t = sc.t;
    limbsFromBytes(r, n, signature.dataStart, len);
    limbsFromBytes(s, n, signature.dataStart + <usize>len, len);
    if (isZeroLimbs(r, n) || !fn.isReduced(r) || isZeroLimbs(s, n) || !fn.isReduced(s)) return false;
    // e: the leftmost bits(n) bits of the digest (all of it when shorter), then reduced mod n
    // (it is below 2^bits(n) < 2n, so one subtraction does).
    const nbits = fn.bits;
    const take = min(digest.length, (nbits + 7) >> 3);
    limbsFromBytes(e, n, digest.dataStart, take);
    if (take * 8 > nbits) shiftRightLimbs(e, n, take * 8 - nbits);
    if (!fn.isReduced(e)) subLimbs(e, e, fn.mod, n);
    // w = s⁻¹ in Montgomery form; multiplying a plain number by it gives the plain product.
    fn.toMont(w, s);
    fn.inv(w, w);
    fn.mul(sc.u1, e, w);
    fn.mul(sc.u2, r, w);
    const q = changetype<usize>(this.xy);
    const P = sc.point;
    g.mulAdd(P, sc.u1, sc.u2, q, q + <usize>len);
    const fe = <usize>len;
    const X = P, Z = P + 2 * fe;
    if (fp.isZero(Z)) return false;                 // the point at infinity
    // x = X/Z; x mod n = r  <=>  x = r or x = r + n (x < p < 2n). Compare X with r·Z and
    // (r + n)·Z instead of dividing.
    fp.toMont(t, r);                                // r < n < p
    fp.mul(t, t, Z);
    if (fp.eq(t, X)) return true;
    if (addLimbs(t, r, fn.mod, n) != 0 || !fp.isReduced(t)) return false;
    fp.toMont(t, t);
    fp.mul(t, t, Z);
    return fp.eq(t, X);
  }
}

/**
 * Whether `signature` (JWS form R || S: each half big-endian and exactly the field length, 64
 * bytes in all for P-256, 96 for P-384) is a valid ECDSA signature of `digest` under `key`.
 * r and s must be in [1, n-1]; the digest may have any length (its leftmost bits(n) bits count).
 * Both s and n - s verify, as ECDSA defines. Never traps.
 */
export function verifyEcdsa(key: EcPublicKey, digest: Uint8Array, signature: Uint8Array): bool {
  return key.verify(digest, signature);
}
