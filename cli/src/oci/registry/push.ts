// pushImage: an image into a repository, in the order a registry needs: the image checked for
// consistency here first (digests, sizes, the blobs its manifest names), then the blobs the
// repository lacks (upload.ts), then the manifest and its verification (manifest.ts).
import { CliError, EXIT } from "../../errors.ts";
import { formatRef, type ImageRef } from "../reference.ts";
import { DIGEST, sha256Digest } from "./digest.ts";
import { putManifest } from "./manifest.ts";
import type { RegistryOptions } from "./options.ts";
import { asRef, Session } from "./session.ts";
import { DEFAULT_CHUNK_SIZE, pushBlob, type RegistryBlob } from "./upload.ts";

/** What a push needs of an image (cli/src/oci/image.ts's `WasmImage` has these fields). */
export interface PushableImage {
  manifest: RegistryBlob;
  config: RegistryBlob;
  layers: RegistryBlob[];
}

export interface PushOptions extends RegistryOptions {
  /** blobs larger than this go up in PATCHes of this size (default 5 MiB) */
  chunkSize?: number;
}

export interface PushResult {
  /** the manifest digest, sha256:<hex>: what Istio's WasmPlugin `sha256` is (without "sha256:") */
  digest: string;
  /** oci://registry/repository:tag, a WasmPlugin `url` */
  url: string;
  /** the registry API URL of the manifest, by digest */
  manifestUrl: string;
  /** blob digests uploaded, and found already present (skipped) */
  uploaded: string[];
  skipped: string[];
  warnings: string[];
}

/** The image is consistent: each digest is the sha256 of its bytes, the manifest names these blobs. */
function checkImage(op: string, image: PushableImage): void {
  const all: Array<[string, RegistryBlob]> = [["manifest", image.manifest], ["config", image.config], ...image.layers.map((l, i): [string, RegistryBlob] => [`layer ${i + 1}`, l])];
  for (const [label, blob] of all) {
    if (!DIGEST.test(blob.digest)) throw new CliError(`${op}: the ${label}'s digest "${blob.digest}" is not sha256:<64 hex>`, "rebuild the image", EXIT.failed);
    const actual = sha256Digest(blob.bytes);
    if (actual !== blob.digest) throw new CliError(`${op}: the ${label}'s digest ${blob.digest} is not the sha256 of its ${blob.bytes.length} bytes (${actual})`, "rebuild the image", EXIT.failed);
    if (blob.size !== blob.bytes.length) throw new CliError(`${op}: the ${label}'s size ${blob.size} is not its byte count ${blob.bytes.length}`, "rebuild the image", EXIT.failed);
  }
  let json: { mediaType?: unknown; config?: { digest?: unknown }; layers?: Array<{ digest?: unknown }> };
  try {
    json = JSON.parse(Buffer.from(image.manifest.bytes).toString("utf8")) as typeof json;
  } catch (e) {
    throw new CliError(`${op}: the manifest is not JSON: ${(e as Error).message}`, "rebuild the image", EXIT.failed);
  }
  if (json.mediaType !== undefined && json.mediaType !== image.manifest.mediaType) {
    throw new CliError(`${op}: the manifest says mediaType "${String(json.mediaType)}" but is pushed as "${image.manifest.mediaType}"; registries refuse that`, "rebuild the image", EXIT.failed);
  }
  const named = [json.config?.digest, ...(json.layers ?? []).map((l) => l.digest)];
  const have = new Set([image.config.digest, ...image.layers.map((l) => l.digest)]);
  const missing = named.filter((d): d is string => typeof d === "string" && !have.has(d));
  if (missing.length > 0) throw new CliError(`${op}: the manifest names blobs the image does not hold: ${missing.join(", ")}`, "rebuild the image", EXIT.failed);
}

/**
 * Pushes `image` to `ref` (its tag, or its digest when it has no tag): the blobs the repository
 * lacks, then the manifest; then checks that the registry holds the manifest under the digest
 * computed here. Throws a RegistryError naming the step, the URL and the status.
 */
export async function pushImage(ref: string | ImageRef, image: PushableImage, options: PushOptions = {}): Promise<PushResult> {
  const r = asRef(ref);
  const op = `push ${formatRef(r)}`;
  checkImage(op, image);
  const digest = image.manifest.digest;
  if (r.digest !== undefined && r.digest !== digest) {
    throw new CliError(`${op}: the reference names digest ${r.digest}, but the image's manifest is ${digest}`, "drop the @sha256:… part, or push the image it names", EXIT.usage);
  }
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new CliError(`${op}: chunk size ${chunkSize} is not a positive integer`, "give a chunk size in bytes", EXIT.usage);
  const s = new Session(op, r, ["pull", "push"], options);
  try {
    const uploaded: string[] = [];
    const skipped: string[] = [];
    const seen = new Set<string>();
    const blobs: Array<[string, RegistryBlob]> = [["config", image.config], ...image.layers.map((l, i): [string, RegistryBlob] => [`layer ${i + 1}/${image.layers.length}`, l])];
    for (const [label, blob] of blobs) {
      if (seen.has(blob.digest)) continue;
      seen.add(blob.digest);
      ((await pushBlob(s, label, blob, chunkSize)) === "uploaded" ? uploaded : skipped).push(blob.digest);
    }
    await putManifest(s, r.tag ?? digest, image.manifest);
    return {
      digest,
      url: `oci://${r.registry}/${r.repository}${r.tag !== undefined ? `:${r.tag}` : `@${digest}`}`,
      manifestUrl: s.url(`manifests/${digest}`).href,
      uploaded,
      skipped,
      warnings: s.warnings,
    };
  } finally {
    await s.close();
  }
}
