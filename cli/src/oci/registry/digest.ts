// Content digests as the registry client checks and shows them: the sha256 of bytes, the shape a
// digest must have, and the short form used in step names. Shared by the upload, push and reads.
import { createHash } from "node:crypto";

/** The only digest form the client handles: "sha256:" and 64 lower-case hex digits. */
export const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** A digest for step names: "sha256:" and the first 12 hex digits. */
export const short = (digest: string): string => digest.slice(0, "sha256:".length + 12);
