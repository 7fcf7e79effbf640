// `npm run demo`: the kit's main job in one screen. It has just built every filter (release and
// debug); here it loads the example filter's release .wasm into the mock host, sends requests
// through it the way Envoy would, and shows what the upstream and the client received.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createHost, LogLevel, type HeaderPairs } from "../host-mock/src/index.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const wasmPath = join(root, "filters", "add-header", "build", "release.wasm");

const show = (title: string, headers: HeaderPairs) => {
  console.log(`  ${title}`);
  for (const [k, v] of headers) console.log(`    ${k}: ${v}`);
};

console.log(`filters/add-header (release build, ${readFileSync(wasmPath).length} bytes) on the mock host\n`);

const config = { name: "x-powered-by", value: "filterkit" };
const host = createHost({ wasm: wasmPath, rootId: "add_header", vmId: "demo", pluginConfig: config });
console.log(`configuration ${JSON.stringify(config)} -> accepted: ${host.configured} (ABI ${host.abiVersion})\n`);

const stream = host.newHttpStream();
stream.sendRequestHeaders([[":method", "GET"], [":path", "/hello"], [":authority", "example.com"], [":scheme", "http"]], true);
stream.sendResponseHeaders([[":status", "200"], ["content-type", "text/plain"], ["content-length", "2"]], false);
stream.sendResponseBody("ok", true);
stream.complete();
console.log("GET /hello");
show("upstream received:", stream.request.headers);
show("client received:", stream.response.headers);
console.log(`    body: ${stream.response.bodyText}`);
console.log(`  callbacks: ${stream.callbacks.map((c) => `${c.name}=${c.result ?? "-"}`).join(" ")}\n`);

const bad = { name: "bad header\r\n", value: 42 };
const rejected = createHost({ wasm: wasmPath, rootId: "add_header", pluginConfig: bad });
console.log(`configuration ${JSON.stringify(bad)} -> accepted: ${rejected.configured}`);
for (const line of rejected.logsAt(LogLevel.error)) console.log(`  error log: ${line}`);
console.log("\nEnvoy would refuse this configuration at load time the same way (onConfigure returned false).");

// `npm run demo -- --envoy`: the same two steps in real Envoy (integration/src/envoy.ts settings;
// without Docker, the runtime is set up by scripts/setup-envoy-runtime.sh when run as root).
if (process.argv.includes("--envoy")) {
  const { envoyRuntime } = await import("../integration/src/runtime.ts");
  const { startEnvoy, EnvoyStartError } = await import("../integration/src/envoy.ts");
  const { RecordingUpstream } = await import("../integration/src/servers.ts");
  const { connect, send } = await import("../integration/src/client.ts");
  const skipped = envoyRuntime();
  if (skipped !== null) {
    console.log(`\nreal Envoy: ${skipped}`);
    process.exit(0);
  }
  const upstream = new RecordingUpstream(() => ({ status: 200, headers: [["content-type", "text/plain"]], body: "ok" }));
  const port = await upstream.start();
  const plugin = (configuration: string) => ({ name: "add_header", rootId: "add_header", vmId: "demo", wasm: wasmPath, configuration, failurePolicy: "FAIL_CLOSED" as const });
  const envoy = await startEnvoy({ upstreamPort: port, plugins: [plugin(JSON.stringify(config))] });
  try {
    console.log(`\nthe same filter in real Envoy ${envoy.version} (${envoy.runtime}, ready in ${Math.round(envoy.startupMs)} ms)\n`);
    const client = connect(envoy.url);
    const r = await send(client, { method: "GET", path: "/hello", headers: [["host", "example.com"]], chunks: [] });
    await client.close();
    console.log("GET /hello");
    show("upstream received:", upstream.received.at(-1)?.headers ?? []);
    show("client received:", [[":status", String(r.status)], ...r.headers]);
    console.log(`    body: ${r.body}`);
  } finally {
    await envoy.stop();
  }
  try {
    await startEnvoy({ upstreamPort: port, plugins: [plugin(JSON.stringify(bad))] });
    console.log("\nEnvoy started with the bad configuration: that should not happen");
    process.exitCode = 1;
  } catch (e) {
    if (!(e instanceof EnvoyStartError)) throw e;
    console.log(`\nconfiguration ${JSON.stringify(bad)} -> Envoy refuses to start:`);
    for (const line of e.log.split("\n").filter((l) => /wasm log|failed to load/.test(l))) console.log(`  ${line.replace(/^\[[^\]]*\]/, "").trim()}`);
  }
  await upstream.stop();
}
