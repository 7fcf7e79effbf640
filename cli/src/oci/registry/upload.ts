// One blob into the repository: a HEAD to skip it when present, a POST that opens an upload
// session, then one PUT ?digest= with the body (monolithic), or PATCHes of `chunkSize` bytes
// following each answer's Location and a PUT ?digest= with no body (chunked). Each Location is
// resolved against the URL that answered and keeps its query (docker-registry 2.8's `_state`);
// `digest` is added with URLSearchParams. 2.8 ignores `digest` on the POST, so a PUT always follows.
import { OCTET_STREAM } from "../media-types.ts";
import { short } from "./digest.ts";
import type { Session } from "./session.ts";
import { RegistryError, header, shown, type Reply } from "./transport.ts";

/** One blob as it is pushed (cli/src/oci/image.ts's `Blob` has this shape). */
export interface RegistryBlob {
  mediaType: string;
  /** sha256:<hex> */
  digest: string;
  size: number;
  bytes: Uint8Array;
}

export const DEFAULT_CHUNK_SIZE = 5 * 1024 * 1024;

/** Uploads `blob` unless the repository has it; `label` names it in steps ("config", "layer 1/2"). */
export async function pushBlob(s: Session, label: string, blob: RegistryBlob, chunkSize: number): Promise<"uploaded" | "skipped"> {
  const name = `blob ${short(blob.digest)} (${label})`;
  const head = await s.send(`check ${name}`, "HEAD", s.url(`blobs/${blob.digest}`), { ok: [200, 404] });
  if (head.status === 200) {
    s.progress(`skip ${name}: already there`, blob.size, blob.size);
    return "skipped";
  }
  const startStep = `start the upload of ${name}`;
  const post = await s.send(startStep, "POST", s.url("blobs/uploads/"), { headers: { "content-length": "0" }, ok: [201, 202] });
  if (post.status === 201) return "uploaded"; // a registry that took it at once (a mount)
  let location = s.location(startStep, "POST", post);
  const minChunk = Number(header(post.headers, "oci-chunk-min-length") ?? "0");
  const step = `upload ${name}`;
  s.progress(step, 0, blob.size);
  let final: Reply;
  if (blob.size <= chunkSize) {
    const put = new URL(location);
    put.searchParams.set("digest", blob.digest);
    final = await s.send(step, "PUT", put, {
      headers: { "content-type": OCTET_STREAM, "content-length": String(blob.size) },
      body: blob.bytes,
      ok: [201, 204],
    });
  } else {
    const size = Number.isFinite(minChunk) && minChunk > chunkSize ? minChunk : chunkSize;
    for (let offset = 0; offset < blob.size; offset += size) {
      const end = Math.min(offset + size, blob.size);
      const patch = await s.send(step, "PATCH", location, {
        headers: { "content-type": OCTET_STREAM, "content-range": `${offset}-${end - 1}`, "content-length": String(end - offset) },
        body: blob.bytes.subarray(offset, end),
        ok: [202],
      });
      const range = header(patch.headers, "range");
      const m = range === undefined ? null : /^(?:bytes=)?0-(\d+)$/.exec(range);
      if (range !== undefined && (m === null || Number(m[1]) !== end - 1)) {
        throw new RegistryError(`${s.op}: ${step}: after bytes ${offset}-${end - 1} the registry reports Range "${range}", not 0-${end - 1}`,
          "push again; if it persists, use a larger chunk size", step, shown(patch.url), patch.status);
      }
      location = s.location(step, "PATCH", patch);
      s.progress(step, end, blob.size);
    }
    const put = new URL(location);
    put.searchParams.set("digest", blob.digest);
    final = await s.send(step, "PUT", put, { headers: { "content-length": "0" }, ok: [201, 204] });
  }
  const echoed = header(final.headers, "docker-content-digest");
  if (echoed !== undefined && echoed !== blob.digest) {
    throw new RegistryError(`${s.op}: ${step}: the registry stored the blob as ${echoed}, not ${blob.digest}`, "push again; the upload was corrupted", step, shown(final.url), final.status);
  }
  s.progress(step, blob.size, blob.size);
  return "uploaded";
}
