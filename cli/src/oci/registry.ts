// A small client of the OCI Distribution API (registry v2) on undici: pushes a Wasm image (its
// blobs, then its manifest) and reads manifests and blobs back, with Basic and Bearer-token auth.
// The kit writes its own because no maintained npm package pushes on Node 20 (see the research
// notes: @sigstore/oci needs Node >= 22 and has no generic push; the others are 2022-23 code).
//
// This file is the public entry; the client lives in registry/, a file a concept:
// - push.ts: pushImage (the image checked, then blobs, then the manifest)
// - upload.ts: one blob (HEAD to skip it, monolithic or chunked upload)
// - manifest.ts: the manifest PUT and its verification; fetchManifest
// - blob.ts: fetchBlob
// - session.ts: one session with a repository (a step with one retry after a 401)
// - auth.ts, challenge.ts, credentials.ts: the 401 handling (Basic; Bearer tokens cached per
//   scope), the WWW-Authenticate parser, where credentials come from (options, environment,
//   Docker config)
// - transport.ts: https or plain-HTTP rules, redirects, RegistryError and its messages
// - options.ts, digest.ts: the options every call takes; sha256 digests
export { fetchBlob } from "./registry/blob.ts";
export { parseChallenges, type Challenge } from "./registry/challenge.ts";
export { dockerConfigPath, findCredentials, type CredentialOptions, type Credentials } from "./registry/credentials.ts";
export { sha256Digest } from "./registry/digest.ts";
export { fetchManifest, type FetchedManifest } from "./registry/manifest.ts";
export type { ProgressCallback, RegistryOptions } from "./registry/options.ts";
export { pushImage, type PushableImage, type PushOptions, type PushResult } from "./registry/push.ts";
export { RegistryError } from "./registry/transport.ts";
export { DEFAULT_CHUNK_SIZE, type RegistryBlob } from "./registry/upload.ts";
