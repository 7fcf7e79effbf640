// Manifests on the registry: the PUT (Content-Type = the manifest's media type) and the check
// that follows it (the PUT's Docker-Content-Digest and a HEAD of the tag both give the digest
// computed here; the HEAD carries an Accept header, as docker-registry 2.8 answers 404 to a HEAD
// or GET of an OCI manifest without one), and fetchManifest, which reads one back checked.
import { formatRef, type ImageRef } from "../reference.ts";
import { DOCKER_MANIFEST_LIST, DOCKER_MANIFEST_V2, JSON_TYPE, OCI_INDEX, OCI_MANIFEST, OCTET_STREAM } from "../media-types.ts";
import { sha256Digest } from "./digest.ts";
import type { RegistryOptions } from "./options.ts";
import { asRef, Session } from "./session.ts";
import { RegistryError, header, shown } from "./transport.ts";
import type { RegistryBlob } from "./upload.ts";

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  bytes: Uint8Array;
}

/** The manifest types the client accepts (its Accept header), in order of preference. */
const MANIFEST_TYPES = [OCI_MANIFEST, DOCKER_MANIFEST_V2, OCI_INDEX, DOCKER_MANIFEST_LIST];

/** PUTs `manifest` as `reference` (a tag or its digest), then checks the registry holds it under its digest. */
export async function putManifest(s: Session, reference: string, manifest: RegistryBlob): Promise<void> {
  const digest = manifest.digest;
  const putStep = "push the manifest";
  s.progress(putStep, 0, manifest.size);
  const put = await s.send(putStep, "PUT", s.url(`manifests/${reference}`), {
    headers: { "content-type": manifest.mediaType, "content-length": String(manifest.size) },
    body: manifest.bytes,
    ok: [201, 200],
  });
  s.progress(putStep, manifest.size, manifest.size);
  const putDigest = header(put.headers, "docker-content-digest");
  if (putDigest !== undefined && putDigest !== digest) {
    throw new RegistryError(`${s.op}: ${putStep}: the PUT's Docker-Content-Digest is ${putDigest}, but the manifest sent has digest ${digest}`,
      "the registry changed the manifest; Istio would see the registry's digest, so do not use this one", putStep, shown(put.url), put.status);
  }

  const verifyStep = "verify the manifest";
  const accept = [manifest.mediaType, ...MANIFEST_TYPES.filter((t) => t !== manifest.mediaType)].join(", ");
  const head = await s.send(verifyStep, "HEAD", s.url(`manifests/${reference}`), { headers: { accept }, ok: [200] });
  let headDigest = header(head.headers, "docker-content-digest");
  if (headDigest === undefined) {
    const get = await s.send(verifyStep, "GET", s.url(`manifests/${reference}`), { headers: { accept }, ok: [200] });
    headDigest = sha256Digest(get.body);
  }
  if (headDigest !== digest) {
    throw new RegistryError(`${s.op}: ${verifyStep}: HEAD ${shown(head.url)} gives digest ${headDigest}, but the manifest pushed has digest ${digest}${putDigest !== undefined ? " (the PUT's Docker-Content-Digest agreed with ours)" : ""}`,
      "another push may have moved the tag meanwhile; push again", verifyStep, shown(head.url), head.status);
  }
}

/** The manifest `ref` names (by digest if it has one, else by tag), its digest checked. */
export async function fetchManifest(ref: string | ImageRef, options: RegistryOptions = {}): Promise<FetchedManifest> {
  const r = asRef(ref);
  const op = `read ${formatRef(r)}`;
  const s = new Session(op, r, ["pull"], options);
  try {
    const step = "fetch the manifest";
    const reply = await s.send(step, "GET", s.url(`manifests/${r.digest ?? r.tag ?? "latest"}`), { headers: { accept: MANIFEST_TYPES.join(", ") }, ok: [200] });
    const digest = sha256Digest(reply.body);
    const echoed = header(reply.headers, "docker-content-digest");
    if (r.digest !== undefined && r.digest !== digest) {
      throw new RegistryError(`${op}: ${step}: the manifest's bytes have digest ${digest}, not the ${r.digest} asked for`, "the registry returned other content; do not use it", step, shown(reply.url), reply.status);
    }
    if (echoed !== undefined && echoed !== digest) {
      throw new RegistryError(`${op}: ${step}: Docker-Content-Digest says ${echoed}, but the bytes have digest ${digest}`, "the registry returned other content; do not use it", step, shown(reply.url), reply.status);
    }
    let mediaType = header(reply.headers, "content-type")?.split(";")[0].trim() ?? "";
    if (mediaType === "" || mediaType === JSON_TYPE || mediaType === OCTET_STREAM) {
      try {
        const t = (JSON.parse(Buffer.from(reply.body).toString("utf8")) as { mediaType?: unknown }).mediaType;
        if (typeof t === "string") mediaType = t;
      } catch {
        // keep the header's
      }
    }
    s.progress(step, reply.body.length, reply.body.length);
    return { digest, mediaType, bytes: reply.body };
  } finally {
    await s.close();
  }
}
