// @ts-check
// The codec of cli/src/compile/wasm-pack-data.mjs: turns the static memory image of an AssemblyScript module
// into a short token stream (encode) and back (decode). decode() is the reference the hand-written
// wasm decoder in wasm-pack-data.mjs implements instruction for instruction; the tests run both.
//
// Why this format: AssemblyScript 0.28 keeps every static string as a UTF-16 object behind a 20-byte
// header, so the image is two thirds zero bytes, ASCII text with a zero after every character, the
// same few headers over and over, and repeated text. A byte-oriented LZ77 with one literal mode for
// "UTF-16 of ASCII" and one token for a string header takes the image to ~28% of its size (about
// what gzip reaches on the raw image, which needs an inflater several times larger than this whole
// decoder). Entropy coding (an LZMA-style range coder) would save another ~30% of the blob, but
// costs a decoder three times the size and a bit-by-bit decode at every instantiation.
//
// The stream is a sequence of tokens; decoding writes output bytes from the image's first byte
// until the image's end, every byte explicitly (never "skip, it is zero already": the blob may
// be decoded in place, over its own bytes). Numbers are varints, most significant 7 bits first,
// the high bit set on every byte but the last (0x81 0x00 is 128). A token starts with a varint v:
// kind = v & 3, n = v >>> 2.
//   kind 0, literal:    n bytes follow (n >= 1); copy them.
//   kind 1, UTF-16:     n bytes follow (n >= 1); write each as two bytes, itself then 0.
//   kind 2, match:      n bytes (n >= 3), then a varint d. d = 0: write zeros; otherwise copy
//                       byte by byte from 2 * d bytes back in the output (so a match may overlap
//                       its own output). Offsets are even: the image is made of 2- and 4-byte
//                       units, and halving them lets one offset byte reach 254 bytes back.
//   kind 3, string:     the 20-byte header of an AssemblyScript string of n UTF-16 units:
//                       u32 mmInfo = ((2n + 35) & ~15) - 4 (the 16-aligned block size less the
//                       mmInfo field), u32 0, u32 0 (GC fields), u32 2 (String's class id),
//                       u32 2n (byte length). Only its header: the characters follow as tokens.
// There is no end token: the decoder stops when the output reaches the image's end.

export const LITERAL = 0;
export const UTF16 = 1;
export const MATCH = 2;
export const STRING_HEADER = 3;
/** The shortest match the encoder makes (shorter ones never pay). */
export const MIN_MATCH = 3;
/** Bytes a string-header token writes. */
export const STRING_HEADER_SIZE = 20;
/** AssemblyScript's class id of String (Object 0, ArrayBuffer 1, String 2). */
export const STRING_CLASS_ID = 2;

/** Bytes of `v` as a varint. @param {number} v */
export function varintSize(v) {
  let size = 1;
  while (v >= 0x80) { v = Math.floor(v / 0x80); size++; }
  return size;
}

/** mmInfo of a static string whose UTF-16 payload is `bytes` long. @param {number} bytes */
export function stringMmInfo(bytes) {
  return ((bytes + 35) & ~15) - 4;
}

// The parse is optimal for the byte costs above (dynamic programming over every position, from the
// end), except that a match longer than LONG is only tried at lengths near its two ends (long runs
// of zeros between segments would otherwise make the parse quadratic) and that matches are found
// by a bounded search.
const LONG = 256;
/** The longest literal or UTF-16 run: its token takes 1 byte up to 31, 2 bytes up to here. */
const MAX_RUN = 4095;
const NEAR_END = 64;
/** Candidates tried per position, nearest first; and the length at which the search stops. */
const SEARCH_DEPTH = 512;
const NICE_LENGTH = 256;
/** The longest match compared (a repeat longer than this takes more than one match token). */
const MAX_MATCH = 4096;
const HASH_BITS = 16;
const INF = 0x3fffffff;

/**
 * The token stream for `image`. Deterministic: the same image gives the same bytes.
 * @param {Uint8Array} image
 * @returns {Uint8Array}
 */
export function encode(image) {
  const n = image.length;
  // zeroRun[i]: zero bytes from i; utf16Run[i]: (any byte, 0) pairs from i
  const zeroRun = new Int32Array(n + 1);
  const utf16Run = new Int32Array(n + 2);
  for (let i = n - 1; i >= 0; i--) zeroRun[i] = image[i] === 0 ? zeroRun[i + 1] + 1 : 0;
  for (let i = n - 2; i >= 0; i--) utf16Run[i] = image[i + 1] === 0 ? utf16Run[i + 2] + 1 : 0;
  const { matchLength, matchD, matchCount } = findMatches(image, zeroRun);
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);

  // cost[i]: fewest bytes that encode image[i..n); the choice made at i
  const cost = new Int32Array(n + 1).fill(INF);
  const kind = new Int8Array(n);
  const count = new Int32Array(n); // the token's n field
  const dist = new Int32Array(n); // a match's d field
  const step = new Int32Array(n); // image bytes the token covers
  cost[n] = 0;
  /** @type {(i: number, k: number, f: number, d: number, s: number, c: number) => void} */
  const offer = (i, k, f, d, s, c) => {
    if (c < cost[i]) { cost[i] = c; kind[i] = k; count[i] = f; dist[i] = d; step[i] = s; }
  };
  /** Tries a match token of every length in [lo, hi] at i (only near the ends when long). */
  /** @type {(i: number, lo: number, hi: number, d: number, dBytes: number) => void} */
  const offerMatches = (i, lo, hi, d, dBytes) => {
    for (let len = lo; len <= hi; len++) {
      if (hi - lo > LONG && len === lo + NEAR_END) len = Math.max(len, hi - NEAR_END);
      offer(i, MATCH, len, d, len, varintSize(len * 4 + MATCH) + dBytes + cost[i + len]);
    }
  };
  // Runs: a literal run of k bytes ending at j = i + k costs 1 or 2 (k < 32 or not) + k + cost[j],
  // that is 1 or 2 + (cost[j] + j) - i; so the best run from i is the least cost[j] + j over two
  // windows of j, which slide towards 0 with i. A UTF-16 run of k units ending at j = i + 2k costs
  // 1 or 2 + k + cost[j] = 1 or 2 + (2 cost[j] + j - i) / 2, over windows of every other j that
  // also end where the (byte, 0) pairs from i end.
  const literal = [new WindowMinimum(n + 1), new WindowMinimum(n + 1)];
  const utf16 = [0, 1].map(() => [new WindowMinimum(n + 1), new WindowMinimum(n + 1)]); // by parity of i
  const byLiteral = (/** @type {number} */ j) => cost[j] + j;
  const byUnits = (/** @type {number} */ j) => 2 * cost[j] + j;
  for (let i = n - 1; i >= 0; i--) {
    literal[0].push(i + 1, byLiteral(i + 1), i + 31);
    if (i + 32 <= n) literal[1].push(i + 32, byLiteral(i + 32), i + MAX_RUN);
    else literal[1].expire(i + MAX_RUN);
    for (const header of [1, 2]) {
      const j = literal[header - 1].front();
      if (j >= 0) offer(i, LITERAL, j - i, 0, j - i, header + byLiteral(j) - i);
    }
    const units = utf16[i & 1];
    if (utf16Run[i] === 0) {
      units[0].clear();
      units[1].clear();
    } else {
      const end = i + 2 * utf16Run[i];
      units[0].push(i + 2, byUnits(i + 2), Math.min(end, i + 62));
      if (i + 64 <= end) units[1].push(i + 64, byUnits(i + 64), Math.min(end, i + 2 * MAX_RUN));
      for (const header of [1, 2]) {
        const j = units[header - 1].front();
        if (j >= 0) offer(i, UTF16, (j - i) / 2, 0, j - i, header + (byUnits(j) - i) / 2);
      }
    }
    if (zeroRun[i] >= MIN_MATCH) offerMatches(i, MIN_MATCH, zeroRun[i], 0, 1);
    if (i + STRING_HEADER_SIZE <= n) {
      const bytes = view.getUint32(i + 16, true);
      if ((bytes & 1) === 0 && bytes < 0x40000000 && view.getUint32(i, true) === stringMmInfo(bytes) && view.getUint32(i + 4, true) === 0 &&
        view.getUint32(i + 8, true) === 0 && view.getUint32(i + 12, true) === STRING_CLASS_ID) {
        const f = bytes / 2;
        offer(i, STRING_HEADER, f, 0, STRING_HEADER_SIZE, varintSize(f * 4 + STRING_HEADER) + cost[i + STRING_HEADER_SIZE]);
      }
    }
    // matches: the longest per size of d, each longer than those with a shorter d
    for (let m = i * MATCHES_KEPT, covered = MIN_MATCH - 1; m < i * MATCHES_KEPT + matchCount[i]; m++) {
      offerMatches(i, covered + 1, matchLength[m], matchD[m], varintSize(matchD[m]));
      covered = matchLength[m];
    }
  }

  /** @type {number[]} */
  const out = [];
  for (let i = 0; i < n; i += step[i]) {
    writeVarint(out, count[i] * 4 + kind[i]);
    if (kind[i] === LITERAL) for (let j = 0; j < step[i]; j++) out.push(image[i + j]);
    else if (kind[i] === UTF16) for (let j = 0; j < step[i]; j += 2) out.push(image[i + j]);
    else if (kind[i] === MATCH) writeVarint(out, dist[i]);
  }
  return Uint8Array.from(out);
}

/** The minimum of values pushed at decreasing positions, over a window that slides towards 0. */
class WindowMinimum {
  /** @param {number} capacity */
  constructor(capacity) {
    this.at = new Int32Array(capacity);
    this.value = new Float64Array(capacity);
    this.head = 0; // the oldest (highest position) still kept
    this.tail = 0;
  }
  /**
   * Adds `value` at position `at` (below every position so far), forgets positions above `last`.
   * @param {number} at @param {number} value @param {number} last
   */
  push(at, value, last) {
    // a kept value no smaller than this one would leave the window first: it can never be the minimum
    while (this.tail > this.head && this.value[this.tail - 1] >= value) this.tail--;
    this.at[this.tail] = at;
    this.value[this.tail++] = value;
    this.expire(last);
  }
  clear() {
    this.head = this.tail = 0;
  }
  /** @param {number} last */
  expire(last) {
    while (this.tail > this.head && this.at[this.head] > last) this.head++;
  }
  /** The position of the minimum, or -1 when the window is empty. */
  front() {
    return this.tail > this.head ? this.at[this.head] : -1;
  }
}

/** Appends `v` (below 2^32) to `out` as a varint. @param {number[]} out @param {number} v */
export function writeVarint(out, v) {
  const size = varintSize(v);
  for (let k = size - 1; k >= 0; k--) out.push((Math.floor(v / 2 ** (7 * k)) & 0x7f) | (k > 0 ? 0x80 : 0));
}

/** Matches kept per position: one per size of d (a varint of 1 to 5 bytes). */
const MATCHES_KEPT = 5;

/**
 * For every position i, the matches worth trying, at [i * MATCHES_KEPT, + matchCount[i]): the
 * longest match found whose d takes a given number of bytes, kept only where longer than those
 * with a shorter d. A hash chain of 3-byte prefixes, searched nearest first; only even offsets
 * count (the format's offsets are 2d).
 * @param {Uint8Array} image
 * @param {Int32Array} zeroRun
 */
function findMatches(image, zeroRun) {
  const n = image.length;
  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  const prev = new Int32Array(n).fill(-1);
  const matchLength = new Int32Array(n * MATCHES_KEPT);
  const matchD = new Int32Array(n * MATCHES_KEPT);
  const matchCount = new Uint8Array(n);
  const hash = (/** @type {number} */ i) => (Math.imul(image[i] | (image[i + 1] << 8) | (image[i + 2] << 16), 0x9e3779b1) >>> (32 - HASH_BITS));
  for (let i = 0; i + MIN_MATCH <= n; i++) {
    const h = hash(i);
    let best = MIN_MATCH - 1;
    let bestSize = 0;
    let m = i * MATCHES_KEPT - 1;
    for (let j = head[h], tries = 0; j >= 0 && tries < SEARCH_DEPTH && best < NICE_LENGTH; j = prev[j], tries++) {
      if ((i - j) & 1) continue;
      // both inside zero runs: equal for as long as the shorter run, no need to compare those
      const limit = Math.min(n - i, MAX_MATCH);
      let len = Math.min(zeroRun[i], zeroRun[j], limit);
      while (len < limit && image[j + len] === image[i + len]) len++;
      if (len <= best) continue;
      const d = (i - j) / 2;
      const size = varintSize(d);
      if (size !== bestSize) m++; // a dearer d: a new entry; the same size: a longer match replaces it
      matchLength[m] = len;
      matchD[m] = d;
      best = len;
      bestSize = size;
    }
    matchCount[i] = m - (i * MATCHES_KEPT - 1);
    prev[i] = head[h];
    head[h] = i;
  }
  return { matchLength, matchD, matchCount };
}

/**
 * Decodes `blob` into an image of `size` bytes, exactly as the wasm decoder does, and reports how
 * far the output ran ahead of the input: `lead` is the largest (output bytes written) − (blob bytes
 * read) after any token. The blob can be decoded in place, over itself, when it starts at least
 * `lead` bytes after the image. Throws on a stream the wasm decoder would misread.
 * @param {Uint8Array} blob
 * @param {number} size
 * @returns {{ image: Uint8Array, lead: number }}
 */
export function decode(blob, size) {
  const image = new Uint8Array(size);
  let i = 0;
  let o = 0;
  let lead = 0;
  const byte = () => {
    if (i >= blob.length) throw new Error(`token stream ends at byte ${i}, ${size - o} image bytes short`);
    return blob[i++];
  };
  const varint = () => {
    let v = 0;
    for (;;) {
      const b = byte();
      v = ((v << 7) | (b & 0x7f)) >>> 0; // as the wasm decoder computes it: 32 bits, older bits shifted out
      if ((b & 0x80) === 0) return v;
    }
  };
  const room = (/** @type {number} */ len) => {
    if (o + len > size) throw new Error(`token at image byte ${o} writes ${len} bytes past the end (${size})`);
  };
  while (o < size) {
    const v = varint();
    const f = v >>> 2;
    switch (v & 3) {
      case LITERAL:
        if (f === 0) throw new Error(`empty literal at image byte ${o}`);
        room(f);
        for (let k = 0; k < f; k++) image[o++] = byte();
        break;
      case UTF16:
        if (f === 0) throw new Error(`empty UTF-16 literal at image byte ${o}`);
        room(2 * f);
        for (let k = 0; k < f; k++) { image[o++] = byte(); image[o++] = 0; }
        break;
      case MATCH: {
        const len = f;
        if (len === 0) throw new Error(`empty match at image byte ${o}`);
        const d = varint();
        room(len);
        if (2 * d > o) throw new Error(`match at image byte ${o} reaches ${2 * d} bytes back`);
        for (let k = 0; k < len; k++, o++) image[o] = d === 0 ? 0 : image[o - 2 * d];
        break;
      }
      default: {
        room(STRING_HEADER_SIZE);
        const view = new DataView(image.buffer, o, STRING_HEADER_SIZE);
        view.setUint32(0, stringMmInfo(2 * f), true);
        view.setUint32(12, STRING_CLASS_ID, true);
        view.setUint32(16, 2 * f, true);
        o += STRING_HEADER_SIZE;
      }
    }
    lead = Math.max(lead, o - i);
  }
  return { image, lead };
}
