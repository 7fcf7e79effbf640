// Types of cli/src/compile/wasm-pack-data.mjs (plain JavaScript: it ran on Node alone before the build moved into @filterkit/cli; tsc reads these declarations, cli/scripts/after-build.mjs ships the .mjs).
export interface PackStats {
  /** bytes from the lowest to the highest byte any data segment writes */
  imageBytes: number;
  /** data segments before packing */
  segments: number;
  /** data section payload before packing */
  dataSectionBefore: number;
  /** the compressed image */
  blobBytes: number;
  /** the new function's body, size field included */
  decoderBytes: number;
  /** how far the code section (and so every source-map column) moved */
  codeShift: number;
  /** the blob sits at the top of the initial memory and is decoded over itself */
  inPlace: boolean;
  /** where the blob was placed */
  blobAt: number;
}
export interface PackResult {
  bytes: Uint8Array;
  map?: string;
  packed: boolean;
  /** why the module was left as it was */
  reason?: string;
  stats?: PackStats;
}
export interface PackOptions {
  /** pack even when the module would not get smaller (tests use it to run the decoder on any image) */
  evenIfLarger?: boolean;
}
/** Packs the data section of `wasm`, shifting its source map text `map` along. */
export declare function packDataSection(wasm: Uint8Array, map?: string, options?: PackOptions): PackResult;
/** Packs the module file `path` (and `path.map`) into `outPath` (default: in place). */
export declare function packFile(path: string, outPath?: string): PackResult;
/** The decoder function's body (size field included). */
export declare function decoderBody(at: { blob: number; image: number; end: number; zeroFrom: number; zeroBytes: number; start: number }): number[];
/** `map` with every generated column in [codeFrom, codeTo) moved by `shift`. */
export declare function shiftSourceMap(map: string, shift: number, codeFrom: number, codeTo: number): string;
/** `v` as unsigned LEB128. */
export declare function uleb(v: number): number[];
