// Assembles the import object for one ABI version: version-independent families always, the
// ABI-specific calls only for the detected version (§1.2): 0.1.0 gets proxy_get_configuration,
// proxy_continue_request/response, proxy_clear_route_cache; 0.2.x gets proxy_continue_stream and
// proxy_close_stream; 0.2.1 adds proxy_get_log_level.

import { bufferImports, configurationImports } from "./buffers.ts";
import { envExtraImports } from "./env-extras.ts";
import { foreignFunctionImports } from "./foreign.ts";
import { grpcImports } from "./grpc.ts";
import { headerImports } from "./headers.ts";
import { httpCallImports } from "./http-call.ts";
import { logImports } from "./log.ts";
import { metricImports } from "./metrics.ts";
import { propertyImports } from "./properties.ts";
import { queueImports } from "./queues.ts";
import { sharedDataImports } from "./shared-data.ts";
import { streamControlImports, streamControlImports01, streamControlImports02 } from "./stream-control.ts";
import { timeImports } from "./time.ts";
import type { AbiVersion, HostFamily } from "./types.ts";
import { unimplementedImports } from "./unimplemented.ts";
import { WASI_MODULES, wasiImports } from "./wasi.ts";

export type ImportCatalogue = Record<string, HostFamily>;

/** Every host function the mock links for `abi`, keyed by wasm module name then function name. */
export function buildImportFamilies(abi: AbiVersion): ImportCatalogue {
  const { proxy_get_log_level, ...log } = logImports();
  const env: HostFamily = {
    ...log,
    ...timeImports(),
    ...headerImports(),
    ...bufferImports(),
    ...propertyImports(),
    ...streamControlImports(),
    ...sharedDataImports(),
    ...metricImports(),
    ...httpCallImports(),
    ...grpcImports(),
    ...queueImports(),
    ...foreignFunctionImports(),
    ...envExtraImports(),
    ...unimplementedImports(),
  };
  if (abi === "0.1.0") Object.assign(env, configurationImports(), streamControlImports01());
  else Object.assign(env, streamControlImports02());
  if (abi === "0.2.1") env.proxy_get_log_level = proxy_get_log_level;
  const wasi = wasiImports();
  const out: ImportCatalogue = { env };
  for (const m of WASI_MODULES) out[m] = wasi;
  return out;
}

const catalogues = new Map<AbiVersion, ImportCatalogue>();

/**
 * The catalogue for `abi`, built once per process (immutable: every host function takes the VM's
 * ImportContext as its first argument, so VMs only create thin wrappers for what a module imports).
 */
export function importCatalogue(abi: AbiVersion): ImportCatalogue {
  let c = catalogues.get(abi);
  if (c === undefined) {
    c = buildImportFamilies(abi);
    catalogues.set(abi, c);
  }
  return c;
}
