// Public exports of @filterkit/envoy: run proxy-wasm filters in real Envoy (the official build, V8
// inside) from Node — find or set up a container runtime, start Envoy with filters and a
// configuration, send requests, and run the scenario format of @filterkit/host-mock in Envoy and
// compare it with the mock host.
export { bootstrap, wasmFilter } from "./bootstrap.ts";
export type { BootstrapSpec, ClusterSpec, WasmPluginSpec } from "./bootstrap.ts";
export { DEFAULT_ENVOY_IMAGE, EnvoyStartError, containerEngine, freePort, startEnvoy, startFailureSummary, validateConfig } from "./start.ts";
export type { EnvoyOptions, EnvoyPlugin, RunningEnvoy } from "./start.ts";
export { cacheDir, envoyRuntime, savedRuntimeEnv } from "./runtime.ts";
export { connect, send, sendWithTrailers } from "./client.ts";
export type { ClientRequest, ClientResponse } from "./client.ts";
export { CalloutTargets, MAX_HEADER_BYTES, RecordingUpstream } from "./servers.ts";
export type { Answer, CalloutRule, Pairs, ReceivedRequest } from "./servers.ts";
export { envoyOutcome, pluginLogs, runOnEnvoy } from "./scenario.ts";
export type { EnvoyExtras, EnvoyRun } from "./scenario.ts";
export { compareRuns, formatDifferences, IGNORED_RESPONSE_HEADERS, IGNORED_UPSTREAM_HEADERS } from "./compare.ts";
export type { Difference, RunOutput } from "./compare.ts";
export { flatWire, fromWire, pairsFromWire, toWire } from "./wire.ts";
