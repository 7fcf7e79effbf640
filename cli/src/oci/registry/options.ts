// The options every registry call takes (push, fetchManifest, fetchBlob): transport, credentials
// and the callbacks that report progress, warnings and exchanges. One place, because the transport,
// the auth and the session each read their part of the same object.
import type { Dispatcher } from "undici";
import type { CredentialOptions } from "./credentials.ts";

/** `step` names what is being sent ("upload blob sha256:0123abcd4567 (layer 1/1)"); bytes of that step. */
export type ProgressCallback = (step: string, bytesDone: number, bytesTotal: number) => void;

export interface RegistryOptions extends CredentialOptions {
  /** allow plain HTTP to a registry that is not on loopback (and skip TLS verification over https) */
  insecure?: boolean;
  /** default: http for loopback registries and with `insecure`, https otherwise */
  scheme?: "http" | "https";
  onProgress?: ProgressCallback;
  /** things the caller should print: plain HTTP in use, Docker credential helpers that were not run */
  onWarning?: (message: string) => void;
  /** every HTTP exchange, after its answer (redirect hops and auth retries included) */
  onRequest?: (exchange: { method: string; url: string; status: number }) => void;
  /** an undici dispatcher for every request (tests; proxies) */
  dispatcher?: Dispatcher;
  /** headers and body timeouts of each request, ms (undici's default: 300 s) */
  timeoutMs?: number;
}
