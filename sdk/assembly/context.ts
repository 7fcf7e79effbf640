// Contexts (root and stream), the root-context registry, and the dispatch the ABI exports call.

import {
  FilterDataStatus, FilterHeadersStatus, FilterMetadataStatus, FilterStatus, FilterTrailersStatus,
  LogLevel, PeerType, StreamType, WasmResult,
} from "./abi/enums";
import {
  proxy_continue_stream, proxy_done, proxy_http_call, proxy_set_effective_context,
  proxy_set_tick_period_milliseconds,
} from "./abi/imports";
import { OUT_U32, encodeAt, maxUtf8, scratchReserve } from "./abi/memory";
import { HeaderPair, encodePairsAt, pairsSize } from "./abi/pairs";
import { get_plugin_configuration, get_vm_configuration } from "./configuration";
import { JsonConfig } from "./config";
import { decimal } from "./decimal";
import { log } from "./log";
import { getPropertyStringOrNull } from "./properties";

/** Removes element `i` by moving the last element into its place (order is not kept). */
function removeAt<T>(arr: Array<T>, i: i32): void {
  const last = arr.length - 1;
  if (i != last) unchecked(arr[i] = arr[last]);
  arr.pop();
}

/** Common base of root and stream contexts. */
export abstract class BaseContext {
  context_id: u32;

  constructor(context_id: u32) {
    this.context_id = context_id;
  }

  /** Called when the host is done with the context; return false to finish later (roots only). */
  onDone(): bool { return true; }

  /** Last call for this context. */
  onDelete(): void {}

  /** Makes this context the target of subsequent stream-scoped host calls in this callback. */
  setEffectiveContext(): WasmResult {
    return proxy_set_effective_context(this.context_id);
  }
}

/** Callback of RootContext.httpCall: (origin context, number of headers, body size, number of trailers). */
export type HttpCallCallback = (origin_context: BaseContext, headers: u32, body_size: usize, trailers: u32) => void;

/** A pending HTTP callout. */
export class HttpCallback {
  origin_context: BaseContext;
  cb: HttpCallCallback;
  constructor(origin_context: BaseContext, cb: HttpCallCallback) {
    this.origin_context = origin_context;
    this.cb = cb;
  }
}

/** One root context per plugin configuration: holds configuration and creates stream contexts. */
export class RootContext extends BaseContext {
  private configuration_: string = "";
  // Pending HTTP callouts: parallel arrays (few entries; smaller code than a Map).
  private http_tokens_: Array<u32> = new Array<u32>();
  private http_calls_: Array<HttpCallback> = new Array<HttpCallback>();

  constructor(context_id: u32) {
    super(context_id);
  }

  /** Plugin configuration text captured by the default onConfigure (or readConfiguration). */
  getConfiguration(): string {
    return this.configuration_;
  }

  /** Reads the plugin configuration (only possible during onConfigure) and remembers it. */
  readConfiguration(): string {
    this.configuration_ = get_plugin_configuration();
    return this.configuration_;
  }

  /** Reads and parses the plugin configuration as JSON (only during onConfigure). */
  jsonConfiguration(): JsonConfig {
    return JsonConfig.parse(this.readConfiguration());
  }

  /** VM configuration text (readable at any time). */
  getVmConfiguration(): string {
    return get_vm_configuration();
  }

  /** Called on every (re)configuration; return false to reject the configuration. */
  onConfigure(configuration_size: u32): bool {
    if (configuration_size > 0) this.readConfiguration();
    else this.configuration_ = "";
    return true;
  }

  /** Called once when the root context starts; return false to fail the plugin. */
  onStart(vm_configuration_size: usize): bool { return true; }

  /** Deprecated host call; kept for proxy-runtime parity. */
  validateConfiguration(configuration_size: usize): bool { return true; }

  /** Creates the context of a new HTTP stream (or TCP connection). Override in filters. */
  createContext(context_id: u32): Context {
    return new Context(context_id, this);
  }

  onTick(): void {}
  onQueueReady(queue_id: u32): void {}
  onForeignFunction(function_id: u32, arguments_size: u32): void {}

  /** Sets this root's tick period (0 stops the timer). */
  setTickPeriod(period_ms: u32): WasmResult {
    return proxy_set_tick_period_milliseconds(period_ms);
  }

  /** Tells the host a root that returned false from onDone has finished. */
  done(): WasmResult {
    return proxy_done();
  }

  onDone(): bool {
    this.cancelPendingRequests();
    return true;
  }

  /** Calls every pending HTTP-callout callback with (0, 0, 0) and forgets them. */
  cancelPendingRequests(): void {
    const pending = this.http_calls_;
    this.http_calls_ = new Array<HttpCallback>();
    this.http_tokens_ = new Array<u32>();
    for (let i = 0; i < pending.length; i++) {
      const c = unchecked(pending[i]);
      c.cb(c.origin_context, 0, 0, 0);
    }
  }

  /**
   * Starts an HTTP callout to `cluster`. `cb` runs in onHttpCallResponse with `origin_context`
   * made effective, so it can use stream_context / continue_request directly.
   */
  httpCall(cluster: string, headers: Array<HeaderPair>, body: ArrayBuffer, trailers: Array<HeaderPair>,
    timeout_milliseconds: u32, origin_context: BaseContext, cb: HttpCallCallback): WasmResult {
    const hs = pairsSize(headers);
    const ts = pairsSize(trailers);
    const p = scratchReserve(hs + ts + maxUtf8(cluster));
    encodePairsAt(headers, p);
    encodePairsAt(trailers, p + hs);
    const cl = encodeAt(cluster, p + hs + ts);
    store<u32>(OUT_U32, 0);
    const r = proxy_http_call(p + hs + ts, cl, p, hs, changetype<usize>(body), <usize>body.byteLength,
      p + hs, ts, timeout_milliseconds, OUT_U32);
    if (r == WasmResult.Ok) {
      this.http_tokens_.push(load<u32>(OUT_U32));
      this.http_calls_.push(new HttpCallback(origin_context, cb));
    }
    return r;
  }

  onHttpCallResponse(token: u32, headers: u32, body_size: u32, trailers: u32): void {
    const i = this.http_tokens_.indexOf(token);
    if (i < 0) {
      log(LogLevel.warn, "http call response for unknown token " + decimal(token));
      return;
    }
    const c = unchecked(this.http_calls_[i]);
    removeAt<u32>(this.http_tokens_, i);
    removeAt<HttpCallback>(this.http_calls_, i);
    proxy_set_effective_context(c.origin_context.context_id);
    c.cb(c.origin_context, headers, body_size, trailers);
  }

  on_grpc_receive_initial_metadata(token: u32, headers: u32): void {}
  on_grpc_trailing_metadata(token: u32, trailers: u32): void {}
  on_grpc_receive(token: u32, response_size: u32): void {}
  on_grpc_close(token: u32, status_code: u32): void {}
}

/** Per-stream (HTTP request/response or TCP connection) context. */
export class Context extends BaseContext {
  root_context: RootContext;

  constructor(context_id: u32, root_context: RootContext) {
    super(context_id);
    this.root_context = root_context;
  }

  onRequestHeaders(a: u32, end_of_stream: bool): FilterHeadersStatus { return FilterHeadersStatus.Continue; }
  onRequestMetadata(a: u32): FilterMetadataStatus { return FilterMetadataStatus.Continue; }
  onRequestBody(body_buffer_length: usize, end_of_stream: bool): FilterDataStatus { return FilterDataStatus.Continue; }
  onRequestTrailers(a: u32): FilterTrailersStatus { return FilterTrailersStatus.Continue; }
  onResponseHeaders(a: u32, end_of_stream: bool): FilterHeadersStatus { return FilterHeadersStatus.Continue; }
  onResponseMetadata(a: u32): FilterMetadataStatus { return FilterMetadataStatus.Continue; }
  onResponseBody(body_buffer_length: usize, end_of_stream: bool): FilterDataStatus { return FilterDataStatus.Continue; }
  onResponseTrailers(a: u32): FilterTrailersStatus { return FilterTrailersStatus.Continue; }

  /** Access-log phase (before onDone in current Envoy). */
  onLog(): void {}

  // TCP (network filter) callbacks.
  onNewConnection(): FilterStatus { return FilterStatus.Continue; }
  onDownstreamData(size: usize, end: bool): FilterStatus { return FilterStatus.Continue; }
  onUpstreamData(size: usize, end: bool): FilterStatus { return FilterStatus.Continue; }
  onDownstreamConnectionClose(t: PeerType): void {}
  onUpstreamConnectionClose(t: PeerType): void {}

  /** Resumes the request (proxy-runtime parity). */
  continueRequest(): WasmResult { return proxy_continue_stream(<u32>StreamType.Request); }
  /** Resumes the response. */
  continueResponse(): WasmResult { return proxy_continue_stream(<u32>StreamType.Response); }
}

/** Root used when no factory matches the plugin's root id: it rejects the configuration. */
class UnknownRootContext extends RootContext {
  root_id: string;
  constructor(context_id: u32, root_id: string) {
    super(context_id);
    this.root_id = root_id;
  }
  onConfigure(configuration_size: u32): bool {
    // The reason was logged (critical) when this root was created.
    return false;
  }
}

// ---- registry --------------------------------------------------------------------------------

const rootFactoryNames = new Array<string>();
const rootFactories = new Array<(context_id: u32) => RootContext>();
// Root contexts: one per plugin configuration, so a short array beats a Map in code size.
const rootIds = new Array<u32>();
const rootList = new Array<RootContext>();
// Stream contexts by id: an open-addressing table (linear probing, backward-shift deletion) in
// two parallel StaticArrays; O(1) like Map<u32, Context>, with a fraction of its code. A slot is
// free when its context is null; the table is at most half full.
let slotIds = new StaticArray<u32>(16);
let slotCtx = new StaticArray<Context | null>(16);
let streamCount: i32 = 0;

// @ts-ignore: decorator
@inline function homeSlot(id: u32, mask: u32): u32 { return (id * 0x9E3779B1) & mask; }

/** Slot of stream `id`, or -1. */
function findStream(id: u32): i32 {
  const mask = <u32>slotCtx.length - 1;
  let i = homeSlot(id, mask);
  while (unchecked(slotCtx[i]) !== null) {
    if (unchecked(slotIds[i]) == id) return <i32>i;
    i = (i + 1) & mask;
  }
  return -1;
}

function insertStream(id: u32, ctx: Context): void {
  if ((streamCount + 1) * 2 > slotCtx.length) {
    const oldIds = slotIds;
    const oldCtx = slotCtx;
    slotIds = new StaticArray<u32>(oldCtx.length << 1);
    slotCtx = new StaticArray<Context | null>(oldCtx.length << 1);
    streamCount = 0;
    for (let i = 0; i < oldCtx.length; i++) {
      const c = unchecked(oldCtx[i]);
      if (c !== null) insertStream(unchecked(oldIds[i]), c);
    }
  }
  const mask = <u32>slotCtx.length - 1;
  let i = homeSlot(id, mask);
  while (unchecked(slotCtx[i]) !== null) i = (i + 1) & mask;
  unchecked(slotIds[i] = id);
  unchecked(slotCtx[i] = ctx);
  streamCount++;
}

function removeStreamSlot(slot: i32): void {
  const mask = <u32>slotCtx.length - 1;
  let i = <u32>slot;
  unchecked(slotCtx[i] = null);
  streamCount--;
  // Move later entries of the probe run back into the hole unless their home lies in (i, j].
  let j = i;
  while (true) {
    j = (j + 1) & mask;
    const c = unchecked(slotCtx[j]);
    if (c === null) return;
    const k = homeSlot(unchecked(slotIds[j]), mask);
    const stays = i < j ? (k > i && k <= j) : (k > i || k <= j);
    if (!stays) {
      unchecked(slotIds[i] = unchecked(slotIds[j]));
      unchecked(slotCtx[i] = c);
      unchecked(slotCtx[j] = null);
      i = j;
    }
  }
}
let cachedId: u32 = 0;
let cachedStream: Context | null = null;

/**
 * Registers the factory of the root context for plugins whose `plugin_root_id` is `name`.
 * Registering the same name again replaces the factory.
 */
export function registerRootContext(root_context_factory: (context_id: u32) => RootContext, name: string): void {
  for (let i = 0; i < rootFactoryNames.length; i++) {
    if (unchecked(rootFactoryNames[i]) == name) {
      rootFactories[i] = root_context_factory;
      return;
    }
  }
  rootFactoryNames.push(name);
  rootFactories.push(root_context_factory);
}

function unknownRootMessage(root_id: string): string {
  let names = "";
  for (let i = 0; i < rootFactoryNames.length; i++) {
    names += (i > 0 ? ", \"" : "\"") + unchecked(rootFactoryNames[i]) + "\"";
  }
  return "no root context registered for root id \"" + root_id + "\" (registered: " +
    (names.length == 0 ? "none" : names) + "); rejecting the configuration";
}

function createRoot(context_id: u32): RootContext {
  const idOrNull = getPropertyStringOrNull<string>("plugin_root_id");
  const id = idOrNull !== null ? idOrNull : "";
  let index = -1;
  for (let i = 0; i < rootFactoryNames.length; i++) {
    if (unchecked(rootFactoryNames[i]) == id) { index = i; break; }
  }
  // An empty root id with exactly one registered factory selects that factory.
  if (index < 0 && id.length == 0 && rootFactoryNames.length == 1) index = 0;
  if (index < 0) {
    log(LogLevel.critical, unknownRootMessage(id));
    return new UnknownRootContext(context_id, id);
  }
  const root = unchecked(rootFactories[index])(context_id);
  root.context_id = context_id;
  return root;
}

/** The root context with this id, or null. */
export function getRootContext(context_id: u32): RootContext | null {
  const i = rootIds.indexOf(context_id);
  return i >= 0 ? unchecked(rootList[i]) : null;
}

function addRoot(context_id: u32, root: RootContext): void {
  rootIds.push(context_id);
  rootList.push(root);
}

/** The stream context with this id, or null. */
export function getContext(context_id: u32): Context | null {
  if (context_id == cachedId && cachedStream !== null) return cachedStream;
  const i = findStream(context_id);
  if (i < 0) return null;
  const c = unchecked(slotCtx[i]);
  cachedId = context_id;
  cachedStream = c;
  return c;
}

/** The root or stream context with this id, or null. */
export function getBaseContext(context_id: u32): BaseContext | null {
  const s = getContext(context_id);
  if (s !== null) return s;
  return getRootContext(context_id);
}

// Called from abi/exports.ts.
export function dispatchContextCreate(context_id: u32, parent_context_id: u32): void {
  if (parent_context_id == 0) {
    if (rootIds.indexOf(context_id) < 0) addRoot(context_id, createRoot(context_id));
    return;
  }
  if (findStream(context_id) >= 0) return;
  let root = getRootContext(parent_context_id);
  if (root === null) {
    log(LogLevel.error, "context " + decimal(context_id) + " created under unknown root " + decimal(parent_context_id));
    root = new RootContext(parent_context_id);
    addRoot(parent_context_id, root);
  }
  const ctx = root.createContext(context_id);
  ctx.context_id = context_id;
  insertStream(context_id, ctx);
}

export function dispatchDelete(context_id: u32): void {
  const c = getBaseContext(context_id);
  if (c !== null) c.onDelete();
  if (cachedId == context_id) { cachedId = 0; cachedStream = null; }
  const slot = findStream(context_id);
  if (slot >= 0) {
    removeStreamSlot(slot);
  } else {
    const i = rootIds.indexOf(context_id);
    if (i >= 0) {
      removeAt<u32>(rootIds, i);
      removeAt<RootContext>(rootList, i);
    }
  }
}
