// One HTTP stream with Envoy's semantics, written to read like Envoy's call order (§5.2):
//
//   proxy_on_context_create(ctx, root)            first request headers (or lazily in complete())
//   proxy_on_request_headers(ctx, N[, eos])       → Continue lets headers go; anything else pauses
//   proxy_on_request_body(ctx, n, eos) …          not delivered while paused after headers
//   proxy_on_request_trailers(ctx, T)
//   proxy_on_response_headers / _body / _trailers (same rules, maps 2/3, buffer 1)
//   proxy_on_log → proxy_on_done (result ignored) → proxy_on_delete   (complete())
//
// Header availability windows (§6.3), return-value conversion (§11.5), pause / resume with host-side
// buffering (§5.3), local replies (§5.4) and close_stream (§5.5) live here. Stream actions requested
// by the guest (continue, close, local reply) run only after the current callback returns (§12).

import { FilterDataStatus, FilterHeadersStatus, FilterTrailersStatus, HeaderMapType, StreamType, WasmResult } from "../../sdk/assembly/abi/enums.ts";
import { concat } from "./imports/buffers.ts";
import type { BodyBuffer, LocalReplyRequest, StreamHostSide, StreamInfoView } from "./imports/types.ts";
import { addValue, clonePairs, getFirst, INLINE_REQUEST_HEADERS, INLINE_RESPONSE_HEADERS, INLINE_RESPONSE_TRAILERS, NO_INLINE, normalize, removeAll } from "./header-map.ts";
import { fromUtf8, utf8 } from "./memory.ts";
import type { HeaderPairs } from "./pairs.ts";
import type { Vm } from "./vm.ts";
import { TrapError, VmFailedError } from "./errors.ts";
import { grpcPercentEncode, httpToGrpcStatus } from "./grpc.ts";

export type Direction = "request" | "response";

/** What the filter let go upstream (request) or downstream (response). */
export interface MessageView {
  headers: HeaderPairs;
  trailers: HeaderPairs;
  body: Uint8Array;
  bodyText: string;
}

/** A local reply as the filter sent it, with the headers Envoy built for it (§5.4). */
export interface LocalReply {
  status: number;
  /** status_code_details with whitespace replaced by `_` */
  details: string;
  headers: HeaderPairs;
  body: Uint8Array;
  bodyText: string;
  /** the guest's grpc_status argument, null when unset (outside 0..16) */
  grpcStatus: number | null;
}

export interface CallbackRecord {
  name: string;
  args: number[];
  /** raw (unsigned) return value; undefined for void callbacks or when the callback trapped */
  result: number | undefined;
}

/**
 * Where a direction's output goes as the filter lets it through (a filter chain wires one stream's
 * output into the next stream's input; see chain.ts). Events come in the order Envoy would pass
 * them to the next filter: headers, data chunks, trailers; `endOfStream` marks the last event.
 */
export interface StreamSink {
  headers(headers: HeaderPairs, endOfStream: boolean): void;
  data(chunk: Uint8Array, endOfStream: boolean): void;
  trailers(trailers: HeaderPairs): void;
}

/** Where a chain takes over the replies this stream sends (see `HttpStream.route`). */
export interface ReplyRoute {
  /**
   * A local reply (or a FAIL_CLOSED 503) from the request path: Envoy runs it through the whole
   * encoder chain — all the filters' response callbacks, this one's included (§5.4).
   */
  viaChain(headers: HeaderPairs, body: Uint8Array): void;
  /** A reply from the response path: Envoy sends it straight to the client, past every filter. */
  direct(headers: HeaderPairs, body: Uint8Array): void;
  /** The stream was reset (proxy_close_stream, a reply after the response started). */
  reset(): void;
}

type Phase = "request_headers" | "request_body" | "request_trailers" | "response_headers" | "response_body" | "response_trailers" | "log";

const EMPTY = new Uint8Array(0);

/** Per-direction state: the maps/buffer the filter holds, what is paused, what went out. */
class Side {
  headersArrived = false;
  headerMap: HeaderPairs = [];
  headersHandle = false;
  headersEos = false;
  trailerMap: HeaderPairs | null = null;
  trailersHandle = false;
  /** in the last body callback (eos) with no trailers: the filter may create trailers (§6.3) */
  canCreateTrailers = false;
  /** buffer 0/1 as the filter sees it; also the retained body while `bufferingForFilter` */
  bodyBuf: BodyBuffer = { bytes: EMPTY };
  bodyHandle = false;
  /** previous body callback returned StopIterationAndBuffer: next callback sees the accumulated body */
  bufferingForFilter = false;
  /** body stopped by a watermark stop, kept by the host, forwarded on continue */
  held: Uint8Array = EMPTY;
  pausedAt: "headers" | "body" | "trailers" | null = null;
  /** arrived while paused after headers (StopAllIteration*): held by the host, not delivered */
  pendingChunks: Uint8Array[] = [];
  pendingBody = false;
  pendingEos = false;
  pendingTrailers: HeaderPairs | null = null;
  /** the test sent end of stream in this direction */
  inputEnded = false;
  /** no more filter callbacks in this direction (local reply, reset) */
  closed = false;
  outHeaders: HeaderPairs | null = null;
  outBody: Uint8Array[] = [];
  outTrailers: HeaderPairs | null = null;
  /** receives the output as it is let through (chains); null = only recorded in out* */
  sink: StreamSink | null = null;

  constructor(readonly dir: Direction) {}

  dropHandles(): void {
    this.headersHandle = false;
    this.trailersHandle = false;
    this.bodyHandle = false;
  }
}

function toBytes(chunk: string | Uint8Array): Uint8Array {
  return typeof chunk === "string" ? utf8(chunk) : chunk.slice();
}


export class HttpStream implements StreamHostSide {
  /** every export called for this stream, in order */
  readonly callbacks: CallbackRecord[] = [];
  readonly filterState = new Map<string, Uint8Array>();
  /** the local reply the filter sent, null if none */
  localReply: LocalReply | null = null;
  /** the stream was reset (proxy_close_stream, or a local reply after response headers went out) */
  reset = false;
  /** response code details (`wasm_close_stream`, a local reply's details) */
  details: string | null = null;

  private readonly req = new Side("request");
  private readonly resp = new Side("response");
  /** stream-info timestamps and counters behind request.time/duration/size and friends (propertyStreamInfo) */
  private readonly info = { startNs: null as bigint | null, completeNs: null as bigint | null, bytesReceived: 0, upstreamTxNs: null as bigint | null, upstreamRxEndNs: null as bigint | null };
  private created = false;
  private completed = false;
  private phase: Phase | null = null;
  private localReplyThisCallback = false;
  private localReplyPending = false;
  /** the upstream response can no longer reach the filter (local reply sent from the request phase) */
  private upstreamDiscarded = false;
  /** set by a chain: replies and resets leave through it instead of this stream's response side */
  private replyRoute: ReplyRoute | null = null;

  constructor(private readonly vm: Vm, readonly contextId: number, readonly rootContextId: number) {}

  // ---- test API --------------------------------------------------------------------------------

  sendRequestHeaders(headers: ReadonlyArray<readonly [string, string]>, endOfStream = false): number | undefined {
    return this.top(() => {
      this.ensureCreated();
      return this.feedHeaders(this.req, normalize(headers, INLINE_REQUEST_HEADERS), endOfStream, false);
    });
  }

  sendRequestBody(chunk: string | Uint8Array, endOfStream = false): number | undefined {
    return this.top(() => this.feedBody(this.req, toBytes(chunk), endOfStream, false));
  }

  sendRequestTrailers(trailers: ReadonlyArray<readonly [string, string]>): number | undefined {
    return this.top(() => this.feedTrailers(this.req, normalize(trailers, NO_INLINE), false));
  }

  sendResponseHeaders(headers: ReadonlyArray<readonly [string, string]>, endOfStream = false): number | undefined {
    return this.top(() => {
      this.ensureCreated();
      return this.feedHeaders(this.resp, normalize(headers, INLINE_RESPONSE_HEADERS), endOfStream, this.upstreamDiscarded);
    });
  }

  sendResponseBody(chunk: string | Uint8Array, endOfStream = false): number | undefined {
    return this.top(() => this.feedBody(this.resp, toBytes(chunk), endOfStream, this.upstreamDiscarded));
  }

  sendResponseTrailers(trailers: ReadonlyArray<readonly [string, string]>): number | undefined {
    return this.top(() => this.feedTrailers(this.resp, normalize(trailers, INLINE_RESPONSE_TRAILERS), this.upstreamDiscarded));
  }

  /** End of the stream: proxy_on_log, proxy_on_done (result ignored), proxy_on_delete (§5.2). */
  complete(): void {
    this.top(() => {
      if (this.completed) return undefined;
      this.ensureCreated(); // §5.6: created lazily in the access-log phase
      this.completed = true;
      this.info.completeNs ??= this.vm.opts.clock.nowNs(); // Envoy's requestComplete(), before access logs
      this.req.dropHandles();
      this.resp.dropHandles();
      this.phase = "log";
      try {
        this.invoke("proxy_on_log", [this.contextId]);
      } finally {
        this.phase = null;
      }
      this.invoke("proxy_on_done", [this.contextId]);
      this.invoke("proxy_on_delete", [this.contextId]);
      this.vm.unregisterContext(this.contextId);
      return undefined;
    });
  }

  /**
   * The client (or the upstream) reset the stream before it ended: no filter callback runs any more
   * in either direction, and Envoy destroys the stream as it does every other one — proxy_on_log,
   * proxy_on_done, proxy_on_delete — with `details` as the response details (Envoy's for a client
   * that went away: downstream_remote_disconnect). Measured in Envoy 1.40: a concurrency slot the
   * filter held until on_log came back (filters/rate-limit/concurrency-envoy.test.ts).
   */
  resetByPeer(details = "downstream_remote_disconnect"): void {
    if (this.completed) return;
    this.resetStream(details);
    this.complete();
  }

  get request(): MessageView {
    return this.view(this.req);
  }

  get response(): MessageView {
    return this.view(this.resp);
  }

  /**
   * Sends what the filter lets through in `direction` to `sink` as it happens (also after a
   * deferred resume), besides recording it for `request` / `response`.
   */
  pipe(direction: Direction, sink: StreamSink): void {
    (direction === "request" ? this.req : this.resp).sink = sink;
  }

  /** Hands this stream's replies and resets to a chain (see ReplyRoute). */
  route(replies: ReplyRoute): void {
    this.replyRoute = replies;
  }

  /** The filter's context exists: it was created by the first event of this stream. */
  get contextCreated(): boolean {
    return this.created;
  }

  /** Whether the request / response is held by the filter (paused after headers, body or trailers). */
  paused(direction: Direction): boolean {
    const side = direction === "request" ? this.req : this.resp;
    return side.pausedAt !== null && !side.closed;
  }

  // ---- StreamHostSide: what host calls see ------------------------------------------------------

  readableMap(map: number): HeaderPairs | number {
    const inLog = this.phase === "log";
    const unavailable = inLog ? WasmResult.NotFound : WasmResult.BadArgument;
    switch (map) {
      case HeaderMapType.RequestHeaders:
        if (inLog) return this.req.headersArrived ? this.req.headerMap : unavailable;
        return this.req.headersHandle ? this.req.headerMap : unavailable;
      case HeaderMapType.RequestTrailers:
        if (inLog) return unavailable;
        return this.req.trailersHandle && this.req.trailerMap !== null ? this.req.trailerMap : unavailable;
      case HeaderMapType.ResponseHeaders:
        if (inLog) return this.resp.headersArrived ? this.resp.headerMap : unavailable;
        return this.resp.headersHandle ? this.resp.headerMap : unavailable;
      case HeaderMapType.ResponseTrailers:
        if (inLog) return this.resp.trailerMap ?? unavailable;
        return this.resp.trailersHandle && this.resp.trailerMap !== null ? this.resp.trailerMap : unavailable;
      default:
        return unavailable; // gRPC metadata / HTTP-call maps: never available on a stream here
    }
  }

  writableMap(map: number): HeaderPairs | null {
    if (this.phase === "log") return null;
    switch (map) {
      case HeaderMapType.RequestHeaders: return this.req.headersHandle ? this.req.headerMap : null;
      case HeaderMapType.RequestTrailers: return this.writableTrailers(this.req);
      case HeaderMapType.ResponseHeaders: return this.resp.headersHandle ? this.resp.headerMap : null;
      case HeaderMapType.ResponseTrailers: return this.writableTrailers(this.resp);
      default: return null;
    }
  }

  private writableTrailers(side: Side): HeaderPairs | null {
    if (side.trailersHandle && side.trailerMap !== null) return side.trailerMap;
    if (side.canCreateTrailers && side.bodyHandle) {
      // Envoy addDecodedTrailers()/addEncodedTrailers(): created from the last body chunk
      side.trailerMap = [];
      side.trailersHandle = true;
      side.canCreateTrailers = false;
      return side.trailerMap;
    }
    return null;
  }

  bodyBuffer(buffer: number): BodyBuffer | null {
    const side = buffer === 0 ? this.req : this.resp;
    return side.bodyHandle ? side.bodyBuf : null;
  }

  propertyRequestHeaders(): HeaderPairs | null {
    if (this.phase === "log") return this.req.headersArrived ? this.req.headerMap : null;
    return this.req.headersHandle ? this.req.headerMap : null;
  }

  propertyResponseHeaders(): HeaderPairs | null {
    if (this.phase === "log") return this.resp.headersArrived ? this.resp.headerMap : null;
    return this.resp.headersHandle ? this.resp.headerMap : null;
  }

  responseCodeDetails(): string | null {
    return this.details;
  }

  propertyStreamInfo(): StreamInfoView {
    const status = this.resp.headersArrived ? getFirst(this.resp.headerMap, ":status") : undefined;
    return {
      ...this.info,
      bytesSent: this.resp.outBody.reduce((n, b) => n + b.length, 0),
      responseCode: status !== undefined && /^\d+$/.test(status) ? Number(status) : null,
    };
  }

  /** Stream-info bookkeeping for what arrived from downstream (request) or upstream (response). */
  private noteArrival(side: Side, bodyBytes: number): void {
    if (side.dir === "request") this.info.bytesReceived += bodyBytes;
    else if (side.inputEnded) this.info.upstreamRxEndNs ??= this.vm.opts.clock.nowNs();
  }

  continueStream(type: number): void {
    if (type !== StreamType.Request && type !== StreamType.Response) return; // TCP types: no HTTP effect
    // Envoy drops the request handles right away — also for Response, through a switch fall-through.
    this.req.dropHandles();
    const side = type === StreamType.Request ? this.req : this.resp;
    this.vm.defer(() => this.resume(side));
  }

  closeStream(type: number): void {
    if (type !== StreamType.Request && type !== StreamType.Response) return;
    this.vm.defer(() => this.resetStream("wasm_close_stream"));
  }

  sendLocalResponse(reply: LocalReplyRequest): void {
    this.localReplyThisCallback = true;
    if (this.localReplyPending || this.localReply !== null || this.reset || this.completed) return; // first reply wins
    this.localReplyPending = true;
    this.vm.defer(() => this.applyLocalReply(reply));
  }

  // ---- delivery --------------------------------------------------------------------------------

  private top(f: () => number | undefined): number | undefined {
    if (this.vm.failed !== null && this.vm.opts.failurePolicy === "throw") throw new VmFailedError(this.vm.failed);
    const r = f();
    this.vm.drain();
    return r;
  }

  /** The VM failed and Envoy's failure policy, not the test, handles it (§11.14). */
  private get failedUnderPolicy(): boolean {
    return this.vm.failed !== null && this.vm.opts.failurePolicy !== "throw";
  }

  /**
   * FAIL_CLOSED (§11.14): Envoy answers 503 with an empty body (details wasm_fail_stream) once per
   * stream; the reply passes this filter without calling the VM, and the VM is never called again
   * for the stream.
   */
  private failStream(): void {
    if (this.localReply !== null || this.reset || this.completed) return;
    const details = "wasm_fail_stream";
    this.details ??= details;
    const headers: HeaderPairs = [[":status", "503"]];
    this.localReply = { status: 503, details, headers: clonePairs(headers), body: EMPTY, bodyText: "", grpcStatus: null };
    this.req.closed = true;
    this.req.pausedAt = null;
    this.req.dropHandles();
    const resp = this.resp;
    if (resp.outHeaders !== null) {
      this.resetStream(details); // the response already started downstream: only a reset is left
      return;
    }
    if (this.replyRoute !== null && !resp.headersArrived) {
      // request path in a chain: the 503 runs through the encoder chain; this filter's own
      // response callbacks are skipped because its VM failed
      this.replyRoute.viaChain(headers, EMPTY);
      return;
    }
    this.upstreamDiscarded = true;
    resp.headersArrived = true;
    this.sendDirect(resp, headers, EMPTY);
  }

  /** A reply that goes downstream as is, past this filter's response callbacks. */
  private sendDirect(resp: Side, headers: HeaderPairs, body: Uint8Array): void {
    resp.headerMap = headers;
    resp.outHeaders = clonePairs(headers);
    resp.outBody = body.length > 0 ? [body] : [];
    resp.outTrailers = null;
    resp.trailerMap = null;
    resp.closed = true;
    resp.pausedAt = null;
    resp.dropHandles();
    if (this.replyRoute !== null) this.replyRoute.direct(clonePairs(headers), body);
    else if (resp.sink !== null) {
      resp.sink.headers(clonePairs(headers), body.length === 0);
      if (body.length > 0) resp.sink.data(body, true);
    }
  }

  private ensureCreated(): void {
    if (this.created) return;
    this.created = true;
    this.info.startNs ??= this.vm.opts.clock.nowNs(); // StreamInfo startTime (request.time)
    // a stream that starts on a failed VM never reaches it: FAIL_CLOSED answers 503, FAIL_OPEN
    // leaves the filter out of the chain
    if (this.failedUnderPolicy) {
      if (this.vm.opts.failurePolicy === "FAIL_CLOSED") this.failStream();
      return;
    }
    this.vm.registerContext(this.contextId, this.rootContextId, this);
    this.invoke("proxy_on_context_create", [this.contextId, this.rootContextId]);
  }

  /** Calls an export for this stream and records it; an absent export counts as Continue (0). */
  private invoke(name: string, args: number[]): number {
    this.localReplyThisCallback = false;
    // a failed VM under a failure policy gets no more callbacks (not even on_log/on_done/on_delete);
    // for FAIL_OPEN the stream goes on as if the filter answered Continue
    if (this.failedUnderPolicy) return FilterHeadersStatus.Continue;
    if (!this.vm.has(name)) return 0;
    const rec: CallbackRecord = { name, args, result: undefined };
    this.callbacks.push(rec);
    try {
      rec.result = this.vm.call(name, args, this.contextId);
    } catch (e) {
      if (this.vm.opts.failurePolicy === "throw" || !(e instanceof TrapError)) throw e;
      // the stream in flight gets Envoy's 503 under both policies (measured on Envoy 1.40: FAIL_OPEN
      // only lets later streams skip the failed filter)
      this.failStream();
      this.localReplyThisCallback = true; // the callback's result is discarded: stop
      return FilterHeadersStatus.StopIteration;
    }
    return rec.result ?? 0;
  }

  private feedHeaders(side: Side, headers: HeaderPairs, eos: boolean, discarded: boolean): number | undefined {
    if (discarded) return undefined; // the upstream response after a local reply never reaches the filter
    if (side.headersArrived) throw new Error(`${side.dir} headers were already sent on this stream`);
    if (this.completed) throw new Error("the stream is complete");
    side.headersArrived = true;
    side.headersEos = eos;
    side.inputEnded = eos;
    this.noteArrival(side, 0);
    if (side.closed || this.reset) return undefined;
    side.headerMap = headers;
    return this.deliverHeaders(side);
  }

  private feedBody(side: Side, chunk: Uint8Array, eos: boolean, discarded: boolean): number | undefined {
    if (discarded) return undefined;
    if (!side.headersArrived) throw new Error(`send the ${side.dir} headers before its body`);
    if (side.inputEnded) throw new Error(`the ${side.dir} already ended`);
    side.inputEnded = eos;
    this.noteArrival(side, chunk.length);
    if (side.closed || this.reset || this.completed) return undefined;
    if (side.pausedAt === "headers") {
      side.pendingChunks.push(chunk);
      side.pendingBody = true;
      side.pendingEos = eos;
      return undefined; // StopAllIteration: the host buffers, the filter is not called
    }
    return this.deliverBody(side, chunk, eos);
  }

  private feedTrailers(side: Side, trailers: HeaderPairs, discarded: boolean): number | undefined {
    if (discarded) return undefined;
    if (!side.headersArrived) throw new Error(`send the ${side.dir} headers before its trailers`);
    if (side.inputEnded) throw new Error(`the ${side.dir} already ended`);
    side.inputEnded = true;
    this.noteArrival(side, 0);
    if (side.closed || this.reset || this.completed) return undefined;
    if (side.pausedAt === "headers") {
      side.pendingTrailers = trailers;
      return undefined;
    }
    return this.deliverTrailers(side, trailers);
  }

  private deliverHeaders(side: Side): number {
    const isReq = side.dir === "request";
    side.headersHandle = true;
    const name = isReq ? "proxy_on_request_headers" : "proxy_on_response_headers";
    const args = this.vm.abi === "0.1.0"
      ? [this.contextId, side.headerMap.length]
      : [this.contextId, side.headerMap.length, side.headersEos ? 1 : 0];
    this.phase = isReq ? "request_headers" : "response_headers";
    let raw: number;
    try {
      raw = this.invoke(name, args);
    } finally {
      this.phase = null;
    }
    // §11.5: local reply → stop; 0 and 2 (ContinueAndEndStream → Continue) continue; 1 (→ StopAll
    // IterationAndWatermark), 3, 4 and anything larger stop all iteration.
    const proceed = !this.localReplyThisCallback &&
      (raw === FilterHeadersStatus.Continue || raw === FilterHeadersStatus.ContinueAndEndStream);
    if (proceed) this.releaseHeaders(side);
    else side.pausedAt = "headers";
    return raw;
  }

  private releaseHeaders(side: Side): void {
    side.headersHandle = false;
    // no copy: once released the guest can no longer write this map (the test API hands out copies)
    side.outHeaders = side.headerMap;
    if (side.dir === "request") this.info.upstreamTxNs ??= this.vm.opts.clock.nowNs(); // first byte upstream
    side.sink?.headers(clonePairs(side.headerMap), side.headersEos);
    if (side.headersEos) this.endOfSide(side);
  }

  private deliverBody(side: Side, chunk: Uint8Array, eos: boolean): number {
    const isReq = side.dir === "request";
    const visible = side.bufferingForFilter ? concat(side.bodyBuf.bytes, chunk) : chunk;
    side.bodyBuf = { bytes: visible };
    side.bodyHandle = true;
    side.canCreateTrailers = eos && side.trailerMap === null;
    this.phase = isReq ? "request_body" : "response_body";
    let raw: number;
    try {
      raw = this.invoke(isReq ? "proxy_on_request_body" : "proxy_on_response_body", [this.contextId, visible.length, eos ? 1 : 0]);
    } finally {
      this.phase = null;
      side.canCreateTrailers = false;
    }
    const status = this.localReplyThisCallback || raw > FilterDataStatus.StopIterationNoBuffer
      ? FilterDataStatus.StopIterationNoBuffer : raw;
    const cur = side.bodyBuf.bytes; // after the filter's set_buffer_bytes
    switch (status) {
      case FilterDataStatus.Continue:
        this.forwardBody(side, concat(side.held, cur), eos);
        side.held = EMPTY;
        side.bufferingForFilter = false;
        side.bodyBuf = { bytes: EMPTY };
        side.bodyHandle = false;
        side.trailersHandle = false;
        side.pausedAt = null;
        if (eos) this.endOfSide(side);
        break;
      case FilterDataStatus.StopIterationAndBuffer:
        side.bufferingForFilter = true; // retained in bodyBuf; the next callback sees it all
        side.pausedAt = "body";
        break;
      case FilterDataStatus.StopIterationAndWatermark:
        side.held = concat(side.held, cur);
        side.bufferingForFilter = false;
        side.pausedAt = "body";
        break;
      default: // StopIterationNoBuffer: the chunk is dropped
        side.bufferingForFilter = false;
        side.pausedAt = "body";
        break;
    }
    return raw;
  }

  private deliverTrailers(side: Side, trailers: HeaderPairs): number {
    const isReq = side.dir === "request";
    side.trailerMap = trailers;
    side.trailersHandle = true;
    this.phase = isReq ? "request_trailers" : "response_trailers";
    let raw: number;
    try {
      raw = this.invoke(isReq ? "proxy_on_request_trailers" : "proxy_on_response_trailers", [this.contextId, trailers.length]);
    } finally {
      this.phase = null;
    }
    const proceed = !this.localReplyThisCallback && raw === FilterTrailersStatus.Continue;
    if (proceed) this.releaseTrailers(side);
    else side.pausedAt = "trailers";
    return raw;
  }

  private releaseTrailers(side: Side): void {
    this.forwardBody(side, concat(side.held, side.bufferingForFilter ? side.bodyBuf.bytes : EMPTY), false);
    side.held = EMPTY;
    side.bufferingForFilter = false;
    side.bodyBuf = { bytes: EMPTY };
    side.dropHandles();
    side.pausedAt = null;
    this.endOfSide(side);
  }

  /** Body the filter let through; `last`: the direction ends with it unless trailers follow. */
  private forwardBody(side: Side, bytes: Uint8Array, last: boolean): void {
    if (bytes.length > 0) side.outBody.push(bytes);
    const end = last && side.trailerMap === null;
    if (side.sink !== null && (bytes.length > 0 || end)) side.sink.data(bytes, end);
  }

  /** The direction ended downstream/upstream; trailers the filter created from the last chunk go too. */
  private endOfSide(side: Side): void {
    if (side.trailerMap === null) return;
    side.outTrailers = side.trailerMap;
    side.sink?.trailers(clonePairs(side.trailerMap));
  }

  /** Deferred effect of proxy_continue_stream (§5.3): runs after the callback returned. */
  private resume(side: Side): void {
    if (side.closed || this.reset || this.completed) return;
    switch (side.pausedAt) {
      case null:
        return; // not paused: Ok, nothing happens
      case "headers": {
        side.pausedAt = null;
        this.releaseHeaders(side);
        if (side.pendingBody) {
          // everything buffered while paused, delivered as ONE body callback
          const chunk = side.pendingChunks.reduce((a, b) => concat(a, b), EMPTY);
          side.pendingChunks = [];
          side.pendingBody = false;
          this.deliverBody(side, chunk, side.pendingEos);
        }
        if (side.pendingTrailers !== null && !side.closed && !this.reset) {
          const t = side.pendingTrailers;
          side.pendingTrailers = null;
          this.deliverTrailers(side, t);
        }
        return;
      }
      case "body":
        this.forwardBody(side, concat(side.held, side.bufferingForFilter ? side.bodyBuf.bytes : EMPTY), side.inputEnded);
        side.held = EMPTY;
        side.bufferingForFilter = false;
        side.bodyBuf = { bytes: EMPTY };
        side.dropHandles();
        side.pausedAt = null;
        if (side.inputEnded) this.endOfSide(side);
        return;
      case "trailers":
        this.releaseTrailers(side);
        return;
    }
  }

  private resetStream(details: string): void {
    if (this.reset || this.completed) return;
    this.reset = true;
    this.details ??= details;
    for (const side of [this.req, this.resp]) {
      side.closed = true;
      side.pausedAt = null;
      side.dropHandles();
    }
    this.replyRoute?.reset();
  }

  /** Deferred effect of proxy_send_local_response (§5.4). */
  private applyLocalReply(r: LocalReplyRequest): void {
    this.localReplyPending = false;
    if (this.reset || this.completed) return;
    const details = r.details.replace(/\s/g, "_");
    this.details ??= details;
    const built = this.buildLocalReply(r);
    this.localReply = {
      status: r.status, details, headers: clonePairs(built.headers), body: r.body.slice(),
      bodyText: fromUtf8(r.body), grpcStatus: r.grpcStatus,
    };
    // no more request callbacks for this stream; request headers the filter still held (it never
    // continued them) stay readable, as in Envoy, whose filter keeps its request-headers pointer
    // unless the headers callback continued — so the reply's response callbacks still see them
    this.req.closed = true;
    this.req.pausedAt = null;
    const heldHeaders = this.req.headersHandle;
    this.req.dropHandles();
    this.req.headersHandle = heldHeaders;
    const resp = this.resp;
    if (resp.outHeaders !== null) {
      this.resetStream(details); // response headers already went downstream: Envoy can only reset
      return;
    }
    if (resp.headersArrived) {
      // from the response path before headers went out: sent directly, no response callbacks
      this.sendDirect(resp, built.headers, built.body);
      return;
    }
    if (this.replyRoute !== null) {
      // in a chain the reply enters the encoder chain at its start and reaches this filter in turn
      this.replyRoute.viaChain(built.headers, built.body);
      return;
    }
    // from the request path: the upstream response is discarded and the reply runs through this
    // filter's response callbacks like any response
    this.upstreamDiscarded = true;
    resp.headersArrived = true;
    resp.headerMap = built.headers;
    resp.headersEos = built.body.length === 0;
    resp.inputEnded = true;
    this.deliverHeaders(resp);
    if (built.body.length > 0) {
      if (resp.pausedAt === "headers") {
        resp.pendingChunks.push(built.body);
        resp.pendingBody = true;
        resp.pendingEos = true;
      } else if (!resp.closed && !this.reset) {
        this.deliverBody(resp, built.body, true);
      }
    }
  }

  /** Headers (and body) Envoy builds for a local reply (§5.4). */
  private buildLocalReply(r: LocalReplyRequest): { headers: HeaderPairs; body: Uint8Array } {
    const reqHeaders = this.req.headerMap;
    const contentType = getFirst(reqHeaders, "content-type") ?? "";
    const isGrpc = contentType.startsWith("application/grpc");
    const isHead = getFirst(reqHeaders, ":method") === "HEAD";
    const headers: HeaderPairs = [];
    if (isGrpc) {
      // trailers-only gRPC reply
      headers.push([":status", "200"], ["content-type", "application/grpc"]);
      for (const [k, v] of r.headers) addValue(headers, k.toLowerCase(), v, INLINE_RESPONSE_HEADERS);
      if (getFirst(headers, "grpc-status") === undefined) {
        headers.push(["grpc-status", String(r.grpcStatus ?? httpToGrpcStatus(r.status))]);
      }
      if (r.body.length > 0) {
        removeAll(headers, "grpc-message");
        headers.push(["grpc-message", grpcPercentEncode(r.body)]);
      }
      removeAll(headers, "content-length");
      return { headers, body: EMPTY };
    }
    headers.push([":status", String(r.status)]);
    for (const [k, v] of r.headers) addValue(headers, k.toLowerCase(), v, INLINE_RESPONSE_HEADERS);
    if (r.body.length > 0) {
      const len = String(r.body.length);
      const i = headers.findIndex(([k]) => k === "content-length");
      if (i >= 0) headers[i] = ["content-length", len];
      else headers.push(["content-length", len]);
      if (getFirst(headers, "content-type") === undefined) headers.push(["content-type", "text/plain"]);
    } else {
      removeAll(headers, "content-length");
      removeAll(headers, "content-type");
    }
    return { headers, body: isHead ? EMPTY : r.body };
  }

  private view(side: Side): MessageView {
    const body = side.outBody.reduce((a, b) => concat(a, b), EMPTY);
    return {
      headers: side.outHeaders === null ? [] : clonePairs(side.outHeaders),
      trailers: side.outTrailers === null ? [] : clonePairs(side.outTrailers),
      body,
      bodyText: fromUtf8(body),
    };
  }
}
