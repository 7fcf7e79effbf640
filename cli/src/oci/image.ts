// A filter's OCI image in memory: the manifest, config and layer blobs that `filterkit package`
// writes as an OCI image layout (layout.ts) and `--push` sends to a registry, in one of the two
// variants Istio's fetcher accepts (facts §1.2, shared reference §2):
// - "compat" (the default): one layer, gzip(tar with plugin.wasm), typed OCI tar+gzip; an OCI image
//   config (Istio never fetches it, a registry only needs it to exist); the manifest annotation
//   module.wasm.image/variant=compat (solo-io/wasm spec/spec-compat.md).
// - "oci": the runtime config (application/vnd.module.wasm.config.v1+json) as the manifest's config
//   and as its first layer, then the raw .wasm (application/vnd.module.wasm.content.layer.v1+wasm),
//   titled runtime-config.json / filter.wasm (spec/spec.md): exactly 2 layers, as Istio requires.
// Deterministic: the same module and options give byte-identical blobs, so the same manifest digest,
// which is what a WasmPlugin's `sha256` must be. No timestamps anywhere; JSON written with a fixed key
// order (annotations sorted); tar from tar.ts; gzip with mtime 0, no file name and the OS byte pinned.
import { createHash } from "node:crypto";
import { constants, gzipSync } from "node:zlib";
import { CliError, EXIT } from "../errors.ts";
import {
  ABI_VERSION, ANNOTATION_TITLE, ANNOTATION_WASM_VARIANT, COMPAT_WASM_FILE, OCI_CONFIG, OCI_LAYER_TAR_GZIP, OCI_MANIFEST,
  RUNTIME_TYPE_ENVOY, TITLE_FILTER_WASM, TITLE_RUNTIME_CONFIG, WASM_CONFIG, WASM_CONTENT_LAYER, WASM_VARIANT_COMPAT,
} from "./media-types.ts";
import { tarFile } from "./tar.ts";

export type Variant = "compat" | "oci";

/** Content-addressed bytes and the descriptor fields that name them. */
export interface Blob {
  mediaType: string;
  /** "sha256:<64 lower-case hex>" of `bytes` */
  digest: string;
  size: number;
  bytes: Uint8Array;
}

export interface WasmImage {
  variant: Variant;
  /** the image manifest; its digest is the image's identity (Istio's `sha256`, without the "sha256:" prefix) */
  manifest: Blob;
  config: Blob;
  /** in manifest order; for "oci" the first is the same blob as `config` */
  layers: Blob[];
}

export interface WasmImageOptions {
  /** extra manifest annotations (e.g. org.opencontainers.image.source); written sorted by key */
  annotations?: Record<string, string>;
  /** "oci" variant: the runtime config's `config.root_ids` (default none) */
  rootIds?: readonly string[];
  /** "oci" variant: the runtime config's `abi_version` (default "v0.2.1", the ABI the kit's filters export) */
  abiVersion?: string;
  /** what the module is called in error messages (e.g. its path) */
  source?: string;
}

/** The OCI architecture/os of the compat config: what Istio picks from an index (linux/amd64), should one ever wrap the image. */
const COMPAT_PLATFORM = { architecture: "amd64", os: "linux" } as const;

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function blobOf(mediaType: string, bytes: Uint8Array): Blob {
  return { mediaType, digest: `sha256:${sha256Hex(bytes)}`, size: bytes.length, bytes };
}

/** Throws unless `bytes` is a WebAssembly binary module: Istio's agent refuses anything that does not start with `\0asm` after pulling it (facts §1.2). */
export function assertWasmModule(bytes: Uint8Array, source = "the module to package"): void {
  const magic = [0x00, 0x61, 0x73, 0x6d];
  const next = "Package the .wasm file the build wrote (e.g. build/release.wasm).";
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) {
    throw new CliError(
      `${source} is not a WebAssembly module: ${bytes.length < 8 ? `it is ${bytes.length} bytes, less than the 8-byte header` : "it does not start with \\0asm"}; ` +
      "Istio would pull the image and then refuse it (\"fetched Wasm binary ... is invalid\")", next, EXIT.usage);
  }
  const version = new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(4, true);
  if (version !== 1) {
    throw new CliError(`${source} is WebAssembly binary version ${version}, not a version 1 core module (a component?); Envoy cannot load it`, next, EXIT.usage);
  }
}

/**
 * gzip of `bytes` whose header is fixed: no file name, mtime 0, XFL 2 (level 9), OS 3 (Unix; zlib writes
 * its build's OS code, e.g. 10 on Windows, so it is overwritten; the trailer's CRC covers only the data).
 * The deflate stream itself is what this Node's zlib produces at level 9: identical on every run with the
 * same Node build, but not guaranteed across zlib builds (Node's bundled Chromium zlib and vanilla zlib
 * differ for the same input and level).
 */
export function gzipPinned(bytes: Uint8Array): Uint8Array {
  const gz = gzipSync(bytes, { level: 9, memLevel: 8, windowBits: 15, strategy: constants.Z_DEFAULT_STRATEGY });
  const header = [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x02];
  if (header.some((b, i) => gz[i] !== b)) {
    throw new Error(`zlib wrote an unexpected gzip header ${gz.subarray(0, 10).toString("hex")}: the layer would not be reproducible`);
  }
  gz[9] = 0x03;
  return new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength);
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

const descriptor = (blob: Blob, annotations?: Record<string, string>): Descriptor =>
  annotations === undefined ? { mediaType: blob.mediaType, digest: blob.digest, size: blob.size }
    : { mediaType: blob.mediaType, digest: blob.digest, size: blob.size, annotations };

/** The annotations with keys in code-unit order (ASCII keys: bytewise), so insertion order does not change the manifest. */
function sorted(annotations: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(annotations).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (key === "") throw new CliError("an image annotation has an empty key", "Name every annotation.", EXIT.usage);
    out[key] = annotations[key];
  }
  return out;
}

/** The image of `wasm` in `variant`, the same bytes for the same input. Throws a CliError if `wasm` is not a WebAssembly module. */
export function wasmImage(wasm: Uint8Array, variant: Variant, options: WasmImageOptions = {}): WasmImage {
  assertWasmModule(wasm, options.source);
  const extra = options.annotations ?? {};
  if (variant === "compat") {
    const own = extra[ANNOTATION_WASM_VARIANT];
    if (own !== undefined && own !== WASM_VARIANT_COMPAT) {
      throw new CliError(`annotation ${ANNOTATION_WASM_VARIANT}=${own} contradicts the compat variant, which must say "${WASM_VARIANT_COMPAT}"`,
        `Leave ${ANNOTATION_WASM_VARIANT} out: the kit sets it.`, EXIT.usage);
    }
    const tar = tarFile(COMPAT_WASM_FILE, wasm);
    const layer = blobOf(OCI_LAYER_TAR_GZIP, gzipPinned(tar));
    // image-spec config.md: architecture, os and rootfs are required; diff_ids are of the uncompressed layer
    const config = blobOf(OCI_CONFIG, utf8(JSON.stringify({
      ...COMPAT_PLATFORM,
      rootfs: { type: "layers", diff_ids: [`sha256:${sha256Hex(tar)}`] },
    })));
    const manifest = blobOf(OCI_MANIFEST, utf8(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: descriptor(config),
      layers: [descriptor(layer)],
      annotations: sorted({ ...extra, [ANNOTATION_WASM_VARIANT]: WASM_VARIANT_COMPAT }),
    })));
    return { variant, manifest, config, layers: [layer] };
  }
  if (variant !== "oci") throw new CliError(`unknown image variant ${JSON.stringify(variant)}`, 'Use "compat" or "oci".', EXIT.usage);
  // solo-io/wasm spec/spec.md "Envoy WASM Filter Specification": the key is abi_version (a string) in its example
  const runtimeConfig = blobOf(WASM_CONFIG, utf8(JSON.stringify({
    type: RUNTIME_TYPE_ENVOY,
    abi_version: options.abiVersion ?? ABI_VERSION,
    config: { root_ids: [...(options.rootIds ?? [])] },
  })));
  const content = blobOf(WASM_CONTENT_LAYER, wasm.slice()); // a copy: the caller's array may change later
  const annotations = Object.keys(extra).length > 0 ? sorted(extra) : undefined;
  const manifest = blobOf(OCI_MANIFEST, utf8(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: descriptor(runtimeConfig),
    layers: [
      descriptor(runtimeConfig, { [ANNOTATION_TITLE]: TITLE_RUNTIME_CONFIG }),
      descriptor(content, { [ANNOTATION_TITLE]: TITLE_FILTER_WASM }),
    ],
    ...(annotations === undefined ? {} : { annotations }),
  })));
  return { variant, manifest, config: runtimeConfig, layers: [runtimeConfig, content] };
}
