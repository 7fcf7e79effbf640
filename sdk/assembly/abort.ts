// The AssemblyScript abort handler (asconfig: `use: ["abort=filterkit_abort"]`).
//
// Logs one critical line in the exact format
//     abort: <message> at <file>:<line>:<column>
// through proxy_log (the mock host parses it to enrich TrapError) and then traps with
// `unreachable`. It never allocates: the line is assembled in a static buffer, so it also works
// when the abort is an out-of-memory condition. Nothing in here can abort again (raw loads and
// stores only, no allocation, no checked indexing), so it cannot recurse into itself.

import { proxy_log } from "./abi/imports";

const ABORT_BUF_SIZE: usize = 1024;
const ABORT_BUF: usize = memory.data(1024);

/** Appends the UTF-8 form of `s` at `p`, stopping before `end`; returns the new position. */
function putString(s: string, p: usize, end: usize): usize {
  const str = changetype<usize>(s);
  const n = <usize>s.length;
  for (let i: usize = 0; i < n; i++) {
    let c = <u32>load<u16>(str + (i << 1));
    if (c < 0x80) {
      if (p + 1 > end) break;
      store<u8>(p++, <u8>c);
    } else if (c < 0x800) {
      if (p + 2 > end) break;
      store<u8>(p++, <u8>(0xC0 | (c >> 6)));
      store<u8>(p++, <u8>(0x80 | (c & 63)));
    } else {
      if ((c & 0xFC00) == 0xD800 && i + 1 < n) {
        const c2 = <u32>load<u16>(str + ((i + 1) << 1));
        if ((c2 & 0xFC00) == 0xDC00) {
          if (p + 4 > end) break;
          c = 0x10000 + (((c & 0x3FF) << 10) | (c2 & 0x3FF));
          store<u8>(p++, <u8>(0xF0 | (c >> 18)));
          store<u8>(p++, <u8>(0x80 | ((c >> 12) & 63)));
          store<u8>(p++, <u8>(0x80 | ((c >> 6) & 63)));
          store<u8>(p++, <u8>(0x80 | (c & 63)));
          i++;
          continue;
        }
      }
      if (p + 3 > end) break;
      store<u8>(p++, <u8>(0xE0 | (c >> 12)));
      store<u8>(p++, <u8>(0x80 | ((c >> 6) & 63)));
      store<u8>(p++, <u8>(0x80 | (c & 63)));
    }
  }
  return p;
}

/** Appends the decimal form of `v` at `p`; returns the new position. */
function putU32(v: u32, p: usize, end: usize): usize {
  // at most 10 digits
  let digits: usize = 1;
  let t = v;
  while (t >= 10) { t /= 10; digits++; }
  if (p + digits > end) return p;
  let q = p + digits;
  do {
    q--;
    store<u8>(q, <u8>(48 + v % 10));
    v /= 10;
  } while (v != 0);
  return p + digits;
}

// @ts-ignore: decorator
@global
export function filterkit_abort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const start = ABORT_BUF;
  const end = ABORT_BUF + ABORT_BUF_SIZE;
  // Leave room for " at <file>:<line>:<column>" even after a long message.
  const messageEnd = end - 300;
  const fileEnd = end - 24;
  let p = putString("abort: ", start, end);
  p = putString(message !== null ? message : "(no message)", p, messageEnd);
  p = putString(" at ", p, end);
  p = putString(fileName !== null ? fileName : "(unknown)", p, fileEnd);
  p = putString(":", p, end);
  p = putU32(line, p, end);
  p = putString(":", p, end);
  p = putU32(column, p, end);
  proxy_log(5, start, p - start);
  unreachable();
}
