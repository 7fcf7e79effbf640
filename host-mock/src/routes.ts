// How the scripted upstreams pick an answer: an ordered table of routes (match → what to answer)
// with the clusters Envoy knows, first match wins, and the field matchers matches are made of.
// Shared by the HTTP callout router (callouts.ts) and the gRPC router (grpc.ts).
import type { HeaderPairs } from "./pairs.ts";

/** Every match names its cluster; adding a route makes the cluster known. */
export interface ClusterMatch {
  readonly cluster: string;
}

/** Routes tried in the order they were added, each holding a value (an answer, a stream handler). */
export class RouteTable<Match extends ClusterMatch, Request, Value> {
  private readonly routes: Array<{ readonly match: Match; readonly value: Value }> = [];

  /** `clusters` may be shared with another table (gRPC's calls and streams know the same ones). */
  constructor(private readonly matches: (match: Match, request: Request) => boolean,
    private readonly clusters: Set<string> = new Set<string>()) {}

  /** Declares a cluster Envoy knows, without a route. */
  cluster(name: string): void {
    this.clusters.add(name);
  }

  knows(cluster: string): boolean {
    return this.clusters.has(cluster);
  }

  /** Adds a route; its cluster becomes known. */
  add(match: Match, value: Value): void {
    this.clusters.add(match.cluster);
    this.routes.push({ match, value });
  }

  /** The value of the first route that matches, or undefined. */
  first(request: Request): Value | undefined {
    for (const r of this.routes) {
      if (this.matches(r.match, request)) return r.value;
    }
    return undefined;
  }
}

/** A route's answer: the answer itself, or a function of the request that makes it. */
export type AnswerOrFn<Request, Answer> = Answer | ((request: Request) => Answer);

/** A route table whose routes hold answers; `answer` calls a function answer with the request. */
export class AnswerTable<Match extends ClusterMatch, Request, Answer> extends RouteTable<Match, Request, AnswerOrFn<Request, Answer>> {
  /** The answer of the first route that matches, or undefined. */
  answer(request: Request): Answer | undefined {
    const a = this.first(request);
    if (a === undefined) return undefined;
    return isFunctionOfRequest(a) ? a(request) : a;
  }
}

function isFunctionOfRequest<Request, Answer>(a: AnswerOrFn<Request, Answer>): a is (request: Request) => Answer {
  return typeof a === "function";
}

/** An optional criterion on a field: undefined takes any value, a string that exact value, a RegExp what it tests true on. */
export function fieldMatches(want: string | RegExp | undefined, actual: string): boolean {
  if (want === undefined) return true;
  return typeof want === "string" ? want === actual : want.test(actual);
}

/**
 * Every wanted header is among `actual` with exactly that value. Wanted names are case-insensitive:
 * they are lower-cased and compared with `actual`'s names, which the host lower-cased already.
 */
export function headersMatch(want: Readonly<Record<string, string>> | undefined, actual: HeaderPairs): boolean {
  for (const [name, value] of Object.entries(want ?? {})) {
    const key = name.toLowerCase();
    if (!actual.some(([k, v]) => k === key && v === value)) return false;
  }
  return true;
}
