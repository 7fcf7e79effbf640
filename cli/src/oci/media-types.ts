// The media types, annotation keys and fixed names of a filter's OCI image and of the registry
// API that carries it: the one place these strings live (image.ts builds with them, layout.ts and
// the registry client read and send them). Each names its source: the OCI image-spec
// (opencontainers/image-spec media-types.md, annotations.md), the OCI distribution-spec, Docker's
// image manifest v2 schema 2, the wasm image specs (solo-io/wasm spec/spec.md = "oci" variant,
// spec/spec-compat.md = "compat" variant), and what Istio's fetcher checks (istio/istio
// pkg/wasm/imagefetcher.go).

// --- OCI image-spec --------------------------------------------------------------------------

/** An image manifest (image-spec manifest.md). The manifest's own `mediaType` field must equal the Content-Type of its PUT. */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** An image index (image-spec image-index.md): the type of an OCI image layout's index.json. */
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
/** An image config (image-spec config.md): the compat variant's config (spec-compat.md example). */
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
/** A gzipped tar layer (image-spec layer.md): the compat variant's one layer; Istio requires it to be the last layer (imagefetcher.go extractOCIStandardImage). */
export const OCI_LAYER_TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

// --- Docker image manifest v2 schema 2 (distribution/distribution docs/spec/manifest-v2-2.md) ----

/** A Docker v2s2 manifest: Istio takes its Docker branch when the manifest's `mediaType` is this (imagefetcher.go). */
export const DOCKER_MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";
/** A Docker v2s2 config (spec-compat.md Docker example). */
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
/** A Docker v2s2 gzipped tar layer: the only last-layer type Istio accepts in a Docker manifest (imagefetcher.go extractDockerImage). */
export const DOCKER_LAYER_TAR_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/** A Docker manifest list (manifest-v2-2.md "Manifest List"): the registry client accepts it when reading a manifest. */
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

// --- the wasm image "oci" variant (solo-io/wasm spec/spec.md "Format") --------------------------

/** The runtime config (`{"type":"envoy_proxy","abi_version":...,"config":{"root_ids":[...]}}`): the oci variant's config and first layer. */
export const WASM_CONFIG = "application/vnd.module.wasm.config.v1+json";
/** The raw .wasm module, not compressed: Istio reads the first layer of this type when the manifest has exactly 2 layers (imagefetcher.go extractOCIArtifactImage). */
export const WASM_CONTENT_LAYER = "application/vnd.module.wasm.content.layer.v1+wasm";

// --- generic types the registry API carries ------------------------------------------------------

/** Raw bytes (RFC 2046): the Content-Type of blob upload PUTs and PATCHes (opencontainers/distribution-spec spec.md "Pushing blobs"). */
export const OCTET_STREAM = "application/octet-stream";
/** Plain JSON (RFC 8259): a manifest served as this, as octet-stream or untyped has its type read from its own `mediaType` field. */
export const JSON_TYPE = "application/json";

// --- annotations ---------------------------------------------------------------------------------

/** Manifest annotation that the compat variant with an OCI layer type must carry, value `compat` (spec-compat.md "Annotation"); Istio does not check it. */
export const ANNOTATION_WASM_VARIANT = "module.wasm.image/variant";
/** Its value for the compat variant (spec-compat.md). */
export const WASM_VARIANT_COMPAT = "compat";
/** A descriptor's file name (image-spec annotations.md): the oci variant's layers carry `runtime-config.json` and `filter.wasm` (spec.md example). */
export const ANNOTATION_TITLE = "org.opencontainers.image.title";
/** The tag of a manifest in an OCI image layout's index.json (image-spec annotations.md, image-layout.md); skopeo's `oci:DIR:TAG` matches it. */
export const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";

// --- names the wasm image specs fix ----------------------------------------------------------------

/** The module's name inside the compat layer's tar (spec-compat.md "Layer"); Istio takes the first entry whose base name is this (imagefetcher.go extractWasmPluginBinary). */
export const COMPAT_WASM_FILE = "plugin.wasm";
/** The title of the oci variant's runtime-config layer (spec.md example). */
export const TITLE_RUNTIME_CONFIG = "runtime-config.json";
/** The title of the oci variant's content layer (spec.md example). */
export const TITLE_FILTER_WASM = "filter.wasm";
/** The runtime config's `type` for Envoy (spec.md "Envoy WASM Filter Specification"). */
export const RUNTIME_TYPE_ENVOY = "envoy_proxy";
/** The proxy-wasm ABI the kit's filters export (`proxy_abi_version_0_2_1`), as the runtime config's `abi_version`. */
export const ABI_VERSION = "v0.2.1";
