// Hosts straight from an Envoy configuration: the wasm HTTP filters of a bootstrap (YAML or JSON),
// in their chain order, with the root_id, vm_id, plugin name, configuration and failure_policy the
// file gives them — so a unit test runs the plugin configuration that is deployed, not a copy.
//
//   const hosts = hostsFromEnvoyConfig(readFileSync("filters/add-header/envoy.yaml", "utf8"), {
//     wasm: (filename) => "filters/add-header/build/release.wasm",   // where Envoy's path is here
//   });
//   const ex = createChain(hosts).run(request, upstream);
import { parse } from "yaml";
import { CalloutRouter } from "./callouts.ts";
import { VirtualClock } from "./clock.ts";
import { GrpcRouter } from "./grpc.ts";
import { createHost, type HostOptions, type MockHost } from "./host.ts";
import { ProxyProcess } from "./process.ts";

const WASM_FILTER = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";
const STRING_VALUE = "type.googleapis.com/google.protobuf.StringValue";

/** One `envoy.filters.http.wasm` of the configuration, as a host needs it. */
export interface EnvoyWasmPlugin {
  /** the filter's `name` in http_filters */
  filterName: string;
  /** `config.name` (the plugin_name property) */
  pluginName: string;
  rootId: string;
  vmId: string;
  /** `vm_config.code.local.filename` (or `inline_string`'s text is not supported) */
  filename: string;
  /** the plugin configuration as Envoy hands it over */
  configuration: string;
  /** the VM configuration (`vm_config.configuration`), "" when absent */
  vmConfiguration: string;
  failurePolicy: "FAIL_CLOSED" | "FAIL_OPEN";
  /** environment variables the VM gets (`vm_config.environment_variables.key_values`) */
  env: Record<string, string>;
}

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

/** A StringValue (`{"@type": …StringValue, value}`), a plain string, or absent → the text Envoy passes. */
function configurationText(v: unknown, where: string): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (isNode(v) && (v["@type"] === STRING_VALUE || v["@type"] === undefined) && typeof v.value === "string") return v.value;
  if (isNode(v) && v["@type"] === undefined) return "";
  throw new Error(`${where}: only google.protobuf.StringValue configurations are supported (got ${JSON.stringify(v)})`);
}

function plugin(filter: Node, where: string): EnvoyWasmPlugin {
  const typed = filter.typed_config as Node;
  const config = (typed.config ?? {}) as Node;
  const vm = (config.vm_config ?? {}) as Node;
  const code = (vm.code ?? {}) as Node;
  const local = (code.local ?? {}) as Node;
  if (typeof local.filename !== "string") {
    throw new Error(`${where}: vm_config.code.local.filename is required (remote or inline code cannot be loaded here)`);
  }
  const runtime = vm.runtime;
  if (runtime !== undefined && runtime !== "envoy.wasm.runtime.v8") {
    throw new Error(`${where}: vm_config.runtime ${JSON.stringify(runtime)} — the official Envoy build runs envoy.wasm.runtime.v8`);
  }
  const policy = config.failure_policy ?? (config.fail_open === true ? "FAIL_OPEN" : "FAIL_CLOSED");
  if (policy !== "FAIL_CLOSED" && policy !== "FAIL_OPEN" && policy !== "UNSPECIFIED") {
    throw new Error(`${where}: failure_policy ${JSON.stringify(policy)} is not supported by the mock host (FAIL_CLOSED, FAIL_OPEN)`);
  }
  const env: Record<string, string> = {};
  const kv = ((vm.environment_variables ?? {}) as Node).key_values;
  if (isNode(kv)) for (const [k, v] of Object.entries(kv)) env[k] = String(v);
  return {
    filterName: String(filter.name ?? ""),
    pluginName: String(config.name ?? ""),
    rootId: String(config.root_id ?? ""),
    vmId: String(vm.vm_id ?? ""),
    filename: local.filename,
    configuration: configurationText(config.configuration, `${where}.config.configuration`),
    vmConfiguration: configurationText(vm.configuration, `${where}.config.vm_config.configuration`),
    failurePolicy: policy === "FAIL_OPEN" ? "FAIL_OPEN" : "FAIL_CLOSED",
    env,
  };
}

/**
 * Every wasm HTTP filter in the configuration, in order: the http_filters of each
 * http_connection_manager, wherever it sits in the tree (listeners, filter chains).
 */
export function wasmPluginsOf(text: string): EnvoyWasmPlugin[] {
  const doc: unknown = parse(text);
  const out: EnvoyWasmPlugin[] = [];
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`));
      return;
    }
    if (!isNode(v)) return;
    if (Array.isArray(v.http_filters)) {
      v.http_filters.forEach((f: unknown, i: number) => {
        if (isNode(f) && isNode(f.typed_config) && f.typed_config["@type"] === WASM_FILTER) out.push(plugin(f, `${path}.http_filters[${i}]`));
      });
    }
    for (const [k, x] of Object.entries(v)) if (k !== "http_filters") walk(x, path === "" ? k : `${path}.${k}`);
  };
  walk(doc, "");
  return out;
}

export interface FromEnvoyOptions extends Partial<Omit<HostOptions, "wasm" | "rootId" | "vmId" | "pluginName" | "pluginConfig" | "vmConfig" | "failurePolicy">> {
  /** where the .wasm Envoy loads from `filename` is on this machine */
  wasm: (filename: string, plugin: EnvoyWasmPlugin) => string | Uint8Array;
  /** only the plugins whose filter name or plugin name this accepts */
  select?: (plugin: EnvoyWasmPlugin) => boolean;
}

/**
 * One host per wasm filter of the configuration, in chain order, sharing one clock, process and
 * callout/gRPC routers (as one Envoy) — ready for `createChain(hosts)`. The failure policy the file
 * sets is applied; a plugin that refuses its configuration is reported by `host.configured`.
 */
export function hostsFromEnvoyConfig(text: string, options: FromEnvoyOptions): MockHost[] {
  const { wasm, select, ...rest } = options;
  const shared: Partial<HostOptions> = {
    ...rest,
    clock: rest.clock ?? new VirtualClock(rest.now),
    process: rest.process ?? new ProxyProcess(),
    callouts: rest.callouts ?? new CalloutRouter(),
    grpc: rest.grpc ?? new GrpcRouter(),
  };
  delete shared.now;
  const plugins = wasmPluginsOf(text).filter((p) => select === undefined || select(p));
  if (plugins.length === 0) throw new Error("the configuration has no envoy.filters.http.wasm filter (or none the selection accepts)");
  return plugins.map((p) => createHost({
    ...shared,
    wasm: wasm(p.filename, p),
    rootId: p.rootId,
    vmId: p.vmId,
    pluginName: p.pluginName || p.rootId,
    pluginConfig: p.configuration,
    vmConfig: p.vmConfiguration,
    failurePolicy: p.failurePolicy,
    env: { ...p.env, ...(rest.env ?? {}) },
  }));
}
