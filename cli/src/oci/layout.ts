// A filter's image (image.ts) as an OCI image layout on disk (opencontainers/image-spec
// image-layout.md): `oci-layout` ({"imageLayoutVersion":"1.0.0"}), `index.json` (an image index whose
// manifest descriptors carry org.opencontainers.image.ref.name = the tag) and blobs/sha256/<hex>.
// It is what `filterkit package` leaves behind and what `skopeo copy oci:DIR:TAG docker://...` pushes
// (shared reference §1). Writing merges into an existing layout: other tags are kept, the same tag is
// replaced (its old blobs stay, as skopeo leaves them); blobs first and index.json last, each by
// rename, so an interrupted write never leaves an index naming a missing blob. Reading verifies every
// blob's size and digest and refuses a corrupted or missing one by name.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliError, EXIT } from "../errors.ts";
import { blobOf, sha256Hex, type Blob, type Variant, type WasmImage } from "./image.ts";
import { ANNOTATION_REF_NAME, OCI_INDEX, OCI_LAYER_TAR_GZIP, OCI_MANIFEST, WASM_CONTENT_LAYER } from "./media-types.ts";

const LAYOUT_FILE = "oci-layout";
const LAYOUT_VERSION = "1.0.0";
const INDEX_FILE = "index.json";
/** A tag as the distribution spec allows it, so that the layout's tag can be pushed as is. */
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST = /^sha256:([a-f0-9]{64})$/;

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const broken = (message: string): CliError =>
  new CliError(message, "Write the layout again (filterkit package), or pass the directory and tag of an image the kit packaged.", EXIT.failed);

function parseJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw broken(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw broken(`${path} is not JSON: ${(e as Error).message}`);
  }
}

/** `value` as a descriptor, or an error naming `what` (e.g. "index.json manifests[0]"). */
function asDescriptor(value: unknown, what: string): Descriptor {
  if (!isObject(value)) throw broken(`${what} is not a descriptor object`);
  const { mediaType, digest, size, annotations } = value;
  if (typeof mediaType !== "string") throw broken(`${what} has no mediaType`);
  if (typeof digest !== "string" || !DIGEST.test(digest)) throw broken(`${what} has digest ${JSON.stringify(digest)}, not sha256:<64 lower-case hex>`);
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw broken(`${what} has size ${JSON.stringify(size)}, not a byte count`);
  const out: Descriptor = { mediaType, digest, size };
  if (annotations !== undefined) {
    if (!isObject(annotations) || Object.values(annotations).some((v) => typeof v !== "string")) throw broken(`${what} has annotations that are not strings`);
    out.annotations = annotations as Record<string, string>;
  }
  return out;
}

const blobPath = (dir: string, digest: string): string => join(dir, "blobs", "sha256", digest.slice("sha256:".length));

/** Writes `path` whole or not at all: a temporary file beside it, then a rename. */
function writeAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** The parsed index.json of an existing layout in `dir`, null when `dir` is absent or empty; throws if `dir` holds something else. */
function existingIndex(dir: string): Record<string, unknown> | null {
  if (!existsSync(dir)) return null;
  if (!statSync(dir).isDirectory()) throw broken(`${dir} exists and is not a directory`);
  if (!existsSync(join(dir, LAYOUT_FILE))) {
    if (readdirSync(dir).length === 0) return null;
    throw new CliError(`${dir} is not empty and not an OCI image layout (it has no ${LAYOUT_FILE} file)`,
      "Choose a new or empty directory, or an OCI image layout to add the tag to.", EXIT.usage);
  }
  checkLayoutVersion(dir);
  if (!existsSync(join(dir, INDEX_FILE))) return null;
  const index = parseJson(join(dir, INDEX_FILE));
  if (!isObject(index) || !Array.isArray(index.manifests)) throw broken(`${join(dir, INDEX_FILE)} is not an image index (no manifests list)`);
  return index;
}

function checkLayoutVersion(dir: string): void {
  const layout = parseJson(join(dir, LAYOUT_FILE));
  if (!isObject(layout) || layout.imageLayoutVersion !== LAYOUT_VERSION) {
    throw broken(`${join(dir, LAYOUT_FILE)} is not {"imageLayoutVersion":"${LAYOUT_VERSION}"}, the only layout version this kit reads and writes`);
  }
}

/**
 * Writes `image` into the OCI image layout `dir` under `tag` (creating the layout if needed), keeping
 * the other tags there and replacing an earlier image of the same tag.
 */
export function writeLayout(dir: string, image: WasmImage, tag: string): void {
  if (!TAG.test(tag)) {
    throw new CliError(`${JSON.stringify(tag)} is not a valid tag`, "A tag is 1 to 128 of [A-Za-z0-9_.-], not starting with . or -.", EXIT.usage);
  }
  const index = existingIndex(dir);
  const blobs = [image.config, ...image.layers, image.manifest];
  for (const blob of blobs) {
    if (blob.digest !== `sha256:${sha256Hex(blob.bytes)}` || blob.size !== blob.bytes.length) {
      throw new Error(`the image's ${blob.mediaType} blob does not match its digest ${blob.digest} or size ${blob.size}`);
    }
  }
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  if (!existsSync(join(dir, LAYOUT_FILE))) writeAtomic(join(dir, LAYOUT_FILE), JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }));
  for (const blob of blobs) {
    const path = blobPath(dir, blob.digest);
    // content-addressed: a file that already has the right bytes stays; a damaged one is replaced
    if (existsSync(path) && sha256Hex(readFileSync(path)) === blob.digest.slice("sha256:".length)) continue;
    writeAtomic(path, blob.bytes);
  }
  const entry: Descriptor = {
    mediaType: image.manifest.mediaType,
    digest: image.manifest.digest,
    size: image.manifest.size,
    annotations: { [ANNOTATION_REF_NAME]: tag },
  };
  const others = (index === null ? [] : (index.manifests as unknown[])).filter((m) => !(isObject(m) && isObject(m.annotations) && m.annotations[ANNOTATION_REF_NAME] === tag));
  const next = index === null
    ? { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [entry] }
    : { ...index, schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...others, entry] };
  writeAtomic(join(dir, INDEX_FILE), JSON.stringify(next));
}

/** The tags of the layout's index, in index order (manifests without a ref.name are left out). */
export function layoutTags(dir: string): string[] {
  const index = existingIndex(dir);
  if (index === null) return [];
  return (index.manifests as unknown[]).flatMap((m) => (isObject(m) && isObject(m.annotations) && typeof m.annotations[ANNOTATION_REF_NAME] === "string" ? [m.annotations[ANNOTATION_REF_NAME]] : []));
}

/** The blob `d` names, its size and digest checked; `what` says which one it is in errors. */
function readBlob(dir: string, d: Descriptor, what: string): Blob {
  const path = blobPath(dir, d.digest);
  if (!existsSync(path)) throw broken(`${what} (${d.digest}) is missing: no ${path}`);
  const bytes = new Uint8Array(readFileSync(path));
  if (bytes.length !== d.size) throw broken(`${what} (${d.digest}) is corrupted: ${path} has ${bytes.length} bytes, the descriptor says ${d.size}`);
  const blob = blobOf(d.mediaType, bytes);
  if (blob.digest !== d.digest) throw broken(`${what} (${d.digest}) is corrupted: ${path} hashes to ${blob.digest}`);
  return blob;
}

/**
 * The image tagged `tag` in the OCI image layout `dir` (with no tag: the layout's only image), every
 * blob verified. Throws if it is missing, corrupted, or not a wasm image Istio can load.
 */
export function readLayout(dir: string, tag?: string): WasmImage {
  if (!existsSync(join(dir, LAYOUT_FILE))) throw broken(`${dir} is not an OCI image layout: it has no ${LAYOUT_FILE} file`);
  const index = existingIndex(dir);
  if (index === null) throw broken(`${dir} has no ${INDEX_FILE}`);
  const entries = (index.manifests as unknown[]).map((m, i) => asDescriptor(m, `${INDEX_FILE} manifests[${i}]`));
  const tags = entries.map((e) => e.annotations?.[ANNOTATION_REF_NAME]).filter((t): t is string => t !== undefined);
  const chosen = tag === undefined ? (entries.length === 1 ? entries : []) : entries.filter((e) => e.annotations?.[ANNOTATION_REF_NAME] === tag);
  if (chosen.length !== 1) {
    const has = tags.length === 0 ? "no tags" : `tags ${tags.join(", ")}`;
    throw new CliError(tag === undefined ? `${dir} holds ${entries.length} images (${has}): which one?` : `${dir} has no single image tagged ${tag} (it has ${has})`,
      "Name one of the layout's tags.", EXIT.usage);
  }
  const entry = chosen[0];
  const name = tag === undefined ? "the manifest" : `the manifest of ${tag}`;
  if (entry.mediaType !== OCI_MANIFEST) throw broken(`${name} has media type ${entry.mediaType}; the kit reads OCI image manifests (${OCI_MANIFEST}) only`);
  const manifest = readBlob(dir, entry, name);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(manifest.bytes)) as unknown;
  } catch (e) {
    throw broken(`${name} (${entry.digest}) is not JSON: ${(e as Error).message}`);
  }
  if (!isObject(parsed) || parsed.schemaVersion !== 2) throw broken(`${name} (${entry.digest}) is not a schemaVersion 2 manifest`);
  if (parsed.mediaType !== undefined && parsed.mediaType !== OCI_MANIFEST) throw broken(`${name} says its mediaType is ${String(parsed.mediaType)}, its index entry ${OCI_MANIFEST}`);
  if (!Array.isArray(parsed.layers)) throw broken(`${name} (${entry.digest}) has no layers list`);
  const configDescriptor = asDescriptor(parsed.config, `${name}'s config`);
  const layerDescriptors = parsed.layers.map((l: unknown, i: number) => asDescriptor(l, `${name}'s layer ${i}`));
  const config = readBlob(dir, configDescriptor, `${name}'s config`);
  const layers = layerDescriptors.map((l, i) => readBlob(dir, l, `${name}'s layer ${i} (${l.mediaType})`));
  const variant = variantOf(layerDescriptors.map((l) => l.mediaType), name);
  return { variant, manifest, config, layers };
}

/** Which variant Istio's fetcher would take these layers as (facts §1.2), or an error saying why neither. */
function variantOf(layerTypes: string[], name: string): Variant {
  const last = layerTypes[layerTypes.length - 1];
  // in an OCI manifest Istio takes only the OCI layer type; the Docker one counts only in a Docker v2 manifest
  if (last === OCI_LAYER_TAR_GZIP) return "compat";
  if (layerTypes.length === 2 && layerTypes.includes(WASM_CONTENT_LAYER)) return "oci";
  throw broken(`${name} is not a wasm image Istio can load: its layers are [${layerTypes.join(", ")}]; ` +
    `it needs a last layer of type ${OCI_LAYER_TAR_GZIP} (compat) or exactly 2 layers, one of them ${WASM_CONTENT_LAYER} (oci)`);
}
