// Comparison of secrets (HMAC tags, API-key hashes, password hashes) whose running time says
// nothing about where, or whether, the inputs differ: a timing side channel would let a client
// find a valid tag byte by byte. Only the lengths, which are public (a tag's length follows from
// its algorithm), affect the time.

/**
 * True when `a` and `b` hold the same bytes. Every byte is read whatever the data, differences are
 * accumulated with OR, and the single comparison at the end compiles to `i32.eqz` (no branch).
 * Different lengths give false at once.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): bool {
  const n = a.length;
  if (n != b.length) return false;
  const pa = a.dataStart;
  const pb = b.dataStart;
  let diff: u32 = 0;
  let i = 0;
  // eight bytes a step; the remainder a byte at a time (both paths depend on n alone)
  for (; i + 8 <= n; i += 8) {
    const x = load<u64>(pa + <usize>i) ^ load<u64>(pb + <usize>i);
    diff |= <u32>x | <u32>(x >> 32);
  }
  for (; i < n; i++) diff |= <u32>(load<u8>(pa + <usize>i) ^ load<u8>(pb + <usize>i));
  return diff == 0;
}
