// The scripted gRPC upstream behind proxy_grpc_call / proxy_grpc_stream (§5.8, §6.9, §11.11).
//
// Unary calls are answered by routes (service cluster, service name, method): a message after a
// virtual delay (→ proxy_on_grpc_receive), a gRPC status (→ proxy_on_grpc_close, the message via
// proxy_get_status), or a deadline that expires (→ close with DeadlineExceeded). Streams are driven
// by the test through a GrpcStreamPeer: it sees what the plugin sent and sends initial metadata,
// messages, trailing metadata and the final close back. Every callback goes to the calling plugin's
// root context; Envoy does not switch the effective context. A call or stream that no route takes
// fails the test, like an unmatched HTTP callout.
import type { HeaderPairs } from "./pairs.ts";

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
}

/** What the mock host does with a stream peer's events (wired by the VM that opened the stream). */
export interface GrpcStreamDelivery {
  initialMetadata(md: HeaderPairs): void;
  message(msg: Uint8Array): void;
  trailingMetadata(md: HeaderPairs): void;
  close(status: number, message: string): void;
}

const enc = new TextEncoder();

/** The far end of a gRPC stream a plugin opened: the test reads what arrived and answers. */
export class GrpcStreamPeer {
  /** messages the plugin sent with proxy_grpc_send, in order */
  readonly received: Uint8Array[] = [];
  /** the plugin half-closed its side (proxy_grpc_close, or proxy_grpc_send with end_stream) */
  halfClosed = false;
  /** the plugin reset the stream (proxy_grpc_cancel): nothing more reaches it */
  cancelled = false;
  /** the peer closed the stream */
  closed = false;

  constructor(readonly request: GrpcRequest, private readonly deliver: GrpcStreamDelivery) {}

  sendInitialMetadata(md: HeaderPairs): void {
    this.check("initial metadata");
    this.deliver.initialMetadata(md.map(([k, v]) => [k.toLowerCase(), v]));
  }

  send(message: string | Uint8Array): void {
    this.check("a message");
    this.deliver.message(typeof message === "string" ? enc.encode(message) : message);
  }

  sendTrailingMetadata(md: HeaderPairs): void {
    this.check("trailing metadata");
    this.deliver.trailingMetadata(md.map(([k, v]) => [k.toLowerCase(), v]));
  }

  /** Ends the stream from the remote side with a gRPC status (0 = OK). */
  close(status = 0, message = ""): void {
    this.check("a close");
    this.closed = true;
    this.deliver.close(status, message);
  }

  private check(what: string): void {
    if (this.closed) throw new Error(`gRPC stream ${this.request.id}: cannot send ${what} after the peer closed it`);
    if (this.cancelled) throw new Error(`gRPC stream ${this.request.id}: the plugin cancelled it; ${what} would be dropped`);
  }
}

interface Route {
  match: GrpcMatch;
  answer: GrpcAnswer | ((request: GrpcRequest) => GrpcAnswer);
}

interface StreamRoute {
  match: GrpcMatch;
  open: (peer: GrpcStreamPeer) => void;
}

export class GrpcRouter {
  /** every unary call that passed Envoy's checks, in order */
  readonly sent: GrpcRequest[] = [];
  /** every stream a plugin opened, in order */
  readonly streams: GrpcStreamPeer[] = [];
  private readonly routes: Route[] = [];
  private readonly streamRoutes: StreamRoute[] = [];
  private readonly clusters = new Set<string>();

  /** Declares a cluster Envoy knows. */
  cluster(name: string): this {
    this.clusters.add(name);
    return this;
  }

  /** Answers unary calls that match (its cluster becomes known); routes are tried in order. */
  route(match: GrpcMatch, answer: Route["answer"]): this {
    this.clusters.add(match.cluster);
    this.routes.push({ match, answer });
    return this;
  }

  /** Accepts streams that match; `open` gets the peer once the opening callback has returned. */
  onStream(match: GrpcMatch, open: (peer: GrpcStreamPeer) => void): this {
    this.clusters.add(match.cluster);
    this.streamRoutes.push({ match, open });
    return this;
  }

  knows(cluster: string): boolean {
    return this.clusters.has(cluster);
  }

  answer(request: GrpcRequest): GrpcAnswer | undefined {
    const r = this.routes.find((x) => matches(x.match, request));
    if (r === undefined) return undefined;
    return typeof r.answer === "function" ? r.answer(request) : r.answer;
  }

  streamHandler(request: GrpcRequest): ((peer: GrpcStreamPeer) => void) | undefined {
    return this.streamRoutes.find((x) => matches(x.match, request))?.open;
  }
}

function matches(m: GrpcMatch, r: GrpcRequest): boolean {
  return m.cluster === r.cluster && (m.serviceName === undefined || m.serviceName === r.serviceName) &&
    (m.method === undefined || m.method === r.method);
}

/**
 * The cluster a `service` argument names: a plain cluster name, or a serialized
 * envoy.config.core.v3.GrpcService whose envoy_grpc (field 1) carries cluster_name (field 1).
 * Returns null when the bytes are neither a known cluster nor such a message.
 */
export function serviceCluster(service: Uint8Array, knows: (cluster: string) => boolean): string | null {
  const asText = new TextDecoder().decode(service);
  if (knows(asText)) return asText;
  const envoyGrpc = lengthDelimitedField(service, 1);
  if (envoyGrpc === null) return null;
  const name = lengthDelimitedField(envoyGrpc, 1);
  return name === null ? null : new TextDecoder().decode(name);
}

/** The first length-delimited field `field` of a protobuf message, or null if malformed/absent. */
function lengthDelimitedField(b: Uint8Array, field: number): Uint8Array | null {
  let i = 0;
  const varint = (): number | null => {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (i >= b.length) return null;
      const byte = b[i++];
      v += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return v;
    }
    return null;
  };
  let found: Uint8Array | null = null;
  while (i < b.length) {
    const key = varint();
    if (key === null) return null;
    const wire = key & 7;
    const num = Math.floor(key / 8);
    if (num === 0) return null;
    if (wire === 0) { if (varint() === null) return null; }
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const len = varint();
      if (len === null || i + len > b.length) return null;
      if (num === field && found === null) found = b.subarray(i, i + len);
      i += len;
    } else return null;
    if (i > b.length) return null;
  }
  return found;
}
