// fetchBlob: one blob of a repository read back, following redirects (storage back-ends answer
// blob GETs with a redirect to signed URLs), its digest checked against the bytes received.
import { CliError, EXIT } from "../../errors.ts";
import { formatRef, type ImageRef } from "../reference.ts";
import { DIGEST, sha256Digest, short } from "./digest.ts";
import type { RegistryOptions } from "./options.ts";
import { asRef, Session } from "./session.ts";
import { RegistryError, shown } from "./transport.ts";

/** The blob `digest` of `ref`'s repository, following redirects (storage back-ends), its digest checked. */
export async function fetchBlob(ref: string | ImageRef, digest: string, options: RegistryOptions = {}): Promise<Uint8Array> {
  const r = asRef(ref);
  const op = `read ${formatRef(r)}`;
  if (!DIGEST.test(digest)) throw new CliError(`${op}: "${digest}" is not a sha256:<64 hex> digest`, "pass a blob digest from the manifest", EXIT.usage);
  const s = new Session(op, r, ["pull"], options);
  try {
    const step = `fetch blob ${short(digest)}`;
    const reply = await s.send(step, "GET", s.url(`blobs/${digest}`), { ok: [200] });
    const actual = sha256Digest(reply.body);
    if (actual !== digest) {
      throw new RegistryError(`${op}: ${step}: the ${reply.body.length} bytes received have digest ${actual}`, "the registry returned other content; do not use it", step, shown(reply.url), reply.status);
    }
    s.progress(step, reply.body.length, reply.body.length);
    return reply.body;
  } finally {
    await s.close();
  }
}
