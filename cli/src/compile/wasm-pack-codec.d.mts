// Types of cli/src/compile/wasm-pack-codec.mjs (plain JavaScript: it ran on Node alone before the build moved into @filterkit/cli; tsc reads these declarations, cli/scripts/after-build.mjs ships the .mjs).
export declare const LITERAL: 0;
export declare const UTF16: 1;
export declare const MATCH: 2;
export declare const STRING_HEADER: 3;
export declare const MIN_MATCH: number;
export declare const STRING_HEADER_SIZE: number;
export declare const STRING_CLASS_ID: number;
/** Bytes of `v` as a varint (most significant 7 bits first, high bit = more follow). */
export declare function varintSize(v: number): number;
/** Appends `v` (below 2^32) to `out` as a varint. */
export declare function writeVarint(out: number[], v: number): void;
/** mmInfo of a static AssemblyScript string whose UTF-16 payload is `bytes` long. */
export declare function stringMmInfo(bytes: number): number;
/** The token stream for `image` (deterministic). */
export declare function encode(image: Uint8Array): Uint8Array;
/**
 * Decodes `blob` into an image of `size` bytes as the wasm decoder does; `lead` is the most the
 * output ran ahead of the input after any token. Throws on a stream the wasm decoder would misread.
 */
export declare function decode(blob: Uint8Array, size: number): { image: Uint8Array; lead: number };
