// The .wasm inside a pulled image, found the way Istio's fetcher finds it
// (istio pkg/wasm/imagefetcher.go): a Docker v2 manifest → its last layer, a gzipped tar; an OCI
// manifest whose last layer is tar+gzip → that layer (the compat variant); else exactly two layers,
// one of them the wasm content layer, read raw (the OCI wasm variant). In the tar the first entry
// whose base name is plugin.wasm. The kit uses it to compare what a registry holds with a local
// build by content — a digest comparison alone would call the same .wasm gzipped by another zlib
// a different image.
import { gunzipSync } from "node:zlib";
import { COMPAT_WASM_FILE, DOCKER_LAYER_TAR_GZIP, DOCKER_MANIFEST_V2, OCI_LAYER_TAR_GZIP, WASM_CONTENT_LAYER } from "./media-types.ts";
import { untar } from "./tar.ts";

interface Descriptor {
  mediaType: string;
  digest: string;
}

/** The module bytes of the image whose manifest is `manifestBytes`; `blob` fetches a layer by digest. */
export async function extractWasm(manifestBytes: Uint8Array, blob: (digest: string) => Promise<Uint8Array>): Promise<Uint8Array> {
  const manifest = JSON.parse(Buffer.from(manifestBytes).toString("utf8")) as { mediaType?: string; layers?: Descriptor[] };
  const layers = manifest.layers ?? [];
  if (layers.length === 0) throw new Error("the manifest has no layers");
  const last = layers[layers.length - 1];
  const fromTar = async (layer: Descriptor): Promise<Uint8Array> => {
    const entry = untar(gunzipSync(await blob(layer.digest))).find((e) => e.name.split("/").pop() === COMPAT_WASM_FILE);
    if (entry === undefined) throw new Error(`${COMPAT_WASM_FILE} not found in the layer ${layer.digest}`);
    return entry.bytes;
  };
  if (manifest.mediaType === DOCKER_MANIFEST_V2) {
    if (last.mediaType !== DOCKER_LAYER_TAR_GZIP) throw new Error(`a Docker manifest's last layer must be ${DOCKER_LAYER_TAR_GZIP}, got ${last.mediaType}`);
    return fromTar(last);
  }
  if (last.mediaType === OCI_LAYER_TAR_GZIP) return fromTar(last);
  if (layers.length !== 2) throw new Error(`neither variant: the last layer is not ${OCI_LAYER_TAR_GZIP}, and an OCI wasm image has 2 layers, not ${layers.length}`);
  const wasm = layers.find((l) => l.mediaType === WASM_CONTENT_LAYER);
  if (wasm === undefined) throw new Error(`neither variant: no layer is ${WASM_CONTENT_LAYER}`);
  return blob(wasm.digest);
}
