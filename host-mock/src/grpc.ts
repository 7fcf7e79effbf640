// The scripted gRPC upstream behind proxy_grpc_call / proxy_grpc_stream (§5.8, §6.9, §11.11).
//
// Unary calls are answered by routes (service cluster, service name, method): a message after a
// virtual delay (→ proxy_on_grpc_receive), a gRPC status (→ proxy_on_grpc_close, the message via
// proxy_get_status), or a deadline that expires (→ close with Unavailable, as Envoy's router times
// the call out). What the plugin sees follows Envoy 1.40 as integration/grpc.test.ts measured it
// against a real gRPC server: see GrpcStreamPeer, envoyGrpcStatusMessage, resolveGrpcService. Streams are driven
// by the test through a GrpcStreamPeer: it sees what the plugin sent and sends initial metadata,
// messages, trailing metadata and the final close back. Every callback goes to the calling plugin's
// root context; Envoy does not switch the effective context. A call or stream that no route takes
// fails the test, like an unmatched HTTP callout. Route matching is routes.ts's, shared with the
// HTTP callout router; grpc-calls.ts tracks the calls and streams in flight.
import type { HeaderPairs } from "./pairs.ts";
import { AnswerTable, RouteTable, fieldMatches, headersMatch, type AnswerOrFn } from "./routes.ts";

export interface GrpcRequest {
  /** per-VM id: calls 5, 9, …; streams 6, 10, … (§3) */
  readonly id: number;
  /** the cluster the service resolves to */
  readonly cluster: string;
  readonly serviceName: string;
  readonly method: string;
  readonly initialMetadata: HeaderPairs;
  /** the request message (unary calls; streams send theirs with proxy_grpc_send) */
  readonly message: Uint8Array;
  /** 0 = no deadline (streams have none) */
  readonly timeoutMs: number;
}

/** A unary answer: a response message, a non-OK status, or silence until the deadline. */
export type GrpcAnswer =
  | { message: string | Uint8Array; delayMs?: number }
  | { status: number; message?: string; delayMs?: number }
  | { fail: "timeout" };

export interface GrpcMatch {
  cluster: string;
  serviceName?: string;
  method?: string;
  /** initial metadata values the call must carry (names case-insensitive) */
  headers?: Record<string, string>;
}

/** What the mock host does with a stream peer's events (wired by the VM that opened the stream). */
export interface GrpcStreamDelivery {
  initialMetadata(md: HeaderPairs): void;
  message(msg: Uint8Array): void;
  trailingMetadata(md: HeaderPairs): void;
  close(status: number, message: string): void;
  /** virtual ms since the stream opened (Envoy's router adds it as x-envoy-upstream-service-time) */
  elapsedMs(): number;
}

const enc = new TextEncoder();

/** grpc-message percent-encoding (PROTOCOL-HTTP2): bytes outside space..~, and '%', become %XX. */
export function grpcPercentEncode(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  return out;
}

/**
 * grpc-message as a gRPC server puts it on the wire. Envoy 1.40 hands the plugin this wire form;
 * it does not decode it.
 */
export function wireGrpcMessage(message: string): string {
  return grpcPercentEncode(enc.encode(message));
}

/** Envoy's Grpc::Utility::httpToGrpcStatus: the gRPC status an HTTP status stands for. */
export function httpToGrpcStatus(code: number): number {
  switch (code) {
    case 400: return 13;
    case 401: return 16;
    case 403: return 7;
    case 404: return 12;
    case 429: case 502: case 503: case 504: return 14;
    default: return 2;
  }
}

/**
 * The message proxy_get_status returns in proxy_on_grpc_close, measured on Envoy 1.40: the
 * grpc-message (wire form) followed by the response code details in braces, or the details alone
 * when there is no grpc-message: "no entry{via_upstream}", "via_upstream",
 * "upstream request timeout{response_timeout}".
 */
export function envoyGrpcStatusMessage(message: string, details: string): string {
  return message === "" ? details : `${message}{${details}}`;
}

/**
 * The far end of a gRPC stream a plugin opened: the test reads what arrived and answers. What
 * reaches the plugin is what Envoy 1.40 delivers from the HTTP/2 stream (measured by
 * integration/grpc.test.ts): initial metadata is the response headers (`:status`, `content-type`,
 * the peer's metadata, the router's `x-envoy-upstream-service-time`); trailing metadata is the
 * trailers (`grpc-status`, `grpc-message`, the peer's metadata) and always comes right before the
 * close; a close without anything before it is a trailers-only answer (empty initial metadata, then
 * all the headers as trailing metadata).
 */
export class GrpcStreamPeer {
  /** messages the plugin sent with proxy_grpc_send, in order (up to its end of stream) */
  readonly received: Uint8Array[] = [];
  /** the plugin half-closed its side (proxy_grpc_close, or proxy_grpc_send with end_stream) */
  halfClosed = false;
  /** the plugin reset the stream (proxy_grpc_cancel): nothing more reaches it */
  cancelled = false;
  /** the peer closed the stream */
  closed = false;
  /** the response headers went out (sendInitialMetadata, or implied by the first send) */
  private headersSent = false;
  private readonly trailing: HeaderPairs = [];

  constructor(readonly request: GrpcRequest, private readonly deliver: GrpcStreamDelivery) {}

  /** The response headers; `:status` 200 and `content-type: application/grpc` come first. */
  sendInitialMetadata(md: HeaderPairs): void {
    this.check("initial metadata");
    if (this.headersSent) throw new Error(`gRPC stream ${this.request.id}: initial metadata was already sent`);
    this.headersSent = true;
    this.deliver.initialMetadata([...GRPC_RESPONSE_HEADERS, ...lower(md), this.serviceTime()]);
  }

  /** A message (the response headers go first if they have not). */
  send(message: string | Uint8Array): void {
    this.check("a message");
    if (!this.headersSent) this.sendInitialMetadata([]);
    this.deliver.message(typeof message === "string" ? enc.encode(message) : message);
  }

  /** Metadata for the trailers: it reaches the plugin with the close, as it travels on the wire. */
  sendTrailingMetadata(md: HeaderPairs): void {
    this.check("trailing metadata");
    this.trailing.push(...lower(md));
  }

  /**
   * Ends the stream from the remote side with a gRPC status (0 = OK): proxy_on_grpc_receive_trailing_metadata
   * (grpc-status, grpc-message, the trailing metadata), then proxy_on_grpc_close with
   * proxy_get_status's message as Envoy builds it. Before any headers it is a trailers-only answer.
   */
  close(status = 0, message = "", trailingMetadata: HeaderPairs = []): void {
    this.check("a close");
    this.trailing.push(...lower(trailingMetadata));
    const wire = wireGrpcMessage(message);
    const statusMd: HeaderPairs = [["grpc-status", String(status)], ...(wire !== "" ? [["grpc-message", wire] as [string, string]] : [])];
    this.closed = true;
    if (!this.headersSent) {
      this.headersSent = true;
      this.deliver.initialMetadata([]);
      this.deliver.trailingMetadata([...GRPC_RESPONSE_HEADERS, ...statusMd, ...this.trailing, this.serviceTime()]);
    } else {
      this.deliver.trailingMetadata([...statusMd, ...this.trailing]);
    }
    this.deliver.close(status, envoyGrpcStatusMessage(wire, "via_upstream"));
  }

  private serviceTime(): [string, string] {
    return ["x-envoy-upstream-service-time", String(Math.round(this.deliver.elapsedMs()))];
  }

  private check(what: string): void {
    if (this.closed) throw new Error(`gRPC stream ${this.request.id}: cannot send ${what} after the peer closed it`);
    if (this.cancelled) throw new Error(`gRPC stream ${this.request.id}: the plugin cancelled it; ${what} would be dropped`);
  }
}

const GRPC_RESPONSE_HEADERS: HeaderPairs = [[":status", "200"], ["content-type", "application/grpc"]];

function lower(md: HeaderPairs): HeaderPairs {
  return md.map(([k, v]) => [k.toLowerCase(), v]);
}

export class GrpcRouter {
  /** every unary call that passed Envoy's checks, in order */
  readonly sent: GrpcRequest[] = [];
  /** every stream a plugin opened, in order */
  readonly streams: GrpcStreamPeer[] = [];
  /** the clusters Envoy knows: those of both tables, and any declared */
  private readonly clusters = new Set<string>();
  private readonly routes = new AnswerTable<GrpcMatch, GrpcRequest, GrpcAnswer>(matches, this.clusters);
  private readonly streamRoutes = new RouteTable<GrpcMatch, GrpcRequest, (peer: GrpcStreamPeer) => void>(matches, this.clusters);

  /** Declares a cluster Envoy knows. */
  cluster(name: string): this {
    this.clusters.add(name);
    return this;
  }

  /** Answers unary calls that match (its cluster becomes known); routes are tried in order. */
  route(match: GrpcMatch, answer: AnswerOrFn<GrpcRequest, GrpcAnswer>): this {
    this.routes.add(match, answer);
    return this;
  }

  /** Accepts streams that match; `open` gets the peer once the opening callback has returned. */
  onStream(match: GrpcMatch, open: (peer: GrpcStreamPeer) => void): this {
    this.streamRoutes.add(match, open);
    return this;
  }

  knows(cluster: string): boolean {
    return this.clusters.has(cluster);
  }

  answer(request: GrpcRequest): GrpcAnswer | undefined {
    return this.routes.answer(request);
  }

  streamHandler(request: GrpcRequest): ((peer: GrpcStreamPeer) => void) | undefined {
    return this.streamRoutes.first(request);
  }
}

function matches(m: GrpcMatch, r: GrpcRequest): boolean {
  return m.cluster === r.cluster && fieldMatches(m.serviceName, r.serviceName) && fieldMatches(m.method, r.method) &&
    headersMatch(m.headers, r.initialMetadata);
}

/** How Envoy 1.40 reads proxy_grpc_call's / proxy_grpc_stream's `service` bytes. */
export type GrpcServiceTarget =
  /** a cluster: the bytes were a plain cluster name Envoy knows, or a GrpcService's envoy_grpc.cluster_name */
  | { kind: "cluster"; cluster: string; fromProto: boolean }
  /** neither a GrpcService nor a known cluster name: ParseFailure */
  | { kind: "unparsable" }
  /** a GrpcService whose target is google_grpc (not modelled) or unset (Envoy 1.40 aborts) */
  | { kind: "google_grpc" }
  | { kind: "no_target" };

/**
 * Measured on Envoy 1.40 (integration/grpc.test.ts): the bytes are parsed as a serialized
 * envoy.config.core.v3.GrpcService FIRST and only when that fails taken as a cluster name, so a
 * name whose bytes happen to be valid protobuf (the empty string, `"#…`) is a GrpcService, and one
 * without envoy_grpc / google_grpc makes Envoy abort ("panic: unset oneof"). A plain name Envoy does
 * not know is ParseFailure; a GrpcService naming an unknown cluster is accepted by the parser and
 * fails later (see imports/grpc.ts). The cluster of a plain name need not be known here: `knows`
 * decides.
 */
export function resolveGrpcService(service: Uint8Array, knows: (cluster: string) => boolean): GrpcServiceTarget {
  const proto = parseGrpcService(service);
  if (proto !== null) {
    if (proto.target === "envoy_grpc") return { kind: "cluster", cluster: proto.cluster, fromProto: true };
    return { kind: proto.target === "google_grpc" ? "google_grpc" : "no_target" };
  }
  const name = new TextDecoder().decode(service);
  return knows(name) ? { kind: "cluster", cluster: name, fromProto: false } : { kind: "unparsable" };
}

/**
 * Parses `b` as protobuf's C++ ParseFromArray would a GrpcService: wire format checked throughout
 * (tags, varints, lengths, matched groups; unknown fields skipped), the message-typed fields 1, 2,
 * 3, 5, 6 checked as nested messages, envoy_grpc.cluster_name as UTF-8. The oneof takes the last of
 * envoy_grpc (1) / google_grpc (2). Null when the bytes do not parse.
 */
export function parseGrpcService(b: Uint8Array): { target: "envoy_grpc" | "google_grpc" | null; cluster: string } | null {
  let target: "envoy_grpc" | "google_grpc" | null = null;
  let cluster = "";
  const ok = walk(b, 0, b.length, 0, (field, wire, body) => {
    if (wire !== 2 || body === null) return true;
    if (field === 1) {
      target = "envoy_grpc";
      // EnvoyGrpc: cluster_name (1) and authority (2) are strings: proto3 checks UTF-8
      return walk(body, 0, body.length, 1, (f, w, v) => {
        if (w !== 2 || v === null || (f !== 1 && f !== 2)) return true;
        const text = utf8OrNull(v);
        if (text === null) return false;
        if (f === 1) cluster = text;
        return true;
      });
    }
    if (field === 2) target = "google_grpc";
    if (field === 2 || field === 3 || field === 5 || field === 6) return walk(body, 0, body.length, 1, () => true);
    return true;
  });
  return ok ? { target, cluster } : null;
}

function utf8OrNull(b: Uint8Array): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    return null;
  }
}

/**
 * Walks the fields of one message in b[start, end); `visit(field, wire, lengthDelimitedBody)` may
 * refuse. Returns false on malformed wire format. A group must close with its own end tag.
 */
function walk(b: Uint8Array, start: number, end: number, depth: number,
  visit: (field: number, wire: number, body: Uint8Array | null) => boolean): boolean {
  if (depth > 100) return false;
  let i = start;
  const varint = (maxBytes: number): number | null => {
    let v = 0;
    for (let n = 0; n < maxBytes; n++) {
      if (i >= end) return null;
      const byte = b[i++];
      if (n < 7) v += (byte & 0x7f) * 2 ** (7 * n);
      if ((byte & 0x80) === 0) return v;
    }
    return null;
  };
  while (i < end) {
    const key = varint(5);
    if (key === null) return false;
    const wire = key % 8;
    const field = Math.floor(key / 8);
    if (field === 0) return false;
    if (wire === 0) { if (varint(10) === null) return false; if (!visit(field, wire, null)) return false; }
    else if (wire === 1 || wire === 5) {
      i += wire === 1 ? 8 : 4;
      if (i > end) return false;
      if (!visit(field, wire, null)) return false;
    } else if (wire === 2) {
      const len = varint(5);
      if (len === null || i + len > end) return false;
      if (!visit(field, wire, b.subarray(i, i + len))) return false;
      i += len;
    } else if (wire === 3) {
      // a group: its fields up to the matching end-group tag
      const r = walkGroup(b, i, end, depth + 1, field);
      if (r === null) return false;
      i = r;
    } else return false; // an end-group tag outside its group, or wire types 6 and 7
  }
  return true;
}

/** Skips a group's fields up to its end tag; the index after it, or null. */
function walkGroup(b: Uint8Array, start: number, end: number, depth: number, field: number): number | null {
  // find the end by walking field by field; nested groups recurse through walk()
  let i = start;
  while (i < end) {
    let key = 0;
    let n = 0;
    for (; ; n++) {
      if (i >= end || n >= 5) return null;
      const byte = b[i++];
      key += (byte & 0x7f) * 2 ** (7 * n);
      if ((byte & 0x80) === 0) break;
    }
    const wire = key % 8;
    const f = Math.floor(key / 8);
    if (f === 0) return null;
    if (wire === 4) return f === field ? i : null;
    if (wire === 0) {
      for (let k = 0; ; k++) { if (i >= end || k >= 10) return null; if ((b[i++] & 0x80) === 0) break; }
    } else if (wire === 1 || wire === 5) {
      i += wire === 1 ? 8 : 4;
      if (i > end) return null;
    } else if (wire === 2) {
      let len = 0;
      for (let k = 0; ; k++) {
        if (i >= end || k >= 5) return null;
        const byte = b[i++];
        len += (byte & 0x7f) * 2 ** (7 * k);
        if ((byte & 0x80) === 0) break;
      }
      if (i + len > end) return null;
      i += len;
    } else if (wire === 3) {
      if (depth > 100) return null;
      const r = walkGroup(b, i, end, depth + 1, f);
      if (r === null) return null;
      i = r;
    } else return null;
  }
  return null;
}
