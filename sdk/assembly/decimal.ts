// Integer -> decimal string for messages. `i32#toString()` and friends go through the standard
// library's any-radix conversion (radix check, its error message and a 36-digit table); this one
// only does base 10 and is shared by every message the SDK builds.

/** Decimal form of `v` (e.g. "-42"). */
export function decimal(v: i64): string {
  const negative = v < 0;
  let u: u64 = negative ? <u64>(0 - v) : <u64>v; // i64.MIN_VALUE wraps to 2^63, which is right as u64
  let n: usize = negative ? 1 : 0;
  let t = u;
  do { n++; t /= 10; } while (t != 0);
  const s = changetype<usize>(__new(n << 1, idof<String>()));
  let p = s + (n << 1);
  do {
    p -= 2;
    store<u16>(p, <u16>(48 + <u32>(u % 10)));
    u /= 10;
  } while (u != 0);
  if (negative) store<u16>(s, 45);
  return changetype<string>(s);
}
