#!/usr/bin/env node
// @ts-check
// Packs the data section of an AssemblyScript 0.28 release module (scripts/build.ts runs it on
// every release build; `node cli/src/compile/wasm-pack-data.mjs IN.wasm [OUT.wasm]` runs it by hand).
//
// Why: asc keeps every static string as a UTF-16 object behind a 20-byte header, and binaryen
// splits the static data into two active segments per string, each with its own offset expression;
// in a filter with many strings the data section is a third of the file. This replaces all the
// active segments with one segment holding the static memory image compressed (the codec is
// cli/src/compile/wasm-pack-codec.mjs), and prepends a small hand-written decoder to `_initialize`.
//
// What it guarantees:
// - After `_initialize`, linear memory is byte-identical to the unpacked module's, everywhere: the
//   decoder writes every byte of the image, zeroes the blob's own bytes again, then calls the
//   original start function, so no AssemblyScript code ever runs before the image is in place.
//   The memory section is not touched (AssemblyScript's allocator sizes its heap from memory.size,
//   so more pages would be a different heap); a blob that fits after the image goes there (where
//   AssemblyScript's heap starts, before it exists), otherwise at the top of the initial memory,
//   decoded in place over itself when the codec proves the output never overtakes the input.
// - Every function index, type and export other than `_initialize` is unchanged: the decoder is
//   appended as the last function, of the type `_initialize` already has (`() -> ()`), and only the
//   `_initialize` export is pointed at it. The datacount section, when present, becomes 1.
// - The source map (`<module>.wasm.map`, one generated line whose columns are module byte offsets)
//   is shifted by exactly as many bytes as the code section moved, so every instruction still maps
//   to the same file:line:column. Every other custom section is kept as it was.
// - A module it cannot pack exactly, or that would not get smaller, comes back unchanged (with the
//   reason). The result is validated and its image decoded again before it is returned.
// - Deterministic (same input, same output) and fast (tens of milliseconds per module).
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decode, encode } from "./wasm-pack-codec.mjs";

const SECTION = { custom: 0, type: 1, import: 2, function: 3, memory: 5, export: 7, start: 8, code: 10, data: 11, dataCount: 12 };
const PAGE = 65536;

/**
 * @typedef {{ id: number, start: number, end: number }} Section  a section's payload is bytes[start, end)
 * @typedef {{ bytes: Uint8Array, map?: string, packed: boolean, reason?: string,
 *             stats?: { imageBytes: number, segments: number, dataSectionBefore: number, blobBytes: number,
 *                       decoderBytes: number, codeShift: number, inPlace: boolean, blobAt: number } }} PackResult
 * @typedef {{ evenIfLarger?: boolean }} PackOptions  evenIfLarger: pack a module that would not get smaller (tests)
 */

/** A reader over one module's bytes. */
class Reader {
  /** @param {Uint8Array} bytes @param {number} [pos] */
  constructor(bytes, pos = 0) { this.bytes = bytes; this.pos = pos; }
  byte() {
    if (this.pos >= this.bytes.length) throw new PackError("truncated module");
    return this.bytes[this.pos++];
  }
  /** unsigned LEB128 (up to 32 bits) */
  u32() {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
    }
    throw new PackError("LEB128 too long");
  }
  /** signed LEB128, for i32.const */
  s32() {
    let v = 0;
    let shift = 0;
    let b;
    do {
      b = this.byte();
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80 && shift < 35);
    if (b & 0x80) throw new PackError("LEB128 too long");
    if (b & 0x40) v -= 2 ** shift;
    return v;
  }
  /** @param {number} n */
  skip(n) {
    if (this.pos + n > this.bytes.length) throw new PackError("truncated module");
    this.pos += n;
  }
}

/** Why a module is left as it was: not a fault, the module is just not one this packs. */
class PackError extends Error {}

/** @param {number} v @returns {number[]} */
export function uleb(v) {
  const out = [];
  while (v >= 0x80) { out.push((v & 0x7f) | 0x80); v = Math.floor(v / 0x80); }
  out.push(v);
  return out;
}

/** @param {number} v @returns {number[]} */
function sleb(v) {
  const out = [];
  for (;;) {
    const b = v & 0x7f;
    v = Math.floor(v / 0x80);
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}

/** @param {Uint8Array} bytes @returns {Section[]} */
function readSections(bytes) {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d || bytes[4] !== 1) {
    throw new PackError("not a wasm module (version 1)");
  }
  const r = new Reader(bytes, 8);
  /** @type {Section[]} */
  const sections = [];
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    sections.push({ id, start: r.pos, end: r.pos + size });
    r.skip(size);
  }
  if (r.pos !== bytes.length) throw new PackError("a section runs past the end of the module");
  return sections;
}

/** @param {number} id @param {ArrayLike<number>} payload @returns {number[]} */
function section(id, payload) {
  return [id, ...uleb(payload.length), ...Array.from(payload)];
}

// --- the decoder, as wasm bytecode -------------------------------------------------------------
// It implements decode() of wasm-pack-codec.mjs; the comments name the same steps. Locals:
const IN = 0, OUT = 1, V = 2, BYTE = 3, LEN = 4, N = 5;
const LOCALS = 6;
const op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, brTable: 0x0e, call: 0x10, select: 0x1b,
  get: 0x20, set: 0x21, tee: 0x22, i32load8u: 0x2d, i32store: 0x36, i64store: 0x37, i32store8: 0x3a, i32store16: 0x3b,
  i32const: 0x41, i64const: 0x42, i32ltu: 0x49, i32add: 0x6a, i32sub: 0x6b, i32and: 0x71, i32or: 0x72, i32shl: 0x74, i32shru: 0x76,
  void: 0x40, bulk: 0xfc, memoryCopy: 0x0a, memoryFill: 0x0b,
};
/** @param {number} v */
const i32 = (v) => [op.i32const, ...sleb(v)];
/** memarg: alignment hint 0 (byte), static offset */
const mem = (offset = 0) => [0, ...uleb(offset)];
/** `local += k` */
const bump = (/** @type {number} */ local, /** @type {number} */ k) => [op.get, local, ...i32(k), op.i32add, op.set, local];
/** `local -= 1`, then branch to the enclosing loop while it is not 0 */
const countDown = (/** @type {number} */ local) => [op.get, local, ...i32(1), op.i32sub, op.tee, local, op.brIf, 0];

/**
 * The body of the function `_initialize` now exports: decode the blob at `blob` into the image at
 * [image, end), zero [zeroFrom, zeroFrom + zeroBytes), call the original start function.
 * @param {{ blob: number, image: number, end: number, zeroFrom: number, zeroBytes: number, start: number }} at
 * @returns {number[]}
 */
export function decoderBody(at) {
  const code = [
    1, LOCALS, 0x7f, // locals: 6 × i32
    ...i32(at.blob), op.set, IN,
    ...i32(at.image), op.set, OUT,
    op.loop, op.void, // per iteration, one varint: a token, or the d of the match token before it
    ...i32(0), op.set, V,
    op.loop, op.void, // v = v << 7 | (byte & 0x7f), while the byte's high bit is set
    op.get, V, ...i32(7), op.i32shl,
    op.get, IN, op.i32load8u, ...mem(), op.tee, BYTE, ...i32(0x7f), op.i32and, op.i32or, op.set, V,
    ...bump(IN, 1),
    op.get, BYTE, ...i32(0x80), op.i32and, op.brIf, 0,
    op.end,
    op.get, LEN, op.if, op.void,
    // v is the d of the match before: len bytes from 2d back, zeros when d = 0
    op.loop, op.void,
    op.get, OUT,
    op.get, OUT, op.get, V, ...i32(1), op.i32shl, op.i32sub, op.i32load8u, ...mem(), ...i32(0), op.get, V, op.select,
    op.i32store8, ...mem(),
    ...bump(OUT, 1),
    ...countDown(LEN),
    op.end,
    op.else,
    op.get, V, ...i32(2), op.i32shru, op.set, N,
    op.block, op.void, op.block, op.void, op.block, op.void, op.block, op.void,
    op.get, V, ...i32(3), op.i32and, op.brTable, 3, 0, 1, 2, 3,
    op.end,
    // literal: n bytes
    op.get, OUT, op.get, IN, op.get, N, op.bulk, op.memoryCopy, 0, 0,
    op.get, OUT, op.get, N, op.i32add, op.set, OUT,
    op.get, IN, op.get, N, op.i32add, op.set, IN,
    op.br, 3,
    op.end,
    // UTF-16: n bytes, each then a zero
    op.loop, op.void,
    op.get, OUT, op.get, IN, op.i32load8u, ...mem(), op.i32store16, ...mem(),
    ...bump(OUT, 2), ...bump(IN, 1),
    ...countDown(N),
    op.end,
    op.br, 2,
    op.end,
    // match: n bytes; its d is the next varint
    op.get, N, op.set, LEN,
    op.br, 1,
    op.end,
    // string header for n UTF-16 units: mmInfo, 0, 0, class id 2, byte length 2n
    op.get, OUT, op.get, N, ...i32(1), op.i32shl, op.tee, N, ...i32(35), op.i32add, ...i32(-16), op.i32and, ...i32(4), op.i32sub,
    op.i32store, ...mem(),
    op.get, OUT, op.i64const, 0, op.i64store, ...mem(4),
    op.get, OUT, ...i32(2), op.i32store, ...mem(12),
    op.get, OUT, op.get, N, op.i32store, ...mem(16),
    ...bump(OUT, 20),
    op.end,
    op.get, OUT, ...i32(at.end), op.i32ltu, op.brIf, 0,
    op.end,
    ...(at.zeroBytes > 0 ? [...i32(at.zeroFrom), ...i32(0), ...i32(at.zeroBytes), op.bulk, op.memoryFill, 0] : []),
    op.call, ...uleb(at.start),
    op.end,
  ];
  return [...uleb(code.length), ...code];
}

// --- the module --------------------------------------------------------------------------------

/**
 * Packs the data section of `wasm` (and shifts its source map `map`, the `.wasm.map` JSON text).
 * @param {Uint8Array} wasm
 * @param {string} [map]
 * @param {PackOptions} [options]
 * @returns {PackResult}
 */
export function packDataSection(wasm, map, options = {}) {
  try {
    return pack(wasm, map, options);
  } catch (e) {
    if (e instanceof PackError) return { bytes: wasm, ...(map !== undefined ? { map } : {}), packed: false, reason: e.message };
    throw e;
  }
}

/** @param {Uint8Array} wasm @param {string | undefined} map @param {PackOptions} options @returns {PackResult} */
function pack(wasm, map, options) {
  const sections = readSections(wasm);
  /** @param {number} id */
  const find = (id) => {
    const all = sections.filter((s) => s.id === id);
    if (all.length > 1) throw new PackError(`more than one section ${id}`);
    return all[0];
  };
  const types = find(SECTION.type), imports = find(SECTION.import), functions = find(SECTION.function), memory = find(SECTION.memory);
  const exports = find(SECTION.export), code = find(SECTION.code), data = find(SECTION.data), dataCount = find(SECTION.dataCount);
  if (data === undefined) throw new PackError("no data section");
  if (find(SECTION.start) !== undefined) throw new PackError("the module has a start section");
  if (types === undefined || functions === undefined || exports === undefined || code === undefined) throw new PackError("no functions");
  if (memory === undefined) throw new PackError("no memory defined in the module");

  // imports: how many functions come before the module's own; an imported memory is not ours to lay out
  let importedFunctions = 0;
  if (imports !== undefined) {
    const r = new Reader(wasm, imports.start);
    for (let i = 0, n = r.u32(); i < n; i++) {
      r.skip(r.u32());
      r.skip(r.u32());
      const kind = r.byte();
      if (kind === 0) { importedFunctions++; r.u32(); } else if (kind === 2) throw new PackError("the memory is imported");
      else if (kind === 1) { r.byte(); limits(r); } else if (kind === 3) { r.byte(); r.byte(); } else throw new PackError(`import kind ${kind}`);
    }
  }

  // memory: one, 32-bit, not shared; its initial size bounds where the blob may go
  let memoryTop;
  {
    const r = new Reader(wasm, memory.start);
    if (r.u32() !== 1) throw new PackError("not exactly one memory");
    const flags = wasm[r.pos];
    if (flags !== 0 && flags !== 1) throw new PackError(`memory flags ${flags} (shared or 64-bit)`);
    memoryTop = limits(r).initial * PAGE;
  }

  // types: which are () -> ()
  const tr = new Reader(wasm, types.start);
  /** @type {boolean[]} */
  const isVoid = [];
  for (let i = 0, n = tr.u32(); i < n; i++) {
    if (tr.byte() !== 0x60) throw new PackError("a type that is not a function type");
    const params = valueTypes(tr);
    const results = valueTypes(tr);
    isVoid.push(params === 0 && results === 0);
  }
  if (tr.pos !== types.end) throw new PackError("malformed type section");

  // functions: the type of each; the decoder is appended with the type of _initialize, () -> ()
  const fr = new Reader(wasm, functions.start);
  const definedFunctions = fr.u32();
  const functionTypesAt = fr.pos;
  const typeOf = [];
  for (let i = 0; i < definedFunctions; i++) typeOf.push(fr.u32());
  if (fr.pos !== functions.end) throw new PackError("malformed function section");
  const decoderIndex = importedFunctions + definedFunctions;

  // exports: only _initialize changes
  let start = -1;
  const newExports = [];
  {
    const r = new Reader(wasm, exports.start);
    const n = r.u32();
    newExports.push(...uleb(n));
    for (let i = 0; i < n; i++) {
      const from = r.pos;
      const nameLength = r.u32();
      const exportName = new TextDecoder().decode(wasm.subarray(r.pos, r.pos + nameLength));
      r.skip(nameLength);
      const kind = r.byte();
      const indexAt = r.pos;
      const index = r.u32();
      if (exportName === "_initialize" && kind === 0) {
        start = index;
        newExports.push(...wasm.subarray(from, indexAt), ...uleb(decoderIndex));
      } else {
        newExports.push(...wasm.subarray(from, r.pos));
      }
    }
  }
  if (start < 0) throw new PackError("no _initialize export");
  if (start < importedFunctions) throw new PackError("_initialize is an imported function");
  const startType = typeOf[start - importedFunctions];
  if (isVoid[startType] !== true) throw new PackError("_initialize is not a () -> () function");
  const newFunctions = [...uleb(definedFunctions + 1), ...wasm.subarray(functionTypesAt, functions.end), ...uleb(startType)];

  // data: every segment active, in memory 0, at an i32.const offset; the image they write
  const segments = [];
  {
    const r = new Reader(wasm, data.start);
    for (let i = 0, n = r.u32(); i < n; i++) {
      const flags = r.u32();
      if (flags !== 0) throw new PackError(`data segment ${i} is not active in memory 0 (flags ${flags})`);
      if (r.byte() !== op.i32const) throw new PackError(`data segment ${i} has a non-constant offset`);
      const offset = r.s32();
      if (r.byte() !== op.end) throw new PackError(`data segment ${i} has a non-constant offset`);
      const size = r.u32();
      segments.push({ offset, bytes: wasm.subarray(r.pos, r.pos + size) });
      r.skip(size);
    }
    if (r.pos !== data.end) throw new PackError("malformed data section");
  }
  const nonEmpty = segments.filter((s) => s.bytes.length > 0);
  if (nonEmpty.length === 0) throw new PackError("no static data");
  const lo = Math.min(...nonEmpty.map((s) => s.offset));
  const hi = Math.max(...nonEmpty.map((s) => s.offset + s.bytes.length));
  if (lo < 0 || hi > memoryTop) throw new PackError("a data segment lies outside the initial memory");
  if (dataCount !== undefined && new Reader(wasm, dataCount.start).u32() !== segments.length) throw new PackError("datacount does not match the data section");
  // memory.init / data.drop name segments by index, and there would be one: refuse any code that
  // might use them. A byte scan, so it can refuse a module that does not (0xfc 0x08|0x09 inside an
  // immediate), never accept one that does.
  for (let p = code.start; p + 1 < code.end; p++) {
    if (wasm[p] === op.bulk && (wasm[p + 1] === 0x08 || wasm[p + 1] === 0x09)) throw new PackError("the code may use memory.init or data.drop");
  }
  const image = new Uint8Array(hi - lo);
  for (const s of segments) image.set(s.bytes, s.offset - lo); // in order: a later segment wins, as at instantiation

  const blob = encode(image);
  const { image: again, lead } = decode(blob, image.length);
  if (!equalBytes(again, image)) throw new Error("wasm-pack-data: the codec did not round-trip this image (a bug)");
  // where the blob goes: after the image, else at the top of memory, decoded in place
  let blobAt = hi;
  let inPlace = false;
  if (hi + blob.length > memoryTop) {
    blobAt = memoryTop - blob.length;
    inPlace = true;
    if (blobAt < lo + lead) throw new PackError(`the packed image does not fit in the initial memory (${memoryTop / PAGE} pages)`);
  }
  const zeroFrom = Math.max(blobAt, hi);
  const body = decoderBody({ blob: blobAt, image: lo, end: hi, zeroFrom, zeroBytes: blobAt + blob.length - zeroFrom, start });

  const cr = new Reader(wasm, code.start);
  const bodies = cr.u32();
  if (bodies !== definedFunctions) throw new PackError("function and code sections disagree");
  const oldFirstBody = cr.pos;
  const newCode = [...uleb(bodies + 1), ...wasm.subarray(cr.pos, code.end), ...body];
  const newData = [1, 0, ...i32(blobAt), op.end, ...uleb(blob.length), ...blob];

  /** @type {number[]} */
  const out = [...wasm.subarray(0, 8)];
  let newFirstBody = -1;
  for (const s of sections) {
    const payload = s.id === SECTION.function ? newFunctions
      : s.id === SECTION.export ? newExports
      : s.id === SECTION.dataCount ? uleb(1)
      : s.id === SECTION.code ? newCode
      : s.id === SECTION.data ? newData
      : wasm.subarray(s.start, s.end);
    if (s.id === SECTION.code) newFirstBody = out.length + 1 + uleb(payload.length).length + uleb(bodies + 1).length;
    out.push(...section(s.id, payload));
  }
  const bytes = Uint8Array.from(out);
  const codeShift = newFirstBody - oldFirstBody;
  if (bytes.length >= wasm.length && options.evenIfLarger !== true) throw new PackError(`packing would not make it smaller (${wasm.length} -> ${bytes.length} B)`);
  if (!WebAssembly.validate(bytes)) throw new Error("wasm-pack-data: the packed module does not validate (a bug)");
  const newMap = map === undefined ? undefined : shiftSourceMap(map, codeShift, oldFirstBody, code.end);
  return {
    bytes, ...(newMap !== undefined ? { map: newMap } : {}), packed: true,
    stats: {
      imageBytes: image.length, segments: segments.length, dataSectionBefore: data.end - data.start, blobBytes: blob.length,
      decoderBytes: body.length, codeShift, inPlace, blobAt,
    },
  };
}

/**
 * Skips a vector of value types, returning how many; only the one-byte types (numbers, vectors,
 * funcref, externref), so that a type index is all the type section needs to be read for.
 * @param {Reader} r
 */
function valueTypes(r) {
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const t = r.byte();
    if (!(t >= 0x7b && t <= 0x7f) && t !== 0x70 && t !== 0x6f) throw new PackError(`value type 0x${t.toString(16)}`);
  }
  return n;
}

/** @param {Reader} r @returns {{ initial: number, maximum?: number }} */
function limits(r) {
  const flags = r.byte();
  const initial = r.u32();
  return flags & 1 ? { initial, maximum: r.u32() } : { initial };
}

/** @param {Uint8Array} a @param {Uint8Array} b */
function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// --- the source map ----------------------------------------------------------------------------
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_VALUE = new Map([...B64].map((c, i) => [c, i]));

/** The integers of one base64-VLQ segment. @param {string} segment @returns {number[]} */
function vlqDecode(segment) {
  const out = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const d = B64_VALUE.get(ch);
    if (d === undefined) throw new PackError(`source map: bad VLQ character ${JSON.stringify(ch)}`);
    value += (d & 31) * 2 ** shift;
    if (d & 32) { shift += 5; continue; }
    out.push(value % 2 === 1 ? -Math.floor(value / 2) : Math.floor(value / 2));
    value = 0;
    shift = 0;
  }
  if (shift !== 0) throw new PackError("source map: truncated VLQ");
  return out;
}

/** @param {number[]} values */
function vlqEncode(values) {
  let out = "";
  for (const v of values) {
    let x = v < 0 ? -v * 2 + 1 : v * 2;
    do {
      let d = x % 32;
      x = Math.floor(x / 32);
      if (x > 0) d += 32;
      out += B64[d];
    } while (x > 0);
  }
  return out;
}

/**
 * `map` with every generated column moved by `shift`. Columns are module byte offsets, each line's
 * first segment absolute and the rest relative, so only first segments change; all columns must lie
 * in the code section [codeFrom, codeTo), the only bytes that move together.
 * @param {string} map @param {number} shift @param {number} codeFrom @param {number} codeTo
 */
export function shiftSourceMap(map, shift, codeFrom, codeTo) {
  const parsed = JSON.parse(map);
  const mappings = parsed.mappings;
  if (typeof mappings !== "string") throw new PackError("source map without mappings");
  const lines = mappings.split(";").map((line) => {
    if (line === "") return line;
    const segments = line.split(",");
    let column = 0;
    for (const s of segments) {
      column += vlqDecode(s)[0] ?? 0;
      if (column < codeFrom || column >= codeTo) throw new PackError(`source map: column ${column} is outside the code section`);
    }
    const first = vlqDecode(segments[0]);
    first[0] += shift;
    segments[0] = vlqEncode(first);
    return segments.join(",");
  });
  const shifted = lines.join(";");
  // rewrite only the mappings value, so the rest of the file stays as asc wrote it
  const key = `"mappings":${JSON.stringify(mappings)}`;
  const at = map.indexOf(key);
  if (at < 0 || map.indexOf(key, at + 1) >= 0) throw new PackError("source map: mappings not found once in the text");
  const text = map.slice(0, at) + `"mappings":${JSON.stringify(shifted)}` + map.slice(at + key.length);
  if (JSON.parse(text).mappings !== shifted) throw new Error("wasm-pack-data: source map rewrite failed (a bug)");
  return text;
}

/**
 * Packs the module file `path` in place (and `path.map` beside it, when there is one).
 * @param {string} path @param {string} [outPath]
 * @returns {PackResult}
 */
export function packFile(path, outPath = path) {
  const mapPath = `${path}.map`;
  const map = existsSync(mapPath) ? readFileSync(mapPath, "utf8") : undefined;
  const result = packDataSection(new Uint8Array(readFileSync(path)), map);
  if (result.packed) {
    writeFileSync(outPath, result.bytes);
    if (result.map !== undefined) writeFileSync(`${outPath}.map`, result.map);
  } else if (outPath !== path) {
    writeFileSync(outPath, result.bytes);
    if (map !== undefined) writeFileSync(`${outPath}.map`, map);
  }
  return result;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [input, output] = process.argv.slice(2);
  if (input === undefined) {
    console.error("usage: node cli/src/compile/wasm-pack-data.mjs IN.wasm [OUT.wasm]  (OUT defaults to IN; IN.map is shifted along)");
    process.exit(2);
  }
  const before = readFileSync(input).length;
  const r = packFile(input, output);
  console.log(r.packed ? `${input}: ${before} -> ${r.bytes.length} B` : `${input}: left as it was: ${r.reason}`);
}
