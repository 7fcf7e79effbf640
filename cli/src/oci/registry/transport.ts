// How the registry client talks HTTP: the scheme (https; plain http only to loopback registries or
// with `insecure`), one request and the redirects it leads to (followed by hand, as undici does
// not: relative or absolute, Authorization dropped on another origin), and what a failed exchange
// says (RegistryError: the step, the URL with upload state elided, the status, a hint, secrets
// redacted). It knows nothing of auth: the hint for a 401 or 403 comes from auth.ts.
import { STATUS_CODES } from "node:http";
import { Agent, request, type Dispatcher } from "undici";
import { CliError, EXIT } from "../../errors.ts";
import { DOCKER_HUB, isLoopback, type ImageRef } from "../reference.ts";
import type { RegistryOptions } from "./options.ts";

/** An answer, its body read. */
export interface Reply {
  status: number;
  headers: Dispatcher.ResponseData["headers"];
  body: Uint8Array;
  /** the URL that answered (after redirects) */
  url: URL;
}

/** Says what to do about a 401 or 403 answer (the auth knows which credentials were tried). */
export type AccessHint = (reply: Reply) => string;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A failed exchange with a registry: the step, the URL (upload state elided) and the status (null: no answer). */
export class RegistryError extends CliError {
  override name = "RegistryError";
  constructor(message: string, next: string, readonly step: string, readonly url: string, readonly status: number | null, readonly codes: string[] = []) {
    super(message, next, EXIT.failed);
  }
}

/** A URL for messages: the upload session's `_state` (long, opaque) elided. */
export const shown = (u: URL): string => u.href.replace(/([?&]_state=)[^&]*/, "$1…");

export function header(headers: Dispatcher.ResponseData["headers"], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function headerValues(headers: Dispatcher.ResponseData["headers"], name: string): string[] {
  const v = headers[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The host the API is on (Docker Hub's API is not at docker.io). */
function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? "registry-1.docker.io" : registry;
}

export class Transport {
  readonly base: URL;
  readonly warnings: string[] = [];
  /** passwords and tokens the auth has used: never shown in a message */
  readonly secrets: string[] = [];
  private readonly dispatcher: Dispatcher | undefined;
  private readonly ownAgent: Agent | undefined;

  /** Checks the transport before anything is sent: plain HTTP only to loopback or with `insecure`. */
  constructor(readonly op: string, readonly ref: ImageRef, readonly options: RegistryOptions, private readonly accessHint: AccessHint) {
    const loopback = isLoopback(ref.registry);
    const scheme = options.scheme ?? (loopback || options.insecure === true ? "http" : "https");
    if (scheme === "http" && !loopback && options.insecure !== true) {
      throw new CliError(
        `${op}: refusing plain HTTP to ${ref.registry}: it is not a loopback address, so credentials and the image would cross the network unencrypted`,
        `use https (the default), or allow plain HTTP to this registry with insecure (filterkit: --insecure)`, EXIT.usage);
    }
    if (scheme === "http") {
      this.warn(loopback
        ? `talking plain HTTP to ${ref.registry} (a loopback address)`
        : `talking plain HTTP to ${ref.registry} (insecure): credentials and the image are not encrypted`);
    } else if (options.insecure === true) {
      this.warn(`not verifying the TLS certificate of ${ref.registry} (insecure)`);
    }
    this.base = new URL(`${scheme}://${apiHost(ref.registry)}`);
    this.ownAgent = options.dispatcher === undefined && scheme === "https" && options.insecure === true
      ? new Agent({ connect: { rejectUnauthorized: false } })
      : undefined;
    this.dispatcher = options.dispatcher ?? this.ownAgent;
  }

  async close(): Promise<void> {
    await this.ownAgent?.close();
  }

  warn(message: string): void {
    this.warnings.push(message);
    this.options.onWarning?.(message);
  }

  /** A URL the registry sends us to (a redirect, a token realm) must keep to the plain-HTTP rule. */
  checkHttp(url: URL, what: string, step: string): void {
    if (url.protocol === "http:" && !isLoopback(url.host) && this.options.insecure !== true) {
      throw new RegistryError(`${this.op}: ${step}: refusing to follow ${what} ${shown(url)} over plain HTTP (not a loopback address)`,
        "allow plain HTTP with insecure (filterkit: --insecure) if this is intended", step, shown(url), null);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new RegistryError(`${this.op}: ${step}: ${what} ${url.href} is not an http(s) URL`, "report it to the registry's operator", step, url.href, null);
    }
  }

  /** One request and the redirects it leads to (undici does not follow them). */
  async exchange(step: string, method: string, url: URL, headers: Record<string, string>, body: Uint8Array | undefined): Promise<Reply> {
    let m = method;
    let u = url;
    let h = headers;
    let b = body;
    for (let hop = 0; ; hop++) {
      let res: Dispatcher.ResponseData;
      try {
        res = await request(u, {
          method: m,
          headers: h,
          body: b,
          dispatcher: this.dispatcher,
          ...(this.options.timeoutMs !== undefined ? { headersTimeout: this.options.timeoutMs, bodyTimeout: this.options.timeoutMs } : {}),
        });
      } catch (e) {
        throw this.networkError(step, m, u, e);
      }
      const bytes = new Uint8Array(await res.body.arrayBuffer());
      this.options.onRequest?.({ method: m, url: u.href, status: res.statusCode });
      const loc = header(res.headers, "location");
      if (!REDIRECTS.has(res.statusCode) || loc === undefined || loc === "") return { status: res.statusCode, headers: res.headers, body: bytes, url: u };
      if (hop >= 10) {
        throw new RegistryError(`${this.op}: ${step}: more than 10 redirects, the last from ${shown(u)}`, "report it to the registry's operator", step, shown(u), res.statusCode);
      }
      const next = new URL(loc, u);
      this.checkHttp(next, "a redirect to", step);
      if (next.origin !== u.origin) {
        // never forward the registry's credentials to another host (S3 and CDNs sign their URLs)
        const { authorization: _dropped, ...rest } = h;
        h = rest;
      }
      if (res.statusCode === 303 && m !== "HEAD") {
        m = "GET";
        b = undefined;
        const { "content-type": _t, "content-length": _l, ...rest } = h;
        h = rest;
      }
      u = next;
    }
  }

  /** Removes any secret from text that came from a server. */
  private redact(text: string): string {
    let t = text;
    for (const s of this.secrets) if (s.length >= 3) t = t.split(s).join("***");
    return t;
  }

  /** An answer with a status the step does not accept: the registry's error codes and a hint (`next`, else one by status). */
  httpError(step: string, method: string, reply: Reply, next?: string): RegistryError {
    const codes: Array<{ code: string; message: string }> = [];
    try {
      const body = JSON.parse(Buffer.from(reply.body).toString("utf8")) as { errors?: Array<{ code?: unknown; message?: unknown }> };
      for (const e of body.errors ?? []) {
        if (typeof e.code === "string") codes.push({ code: e.code, message: typeof e.message === "string" ? e.message.slice(0, 200) : "" });
      }
    } catch {
      // not a distribution error body
    }
    const s = reply.status;
    const said = codes.length > 0 ? ` (${this.redact(codes.map((c) => (c.message !== "" ? `${c.code}: ${c.message}` : c.code)).join("; "))})` : "";
    const message = `${this.op}: ${step}: ${method} ${shown(reply.url)} answered ${s} ${STATUS_CODES[s] ?? ""}${said}`;
    let hint = next;
    if (hint === undefined) {
      const retryAfter = header(reply.headers, "retry-after");
      if (s === 401 || s === 403) hint = this.accessHint(reply);
      else if (s === 404 && method !== "HEAD" && step.startsWith("fetch")) hint = `check the reference: ${this.ref.repository} or that tag or digest does not exist on ${this.ref.registry}`;
      else if (s === 429) hint = `the registry is rate-limiting; try again${retryAfter !== undefined ? ` after ${retryAfter} s` : " later"}`;
      else if (s >= 500) hint = "the registry failed; check its logs and try again";
      else if (codes.some((c) => c.code.startsWith("MANIFEST") || c.code === "TAG_INVALID")) hint = "the registry refused the manifest; rebuild the image (filterkit package) and check the tag";
      else hint = "see the registry's answer above; the distribution spec lists what each code means";
    }
    return new RegistryError(message, hint, step, shown(reply.url), s, codes.map((c) => c.code));
  }

  private networkError(step: string, method: string, url: URL, e: unknown): RegistryError {
    const err = e as { message?: string; code?: string; cause?: { message?: string; code?: string } };
    const code = err.code ?? err.cause?.code;
    const text = [err.message, err.cause?.message].filter((x) => x !== undefined && x !== "").join(": ");
    let hint = `check that the registry at ${url.host} is running and reachable`;
    if (code === "ECONNREFUSED") hint = `nothing listens at ${url.host}: is the registry running, on that port?`;
    else if (code === "ENOTFOUND" || code === "EAI_AGAIN") hint = `${url.hostname} does not resolve: check the registry's name`;
    else if (/wrong version number|packet length too long|EPROTO/i.test(text) && url.protocol === "https:") hint = `${url.host} does not seem to speak TLS; if it serves plain HTTP, allow that with insecure (filterkit: --insecure)`;
    else if (/certificate|self.signed|UNABLE_TO_VERIFY/i.test(`${text} ${code ?? ""}`)) hint = `${url.host}'s TLS certificate is not trusted: add its CA with NODE_EXTRA_CA_CERTS=ca.pem, or skip verification with insecure (filterkit: --insecure)`;
    else if (/timeout/i.test(`${text} ${code ?? ""}`)) hint = `${url.host} did not answer in time; try again, or raise the timeout`;
    return new RegistryError(`${this.op}: ${step}: ${method} ${shown(url)} failed: ${this.redact(text || String(e))}${code !== undefined && !text.includes(code) ? ` (${code})` : ""}`,
      hint, step, shown(url), null);
  }
}
