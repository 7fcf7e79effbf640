// The scripted upstream behind proxy_http_call: clusters the plugin may call, routes matched on
// cluster, method, path and headers, and answers — a response after a virtual delay, a connection
// reset, or a timeout — delivered the way Envoy 1.40 delivers them (§5.7, §11.10; the reset and
// timeout replies were compared with real Envoy by the differential suite). Every call is recorded in `sent`.
// A call that matches no route fails the test (it is thrown from the test's current operation).
// Route matching is routes.ts's, shared with the gRPC router; http-calls.ts delivers the answers.
import type { HeaderPairs } from "./pairs.ts";
import { AnswerTable, fieldMatches, headersMatch, type AnswerOrFn } from "./routes.ts";

export interface CalloutRequest {
  /** per-VM call id (4, 8, 12, …) */
  readonly id: number;
  readonly cluster: string;
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  /** every header the plugin sent, names lower-cased, pseudo-headers included */
  readonly headers: HeaderPairs;
  readonly body: Uint8Array;
  readonly bodyText: string;
  readonly trailers: HeaderPairs;
  /** 0 = no timeout */
  readonly timeoutMs: number;
}

/**
 * What the called upstream does, after `delayMs` of virtual time:
 * - a response (`status` with optional headers/body/trailers);
 * - `reset`: drops the connection before answering — Envoy's router turns that into its own 503
 *   reply ("upstream connect error or disconnect/reset before headers. reset reason: connection
 *   termination"), which the plugin receives as the call's response;
 * - `reset-after-headers`: drops it after the response started — the plugin gets zero headers, body
 *   and trailers, and proxy_get_status says BrokenConnection (11) "reset";
 * - `timeout`: never answers; the call's timeout yields the router's 504.
 */
export type CalloutAnswer =
  | { status: number; headers?: HeaderPairs; body?: string | Uint8Array; trailers?: HeaderPairs; delayMs?: number }
  | { fail: "reset" | "reset-after-headers"; delayMs?: number }
  | { fail: "timeout" };

export interface CalloutMatch {
  cluster: string;
  method?: string;
  path?: string | RegExp;
  /** header values the call must carry (names case-insensitive) */
  headers?: Record<string, string>;
}

export class CalloutRouter {
  /** every proxy_http_call that passed Envoy's checks, in order */
  readonly sent: CalloutRequest[] = [];
  private readonly routes = new AnswerTable<CalloutMatch, CalloutRequest, CalloutAnswer>(matches);

  constructor(clusters: Iterable<string> = []) {
    for (const c of clusters) this.routes.cluster(c);
  }

  /** Declares a cluster Envoy knows (a call to an unknown cluster is BadArgument). */
  cluster(name: string): this {
    this.routes.cluster(name);
    return this;
  }

  /** Adds a route (its cluster becomes known); routes are tried in the order they were added. */
  route(match: CalloutMatch, answer: AnswerOrFn<CalloutRequest, CalloutAnswer>): this {
    this.routes.add(match, answer);
    return this;
  }

  knows(cluster: string): boolean {
    return this.routes.knows(cluster);
  }

  /** The answer of the first matching route, or undefined. */
  answer(request: CalloutRequest): CalloutAnswer | undefined {
    return this.routes.answer(request);
  }
}

function matches(m: CalloutMatch, r: CalloutRequest): boolean {
  return m.cluster === r.cluster && fieldMatches(m.method, r.method) && fieldMatches(m.path, r.path) && headersMatch(m.headers, r.headers);
}

/** The response a callback sees in proxy_on_http_call_response (maps 6/7, buffer 4). */
export interface CalloutResponse {
  headers: HeaderPairs;
  body: Uint8Array;
  trailers: HeaderPairs;
}

const enc = new TextEncoder();

/** Headers of an answer as Envoy's async client hands them over: `:status` first, a content-length for a body. */
export function responseOf(a: { status: number; headers?: HeaderPairs; body?: string | Uint8Array; trailers?: HeaderPairs }): CalloutResponse {
  const body = typeof a.body === "string" ? enc.encode(a.body) : a.body ?? new Uint8Array(0);
  const headers: HeaderPairs = [[":status", String(a.status)], ...(a.headers ?? []).map(([k, v]) => [k.toLowerCase(), v] as [string, string])];
  if (body.length > 0 && !headers.some(([k]) => k === "content-length")) headers.push(["content-length", String(body.length)]);
  return { headers, body, trailers: (a.trailers ?? []).map(([k, v]) => [k.toLowerCase(), v] as [string, string]) };
}

/** A reply Envoy's router makes itself: `:status`, content-length, content-type text/plain, body. */
function routerReply(status: number, text: string): CalloutResponse {
  const body = enc.encode(text);
  return { headers: [[":status", String(status)], ["content-length", String(body.length)], ["content-type", "text/plain"]], body, trailers: [] };
}

/** What Envoy's router synthesizes when a callout's timeout expires (§5.7). */
export function timeoutResponse(): CalloutResponse {
  return routerReply(504, "upstream request timeout");
}

/** What Envoy's router answers when the called upstream drops the connection before its response. */
export function resetResponse(): CalloutResponse {
  return routerReply(503, "upstream connect error or disconnect/reset before headers. reset reason: connection termination");
}
