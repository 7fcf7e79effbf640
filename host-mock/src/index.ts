// Public exports of @filterkit/host-mock.

export { createHost, MockHost } from "./host.ts";
export { createWorkers } from "./topology.ts";
export { hostsFromEnvoyConfig, wasmPluginsOf } from "./envoy-config.ts";
export type { EnvoyWasmPlugin, FromEnvoyOptions } from "./envoy-config.ts";
export { createChain, FilterChain, formatTranscript } from "./chain.ts";
export type { Body, ClientRequest, Exchange, Received, RunOptions, UpstreamAnswer } from "./chain.ts";
export { VirtualClock } from "./clock.ts";
export { checkForLeaks } from "./leak-check.ts";
export { fuzzChain, formatFuzzTrap } from "./fuzz.ts";
export type { FuzzOptions, FuzzReport, FuzzTrap } from "./fuzz.ts";
export { generateTraffic, traffic } from "./traffic/generate.ts";
export { SeededRandom } from "./prng.ts";
export type { RequestDoc, TrafficOptions, UpstreamDoc } from "./traffic/generate.ts";
export type { LeakCheckResult } from "./leak-check.ts";
export { ProxyProcess } from "./process.ts";
export { CalloutRouter } from "./callouts.ts";
export { GrpcRouter, GrpcStreamPeer } from "./grpc.ts";
export type { GrpcAnswer, GrpcMatch, GrpcRequest } from "./grpc.ts";
export type { CalloutAnswer, CalloutMatch, CalloutRequest, CalloutResponse } from "./callouts.ts";
export type { SharedValue, Stat } from "./process.ts";
export type { HostOptions, ConfigValue } from "./host.ts";
export { HttpStream } from "./stream.ts";
export type { Direction, MessageView, LocalReply, CallbackRecord, StreamSink } from "./stream.ts";
export type { HostCallInterceptor, LogEntry, TranscriptEntry } from "./vm.ts";
export type { HeaderPairs } from "./pairs.ts";
export { encodePairs, decodePairs } from "./pairs.ts";
export type { PropertyValue } from "./imports/properties.ts";
export type { AbiVersion, ForeignFunction } from "./imports/types.ts";
export { ModuleLoadError, TrapError, VmFailedError } from "./errors.ts";
export type { TrapDetails, GuestFrame, HostCallRecord } from "./errors.ts";
export { describeImports, formatImportTable, compiledModuleCount } from "./loader.ts";
export type { ImportRow, ImportStatus } from "./loader.ts";
export {
  WasmResult, LogLevel, FilterHeadersStatus, FilterDataStatus, FilterTrailersStatus, FilterMetadataStatus,
  FilterStatus, HeaderMapType, BufferType, BufferFlags, StreamType, PeerType, MetricType, GrpcStatus,
} from "../../sdk/assembly/abi/enums.ts";
