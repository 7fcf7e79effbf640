// The data-section packer (cli/src/compile/wasm-pack-data.mjs) and its codec (cli/src/compile/wasm-pack-codec.mjs):
// the codec round-trips any image and never expands it much; the hand-written wasm decoder rebuilds
// exactly what the reference decoder does, including in place; the module keeps every index, export
// and source position; and every release module the build produced leaves linear memory exactly as
// the module asc wrote (kept by scripts/build.ts in .cache/unpacked) after `_initialize`.
import binaryen from "binaryen";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createHost, TrapError } from "@filterkit/host-mock";
import { exportedFunctionIndices } from "../../host-mock/src/loader.ts";
import { SeededRandom } from "../../host-mock/src/prng.ts";
import { decodeVlq } from "../../host-mock/src/source-map.ts";
import { decode, encode, stringMmInfo } from "../src/compile/wasm-pack-codec.mjs";
import { packDataSection, shiftSourceMap } from "../src/compile/wasm-pack-data.mjs";

const root = resolve(import.meta.dirname, "../..");
const PAGE = 65536;

// --- images ------------------------------------------------------------------------------------

const random = (seed: number, n: number): Uint8Array => new SeededRandom(seed).bytes(n);
const utf16 = (text: string): Uint8Array => {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) { out[2 * i] = text.charCodeAt(i) & 0xff; out[2 * i + 1] = text.charCodeAt(i) >> 8; }
  return out;
};
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
/** A static string as asc lays it out: mmInfo, two GC words, class id 2, byte length, UTF-16, padding. */
const asString = (text: string): Uint8Array => {
  const payload = utf16(text);
  const block = new Uint8Array(stringMmInfo(payload.length) + 4);
  const view = new DataView(block.buffer);
  view.setUint32(0, stringMmInfo(payload.length), true);
  view.setUint32(12, 2, true);
  view.setUint32(16, payload.length, true);
  block.set(payload, 20);
  return block;
};
/** Byte equality that stays fast on whole memories, naming the first difference when there is one. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array, what = "bytes"): void {
  if (actual.length === expected.length && Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(expected)) return;
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  expect.fail(`${what} differ at byte ${at} (lengths ${actual.length} and ${expected.length}): ${actual[at]} where ${expected[at]} was expected`);
}
const repeat = (pattern: ArrayLike<number>, n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => pattern[i % pattern.length]);
const nonZero = (seed: number, n: number): Uint8Array => random(seed, n).map((b) => (b === 0 ? 1 : b));
const words = "request response header path authority cookie x-forwarded-for content-type ~lib/rt/tlsf.ts Invalid length";

const IMAGES: Array<[string, Uint8Array]> = [
  ["empty", new Uint8Array(0)],
  ...[1, 2, 3, 4, 31, 32, 33, 257, 70_000].map((n): [string, Uint8Array] => [`${n} zeros`, new Uint8Array(n)]),
  ...[1, 2, 3, 100, 5000].map((n): [string, Uint8Array] => [`${n} non-zero bytes`, nonZero(n, n)]),
  ...[1, 7, 255, 256, 257, 4096, 20_000].map((n): [string, Uint8Array] => [`${n} random bytes`, random(n + 1, n)]),
  ["one byte repeated", repeat([0x41], 10_000)],
  ["period 2", repeat([0x41, 0], 9_999)],
  ["period 3", repeat([1, 2, 3], 10_000)],
  ["period 257", repeat(random(3, 257), 30_000)],
  ["random then its repeat", concat(random(4, 3000), random(4, 3000), random(4, 100))],
  ["UTF-16 ASCII text", utf16(words.repeat(40))],
  ["UTF-16 one long line", utf16("x".repeat(300) + "y".repeat(1000))],
  ["UTF-16 non-ASCII text", utf16("ünïcödé — ✓ 日本語 ".repeat(30))],
  ["AssemblyScript strings", concat(...words.split(" ").map(asString), asString(""), asString("x".repeat(200)), asString("ü"))],
  ["strings, tables and gaps", concat(asString("abort: "), new Uint8Array(48), Uint8Array.from({ length: 64 }, (_, i) => (i % 4 === 0 ? 0x90 + i : 0)), asString(words), new Uint8Array(3))],
  ["headers without payload", concat(...Array.from({ length: 50 }, (_, i) => asString("k".repeat(i)).subarray(0, 20)))],
  ["zeros, then random", concat(new Uint8Array(30_000), random(5, 30_000))],
];

describe("codec (cli/src/compile/wasm-pack-codec.mjs)", () => {
  it.each(IMAGES)("round-trips %s, never longer than literal runs would make it", (_name, image) => {
    const blob = encode(image);
    expectSameBytes(decode(blob, image.length).image, image);
    // the parse is optimal, so at worst runs of 4,095 literal bytes, each behind a 2-byte token
    expect(blob.length).toBeLessThanOrEqual(image.length + 2 * Math.ceil(image.length / 4095));
    expectSameBytes(encode(image), blob, "two encodings"); // deterministic
  });

  it("round-trips 100 random mixtures of the cases above", () => {
    const rng = new SeededRandom(42);
    for (let round = 0; round < 100; round++) {
      const parts: Uint8Array[] = [];
      for (let k = rng.nextU32() % 8; k >= 0; k--) {
        const [, image] = IMAGES[rng.nextU32() % IMAGES.length];
        const from = rng.nextU32() % (image.length + 1);
        parts.push(image.subarray(from, from + (rng.nextU32() % 3000)));
      }
      const image = concat(...parts);
      expectSameBytes(decode(encode(image), image.length).image, image, `mixture ${round}`);
    }
  });

  it("compresses what AssemblyScript's static data is made of", () => {
    expect(encode(new Uint8Array(70_000)).length).toBeLessThanOrEqual(4); // one match of zeros
    const text = utf16(words);
    expect(encode(text).length).toBeLessThan(text.length / 2 + 8); // the UTF-16 trick
    const strings = concat(...words.split(" ").map(asString));
    expect(encode(strings).length).toBeLessThan(words.length + 40); // headers cost a byte or two
  });

  it("reports how far output runs ahead of input (what decoding in place needs)", () => {
    const { lead } = decode(encode(concat(new Uint8Array(10_000), random(6, 1000))), 11_000);
    expect(lead).toBeGreaterThanOrEqual(10_000 - 8);
    expect(decode(encode(random(7, 1000)), 1000).lead).toBeLessThanOrEqual(0);
  });

  it("refuses a stream the wasm decoder would misread", () => {
    expect(() => decode(Uint8Array.of(4 * 3 + 0, 1, 2), 3)).toThrow(/ends at byte 3/); // literal of 3, 2 bytes given
    expect(() => decode(Uint8Array.of(4 * 3 + 2, 1), 3)).toThrow(/reaches 2 bytes back/); // match before the image
    expect(() => decode(Uint8Array.of(4 * 5 + 2, 0), 3)).toThrow(/past the end/); // 5 zeros into 3 bytes
    expect(() => decode(Uint8Array.of(0 + 2, 0), 3)).toThrow(/empty match/);
    expect(() => decode(Uint8Array.of(0 + 1), 3)).toThrow(/empty UTF-16/);
    expect(decode(Uint8Array.of(0x81, 0x00 + 0, ...new Uint8Array(32).fill(9)), 32).image).toEqual(new Uint8Array(32).fill(9)); // varint 128 = literal of 32
  });
});

// --- modules built here ------------------------------------------------------------------------

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => `\\${b.toString(16).padStart(2, "0")}`).join("");

interface Synthetic {
  segments: Array<[number, Uint8Array]>;
  /** initial and maximum pages */
  memory?: string;
  /** `_initialize`'s body; by default it copies 16 image bytes to address 16, and memory.size to 8 */
  start?: string;
  /** more module fields */
  extra?: string;
}

/** A module shaped like asc's output: an import, exported memory, active segments, `_initialize`. */
function synthetic(spec: Synthetic): Uint8Array {
  const first = spec.segments[0]?.[0] ?? 1024;
  const text = `(module
    (import "env" "probe" (func $probe (param i32)))
    (memory (export "memory") ${spec.memory ?? "1"})
    ${spec.segments.map(([at, bytes]) => `(data (i32.const ${at}) "${hex(bytes)}")`).join("\n")}
    (global $g (mut i32) (i32.const 7))
    (func $start (export "_initialize")
      ${spec.start ?? `(memory.copy (i32.const 16) (i32.const ${first}) (i32.const 16)) (i32.store (i32.const 8) (memory.size))`})
    (func (export "probe_it") (result i32) (call $probe (i32.const 1)) (global.get $g))
    ${spec.extra ?? ""})`;
  const m = binaryen.parseText(text);
  m.setFeatures(binaryen.Features.MVP | binaryen.Features.BulkMemory | binaryen.Features.SignExt | binaryen.Features.MutableGlobals);
  try {
    return m.emitBinary();
  } finally {
    m.dispose();
  }
}

/** Instantiates with a function returning 0 for every import, runs `_initialize`, returns memory. */
function memoryAfterInitialize(bytes: Uint8Array): Uint8Array {
  const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  const imports: Record<string, Record<string, () => number>> = {};
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.kind !== "function") throw new Error(`cannot stub a ${i.kind} import`);
    (imports[i.module] ??= {})[i.name] = () => 0;
  }
  const instance = new WebAssembly.Instance(module, imports);
  (instance.exports._initialize as () => void)();
  return new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer).slice();
}

/** Sections by id: payload bytes (custom sections by name). */
function sections(bytes: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  let p = 8;
  const leb = (): number => {
    let v = 0, shift = 0, b: number;
    do { b = bytes[p++]; v += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return v;
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    const payload = bytes.subarray(p, p + size);
    let key = String(id);
    if (id === 0) { const q = p; const n = leb(); key = `custom:${new TextDecoder().decode(bytes.subarray(p, p + n))}`; p = q; }
    out.set(key, payload);
    p += size;
  }
  return out;
}

/** Packs a synthetic module (even when it does not pay, so the decoder always runs) and checks it. */
function packAndCompare(spec: Synthetic): ReturnType<typeof packDataSection> {
  const wasm = synthetic(spec);
  const result = packDataSection(wasm, undefined, { evenIfLarger: true });
  expect(result.reason).toBeUndefined();
  expect(result.packed).toBe(true);
  expectSameBytes(memoryAfterInitialize(result.bytes), memoryAfterInitialize(wasm), "memories after _initialize");
  return result;
}

describe("the wasm decoder (cli/src/compile/wasm-pack-data.mjs)", () => {
  it.each(IMAGES.filter(([, image]) => image.length > 0 && image.length < PAGE - 2048))("rebuilds %s exactly", (_name, image) => {
    packAndCompare({ segments: [[1024, image]], memory: "2" });
  });

  it("rebuilds many segments, gaps between them, overlaps (the later wins) and odd addresses", () => {
    const r = packAndCompare({
      segments: [[1025, asString("first")], [1100, utf16("hello")], [1104, Uint8Array.of(0xaa, 0xbb)], [3001, random(8, 77)], [40_000, asString("far")]],
    });
    expect(r.stats?.segments).toBe(5);
  });

  it("decodes in place when the blob does not fit after the image, and zeroes what is left of it", () => {
    // 60 KB of UTF-16 letters up to 16 bytes below the top of the page: the blob cannot go after it
    const image = utf16(Array.from(random(11, 30_000), (b) => String.fromCharCode(97 + (b % 26))).join(""));
    const r = packAndCompare({ segments: [[PAGE - 16 - image.length, image]] });
    expect(r.stats?.inPlace).toBe(true);
    expect(r.stats?.blobAt).toBe(PAGE - (r.stats?.blobBytes ?? 0));
  });

  it("leaves a module it cannot decode in place as it was (memory is never grown: the heap would differ)", () => {
    // zeros first (output far ahead of input), random bytes to the very top of memory
    const wasm = synthetic({ segments: [[1024, concat(new Uint8Array(32_000), random(9, PAGE - 1024 - 32_000))]] });
    const r = packDataSection(wasm);
    expect(r).toMatchObject({ packed: false, reason: expect.stringMatching(/does not fit in the initial memory/) });
    expect(r.bytes).toBe(wasm);
  });

  it("keeps every index, type and export, the memory's limits and the other sections; datacount becomes 1", () => {
    const wasm = synthetic({ segments: [[1024, asString(words)], [2048, asString("x")]], memory: "1 4", extra: `(table 1 funcref) (elem (i32.const 0) $start)` });
    const r = packDataSection(wasm, undefined, { evenIfLarger: true });
    const before = sections(wasm), after = sections(r.bytes);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const id of ["1", "2", "4", "5", "6", "9"]) expect(after.get(id), `section ${id}`).toEqual(before.get(id));
    expect(after.get("12")).toEqual(Uint8Array.of(1));
    const exportsBefore = exportedFunctionIndices(wasm), exportsAfter = exportedFunctionIndices(r.bytes);
    expect(exportsAfter.get(3)).toBe("_initialize"); // 1 import + 2 functions: the decoder is function 3
    exportsBefore.delete(1);
    exportsAfter.delete(3);
    expect(exportsAfter).toEqual(exportsBefore);
    const module = new WebAssembly.Module(r.bytes as Uint8Array<ArrayBuffer>);
    expect(WebAssembly.Module.exports(module)).toEqual(WebAssembly.Module.exports(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>)));
  });

  it("is deterministic", () => {
    const wasm = synthetic({ segments: [[1024, concat(asString(words), random(10, 500), utf16(words))]] });
    expect(packDataSection(wasm).bytes).toEqual(packDataSection(wasm).bytes);
  });

  it("leaves a module that would not get smaller as it was", () => {
    const wasm = synthetic({ segments: [[1024, Uint8Array.of(1, 2, 3)]] });
    const r = packDataSection(wasm);
    expect(r).toMatchObject({ packed: false, reason: expect.stringMatching(/would not make it smaller/) });
    expect(r.bytes).toBe(wasm);
  });

  it.each([
    ["a start section", { extra: "(start $start)" }, /start section/],
    ["a passive segment", { extra: `(data $p "abc")` }, /not active/],
    ["data.drop in its code", { extra: `(func (data.drop 0))` }, /memory.init or data.drop/],
    ["no _initialize", {}, null],
  ] as Array<[string, Partial<Synthetic>, RegExp | null]>)("leaves a module with %s as it was", (_name, spec, reason) => {
    let wasm = synthetic({ segments: [[1024, asString(words.repeat(3))]], ...spec });
    if (reason === null) wasm = renameExport(wasm, "_initialize", "_initializf");
    const r = packDataSection(wasm);
    expect(r.packed).toBe(false);
    expect(r.reason).toMatch(reason ?? /no _initialize/);
    expect(r.bytes).toBe(wasm);
  });
});

/** `wasm` with an export renamed to a name of the same length. */
function renameExport(wasm: Uint8Array, from: string, to: string): Uint8Array {
  const out = wasm.slice();
  const needle = new TextEncoder().encode(from);
  for (let i = 0; i + needle.length <= out.length; i++) {
    if (needle.every((b, k) => out[i + k] === b)) { out.set(new TextEncoder().encode(to), i); return out; }
  }
  throw new Error(`no ${from}`);
}

// --- source maps -------------------------------------------------------------------------------

/** Every mapping of a source map as absolute [column, source, line, column] (one line). */
function mappings(map: string): number[][] {
  const text = (JSON.parse(map) as { mappings: string }).mappings;
  const out: number[][] = [];
  const abs = [0, 0, 0, 0];
  for (const line of text.split(";")) {
    abs[0] = 0;
    for (const seg of line.split(",")) {
      if (seg === "") continue;
      const v = decodeVlq(seg);
      for (let i = 0; i < v.length && i < 4; i++) abs[i] += v[i];
      out.push(abs.slice(0, Math.min(4, v.length)));
    }
  }
  return out;
}

describe("source map shift", () => {
  const map = JSON.stringify({ version: 3, sources: ["a.ts", "b.ts"], names: [], mappings: "gBAAA,EAAC,CACA,IAAI;kBAAA,EAAE", sourceRoot: "./release" });

  it("moves every generated column by the shift, touching nothing else in the file", () => {
    const shifted = shiftSourceMap(map, 3, 10, 1000);
    expect(mappings(shifted)).toEqual(mappings(map).map(([c, ...rest]) => [c + 3, ...rest]));
    const { mappings: _a, ...restBefore } = JSON.parse(map) as Record<string, unknown>;
    const { mappings: _b, ...restAfter } = JSON.parse(shifted) as Record<string, unknown>;
    expect(restAfter).toEqual(restBefore);
    expect(shifted.replace(/"mappings":"[^"]*"/, "")).toBe(map.replace(/"mappings":"[^"]*"/, ""));
  });

  it("refuses a map with a column outside the code section (it would not move with the code)", () => {
    expect(() => shiftSourceMap(map, 3, 20, 1000)).toThrow(/outside the code section/);
  });
});

// --- every release module the build produced ---------------------------------------------------

/** The AssemblyScript 0.28 entries scripts/build.ts packs (as it finds them; not cli/template/, a packing-time copy): their release.wasm. */
function packedReleaseModules(): string[] {
  const out: string[] = [];
  const skip = new Set(["node_modules", "build", "dist", ".git", ".cache", "template"]);
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (skip.has(name)) continue;
      const path = join(dir, name);
      if (!statSync(path).isDirectory() || path === join(root, "sdk", "assembly")) continue;
      if (name === "assembly" && existsSync(join(path, "index.ts"))) {
        const config = join(dir, "asconfig.json");
        const compiler = existsSync(config) ? (JSON.parse(readFileSync(config, "utf8")) as { "x-compiler"?: string })["x-compiler"] : undefined;
        if (compiler === undefined || compiler === "assemblyscript") out.push(join(dir, "build", "release.wasm"));
      } else {
        walk(path);
      }
    }
  };
  walk(root);
  return out.sort();
}

const RELEASES = packedReleaseModules().map((p) => relative(root, p));
const unpackedOf = (rel: string): string => join(root, ".cache", "unpacked", rel);

describe("release modules as the build packed them", () => {
  it("are all there, each with the module asc wrote beside it in .cache/unpacked", () => {
    expect(RELEASES.length).toBeGreaterThan(30);
    for (const rel of RELEASES) {
      expect(existsSync(join(root, rel)), `${rel} is missing: run npm run build`).toBe(true);
      expect(existsSync(unpackedOf(rel)), `${unpackedOf(rel)} is missing: run npm run build`).toBe(true);
    }
  });

  it.each(RELEASES)("%s: packed as the packer packs asc's module, memory after _initialize identical", (rel) => {
    const shipped = new Uint8Array(readFileSync(join(root, rel)));
    const shippedMap = readFileSync(`${join(root, rel)}.map`, "utf8");
    const original = new Uint8Array(readFileSync(unpackedOf(rel)));
    const originalMap = readFileSync(`${unpackedOf(rel)}.map`, "utf8");
    const r = packDataSection(original, originalMap);
    // the build's output is exactly what packing asc's output gives (the packer is deterministic)
    expect(r.bytes.length, "the build output is not the packed module: run npm run build").toBe(shipped.length);
    expectSameBytes(r.bytes, shipped, "packed and shipped modules");
    expect(r.map ?? originalMap).toBe(shippedMap);
    expectSameBytes(memoryAfterInitialize(shipped), memoryAfterInitialize(original), "memories after _initialize");
    if (!r.packed) return;
    expect(shipped.length).toBeLessThan(original.length);
    // the same imports and exports, every export at the same function but _initialize
    const [a, b] = [original, shipped].map((bytes) => new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>));
    expect(WebAssembly.Module.imports(b)).toEqual(WebAssembly.Module.imports(a));
    expect(WebAssembly.Module.exports(b)).toEqual(WebAssembly.Module.exports(a));
    const before = [...exportedFunctionIndices(original)].filter(([, name]) => name !== "_initialize");
    const after = [...exportedFunctionIndices(shipped)].filter(([, name]) => name !== "_initialize");
    expect(after).toEqual(before);
    // every instruction keeps its source position: each mapping moved by exactly the code shift
    const shift = r.stats?.codeShift ?? NaN;
    expect(mappings(shippedMap)).toEqual(mappings(originalMap).map(([c, ...rest]) => [c + shift, ...rest]));
  });

  it("a trap names the same frames and source positions before and after packing", () => {
    const rel = "sdk/test/fixtures/abort/build/release.wasm";
    const trap = (wasm: string): TrapError => {
      const host = createHost({ wasm, rootId: "abort" });
      try {
        host.newHttpStream().sendRequestHeaders([[":method", "GET"], [":path", "/throw"], [":authority", "a"]], true);
      } catch (e) {
        if (e instanceof TrapError) return e;
        throw e;
      }
      throw new Error("expected a trap");
    };
    const packed = trap(join(root, rel));
    const unpacked = trap(unpackedOf(rel));
    const shift = packDataSection(new Uint8Array(readFileSync(unpackedOf(rel)))).stats?.codeShift ?? NaN;
    expect(shift).toBeGreaterThan(0); // the code did move, so the map had to be shifted
    expect(packed.frames.map((f) => [f.functionIndex, f.functionName, f.source, f.offset - shift]))
      .toEqual(unpacked.frames.map((f) => [f.functionIndex, f.functionName, f.source, f.offset]));
    expect(packed.frames.map((f) => f.source)).toContain("sdk/test/fixtures/abort/assembly/index.ts:13:23");
    expect(packed.abortMessage).toBe(unpacked.abortMessage);
  });
});
