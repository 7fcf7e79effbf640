// Raw host imports of the proxy-wasm ABI 0.2.1, exactly as Envoy registers them in module `env`.
//
// Every function returns a proxy_status_t (WasmResult). Pointers and sizes are i32 on wasm32; the
// only i64 parameters are the metric delta/value. asc emits an import only when it is called, so
// declaring the whole set costs nothing in a filter that uses a few of them.
//
// This file is the raw layer: no allocation, no strings, no friendly types. See ../README.md.

import { WasmResult } from "./enums";

// ---- logging, time, status (§6.1) ----------------------------------------------------------

// @ts-ignore: decorator
@external("env", "proxy_log")
export declare function proxy_log(level: u32, message_data: usize, message_size: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_get_log_level")
export declare function proxy_get_log_level(return_level: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_get_current_time_nanoseconds")
export declare function proxy_get_current_time_nanoseconds(return_time: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_set_tick_period_milliseconds")
export declare function proxy_set_tick_period_milliseconds(period_ms: u32): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_get_status")
export declare function proxy_get_status(return_code: usize, return_message_data: usize, return_message_size: usize): WasmResult;

// ---- context control (§6.2) ------------------------------------------------------------------

// @ts-ignore: decorator
@external("env", "proxy_set_effective_context")
export declare function proxy_set_effective_context(context_id: u32): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_done")
export declare function proxy_done(): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_continue_stream")
export declare function proxy_continue_stream(stream_type: u32): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_close_stream")
export declare function proxy_close_stream(stream_type: u32): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_send_local_response")
export declare function proxy_send_local_response(
  status_code: u32,
  details_data: usize, details_size: usize,
  body_data: usize, body_size: usize,
  headers_data: usize, headers_size: usize,
  grpc_status: i32,
): WasmResult;

// ---- header / trailer / metadata maps (§6.3) -------------------------------------------------

// @ts-ignore: decorator
@external("env", "proxy_get_header_map_value")
export declare function proxy_get_header_map_value(map_type: u32, key_data: usize, key_size: usize, return_value_data: usize, return_value_size: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_get_header_map_pairs")
export declare function proxy_get_header_map_pairs(map_type: u32, return_data: usize, return_size: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_get_header_map_size")
export declare function proxy_get_header_map_size(map_type: u32, return_size: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_add_header_map_value")
export declare function proxy_add_header_map_value(map_type: u32, key_data: usize, key_size: usize, value_data: usize, value_size: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_replace_header_map_value")
export declare function proxy_replace_header_map_value(map_type: u32, key_data: usize, key_size: usize, value_data: usize, value_size: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_remove_header_map_value")
export declare function proxy_remove_header_map_value(map_type: u32, key_data: usize, key_size: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_set_header_map_pairs")
export declare function proxy_set_header_map_pairs(map_type: u32, pairs_data: usize, pairs_size: usize): WasmResult;

// ---- buffers (§6.4) --------------------------------------------------------------------------

// @ts-ignore: decorator
@external("env", "proxy_get_buffer_bytes")
export declare function proxy_get_buffer_bytes(buffer_type: u32, start: u32, max_size: u32, return_data: usize, return_size: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_get_buffer_status")
export declare function proxy_get_buffer_status(buffer_type: u32, return_size: usize, return_flags: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_set_buffer_bytes")
export declare function proxy_set_buffer_bytes(buffer_type: u32, start: u32, size: u32, data: usize, data_size: usize): WasmResult;

// ---- properties (§6.5) -----------------------------------------------------------------------

// @ts-ignore: decorator
@external("env", "proxy_get_property")
export declare function proxy_get_property(path_data: usize, path_size: usize, return_value_data: usize, return_value_size: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_set_property")
export declare function proxy_set_property(path_data: usize, path_size: usize, value_data: usize, value_size: usize): WasmResult;

// ---- shared data (§6.6) ----------------------------------------------------------------------

// @ts-ignore: decorator
@external("env", "proxy_get_shared_data")
export declare function proxy_get_shared_data(key_data: usize, key_size: usize, return_value_data: usize, return_value_size: usize, return_cas: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_set_shared_data")
export declare function proxy_set_shared_data(key_data: usize, key_size: usize, value_data: usize, value_size: usize, cas: u32): WasmResult;

// ---- shared queues (§6.7) --------------------------------------------------------------------

// @ts-ignore: decorator
@external("env", "proxy_register_shared_queue")
export declare function proxy_register_shared_queue(name_data: usize, name_size: usize, return_queue_id: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_resolve_shared_queue")
export declare function proxy_resolve_shared_queue(vm_id_data: usize, vm_id_size: usize, name_data: usize, name_size: usize, return_queue_id: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_enqueue_shared_queue")
export declare function proxy_enqueue_shared_queue(queue_id: u32, value_data: usize, value_size: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_dequeue_shared_queue")
export declare function proxy_dequeue_shared_queue(queue_id: u32, return_value_data: usize, return_value_size: usize): WasmResult;

// ---- HTTP callouts (§6.8) --------------------------------------------------------------------

// @ts-ignore: decorator
@external("env", "proxy_http_call")
export declare function proxy_http_call(
  upstream_data: usize, upstream_size: usize,
  headers_data: usize, headers_size: usize,
  body_data: usize, body_size: usize,
  trailers_data: usize, trailers_size: usize,
  timeout_ms: u32,
  return_call_id: usize,
): WasmResult;

// ---- gRPC callouts (§6.9) --------------------------------------------------------------------

// @ts-ignore: decorator
@external("env", "proxy_grpc_call")
export declare function proxy_grpc_call(
  service_data: usize, service_size: usize,
  service_name_data: usize, service_name_size: usize,
  method_data: usize, method_size: usize,
  initial_metadata_data: usize, initial_metadata_size: usize,
  message_data: usize, message_size: usize,
  timeout_ms: u32,
  return_call_id: usize,
): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_grpc_stream")
export declare function proxy_grpc_stream(
  service_data: usize, service_size: usize,
  service_name_data: usize, service_name_size: usize,
  method_data: usize, method_size: usize,
  initial_metadata_data: usize, initial_metadata_size: usize,
  return_stream_id: usize,
): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_grpc_send")
export declare function proxy_grpc_send(stream_id: u32, message_data: usize, message_size: usize, end_stream: u32): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_grpc_cancel")
export declare function proxy_grpc_cancel(call_id: u32): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_grpc_close")
export declare function proxy_grpc_close(call_id: u32): WasmResult;

// ---- metrics (§6.10) -------------------------------------------------------------------------

// @ts-ignore: decorator
@external("env", "proxy_define_metric")
export declare function proxy_define_metric(metric_type: u32, name_data: usize, name_size: usize, return_metric_id: usize): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_increment_metric")
export declare function proxy_increment_metric(metric_id: u32, delta: i64): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_record_metric")
export declare function proxy_record_metric(metric_id: u32, value: u64): WasmResult;

// @ts-ignore: decorator
@external("env", "proxy_get_metric")
export declare function proxy_get_metric(metric_id: u32, return_value: usize): WasmResult;

// ---- foreign functions (§6.11) ---------------------------------------------------------------

// @ts-ignore: decorator
@external("env", "proxy_call_foreign_function")
export declare function proxy_call_foreign_function(
  name_data: usize, name_size: usize,
  arguments_data: usize, arguments_size: usize,
  return_results_data: usize, return_results_size: usize,
): WasmResult;
