// What `npm run bench:envoy` runs through Envoy: each variant is the HTTP filter chain of one Envoy
// (before the router, whose route answers with a direct_response), and the request wrk sends.
// Variants doing the same job sit in one group, so each of ours is read against its natural floor
// (no filter, a no-op Wasm filter), Envoy's native filter for the job, and the Rust and Go SDKs.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { apiKeyHash } from "../../filters/auth/tools/secrets.ts";

export interface Variant {
  id: string;
  /** the job: variants of one group are compared with each other */
  group: string;
  what: string;
  /** Envoy http_filters before the router */
  filters: object[];
  /** request headers wrk adds */
  headers: Array<[string, string]>;
  /** why it cannot run on this machine (a module not built), or null */
  missing: string | null;
  /** routed to a real upstream (bench/envoy/upstream.mjs) instead of a direct_response */
  upstream?: boolean;
}

const WASM = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";

function wasm(rootId: string, file: string, config: unknown): object {
  return {
    name: rootId,
    typed_config: {
      "@type": WASM,
      config: {
        name: rootId, root_id: rootId,
        vm_config: { vm_id: rootId, runtime: "envoy.wasm.runtime.v8", code: { local: { filename: file } } },
        configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: typeof config === "string" ? config : JSON.stringify(config) },
        failure_policy: "FAIL_CLOSED",
      },
    },
  };
}

function native(name: string, type: string, config: object): object {
  return { name: `envoy.filters.http.${name}`, typed_config: { "@type": `type.googleapis.com/envoy.extensions.filters.http.${type}`, ...config } };
}

const API_KEY = "bench-key-0001";
/** header-rewrite's bench rules: one request header set, others removed by prefix, two response edits */
const REWRITE = {
  rules: [{ op: "set", name: "x-env", value: "prod" }, { op: "remove_matching", match: { prefix: "x-internal-" } }, { target: "response", op: "remove", name: "server" }, { target: "response", op: "set", name: "x-powered-by", value: "filterkit" }],
};
const SALT = "bench-salt";

export function variants(root: string): Variant[] {
  const file = (p: string) => join(root, p);
  const need = (p: string, how: string): string | null => (existsSync(file(p)) ? null : `${p} is not built (${how})`);
  const add = { name: "x-powered-by", value: "filterkit" };
  const headerMutation = (request: object[], response: object[]) => native("header_mutation", "header_mutation.v3.HeaderMutation", { mutations: { request_mutations: request, response_mutations: response } });
  const appendResponse = { append: { header: { key: "x-powered-by", value: "filterkit" }, append_action: "APPEND_IF_EXISTS_OR_ADD" } };
  const all: Array<Omit<Variant, "missing"> & { module?: [string, string] }> = [
    { id: "B0", group: "floor", what: "no filter", filters: [], headers: [] },
    { id: "W-noop", group: "floor", what: "AssemblyScript filter that does nothing", filters: [wasm("noop", file("bench/fixtures/noop/build/release.wasm"), "")], headers: [], module: ["bench/fixtures/noop/build/release.wasm", "npm run build"] },
    // one response header
    { id: "W-AS add-header", group: "add a response header", what: "filters/add-header", filters: [wasm("add_header", file("filters/add-header/build/release.wasm"), add)], headers: [], module: ["filters/add-header/build/release.wasm", "npm run build"] },
    { id: "W-RS add-header", group: "add a response header", what: "the same on the Rust SDK (compat/rust-add-header)", filters: [wasm("add_header", file("compat/rust-add-header/build/filter.wasm"), add)], headers: [], module: ["compat/rust-add-header/build/filter.wasm", "bash compat/rust-add-header/build.sh: needs cargo"] },
    { id: "W-GO add-header", group: "add a response header", what: "the same on the Go SDK, standard Go (compat/go-add-header)", filters: [wasm("add_header", file("compat/go-add-header/build/filter.wasm"), add)], headers: [], module: ["compat/go-add-header/build/filter.wasm", "bash compat/go-add-header/build.sh: needs Go 1.24 or newer"] },
    { id: "N-header_mutation add", group: "add a response header", what: "Envoy's header_mutation", filters: [headerMutation([], [appendResponse])], headers: [] },
    // a rewrite: one request header set, one removed by prefix, one response header removed
    { id: "W-AS header-rewrite", group: "rewrite headers", what: "filters/header-rewrite", filters: [wasm("header_rewrite", file("filters/header-rewrite/build/release.wasm"), REWRITE)], headers: [["x-internal-debug", "1"]], module: ["filters/header-rewrite/build/release.wasm", "npm run build"] },
    { id: "W-RS header-rewrite", group: "rewrite headers", what: "the same rules on the Rust SDK, the same host calls (compat/rust-header-rewrite)", filters: [wasm("header_rewrite", file("compat/rust-header-rewrite/build/filter.wasm"), REWRITE)], headers: [["x-internal-debug", "1"]], module: ["compat/rust-header-rewrite/build/filter.wasm", "bash compat/rust-header-rewrite/build.sh: needs cargo"] },
    { id: "N-header_mutation rewrite", group: "rewrite headers", what: "Envoy's header_mutation, the same edits (no prefix removal: one named header)", filters: [headerMutation(
      [{ append: { header: { key: "x-env", value: "prod" }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" } }, { remove: "x-internal-debug" }],
      [{ remove: "server" }, { append: { header: { key: "x-powered-by", value: "filterkit" }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" } }],
    )], headers: [["x-internal-debug", "1"]] },
    // an API key checked on every request
    { id: "W-AS auth api-key", group: "check an API key", what: "filters/auth, one key", filters: [wasm("auth", file("filters/auth/build/release.wasm"), {
      api_key: { salt: SALT, sources: [{ header: "x-api-key" }], keys: [{ id: "k", sha256: apiKeyHash(SALT, API_KEY), consumer: "alice" }] },
      rules: [{ requires: { api_key: {} } }],
    })], headers: [["x-api-key", API_KEY]], module: ["filters/auth/build/release.wasm", "npm run build"] },
    { id: "N-api_key_auth", group: "check an API key", what: "Envoy's api_key_auth", filters: [native("api_key_auth", "api_key_auth.v3.ApiKeyAuth", {
      credentials: [{ key: API_KEY, client: "alice" }], key_sources: [{ header: "x-api-key" }], forwarding: { header: "x-consumer", hide_credentials: true },
    })], headers: [["x-api-key", API_KEY]] },
    // where the shipped filters' time goes: their header maps read whole, and written back whole,
    // against header-rewrite's bench edits made one host call each (bench/fixtures/header-maps)
    ...(["size", "value", "get-raw", "get", "get-set", "edits"] as const).map((mode) => ({
      id: `W-AS maps ${mode}`, group: "header maps", what: { size: "both maps' size asked (Envoy walks them, no copy)", value: "one header of each map read", "get-raw": "both maps' host call, the buffer released undecoded", get: "both header maps read whole", "get-set": "both read whole and written back unchanged", edits: "header-rewrite's four edits, one host call each" }[mode],
      filters: [wasm("header_maps", file("bench/fixtures/header-maps/build/release.wasm"), mode)], headers: [["x-internal-debug", "1"]] as Array<[string, string]>,
      module: ["bench/fixtures/header-maps/build/release.wasm", "npm run build"] as [string, string],
    })),
    // through a real upstream (a node:http server pinned beside the load generator), not a direct_response
    { id: "B0 upstream", group: "through an upstream", what: "no filter, routed to bench/envoy/upstream.mjs", filters: [], headers: [], upstream: true },
    { id: "W-AS add-header upstream", group: "through an upstream", what: "filters/add-header, routed to the upstream", filters: [wasm("add_header", file("filters/add-header/build/release.wasm"), add)], headers: [], upstream: true, module: ["filters/add-header/build/release.wasm", "npm run build"] },
    { id: "N-header_mutation add upstream", group: "through an upstream", what: "Envoy's header_mutation, routed to the upstream", filters: [headerMutation([], [appendResponse])], headers: [], upstream: true },
    // a token bucket that never refuses (the allowed path), shared by the workers
    { id: "W-AS rate-limit", group: "rate limit (allowed)", what: "filters/rate-limit, one token bucket", filters: [wasm("rate_limit", file("filters/rate-limit/build/release.wasm"), {
      limits: [{ name: "all", algorithm: "token_bucket", max_tokens: 1_000_000_000, tokens_per_fill: 1_000_000_000, fill_interval_ms: 1000 }],
    })], headers: [], module: ["filters/rate-limit/build/release.wasm", "npm run build"] },
    { id: "N-local_ratelimit", group: "rate limit (allowed)", what: "Envoy's local_ratelimit, the same bucket", filters: [native("local_ratelimit", "local_ratelimit.v3.LocalRateLimit", {
      stat_prefix: "bench", token_bucket: { max_tokens: 1_000_000_000, tokens_per_fill: 1_000_000_000, fill_interval: "1s" },
      filter_enabled: { runtime_key: "bench_enabled", default_value: { numerator: 100, denominator: "HUNDRED" } },
      filter_enforced: { runtime_key: "bench_enforced", default_value: { numerator: 100, denominator: "HUNDRED" } },
    })], headers: [] },
  ];
  return all.map(({ module, ...v }) => ({ ...v, missing: module === undefined ? null : need(module[0], module[1]) }));
}
