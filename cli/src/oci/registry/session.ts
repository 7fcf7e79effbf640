// One session with one registry and repository, what push and the reads are written with: the
// step (`send`: the exchange, one retry after a 401 with what the challenge asks for, the status
// checked), the repository's API URLs, Locations, progress. It ties the transport to the auth.
import { parseRef, type ImageRef } from "../reference.ts";
import { Auth } from "./auth.ts";
import type { RegistryOptions } from "./options.ts";
import { RegistryError, Transport, header, shown, type Reply } from "./transport.ts";

export interface Send {
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** the statuses that are success for this step */
  ok: number[];
}

/** A reference as the public calls take it: a string is parsed. */
export function asRef(ref: string | ImageRef): ImageRef {
  return typeof ref === "string" ? parseRef(ref) : ref;
}

export class Session {
  private readonly t: Transport;
  private readonly auth: Auth;

  /** Checks the transport before anything is sent (see Transport). `actions`: "pull", "push". */
  constructor(readonly op: string, readonly ref: ImageRef, actions: string[], readonly options: RegistryOptions) {
    this.t = new Transport(op, ref, options, (reply) => this.auth.accessHint(reply));
    this.auth = new Auth(this.t, actions);
  }

  /** what the caller should print, in order */
  get warnings(): string[] {
    return this.t.warnings;
  }

  async close(): Promise<void> {
    await this.t.close();
  }

  progress(step: string, done: number, total: number): void {
    this.options.onProgress?.(step, done, total);
  }

  url(path: string): URL {
    return new URL(`/v2/${this.ref.repository}/${path}`, this.t.base);
  }

  /** A URL a registry sent (Location): relative ones against the URL that answered, query kept. */
  location(step: string, method: string, reply: Reply): URL {
    const loc = header(reply.headers, "location");
    if (loc === undefined || loc === "") {
      throw new RegistryError(`${this.op}: ${step}: ${method} ${shown(reply.url)} answered ${reply.status} without a Location header`,
        "the registry does not follow the distribution API; report it to its operator", step, shown(reply.url), reply.status);
    }
    return new URL(loc, reply.url);
  }

  /** One step: the exchange, one retry after a 401 with what the challenge asks for, the status checked. */
  async send(step: string, method: string, url: URL, init: Send): Promise<Reply> {
    let retried = false;
    for (;;) {
      const headers: Record<string, string> = { ...init.headers };
      const authorization = this.auth.authorization;
      if (authorization !== undefined && url.origin === this.t.base.origin) headers.authorization = authorization;
      const reply = await this.t.exchange(step, method, url, headers, init.body);
      if (reply.status === 401 && !retried) {
        retried = true;
        await this.auth.authenticate(step, method, reply, headers.authorization);
        continue;
      }
      if (!init.ok.includes(reply.status)) throw this.t.httpError(step, method, reply);
      return reply;
    }
  }
}
