// `npm run demo`: the kit's main job in one screen. It has just built every filter (release and
// debug); here it loads the shipped filters' release .wasm into the mock host, sends requests
// through them the way Envoy would, and shows what the upstream and the client received and how a
// bad configuration is refused. `--envoy` then runs the same chain in real Envoy.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { createHost, createWorkers, LogLevel, type HeaderPairs } from "@filterkit/host-mock";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const wasmOf = (filter: string) => join(root, "filters", filter, "build", "release.wasm");

interface DemoFilter {
  filter: string;
  rootId: string;
  what: string;
  config: Record<string, unknown>;
  request: HeaderPairs;
  response: HeaderPairs;
  bad: Record<string, unknown>;
}

const HEADER_REWRITE: DemoFilter = {
  filter: "header-rewrite",
  rootId: "header_rewrite",
  what: "strips spoofable x-auth-* headers, moves /v1/ to /v2/ keeping the query, stamps the client, hides the backend's headers",
  config: {
    rules: [
      { op: "remove_matching", match: { prefix: "x-auth-" } },
      { op: "set", name: ":path", value: "/v2%CAPTURE(1)%", keep_query: true, allow: ["pseudo"], when: { path: { regex: "/v1(/.*)" } } },
      { op: "set", name: "x-client-ip", value: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%" },
      { target: "response", op: "set", name: "x-served-path", value: "%REQ(:path)%" },
      { target: "response", op: "remove_matching", match: { prefix: "x-backend-" } },
    ],
  },
  request: [[":method", "GET"], [":path", "/v1/items?page=2"], [":authority", "shop.example"], [":scheme", "http"], ["x-auth-user", "admin"], ["accept", "*/*"]],
  response: [[":status", "200"], ["content-type", "text/plain"], ["x-backend-host", "10.0.0.7"], ["content-length", "2"]],
  bad: { rules: [{ op: "sett", name: "x-a", value: "1" }, { op: "set", name: ":path", value: "/x" }, { op: "remove_matching", match: { regex: "x-(" } }] },
};

const ADD_HEADER: DemoFilter = {
  filter: "add-header",
  rootId: "add_header",
  what: "the template filter: adds one header to every answer",
  config: { name: "x-powered-by", value: "filterkit" },
  request: [[":method", "GET"], [":path", "/hello"], [":authority", "example.com"], [":scheme", "http"]],
  response: [[":status", "200"], ["content-type", "text/plain"], ["content-length", "2"]],
  bad: { name: "bad header\r\n", value: 42 },
};

const show = (title: string, headers: HeaderPairs) => {
  console.log(`  ${title}`);
  for (const [k, v] of headers) console.log(`    ${k}: ${v}`);
};

for (const d of [HEADER_REWRITE, ADD_HEADER]) {
  const wasm = wasmOf(d.filter);
  console.log(`filters/${d.filter} (release build, ${readFileSync(wasm).length} bytes) on the mock host: ${d.what}\n`);
  const host = createHost({ wasm, rootId: d.rootId, vmId: "demo", pluginConfig: d.config });
  console.log(`configuration ${JSON.stringify(d.config)}\n  -> accepted: ${host.configured} (ABI ${host.abiVersion})\n`);
  const stream = host.newHttpStream();
  stream.sendRequestHeaders(d.request, true);
  stream.sendResponseHeaders(d.response, false);
  stream.sendResponseBody("ok", true);
  stream.complete();
  const line = (h: HeaderPairs, k: string) => h.find(([n]) => n === k)?.[1] ?? "";
  console.log(`${line(d.request, ":method")} ${line(d.request, ":path")}`);
  show("upstream received:", stream.request.headers);
  show("client received:", stream.response.headers);
  console.log(`  callbacks: ${stream.callbacks.map((c) => `${c.name}=${c.result ?? "-"}`).join(" ")}\n`);
  const rejected = createHost({ wasm, rootId: d.rootId, pluginConfig: d.bad });
  console.log(`configuration ${JSON.stringify(d.bad)}\n  -> accepted: ${rejected.configured}`);
  for (const l of rejected.logsAt(LogLevel.error)) console.log(`  error log: ${l}`);
  console.log("  Envoy refuses this configuration at load time the same way (onConfigure returned false).\n");
}

// The auth filter: its envoy.yaml's configuration (the demo's API key, Basic user and HS256
// secret), three requests and a bad configuration.
const AUTH_CONFIG = JSON.parse(findConfiguration(parse(readFileSync(join(root, "filters/auth/envoy.yaml"), "utf8")), "auth")) as Record<string, unknown>;

/** The `configuration.value` of the Wasm filter named `name` in an Envoy bootstrap. */
function findConfiguration(doc: unknown, name: string): string {
  let found = "";
  const walk = (v: unknown): void => {
    if (found !== "" || v === null || typeof v !== "object") return;
    const o = v as Record<string, unknown>;
    const configuration = o.configuration as { value?: unknown } | undefined;
    if (o.name === name && typeof configuration?.value === "string") found = configuration.value;
    for (const x of Object.values(o)) walk(x);
  };
  walk(doc);
  if (found === "") throw new Error(`no Wasm filter ${name} in the bootstrap`);
  return found;
}

/** An HS256 token signed with the demo's secret (filters/auth/envoy.yaml), valid for an hour. */
function demoToken(sub: string): string {
  const seg = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const input = `${seg({ alg: "HS256", typ: "JWT", kid: "demo" })}.${seg({ iss: "filterkit-demo", sub, exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return `${input}.${createHmac("sha256", "filterkit-demo-secret-not-for-production!").update(input).digest("base64url")}`;
}

{
  const wasm = wasmOf("auth");
  console.log(`filters/auth (release build, ${readFileSync(wasm).length} bytes) on the mock host: API keys, Basic and JWT verified in the filter\n`);
  const host = createHost({ wasm, rootId: "auth", vmId: "demo", pluginConfig: AUTH_CONFIG });
  console.log(`configuration of filters/auth/envoy.yaml -> accepted: ${host.configured}\n`);
  const tries: Array<[string, string, HeaderPairs]> = [
    ["no credential", "/items", [["x-consumer", "admin (spoofed)"]]],
    ["an API key", "/admin/items", [["x-api-key", "alice-secret-key"], ["x-consumer", "admin (spoofed)"]]],
    ["a JWT", "/items", [["authorization", `Bearer ${demoToken("user-7")}`]]],
  ];
  for (const [what, path, headers] of tries) {
    const s = host.newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", path], [":authority", "shop.example"], [":scheme", "http"], ...headers], true);
    console.log(`GET ${path} with ${what}`);
    const reply = s.localReply;
    if (reply !== null) {
      show(`refused ${reply.status} "${reply.bodyText}" (details ${reply.details}):`, reply.headers.filter(([k]) => k === "www-authenticate"));
    } else {
      show("upstream received:", s.request.headers.filter(([k]) => !k.startsWith(":") || k === ":path"));
    }
    console.log("");
  }
  const bad = { api_key: { keys: [{ id: "k", sha256: "plaintext-key", consumer: "c" }] }, rules: [{ requires: { jwt: "idp" } }] };
  const rejected = createHost({ wasm, rootId: "auth", pluginConfig: bad });
  console.log(`configuration ${JSON.stringify(bad)}\n  -> accepted: ${rejected.configured}`);
  for (const l of rejected.logsAt(LogLevel.error)) console.log(`  error log: ${l}`);
  console.log("");
}

// The rate-limit filter: its envoy.yaml's limits on two worker VMs of one process (shared data),
// with virtual time: a login limit, a per-client bucket, the refill, a bad configuration.
const RATE_LIMIT_CONFIG = JSON.parse(findConfiguration(parse(readFileSync(join(root, "filters/rate-limit/envoy.yaml"), "utf8")), "rate_limit")) as Record<string, unknown>;
{
  const wasm = wasmOf("rate-limit");
  console.log(`filters/rate-limit (release build, ${readFileSync(wasm).length} bytes) on the mock host: limits shared by Envoy's workers\n`);
  const workers = createWorkers(2, { wasm, rootId: "rate_limit", vmId: "demo", pluginConfig: RATE_LIMIT_CONFIG, now: Date.now() * 1e6 });
  console.log(`configuration of filters/rate-limit/envoy.yaml on 2 worker VMs -> accepted: ${workers.every((w) => w.configured)}\n`);
  let turn = 0;
  const request = (path: string) => {
    const s = workers[turn++ % workers.length].newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", path], [":authority", "shop.example"], [":scheme", "http"]], true);
    const reply = s.localReply;
    if (reply === null) {
      s.sendResponseHeaders([[":status", "200"]], true);
      s.complete();
    }
    return { status: reply?.status ?? 200, headers: reply?.headers ?? s.response.headers };
  };
  const burst = (n: number, path: string) => {
    const rs = Array.from({ length: n }, () => request(path));
    const refused = rs.filter((r) => r.status !== 200);
    console.log(`${n} x GET ${path} from one client, alternating workers: ${n - refused.length} admitted, ${refused.length} refused`);
    return refused;
  };
  const limitHeaders = ([k]: [string, string]) => k.startsWith("x-ratelimit") || k.startsWith("ratelimit") || k === "retry-after";
  const refusedLogin = burst(11, "/login")[0];
  show(`the refusal: ${refusedLogin.status}`, refusedLogin.headers.filter(limitHeaders));
  burst(100, "/items");
  console.log("  (90: the 10 admitted logins took from the client's bucket of 100; the refused one took nothing)");
  workers[0].advance(1000); // one clock for the process's workers
  burst(60, "/items");
  console.log("  (one second later: the bucket gained 50)\n");
  const bad = { limits: [{ name: "per-client", key: [{ remote_ip: {} }], max_tokens: 0, fill_interval_ms: 10 }] };
  const rejected = createHost({ wasm, rootId: "rate_limit", pluginConfig: bad });
  console.log(`configuration ${JSON.stringify(bad)}\n  -> accepted: ${rejected.configured}`);
  for (const l of rejected.logsAt(LogLevel.error)) console.log(`  error log: ${l}`);
  console.log("");
}

// `npm run demo -- --envoy`: the shipped filters as one chain in real Envoy (envoy/src/start.ts
// settings; without Docker, the runtime is set up by envoy/runtime/setup-envoy-runtime.sh when run as root).
if (process.argv.includes("--envoy")) {
  const { envoyRuntime } = await import("../envoy/src/runtime.ts");
  const { startEnvoy, EnvoyStartError } = await import("../envoy/src/start.ts");
  const { RecordingUpstream } = await import("../envoy/src/servers.ts");
  const { connect, send } = await import("../envoy/src/client.ts");
  const skipped = envoyRuntime();
  if (skipped !== null) {
    console.log(`real Envoy: ${skipped}`);
    process.exit(0);
  }
  const upstream = new RecordingUpstream(() => ({ status: 200, headers: [["content-type", "text/plain"], ["x-backend-host", "10.0.0.7"]], body: "ok" }));
  const port = await upstream.start();
  const plugin = (d: DemoFilter, config: Record<string, unknown>) => ({
    name: d.rootId, rootId: d.rootId, vmId: d.rootId, wasm: wasmOf(d.filter), configuration: JSON.stringify(config), failurePolicy: "FAIL_CLOSED" as const,
  });
  const auth = { name: "auth", rootId: "auth", vmId: "auth", wasm: wasmOf("auth"), configuration: JSON.stringify(AUTH_CONFIG), failurePolicy: "FAIL_CLOSED" as const };
  // rate-limit after auth, keyed on the consumer auth verified: 3 requests a minute each
  const perConsumer = { headers: ["envoy"], limits: [{ name: "per-consumer", key: [{ consumer: {} }], max_tokens: 3, tokens_per_fill: 3, fill_interval_ms: 60000 }] };
  const rateLimit = { name: "rate_limit", rootId: "rate_limit", vmId: "rate_limit", wasm: wasmOf("rate-limit"), configuration: JSON.stringify(perConsumer), failurePolicy: "FAIL_CLOSED" as const };
  const envoy = await startEnvoy({ upstreamPort: port, plugins: [auth, rateLimit, plugin(HEADER_REWRITE, HEADER_REWRITE.config), plugin(ADD_HEADER, ADD_HEADER.config)] });
  try {
    console.log(`the chain auth -> rate-limit -> header-rewrite -> add-header in real Envoy ${envoy.version} (${envoy.runtime}, ready in ${Math.round(envoy.startupMs)} ms)\n`);
    const client = connect(envoy.url);
    const denied = await send(client, { method: "GET", path: "/v1/items?page=2", headers: [["host", "shop.example"]], chunks: [] });
    console.log(`GET /v1/items?page=2 without a credential: ${denied.status} "${denied.body}"\n`);
    const r = await send(client, { method: "GET", path: "/v1/items?page=2", headers: [["host", "shop.example"], ["x-auth-user", "admin"], ["authorization", `Bearer ${demoToken("user-7")}`]], chunks: [] });
    await client.close();
    console.log("GET /v1/items?page=2 with a JWT");
    const got = upstream.received.at(-1);
    show("upstream received:", [[":path", got?.path ?? ""], ...(got?.headers ?? [])]);
    show("client received:", [[":status", String(r.status)], ...r.headers]);
    console.log(`    body: ${r.body}`);
    const statuses: number[] = [];
    let last = r;
    const again = connect(envoy.url);
    for (let i = 0; i < 3; i++) {
      last = await send(again, { method: "GET", path: "/v1/items", headers: [["host", "shop.example"], ["authorization", `Bearer ${demoToken("user-7")}`]], chunks: [] });
      statuses.push(last.status);
    }
    await again.close();
    console.log(`\n3 more requests of consumer user-7 (3 a minute each): ${statuses.join(", ")}`);
    show(`the refusal: ${last.status} "${last.body}"`, last.headers.filter(([k]) => k.startsWith("x-ratelimit") || k === "retry-after"));
  } finally {
    await envoy.stop();
  }
  try {
    await startEnvoy({ upstreamPort: port, plugins: [plugin(HEADER_REWRITE, HEADER_REWRITE.bad)] });
    console.log("\nEnvoy started with the bad configuration: that should not happen");
    process.exitCode = 1;
  } catch (e) {
    if (!(e instanceof EnvoyStartError)) throw e;
    console.log(`\nconfiguration ${JSON.stringify(HEADER_REWRITE.bad)} -> Envoy refuses to start:`);
    for (const line of e.log.split("\n").filter((l) => /wasm log|failed to load/.test(l))) console.log(`  ${line.replace(/^\[[^\]]*\]/, "").trim()}`);
  }
  await upstream.stop();
}
