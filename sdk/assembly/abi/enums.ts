// Enumerations of the proxy-wasm ABI (v0.1.0 – v0.2.1), with the numeric values Envoy uses.
//
// This file is the single source of truth for these values. It is compiled twice: by `asc` into
// every filter (through the SDK) and by TypeScript into the mock host (host-mock imports it by
// relative path). It must therefore hold nothing but `export enum` declarations whose members are
// integer literals: no AssemblyScript-only types, no imports, no `const enum`.
//
// host-mock/test/abi-enums.test.ts pins every value to sdk/abi-reference/enums.md (values and sources).
// Member names follow @solo-io/proxy-runtime where it has the enum, so its filters port unchanged.

/** Status code every `proxy_*` host call returns (proxy_status_t). */
export enum WasmResult {
  Ok = 0,
  NotFound = 1,
  BadArgument = 2,
  SerializationFailure = 3,
  ParseFailure = 4,
  BadExpression = 5,
  InvalidMemoryAccess = 6,
  Empty = 7,
  CasMismatch = 8,
  ResultMismatch = 9,
  InternalFailure = 10,
  BrokenConnection = 11,
  Unimplemented = 12,
}

/** Log levels of `proxy_log`. Envoy's `proxy_get_log_level` may also answer 6 (off). */
export enum LogLevel {
  trace = 0,
  debug = 1,
  info = 2,
  warn = 3,
  error = 4,
  critical = 5,
  off = 6,
}

/** What `proxy_on_request_headers` / `proxy_on_response_headers` return. */
export enum FilterHeadersStatus {
  Continue = 0,
  StopIteration = 1,
  ContinueAndEndStream = 2,
  StopAllIterationAndBuffer = 3,
  StopAllIterationAndWatermark = 4,
}

/** What `proxy_on_request_body` / `proxy_on_response_body` return. */
export enum FilterDataStatus {
  Continue = 0,
  StopIterationAndBuffer = 1,
  StopIterationAndWatermark = 2,
  StopIterationNoBuffer = 3,
}

/** What `proxy_on_request_trailers` / `proxy_on_response_trailers` return. */
export enum FilterTrailersStatus {
  Continue = 0,
  StopIteration = 1,
}

/** What the metadata callbacks return (Envoy ignores it). */
export enum FilterMetadataStatus {
  Continue = 0,
}

/** What the TCP (network filter) callbacks return. */
export enum FilterStatus {
  Continue = 0,
  StopIteration = 1,
}

/** Header maps addressed by the `proxy_*_header_map_*` calls (proxy_map_type_t). */
export enum HeaderMapType {
  RequestHeaders = 0,
  RequestTrailers = 1,
  ResponseHeaders = 2,
  ResponseTrailers = 3,
  GrpcReceiveInitialMetadata = 4,
  GrpcReceiveTrailingMetadata = 5,
  HttpCallResponseHeaders = 6,
  HttpCallResponseTrailers = 7,
}

/** Buffers addressed by `proxy_get_buffer_bytes` and friends (proxy_buffer_type_t). */
export enum BufferType {
  HttpRequestBody = 0,
  HttpResponseBody = 1,
  NetworkDownstreamData = 2,
  NetworkUpstreamData = 3,
  HttpCallResponseBody = 4,
  GrpcReceiveBuffer = 5,
  VmConfiguration = 6,
  PluginConfiguration = 7,
  CallData = 8,
}

/** Flags written by `proxy_get_buffer_status` (Envoy never sets any). */
export enum BufferFlags {
  EndOfStream = 1,
}

/** Stream addressed by `proxy_continue_stream` / `proxy_close_stream` (proxy_stream_type_t). */
export enum StreamType {
  Request = 0,
  Response = 1,
  Downstream = 2,
  Upstream = 3,
}

/** Which side closed a TCP connection (proxy_peer_type_t). */
export enum PeerType {
  Unknown = 0,
  Local = 1,
  Remote = 2,
}

/** Metric kinds of `proxy_define_metric`. */
export enum MetricType {
  Counter = 0,
  Gauge = 1,
  Histogram = 2,
}

/** gRPC status codes; `InvalidCode` (-1) is the SDKs' "unset" for `proxy_send_local_response`. */
export enum GrpcStatus {
  Ok = 0,
  Canceled = 1,
  Unknown = 2,
  InvalidArgument = 3,
  DeadlineExceeded = 4,
  NotFound = 5,
  AlreadyExists = 6,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  FailedPrecondition = 9,
  Aborted = 10,
  OutOfRange = 11,
  Unimplemented = 12,
  Internal = 13,
  Unavailable = 14,
  DataLoss = 15,
  Unauthenticated = 16,
  InvalidCode = -1,
}
