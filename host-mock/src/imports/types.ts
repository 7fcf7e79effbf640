// What the import families (one file per host-call family) need from the VM and the stream, and how
// a host function is described. Data flows guest ⇄ raw ABI (these files) ⇄ host state (vm.ts,
// stream.ts) ⇄ test API (host.ts).

import type { MetricType, WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import type { ProxyProcess, Stat } from "../process.ts";
import type { CalloutResponse, CalloutRouter } from "../callouts.ts";
import type { GrpcRouter } from "../grpc.ts";
import type { GrpcCalls, GrpcStaged } from "../grpc-calls.ts";
import type { HttpCalls } from "../http-calls.ts";
import type { GuestMemory } from "../memory.ts";
import type { HeaderPairs } from "../pairs.ts";

export type AbiVersion = "0.1.0" | "0.2.0" | "0.2.1";

/** A foreign function a test provides: its results, or a status (and results) of its own. */
export type ForeignFunction = (args: Uint8Array) => Uint8Array | { status: WasmResult; bytes?: Uint8Array };

/** A host function as linked into the guest; i32 parameters arrive as numbers, i64 as bigints. */
export type HostFn = (h: ImportContext, ...args: never[]) => number | bigint | undefined | void;

export interface HostFunctionSpec {
  fn: HostFn;
  /** "supported": implemented; "stubbed": links, but answers an error code / Unimplemented */
  status: "supported" | "stubbed";
  /** what a MemoryFault inside `fn` returns: InvalidMemoryAccess (6) for proxy_*, FAULT (21) for WASI */
  faultCode: number;
}

export type HostFamily = Record<string, HostFunctionSpec>;

/** A body buffer (buffer 0/1) as the filter sees it in a body callback; `bytes` is replaced on writes. */
export interface BodyBuffer {
  bytes: Uint8Array;
}

/** The stream-side operations host calls need (implemented by stream.ts). */
export interface StreamHostSide {
  readonly contextId: number;
  /** map for reads: the pairs, or the status to return when unavailable (BadArgument, or NotFound in on_log) */
  readableMap(map: number): HeaderPairs | number;
  /** map for writes (creates trailers from the last body chunk); null → BadArgument */
  writableMap(map: number): HeaderPairs | null;
  /** body buffer 0/1: null when outside its window */
  bodyBuffer(buffer: number): BodyBuffer | null;
  /** request headers the filter currently holds (or the access-log map in on_log) */
  propertyRequestHeaders(): HeaderPairs | null;
  propertyResponseHeaders(): HeaderPairs | null;
  responseCodeDetails(): string | null;
  /** stream-info facts behind request.time/duration/size, response.code/size, upstream.* (properties/catalogue.ts) */
  propertyStreamInfo(): StreamInfoView;
  /** filter state written with proxy_set_property, keyed by the NUL-joined path */
  readonly filterState: Map<string, Uint8Array>;
  continueStream(type: number): void;
  closeStream(type: number): void;
  sendLocalResponse(reply: LocalReplyRequest): void;
}

/** What Envoy's StreamInfo knows about a stream, as the property catalogue reads it. */
export interface StreamInfoView {
  /** virtual-clock time the stream started (first request byte), ns since the epoch */
  startNs: bigint | null;
  /** time the stream completed (set before proxy_on_log) */
  completeNs: bigint | null;
  /** request body bytes received from downstream so far */
  bytesReceived: number;
  /** response body bytes sent downstream so far */
  bytesSent: number;
  /** :status of the response headers once they arrived (upstream or local reply), else null */
  responseCode: number | null;
  /** first byte sent upstream: the request headers left this filter (Envoy's router picked a host) */
  upstreamTxNs: bigint | null;
  /** last byte received from upstream: the upstream response ended */
  upstreamRxEndNs: bigint | null;
}

export interface LocalReplyRequest {
  status: number;
  details: string;
  body: Uint8Array;
  headers: HeaderPairs;
  /** null when the guest passed a value outside 0..16 (SDKs pass -1 for "unset") */
  grpcStatus: number | null;
}

/** A context as host calls see it. */
export interface ContextView {
  readonly id: number;
  readonly rootId: number;
  readonly stream: StreamHostSide | null;
}

/** What every import family may use; implemented by the VM (vm.ts). */
export interface ImportContext {
  readonly abi: AbiVersion;
  readonly mem: GuestMemory;
  readonly logLevel: number;
  readonly env: Readonly<Record<string, string>>;
  log(level: number, message: string): void;
  /** records a warning that the mock does not implement `name` yet */
  warnUnimplemented(name: string): void;
  nowNs(): bigint;
  monotonicNs(): bigint;
  randomBytes(n: number): Uint8Array;
  /** the context host calls act on: the effective context if set, else the current one */
  effective(): ContextView;
  setEffectiveContext(id: number): boolean;
  /** proxy_done(): Ok when the effective context's root is parked after on_done returned 0 */
  done(): boolean;
  setTickPeriod(rootId: number, ms: number): void;
  /** status of the last callout of the root (proxy_get_status) */
  status(rootId: number): { code: number; message: string };
  vmConfiguration(): Uint8Array;
  /** plugin configuration, or null outside on_configure / the root's context_create */
  pluginConfiguration(): Uint8Array | null;
  /** properties set by the test (createHost({properties}) / host.setProperty), NUL-joined keys */
  readonly userProperties: ReadonlyMap<string, Uint8Array>;
  readonly pluginName: string;
  readonly rootIdName: string;
  readonly vmId: string;
  /** 0.1.0 proxy_clear_route_cache counter */
  clearRouteCache(): void;
  /** process-wide state shared with other hosts of the same ProxyProcess (shared data, stats) */
  readonly process: ProxyProcess;
  /** a new per-VM id for the stat `name` of `type` (§3: type in the low two bits) */
  defineMetric(type: MetricType, name: string): number;
  metricById(id: number): Stat | undefined;
  /** a foreign function the test registered, if any */
  foreignFunction(name: string): ForeignFunction | undefined;
  /** registers (or reopens) this VM's queue `name`; the effective context's root gets its notifications */
  registerQueue(name: string): number;
  /** the scripted upstream of proxy_http_call */
  readonly callouts: CalloutRouter;
  /** this VM's HTTP callouts in flight: `call` sends a checked call and schedules its answer */
  readonly httpCalls: HttpCalls;
  /** the callout response being delivered (maps 6/7, buffer 4), or null outside that callback */
  calloutResponse(): CalloutResponse | null;
  /** the scripted gRPC upstream (clusters it knows) */
  readonly grpc: GrpcRouter;
  /** this VM's gRPC calls and streams in flight */
  readonly grpcCalls: GrpcCalls;
  /** what the gRPC callback being delivered may read (maps 4/5, buffer 5), or null outside one */
  grpcStaged(): GrpcStaged | null;
}
