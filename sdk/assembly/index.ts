// Public API of the Filterkit SDK (friendly layer). The raw ABI layer lives in ./abi/.
// A filter imports from "@filterkit/sdk" and re-exports the ABI with
// `export * from "@filterkit/sdk/proxy";`.

import "./abort";

// Enums, under their own names and proxy-runtime's *Values aliases.
export {
  WasmResult, LogLevel, FilterHeadersStatus, FilterDataStatus, FilterTrailersStatus,
  FilterMetadataStatus, FilterStatus, HeaderMapType, BufferType, BufferFlags, StreamType, PeerType,
  MetricType, GrpcStatus,
} from "./abi/enums";
export {
  WasmResult as WasmResultValues, LogLevel as LogLevelValues,
  FilterHeadersStatus as FilterHeadersStatusValues, FilterDataStatus as FilterDataStatusValues,
  FilterTrailersStatus as FilterTrailersStatusValues, FilterMetadataStatus as FilterMetadataStatusValues,
  FilterStatus as FilterStatusValues, HeaderMapType as HeaderMapTypeValues,
  BufferType as BufferTypeValues, BufferFlags as BufferFlagsValues, StreamType as StreamTypeValues,
  PeerType as PeerTypeValues, MetricType as MetricTypeValues, GrpcStatus as GrpcStatusValues,
} from "./abi/enums";

export { filterkit_abort } from "./abort";
export {
  BaseContext, RootContext, Context, HttpCallback, HttpCallCallback, registerRootContext,
  getContext, getRootContext, getBaseContext,
} from "./context";
export {
  HeaderPair, Headers, HeaderStreamManipulator, HeaderMapManipulator, get_header_map_pairs,
  set_header_map_pairs, get_header_map_value_or_null, add_header_map_value_string,
  replace_header_map_value_string, remove_header_map_value_string, get_header_map_size,
  last_header_result,
} from "./headers";
export {
  HeaderWritePolicy, set_header_write_policy, header_write_policy, refused_header_writes, isSafeHeaderValue,
  isHeaderName, isTokenChar, asciiLower,
} from "./header-safety";
export {
  BodyBuffer, BodyManipulator, BufferStatusResult, get_buffer_bytes, get_buffer_string,
  get_buffer_status, get_buffer_length, set_buffer_bytes, last_buffer_result,
} from "./body";
export { stream_context, StreamContext } from "./stream";
export {
  getProperty, get_property, getPropertyString, getPropertyStringOrNull, getPropertyI64,
  getPropertyU64, getPropertyF64, getPropertyBool, setProperty, set_property, setPropertyString,
  setPropertyI64, setPropertyU64, setPropertyF64, setPropertyBool, last_property_result,
} from "./properties";
export {
  send_local_response, send_local_response_string, continue_request, continue_response,
  continue_stream, close_stream, close_request, close_response,
} from "./local-response";
export {
  log, logTrace, logDebug, logInfo, logWarn, logError, logCritical, get_log_level, log_enabled,
} from "./log";
export { get_current_time_nanoseconds, set_tick_period_milliseconds } from "./time";
export {
  get_plugin_configuration, get_plugin_configuration_bytes, get_vm_configuration,
  get_vm_configuration_bytes,
} from "./configuration";
export {
  JsonKind, JsonValue, JsonNull, JsonBool, JsonNumber, JsonString, JsonArray, JsonObject,
  JsonParseResult, parseJson, parseJsonBytes, parseJsonAt, jsonQuote, jsonNumber, jsonKindName,
  JSON_MAX_DEPTH,
} from "./json";
export { JsonConfig, JsonConfigArray, ConfigErrors } from "./config";
export {
  Metric, Counter, Gauge, Histogram, MetricResult, define_metric, increment_metric, record_metric,
  get_metric,
} from "./metrics";
export {
  SharedResult, get_shared_data, set_shared_data, register_shared_queue, resolve_shared_queue,
  enqueue_shared_queue, dequeue_shared_queue,
} from "./shared";
export { HeaderPair as Pair, encodePairs, decodePairs, pairsSize } from "./abi/pairs";

/** proxy-runtime name for switching the effective context. */
export { proxy_set_effective_context, proxy_done as done } from "./abi/imports";
export { get_status, StatusWithMessage } from "./status";
export { ForeignResult, call_foreign_function, clear_route_cache } from "./foreign";
export {
  PathAndQuery, QueryParam, splitPathAndQuery, parseQuery, buildQuery, queryValues, percentDecode, percentEncode,
} from "./http/query";
export { cookieValue, cookieValues, withoutCookie } from "./http/cookie";
export { IpAddress, parseIp, addressWithoutPort, clientFromXff } from "./http/address";
export { MatchKind, StringMatcher, Condition, ConditionKind, MAX_CONDITION_DEPTH, MatchInput, PairsMatchInput, StreamMatchInput, HostRequestMatchInput } from "./match";
export * from "./regex";
export * from "./format";
