// The proxy_on_* callbacks of ABI 0.2.1 (reference §4), the ABI marker and the allocator.
// A filter re-exports all of them with `export * from "@filterkit/sdk/proxy";`.
//
// These are thin shims: they look the context up and call its method. A callback for an unknown
// context id (which a correct host never sends) returns Continue / does nothing instead of
// trapping.

// The abort handler must be part of every filter (asconfig: --use abort=filterkit_abort), also
// one that only re-exports these callbacks.
import "../abort";
import { malloc } from "./memory";
import {
  dispatchContextCreate, dispatchDelete, getBaseContext, getContext, getRootContext,
} from "../context";
import { PeerType } from "./enums";

export { malloc };
export { malloc as proxy_on_memory_allocate };

// ---- garbage collection ----
//
// The module uses AssemblyScript's minimal runtime (asconfig: `runtime: minimal`): objects are
// freed only when `__collect()` runs, and it may run only when no reference lives on the wasm
// stack, i.e. between host callbacks. Every callback below therefore ends with gcPoint(), which
// collects after every GC_INTERVAL callbacks (a full collection visits the live heap, so running
// it on every callback would cost more than it frees). malloc never collects: the host calls it
// in the middle of a guest callback. Hosts do not re-enter callbacks (Envoy and host-mock defer
// local replies and stream continuation until the callback returned), so the end of a callback is
// always a point with an empty stack. Garbage made inside one callback lives at least until that
// callback returned.

/** Callbacks between two collections. */
const GC_INTERVAL: u32 = 32;
let gcCountdown: u32 = GC_INTERVAL;

/** Ends every callback: collects garbage after every GC_INTERVAL callbacks. */
function gcPoint(): void {
  if (--gcCountdown == 0) gcNow();
}

/**
 * Collects at once (and restarts the countdown). After a (re)configuration: it is rare, and what
 * it replaced (the previous configuration's objects, tables sized by it) can be large, so a
 * series of configuration pushes does not keep several generations alive until the countdown.
 */
function gcNow(): void {
  gcCountdown = GC_INTERVAL;
  __collect();
}

/** ABI version marker (never called). */
export function proxy_abi_version_0_2_1(): void {}

// ---- VM / root context ----

export function proxy_on_context_create(context_id: u32, parent_context_id: u32): void {
  dispatchContextCreate(context_id, parent_context_id);
  gcPoint();
}

export function proxy_on_vm_start(root_context_id: u32, vm_configuration_size: u32): u32 {
  const r = getRootContext(root_context_id);
  const result: u32 = r === null || r.onStart(vm_configuration_size) ? 1 : 0;
  gcPoint();
  return result;
}

export function proxy_validate_configuration(root_context_id: u32, configuration_size: u32): u32 {
  const r = getRootContext(root_context_id);
  const result: u32 = r === null || r.validateConfiguration(configuration_size) ? 1 : 0;
  gcPoint();
  return result;
}

export function proxy_on_configure(root_context_id: u32, configuration_size: u32): u32 {
  const r = getRootContext(root_context_id);
  if (r === null) return 0;
  const result: u32 = r.onConfigure(configuration_size) ? 1 : 0;
  gcNow();
  return result;
}

export function proxy_on_tick(root_context_id: u32): void {
  const r = getRootContext(root_context_id);
  if (r !== null) r.onTick();
  gcPoint();
}

export function proxy_on_queue_ready(root_context_id: u32, queue_id: u32): void {
  const r = getRootContext(root_context_id);
  if (r !== null) r.onQueueReady(queue_id);
  gcPoint();
}

export function proxy_on_foreign_function(root_context_id: u32, function_id: u32, arguments_size: u32): void {
  const r = getRootContext(root_context_id);
  if (r !== null) r.onForeignFunction(function_id, arguments_size);
  gcPoint();
}

// ---- HTTP stream ----

export function proxy_on_request_headers(context_id: u32, num_headers: u32, end_of_stream: u32): u32 {
  const c = getContext(context_id);
  const result: u32 = c === null ? 0 : <u32>c.onRequestHeaders(num_headers, end_of_stream != 0);
  gcPoint();
  return result;
}

export function proxy_on_request_body(context_id: u32, body_size: u32, end_of_stream: u32): u32 {
  const c = getContext(context_id);
  const result: u32 = c === null ? 0 : <u32>c.onRequestBody(body_size, end_of_stream != 0);
  gcPoint();
  return result;
}

export function proxy_on_request_trailers(context_id: u32, num_trailers: u32): u32 {
  const c = getContext(context_id);
  const result: u32 = c === null ? 0 : <u32>c.onRequestTrailers(num_trailers);
  gcPoint();
  return result;
}

export function proxy_on_request_metadata(context_id: u32, num_elements: u32): u32 {
  const c = getContext(context_id);
  const result: u32 = c === null ? 0 : <u32>c.onRequestMetadata(num_elements);
  gcPoint();
  return result;
}

export function proxy_on_response_headers(context_id: u32, num_headers: u32, end_of_stream: u32): u32 {
  const c = getContext(context_id);
  const result: u32 = c === null ? 0 : <u32>c.onResponseHeaders(num_headers, end_of_stream != 0);
  gcPoint();
  return result;
}

export function proxy_on_response_body(context_id: u32, body_size: u32, end_of_stream: u32): u32 {
  const c = getContext(context_id);
  const result: u32 = c === null ? 0 : <u32>c.onResponseBody(body_size, end_of_stream != 0);
  gcPoint();
  return result;
}

export function proxy_on_response_trailers(context_id: u32, num_trailers: u32): u32 {
  const c = getContext(context_id);
  const result: u32 = c === null ? 0 : <u32>c.onResponseTrailers(num_trailers);
  gcPoint();
  return result;
}

export function proxy_on_response_metadata(context_id: u32, num_elements: u32): u32 {
  const c = getContext(context_id);
  const result: u32 = c === null ? 0 : <u32>c.onResponseMetadata(num_elements);
  gcPoint();
  return result;
}

// ---- TCP stream ----

export function proxy_on_new_connection(context_id: u32): u32 {
  const c = getContext(context_id);
  const result: u32 = c === null ? 0 : <u32>c.onNewConnection();
  gcPoint();
  return result;
}

export function proxy_on_downstream_data(context_id: u32, data_size: u32, end_of_stream: u32): u32 {
  const c = getContext(context_id);
  const result: u32 = c === null ? 0 : <u32>c.onDownstreamData(data_size, end_of_stream != 0);
  gcPoint();
  return result;
}

export function proxy_on_upstream_data(context_id: u32, data_size: u32, end_of_stream: u32): u32 {
  const c = getContext(context_id);
  const result: u32 = c === null ? 0 : <u32>c.onUpstreamData(data_size, end_of_stream != 0);
  gcPoint();
  return result;
}

export function proxy_on_downstream_connection_close(context_id: u32, peer_type: u32): void {
  const c = getContext(context_id);
  if (c !== null) c.onDownstreamConnectionClose(<PeerType>peer_type);
  gcPoint();
}

export function proxy_on_upstream_connection_close(context_id: u32, peer_type: u32): void {
  const c = getContext(context_id);
  if (c !== null) c.onUpstreamConnectionClose(<PeerType>peer_type);
  gcPoint();
}

// ---- callouts (always delivered to the root context) ----

export function proxy_on_http_call_response(root_context_id: u32, call_id: u32, num_headers: u32, body_size: u32, num_trailers: u32): void {
  const r = getRootContext(root_context_id);
  if (r !== null) r.onHttpCallResponse(call_id, num_headers, body_size, num_trailers);
  gcPoint();
}

export function proxy_on_grpc_receive_initial_metadata(root_context_id: u32, call_id: u32, num_elements: u32): void {
  const r = getRootContext(root_context_id);
  if (r !== null) r.on_grpc_receive_initial_metadata(call_id, num_elements);
  gcPoint();
}

export function proxy_on_grpc_receive(root_context_id: u32, call_id: u32, message_size: u32): void {
  const r = getRootContext(root_context_id);
  if (r !== null) r.on_grpc_receive(call_id, message_size);
  gcPoint();
}

export function proxy_on_grpc_receive_trailing_metadata(root_context_id: u32, call_id: u32, num_elements: u32): void {
  const r = getRootContext(root_context_id);
  if (r !== null) r.on_grpc_trailing_metadata(call_id, num_elements);
  gcPoint();
}

export function proxy_on_grpc_close(root_context_id: u32, call_id: u32, status_code: u32): void {
  const r = getRootContext(root_context_id);
  if (r !== null) r.on_grpc_close(call_id, status_code);
  gcPoint();
}

// ---- end of a context ----

export function proxy_on_done(context_id: u32): u32 {
  const c = getBaseContext(context_id);
  const result: u32 = c === null || c.onDone() ? 1 : 0;
  gcPoint();
  return result;
}

export function proxy_on_log(context_id: u32): void {
  const c = getContext(context_id);
  if (c !== null) c.onLog();
  gcPoint();
}

export function proxy_on_delete(context_id: u32): void {
  dispatchDelete(context_id);
  gcPoint();
}
