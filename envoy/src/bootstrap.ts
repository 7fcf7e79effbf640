// The Envoy bootstrap the kit runs its filters in: one HTTP listener whose filter chain is the
// plugins in order (each an envoy.filters.http.wasm with the V8 runtime) then the router, an
// upstream cluster for every request, and one cluster per callout target. The integration suite,
// the scenario runner's `--host envoy` and the demo's `--envoy` all generate their configuration
// here, so what they test is one configuration; envoy/examples/*.yaml show the same shape by hand.
//
// Envoy reads JSON bootstraps (`-c file.json`); YAML is the same tree.

export interface WasmPluginSpec {
  /** plugin name (`config.name`; the `plugin_name` property) */
  name: string;
  /** `root_id`: which root context of the module serves this plugin */
  rootId: string;
  /** `vm_id`: plugins with the same vm_id and code share a VM (per worker) */
  vmId: string;
  /** the .wasm path as Envoy sees it */
  wasmPath: string;
  /**
   * vm_config.code instead of the local file (e.g. `{ remote: { http_uri, sha256 } }`: Envoy
   * downloads the module from a cluster of the bootstrap, `filterkit istio --remote` prints it)
   */
  code?: Record<string, unknown>;
  /** plugin configuration, handed over as a google.protobuf.StringValue */
  configuration: string;
  /** VM configuration (`vm_config.configuration`, read in proxy_on_vm_start); none when empty */
  vmConfiguration?: string;
  /** Envoy's failure_policy for a VM that trapped */
  failurePolicy: "FAIL_CLOSED" | "FAIL_OPEN";
}

export interface ClusterSpec {
  name: string;
  host: string;
  port: number;
  /** speak HTTP/2 (h2c, prior knowledge) to the endpoint, as gRPC clusters must; default HTTP/1.1 */
  http2?: boolean;
}

export interface BootstrapSpec {
  /** address the listener and the admin bind to (127.0.0.1 with host networking, 0.0.0.0 in a bridge) */
  bindAddress: string;
  listenerPort: number;
  adminPort: number;
  plugins: WasmPluginSpec[];
  /** where every request goes after the filters */
  upstream: ClusterSpec;
  /** clusters the plugins call with proxy_http_call / proxy_grpc_call (gRPC ones with `http2: true`) */
  calloutClusters: ClusterSpec[];
  /** per-request route timeout, ms (Envoy's default is 15 s) */
  routeTimeoutMs?: number;
  /**
   * Envoy's own HTTP filters (`{name, typed_config}`), placed before the wasm plugins: the native
   * filter a shipped filter is compared with (header_mutation, jwt_authn, local_ratelimit, ...).
   */
  nativeFilters?: object[];
  /** fields merged into the route (e.g. request_headers_to_add, response_headers_to_remove) */
  routeOptions?: Record<string, unknown>;
  /** routes matched before the catch-all one (e.g. to show that a rewritten :path picks another route) */
  extraRoutes?: object[];
}

const HTTP_PROTOCOL_OPTIONS = "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

/**
 * A cluster with one endpoint; HTTP/1.1 with trailers passed through, or HTTP/2 (gRPC). STRICT_DNS
 * whatever the host: a bridged container reaches the test process by name (host.docker.internal),
 * which a STATIC cluster refuses (Envoy exits at start-up), and one cluster type in every mode keeps
 * what a filter can observe the same (a DNS cluster's host has an empty Metadata, a STATIC one's
 * none: host-mock's xds.upstream_host_metadata follows the former).
 */
function cluster(c: ClusterSpec): object {
  return {
    name: c.name,
    type: "STRICT_DNS",
    dns_lookup_family: "V4_ONLY",
    connect_timeout: "1s",
    load_assignment: {
      cluster_name: c.name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: c.host, port_value: c.port } } } }] }],
    },
    typed_extension_protocol_options: {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": HTTP_PROTOCOL_OPTIONS,
        explicit_http_config: c.http2 === true ? { http2_protocol_options: {} } : { http_protocol_options: { enable_trailers: true } },
      },
    },
  };
}

/** One wasm HTTP filter: V8, code from a local file, configuration as a JSON string. */
export function wasmFilter(p: WasmPluginSpec): object {
  return {
    name: "envoy.filters.http.wasm",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
      config: {
        name: p.name,
        root_id: p.rootId,
        failure_policy: p.failurePolicy,
        configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: p.configuration },
        vm_config: {
          vm_id: p.vmId,
          runtime: "envoy.wasm.runtime.v8",
          code: p.code ?? { local: { filename: p.wasmPath } },
          ...(p.vmConfiguration !== undefined && p.vmConfiguration !== ""
            ? { configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: p.vmConfiguration } }
            : {}),
        },
      },
    },
  };
}

export function bootstrap(spec: BootstrapSpec): object {
  const timeout = `${(spec.routeTimeoutMs ?? 15_000) / 1000}s`;
  return {
    admin: { address: { socket_address: { address: spec.bindAddress, port_value: spec.adminPort } } },
    static_resources: {
      listeners: [{
        name: "filterkit",
        address: { socket_address: { address: spec.bindAddress, port_value: spec.listenerPort } },
        filter_chains: [{
          filters: [{
            name: "envoy.filters.network.http_connection_manager",
            typed_config: {
              "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
              stat_prefix: "filterkit",
              codec_type: "AUTO",
              http_protocol_options: { enable_trailers: true },
              route_config: {
                name: "filterkit",
                virtual_hosts: [{ name: "all", domains: ["*"], routes: [...(spec.extraRoutes ?? []), { match: { prefix: "/" }, route: { cluster: spec.upstream.name, timeout }, ...(spec.routeOptions ?? {}) }] }],
              },
              http_filters: [
                ...(spec.nativeFilters ?? []),
                ...spec.plugins.map(wasmFilter),
                { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } },
              ],
            },
          }],
        }],
      }],
      clusters: [cluster(spec.upstream), ...spec.calloutClusters.map(cluster)],
    },
  };
}
