// The HTTP peers a scenario runs between, as they behave on the wire: the client (undici; node:http
// for a request with trailers, which undici cannot send) and the upstream (a Node HTTP server:
// envoy/src/servers.ts). Real Envoy meets exactly these programs (envoy/src/scenario.ts
// hands them the headers from `clientHeaders`), and the mock host feeds Envoy's codec model
// (http1.ts) the heads they write (`clientWireHead`, `upstreamWireHead`), so both hosts see one
// client and one upstream. Each fact here was read off the wire (the header order, what each adds).
import { STATUS_CODES } from "node:http";
import { utf8Length } from "../memory.ts";
import type { WireHead } from "../http1.ts";
import type { ScenarioRequest, ScenarioUpstream } from "./format.ts";

type Pairs = Array<[string, string]>;

/** The parts of a request that decide its head on the wire. */
export type RequestShape = Pick<ScenarioRequest, "method" | "path" | "authority" | "headers" | "body" | "trailers">;

/** Methods undici sends `content-length: 0` for when they carry no body. */
const UNDICI_EXPECTS_PAYLOAD = new Set(["POST", "PUT", "PATCH"]);

const isName = (name: string) => ([k]: readonly [string, string]): boolean => k.toLowerCase() === name;

/**
 * The headers the runner hands the client library: `host` from the authority, the scenario's
 * headers, and the framing a client sends — `transfer-encoding: chunked` when trailers follow, else
 * the body's content-length (unless the scenario sets framing itself).
 */
export function clientHeaders(r: RequestShape): Pairs {
  const headers: Pairs = [["host", r.authority], ...r.headers.map(([k, v]) => [k, v] as [string, string])];
  if (r.trailers.length > 0) {
    if (!headers.some(isName("transfer-encoding"))) headers.push(["transfer-encoding", "chunked"]);
  } else if (r.body.length > 0 && !headers.some(isName("content-length"))) {
    headers.push(["content-length", String(utf8Length(r.body))]);
  }
  return headers;
}

/**
 * The request head the client library writes. undici: request line, `host`, `connection:
 * keep-alive` (`close` for HEAD), the other headers in order, then `content-length` (moved last;
 * `0` added for POST/PUT/PATCH without a body). node:http (trailers): the headers as given, then `Connection: close`.
 */
export function clientWireHead(r: RequestShape): WireHead {
  const startLine = `${r.method} ${r.path} HTTP/1.1`;
  const given = clientHeaders(r);
  if (r.trailers.length > 0) return { startLine, headers: [...given, ["Connection", "close"]] };
  const host = given.filter(isName("host"));
  const length = given.filter(isName("content-length"));
  const rest = given.filter(([k]) => !["host", "content-length"].includes(k.toLowerCase()));
  if (length.length === 0 && r.body.length === 0 && UNDICI_EXPECTS_PAYLOAD.has(r.method)) length.push(["content-length", "0"]);
  // undici closes the connection after a HEAD (a misbehaving server might send a body)
  const connection: [string, string] = ["connection", r.method === "HEAD" ? "close" : "keep-alive"];
  return { startLine, headers: [...host, connection, ...rest, ...length] };
}

/**
 * The answer head the Node upstream writes: status line with Node's reason phrase, the scenario's
 * headers in order, the content-length the runner adds (no trailers), then Node's own
 * `Connection: keep-alive`, `Keep-Alive: timeout=5` and, for an answer with trailers (to anything
 * but a HEAD), `Transfer-Encoding: chunked`.
 */
export function upstreamWireHead(a: Pick<ScenarioUpstream, "status" | "headers" | "body" | "trailers">, method = "GET"): WireHead {
  const headers: Pairs = a.headers.map(([k, v]) => [k, v] as [string, string]);
  const chunked = a.trailers.length > 0;
  if (!chunked && !headers.some(isName("content-length"))) headers.push(["content-length", String(utf8Length(a.body))]);
  headers.push(["Connection", "keep-alive"], ["Keep-Alive", "timeout=5"]);
  // Node frames no body for a HEAD: no transfer-encoding then
  if (chunked && method !== "HEAD") headers.push(["Transfer-Encoding", "chunked"]);
  return { startLine: `HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? "unknown"}`, headers };
}
