// Scalars of Ed25519 verification: integers modulo the group order
// L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 §5.1). Verification needs two
// things: whether a signature's S is below L (§5.1.7 step 1, which makes signatures
// non-malleable), and SHA-512(R || A || M) as a little-endian integer reduced mod L (step 2).
// Both handle public data, so plain variable-time code; the reduction is a bit-serial
// shift-and-subtract (512 steps of 256-bit arithmetic, a few microseconds, done once per
// verification) because its cost is negligible next to the point arithmetic and it is obviously right.

/** L as four little-endian 64-bit words. */
const L0: u64 = 0x5812631a5cf5d3ed;
const L1: u64 = 0x14def9dea2f79cd6;
const L2: u64 = 0;
const L3: u64 = 0x1000000000000000;

/** Whether the 32-byte little-endian integer at `s` is below L. */
export function scIsCanonical(s: usize): bool {
  const s0 = load<u64>(s, 0), s1 = load<u64>(s, 8), s2 = load<u64>(s, 16), s3 = load<u64>(s, 24);
  if (s3 != L3) return s3 < L3;
  if (s2 != L2) return s2 < L2;
  if (s1 != L1) return s1 < L1;
  return s0 < L0;
}

/**
 * Writes (the 64-byte little-endian integer at `h`) mod L to `out` (32 bytes, little-endian).
 * Horner's rule from the top bit: r = 2r + bit, minus L when that reaches L, keeps r < L.
 */
export function scReduce512(out: usize, h: usize): void {
  let r0: u64 = 0, r1: u64 = 0, r2: u64 = 0, r3: u64 = 0;
  for (let byte = 63; byte >= 0; byte--) {
    const v = <u32>load<u8>(h + <usize>byte);
    for (let bit = 7; bit >= 0; bit--) {
      // r < L < 2^253, so 2r + 1 < 2^254 fits in four words.
      r3 = (r3 << 1) | (r2 >> 63);
      r2 = (r2 << 1) | (r1 >> 63);
      r1 = (r1 << 1) | (r0 >> 63);
      r0 = (r0 << 1) | <u64>((v >> <u32>bit) & 1);
      const geq = r3 != L3 ? r3 > L3 : r2 != L2 ? r2 > L2 : r1 != L1 ? r1 > L1 : r0 >= L0;
      if (geq) {
        let borrow: u64 = r0 < L0 ? 1 : 0;
        r0 -= L0;
        let next: u64 = r1 < L1 || (r1 == L1 && borrow != 0) ? 1 : 0;
        r1 = r1 - L1 - borrow;
        borrow = next;
        next = r2 < L2 || (r2 == L2 && borrow != 0) ? 1 : 0;
        r2 = r2 - L2 - borrow;
        borrow = next;
        r3 = r3 - L3 - borrow;           // r ≥ L: no borrow out of the top word
      }
    }
  }
  store<u64>(out, r0, 0); store<u64>(out, r1, 8); store<u64>(out, r2, 16); store<u64>(out, r3, 24);
}
