// The Istio resource that deploys a filter: a WasmPlugin (extensions.istio.io/v1alpha1) whose url
// is the filter's OCI image, and — for Envoy without Istio — the Wasm HTTP filter with the code
// fetched over HTTP (vm_config.code.remote). Field rules follow istio/api
// extensions/v1alpha1/wasm.proto and Istio's validation (pkg/config/validation): sha256 is 64
// lower-case hex and, for oci:// urls, the image MANIFEST's digest (what Istio compares), at most
// one of selector and targetRefs, priority an int32, pluginConfig a JSON object (a Struct).
import { CliError, EXIT } from "../errors.ts";
import { structProblem, type StructValue } from "./plugin-config.ts";

export const PHASES = ["AUTHN", "AUTHZ", "STATS", "UNSPECIFIED_PHASE"] as const;
export type Phase = (typeof PHASES)[number];
export const FAIL_STRATEGIES = ["FAIL_CLOSE", "FAIL_OPEN", "FAIL_RELOAD"] as const;
export type FailStrategy = (typeof FAIL_STRATEGIES)[number];
export const PULL_POLICIES = ["IfNotPresent", "Always"] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

export interface TargetRef {
  /** the kind's API group; "" (or absent) is the core group */
  group?: string;
  kind: string;
  name: string;
  /** Istio refuses any: a WasmPlugin targets objects of its own namespace */
  namespace?: string;
}

/** The kinds a WasmPlugin may target and their groups (Istio's validation: allowedTargetRefs in
 *  pkg/config/validation/validation.go; version is not checked). */
export const TARGET_KINDS: Readonly<Record<string, string>> = {
  Service: "",
  ServiceEntry: "networking.istio.io",
  Gateway: "gateway.networking.k8s.io",
  GatewayClass: "gateway.networking.k8s.io",
};

/** `[group/]Kind/name` → a TargetRef; without a group, the kind's own (Gateway → gateway.networking.k8s.io). */
export function parseTargetRef(text: string): TargetRef | null {
  const parts = text.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p, i) => p === "" && !(parts.length === 3 && i === 0))) return null;
  const [kind, name] = parts.slice(-2);
  const group = parts.length === 3 ? parts[0] : TARGET_KINDS[kind];
  if (group === undefined) return null;
  return group === "" ? { kind, name } : { group, kind, name };
}

export interface WasmPluginSpec {
  /** metadata.name: a DNS-1123 subdomain */
  name: string;
  namespace?: string;
  /** oci://registry/repository:tag (or @sha256:...) */
  url: string;
  /** the image manifest's digest, 64 lower-case hex */
  sha256: string;
  /** Envoy's root_id: the name the filter registers its root context under */
  pluginName: string;
  pluginConfig?: { [key: string]: StructValue };
  phase?: Phase;
  priority?: number;
  failStrategy?: FailStrategy;
  imagePullPolicy?: PullPolicy;
  imagePullSecret?: string;
  selector?: Record<string, string>;
  targetRefs?: TargetRef[];
}

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function bad(field: string, why: string): CliError {
  return new CliError(`${field}: ${why}`, "fix the option (filterkit istio --help lists them)", EXIT.usage);
}

/** The WasmPlugin resource, checked field by field (the first problem is an error naming the field). */
export function wasmPlugin(spec: WasmPluginSpec): Record<string, unknown> {
  if (!DNS1123.test(spec.name) || spec.name.length > 253) throw bad("metadata.name", `"${spec.name}" is not a DNS-1123 name (lower-case letters, digits, - and .)`);
  if (spec.namespace !== undefined && (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(spec.namespace) || spec.namespace.length > 63)) throw bad("metadata.namespace", `"${spec.namespace}" is not a namespace name`);
  if (!/^oci:\/\/[^\s]+$/.test(spec.url)) throw bad("spec.url", `expected oci://<registry>/<repository>:<tag>, got "${spec.url}"`);
  if (!/^[a-f0-9]{64}$/.test(spec.sha256)) throw bad("spec.sha256", "expected 64 lower-case hex digits (the image manifest's digest without sha256:)");
  if (spec.pluginName === "" || spec.pluginName.length > 256) throw bad("spec.pluginName", "expected the filter's root id (1 to 256 characters)");
  if (spec.phase !== undefined && !PHASES.includes(spec.phase)) throw bad("spec.phase", `"${spec.phase}" is not one of ${PHASES.join(", ")}`);
  if (spec.failStrategy !== undefined && !FAIL_STRATEGIES.includes(spec.failStrategy)) throw bad("spec.failStrategy", `"${spec.failStrategy}" is not one of ${FAIL_STRATEGIES.join(", ")}`);
  if (spec.imagePullPolicy !== undefined && !PULL_POLICIES.includes(spec.imagePullPolicy)) throw bad("spec.imagePullPolicy", `"${spec.imagePullPolicy}" is not one of ${PULL_POLICIES.join(", ")}`);
  if (spec.priority !== undefined && (!Number.isInteger(spec.priority) || spec.priority < -(2 ** 31) || spec.priority >= 2 ** 31)) throw bad("spec.priority", `${spec.priority} is not a 32-bit integer`);
  if (spec.selector !== undefined && spec.targetRefs !== undefined) throw bad("spec.selector", "a WasmPlugin takes a selector or targetRefs, not both (Istio refuses it)");
  for (const [k, v] of Object.entries(spec.selector ?? {})) {
    if (!LABEL_KEY.test(k)) throw bad("spec.selector.matchLabels", `"${k}" is not a label key`);
    if (!LABEL_VALUE.test(v)) throw bad("spec.selector.matchLabels", `"${v}" (for ${k}) is not a label value`);
  }
  if ((spec.targetRefs?.length ?? 0) > 16) throw bad("spec.targetRefs", "at most 16");
  for (const [i, t] of (spec.targetRefs ?? []).entries()) {
    const field = `spec.targetRefs[${i}]`;
    if (t.kind === "" || t.name === "") throw bad(field, "kind and name are required");
    if (t.namespace !== undefined && t.namespace !== "") throw bad(`${field}.namespace`, "must not be set: Istio refuses cross-namespace references");
    const group = TARGET_KINDS[t.kind];
    const kinds = Object.entries(TARGET_KINDS).map(([k, g]) => `${g === "" ? "" : `${g}/`}${k}`).join(", ");
    if (group === undefined || (t.group ?? "") !== group) throw bad(field, `${t.group ?? ""}/${t.kind} is not a kind Istio lets a WasmPlugin target (${kinds})`);
  }
  if (spec.imagePullSecret !== undefined && (spec.imagePullSecret === "" || spec.imagePullSecret.length > 253)) throw bad("spec.imagePullSecret", "expected a Secret's name");
  if (spec.pluginConfig !== undefined) {
    if (typeof spec.pluginConfig !== "object" || spec.pluginConfig === null || Array.isArray(spec.pluginConfig)) throw bad("spec.pluginConfig", "a Struct: the configuration must be a JSON object");
    const problem = structProblem(spec.pluginConfig);
    if (problem !== null) throw bad("spec.pluginConfig", problem);
  }
  const body: Record<string, unknown> = {};
  if (spec.selector !== undefined) body.selector = { matchLabels: spec.selector };
  if (spec.targetRefs !== undefined) body.targetRefs = spec.targetRefs;
  body.url = spec.url;
  body.sha256 = spec.sha256;
  if (spec.imagePullPolicy !== undefined) body.imagePullPolicy = spec.imagePullPolicy;
  if (spec.imagePullSecret !== undefined) body.imagePullSecret = spec.imagePullSecret;
  body.pluginName = spec.pluginName;
  if (spec.phase !== undefined) body.phase = spec.phase;
  if (spec.priority !== undefined) body.priority = spec.priority;
  body.failStrategy = spec.failStrategy ?? "FAIL_CLOSE";
  if (spec.pluginConfig !== undefined && Object.keys(spec.pluginConfig).length > 0) body.pluginConfig = spec.pluginConfig;
  return {
    apiVersion: "extensions.istio.io/v1alpha1",
    kind: "WasmPlugin",
    metadata: { name: spec.name, ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}) },
    spec: body,
  };
}

export interface RemoteFilterSpec {
  /** the filter's name in Envoy's chain (config.name) */
  name: string;
  rootId: string;
  vmId?: string;
  /** the JSON text handed to onConfigure */
  configuration: string;
  /** where Envoy downloads the .wasm from */
  uri: string;
  /** the cluster of `uri`'s host, which the configuration must define */
  cluster: string;
  /** sha256 of the .wasm FILE (Envoy hashes the downloaded body), 64 lower-case hex */
  sha256: string;
  timeoutSeconds?: number;
  failurePolicy?: "FAIL_CLOSED" | "FAIL_OPEN" | "FAIL_RELOAD";
}

/** The `vm_config.code` block that fetches the module over HTTP (envoy.config.core.v3.AsyncDataSource). */
export function remoteCode(spec: Pick<RemoteFilterSpec, "uri" | "cluster" | "sha256" | "timeoutSeconds">): Record<string, unknown> {
  if (!/^https?:\/\/[^\s]+$/.test(spec.uri)) throw bad("--remote", `expected an http:// or https:// URL, got "${spec.uri}"`);
  if (!/^[a-f0-9]{64}$/.test(spec.sha256)) throw bad("sha256", "expected 64 lower-case hex digits");
  return {
    remote: {
      http_uri: { uri: spec.uri, cluster: spec.cluster, timeout: `${spec.timeoutSeconds ?? 10}s` },
      sha256: spec.sha256,
      retry_policy: { num_retries: 3 },
    },
  };
}

/** One envoy.filters.http.wasm entry of http_filters, its code fetched from `uri`. */
export function remoteWasmFilter(spec: RemoteFilterSpec): Record<string, unknown> {
  return {
    name: spec.name,
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
      config: {
        name: spec.name,
        root_id: spec.rootId,
        failure_policy: spec.failurePolicy ?? "FAIL_CLOSED",
        configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: spec.configuration },
        vm_config: { vm_id: spec.vmId ?? spec.rootId, runtime: "envoy.wasm.runtime.v8", code: remoteCode(spec) },
      },
    },
  };
}

/** The cluster `remoteWasmFilter`'s uri needs: the URL's host, TLS for https. */
export function remoteCluster(name: string, uri: string): Record<string, unknown> {
  const u = new URL(uri);
  const https = u.protocol === "https:";
  const port = u.port !== "" ? Number(u.port) : https ? 443 : 80;
  return {
    name,
    type: "STRICT_DNS",
    connect_timeout: "5s",
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: u.hostname, port_value: port } } } }] }] },
    ...(https ? { transport_socket: { name: "envoy.transport_sockets.tls", typed_config: { "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext", sni: u.hostname } } } : {}),
  };
}
