// What `filterkit istio` writes: the WasmPlugin (fields checked as Istio checks them), the text a
// filter receives from Istio for its pluginConfig (golang/protobuf's JSON: sorted keys, Go's HTML
// escapes), and for Envoy without Istio the Wasm filter whose code Envoy downloads — loaded by real
// Envoy from a server of this process, and refused on a wrong sha256.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runFilterkit } from "./run-filterkit.ts";
import { parse } from "yaml";
import { connect, envoyRuntime, RecordingUpstream, send, startEnvoy } from "@filterkit/envoy";
import { createHost } from "@filterkit/host-mock";
import { CliError } from "../src/errors.ts";
import { istioConfigurationText, structProblem } from "../src/istio/plugin-config.ts";
import { parseTargetRef, remoteCluster, remoteCode, remoteWasmFilter, wasmPlugin, type WasmPluginSpec } from "../src/istio/wasm-plugin.ts";

const repo = join(import.meta.dirname, "../..");
const ADD_HEADER = join(repo, "filters/add-header/build/release.wasm");
const DIGEST = "a".repeat(64);
const base: WasmPluginSpec = { name: "add-header", url: "oci://127.0.0.1:5000/filters/add-header:0.1.0", sha256: DIGEST, pluginName: "add_header" };

describe("the configuration text Istio hands the filter", () => {
  it("is compact JSON with keys sorted bytewise at every level and Go's HTML escapes", () => {
    expect(istioConfigurationText({ b: 1, a: { z: [true, null, "x"], y: 2.5 }, B: "<&>\u2028" }))
      .toBe('{"B":"\\u003c\\u0026\\u003e\\u2028","a":{"y":2.5,"z":[true,null,"x"]},"b":1}');
    // bytewise: "Z" (0x5a) < "a" (0x61) < "é" (0xc3 0xa9), unlike a locale sort
    expect(istioConfigurationText({ "é": 1, a: 2, Z: 3 })).toBe('{"Z":3,"a":2,"é":1}');
    expect(istioConfigurationText({})).toBe("");
    expect(istioConfigurationText(undefined)).toBe("");
  });

  it("is still JSON the filter parses to the same value", () => {
    const config = { name: "x-powered-by", value: "a<b & c>d" };
    const text = istioConfigurationText(config);
    expect(JSON.parse(text)).toEqual(config);
    const host = createHost({ wasm: ADD_HEADER, rootId: "add_header", vmId: "t", pluginConfig: text });
    expect(host.configured).toBe(true);
  });

  it("names what a Struct cannot carry unchanged", () => {
    expect(structProblem({ limits: [{ max: 2 ** 53 + 2 }] })).toBe("pluginConfig.limits[0].max: 9007199254740994 is beyond 2^53, and a Struct's numbers are doubles (it would arrive changed)");
    expect(structProblem({ a: [1, "x", { b: null }] })).toBeNull();
  });
});

describe("the WasmPlugin", () => {
  it("has the fields Istio reads, failStrategy FAIL_CLOSE unless told", () => {
    expect(wasmPlugin({ ...base, namespace: "demo", phase: "AUTHN", priority: 10, selector: { app: "demo" }, pluginConfig: { name: "x", value: "y" }, imagePullPolicy: "IfNotPresent" })).toEqual({
      apiVersion: "extensions.istio.io/v1alpha1",
      kind: "WasmPlugin",
      metadata: { name: "add-header", namespace: "demo" },
      spec: {
        selector: { matchLabels: { app: "demo" } }, url: base.url, sha256: DIGEST, imagePullPolicy: "IfNotPresent", pluginName: "add_header",
        phase: "AUTHN", priority: 10, failStrategy: "FAIL_CLOSE", pluginConfig: { name: "x", value: "y" },
      },
    });
  });

  it("refuses what Istio's validation or the CRD schema would refuse, and urls other than oci://, naming the field", () => {
    const refused = (spec: Partial<WasmPluginSpec>): string => {
      try {
        wasmPlugin({ ...base, ...spec });
      } catch (e) {
        expect(e).toBeInstanceOf(CliError);
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(refused({ sha256: "A".repeat(64) })).toMatch(/^spec\.sha256: expected 64 lower-case hex/);
    expect(refused({ sha256: `sha256:${DIGEST}` })).toMatch(/^spec\.sha256:/);
    // Istio takes https:// urls too; the kit's WasmPlugin is for the image it pushed
    expect(refused({ url: "https://example.com/x.wasm" })).toMatch(/^spec\.url: expected oci:\/\//);
    expect(refused({ name: "Add_Header" })).toMatch(/^metadata\.name:/);
    expect(refused({ priority: 2 ** 31 })).toMatch(/^spec\.priority:/);
    expect(refused({ targetRefs: [{ kind: "Gateway", name: "gw" }] })).toMatch(/^spec\.targetRefs\[0\]: \/Gateway is not a kind Istio lets a WasmPlugin target/);
    expect(refused({ targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw", namespace: "x" }] })).toMatch(/^spec\.targetRefs\[0\]\.namespace: must not be set/);
    expect(refused({ targetRefs: [{ kind: "Service", name: "api" }, { group: "apps", kind: "Deployment", name: "x" }] })).toMatch(/^spec\.targetRefs\[1\]: apps\/Deployment is not/);
    expect(refused({ phase: "AUTHORIZATION" as WasmPluginSpec["phase"] })).toMatch(/^spec\.phase: "AUTHORIZATION" is not one of/);
    expect(refused({ failStrategy: "FAIL_CLOSED" as WasmPluginSpec["failStrategy"] })).toMatch(/^spec\.failStrategy: "FAIL_CLOSED" is not one of FAIL_CLOSE, FAIL_OPEN, FAIL_RELOAD/);
    expect(refused({ imagePullPolicy: "Never" as WasmPluginSpec["imagePullPolicy"] })).toMatch(/^spec\.imagePullPolicy:/);
    expect(refused({ targetRefs: [{ kind: "Service", name: "api" }, { group: "networking.istio.io", kind: "ServiceEntry", name: "ext" }] })).toBe("accepted");
    expect(refused({ selector: { app: "x" }, targetRefs: [{ kind: "Gateway", name: "gw" }] })).toMatch(/^spec\.selector: a WasmPlugin takes a selector or targetRefs, not both/);
    expect(refused({ selector: { "bad key!": "x" } })).toMatch(/^spec\.selector\.matchLabels:/);
    expect(refused({ pluginConfig: { n: 2 ** 60 } })).toMatch(/^spec\.pluginConfig: pluginConfig\.n: /);
    expect(refused({})).toBe("accepted");
  });
});

describe("filterkit istio, offline (--sha256)", () => {
  const filterkit = (args: string[]) => runFilterkit(["istio", ...args]);
  const dir = mkdtempSync(join(tmpdir(), "filterkit-istio-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes no pluginConfig for a filter without configuration, or an empty one (Istio would send none)", { timeout: 120_000 }, () => {
    // filters/auth has no config.json; its configuration lives in its envoy.yaml
    const none = filterkit(["filters/auth", "--image", "127.0.0.1:5000/filters/auth:0.1.0", "--sha256", DIGEST]);
    expect(none.code, none.err).toBe(0);
    const doc = parse(none.out) as { spec: Record<string, unknown> };
    expect(doc.spec.pluginName).toBe("auth");
    expect(doc.spec).not.toHaveProperty("pluginConfig");
    const empty = join(dir, "empty.json");
    writeFileSync(empty, "{ }\n");
    const given = filterkit(["filters/auth", "--image", "127.0.0.1:5000/filters/auth:0.1.0", "--sha256", DIGEST, "--config", empty]);
    expect(given.code, given.err).toBe(0);
    expect(given.out).toBe(none.out);
  });

  it("refuses a configuration that is not a JSON object, naming the file", { timeout: 120_000 }, () => {
    const list = join(dir, "list.json");
    writeFileSync(list, "[1, 2]");
    const r = filterkit(["filters/auth", "--image", "127.0.0.1:5000/filters/auth:0.1.0", "--sha256", DIGEST, "--config", list]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${list}: Istio's pluginConfig is a Struct, so the configuration must be a JSON object`);
  });
});

describe("--target-ref's [group/]Kind/name", () => {
  it("takes the group from the kind when it is left out, and refuses a kind Istio cannot target", () => {
    expect(parseTargetRef("Gateway/gw")).toEqual({ group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw" });
    expect(parseTargetRef("GatewayClass/istio")).toEqual({ group: "gateway.networking.k8s.io", kind: "GatewayClass", name: "istio" });
    expect(parseTargetRef("ServiceEntry/ext")).toEqual({ group: "networking.istio.io", kind: "ServiceEntry", name: "ext" });
    expect(parseTargetRef("Service/api")).toEqual({ kind: "Service", name: "api" });
    expect(parseTargetRef("/Service/api")).toEqual({ kind: "Service", name: "api" });
    expect(parseTargetRef("gateway.networking.k8s.io/Gateway/gw")).toEqual({ group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw" });
    // a group given is kept, for wasmPlugin() to judge
    expect(parseTargetRef("example.com/Gateway/gw")).toEqual({ group: "example.com", kind: "Gateway", name: "gw" });
    for (const bad of ["gw", "Deployment/x", "Gateway/", "/gw", "a/Gateway/gw/x", ""]) expect(parseTargetRef(bad), bad).toBeNull();
  });
});

describe("Envoy without Istio: the code fetched over HTTP", () => {
  it("is the Wasm filter with vm_config.code.remote and the file's sha256, and its cluster", () => {
    const sha = createHash("sha256").update(readFileSync(ADD_HEADER)).digest("hex");
    const filter = remoteWasmFilter({ name: "add_header", rootId: "add_header", configuration: "{}", uri: "https://filters.example.com/add-header.wasm", cluster: "wasm_source", sha256: sha });
    expect(JSON.stringify(filter)).toContain(`"remote":{"http_uri":{"uri":"https://filters.example.com/add-header.wasm","cluster":"wasm_source","timeout":"10s"},"sha256":"${sha}"`);
    const cluster = remoteCluster("wasm_source", "https://filters.example.com/add-header.wasm");
    expect(cluster).toMatchObject({ name: "wasm_source", type: "STRICT_DNS" });
    expect(JSON.stringify(cluster)).toContain('"port_value":443');
    expect(JSON.stringify(cluster)).toContain("UpstreamTlsContext");
    expect(() => remoteCode({ uri: "ftp://x/y.wasm", cluster: "c", sha256: sha })).toThrow(/expected an http:\/\/ or https:\/\/ URL/);
  });
});

const skip = envoyRuntime();
describe.skipIf(skip !== null)(`real Envoy loads the code from vm_config.code.remote${skip !== null ? ` — not run: ${skip}` : ""}`, () => {
  const wasm = readFileSync(ADD_HEADER);
  const sha = createHash("sha256").update(wasm).digest("hex");
  let served = 0;
  const server: Server = createServer((req, res) => {
    served++;
    if (req.url !== "/add-header.wasm") { res.writeHead(404).end(); return; }
    res.writeHead(200, { "content-type": "application/wasm", "content-length": wasm.length }).end(wasm);
  });
  const listening = new Promise<number>((ok) => server.listen(0, process.env.ENVOY_NETWORK === "bridge" ? "0.0.0.0" : "127.0.0.1", () => ok((server.address() as { port: number }).port)));
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it("downloads it, checks the sha256, and runs the filter", { timeout: 60_000 }, async () => {
    const port = await listening;
    const upstream = new RecordingUpstream(() => ({ status: 200, headers: [["content-type", "text/plain"]], body: "ok" }));
    await upstream.start();
    const code = remoteCode({ uri: "http://wasm-source/add-header.wasm", cluster: "wasm_source", sha256: sha });
    const envoy = await startEnvoy({
      plugins: [{ wasm: ADD_HEADER, name: "add_header", rootId: "add_header", vmId: "add_header", configuration: JSON.stringify({ name: "x-powered-by", value: "remote" }), failurePolicy: "FAIL_CLOSED", code }],
      upstreamPort: upstream.port, calloutPorts: { wasm_source: port }, concurrency: 1,
    });
    try {
      const r = await send(connect(envoy.url), { method: "GET", path: "/", headers: [["host", "example.com"]], chunks: [] });
      expect(r.status).toBe(200);
      expect(r.headers).toContainEqual(["x-powered-by", "remote"]);
      expect(served).toBeGreaterThan(0);
    } finally {
      await envoy.stop();
      await upstream.stop();
    }
  });

  // Envoy 1.40, measured: the download whose hash differs counts as a failed fetch ("Retry limit
  // exceeded for fetching data from remote data source"), the plugin fails to load, and under
  // FAIL_CLOSED every request is answered 503 without reaching the filter or the upstream
  it("refuses the module when the sha256 is not the file's: the plugin fails to load, requests get 503", { timeout: 60_000 }, async () => {
    const port = await listening;
    const upstream = new RecordingUpstream(() => ({ status: 200, headers: [], body: "ok" }));
    await upstream.start();
    const code = remoteCode({ uri: "http://wasm-source/add-header.wasm", cluster: "wasm_source", sha256: "0".repeat(64) });
    const envoy = await startEnvoy({
      plugins: [{ wasm: ADD_HEADER, name: "add_header", rootId: "add_header", vmId: "add_header", configuration: JSON.stringify({ name: "x-powered-by", value: "remote" }), failurePolicy: "FAIL_CLOSED", code }],
      upstreamPort: upstream.port, calloutPorts: { wasm_source: port }, concurrency: 1,
    });
    try {
      const r = await send(connect(envoy.url), { method: "GET", path: "/", headers: [["host", "example.com"]], chunks: [] });
      expect(r.status).toBe(503);
      expect(r.headers.map(([k]) => k)).not.toContain("x-powered-by");
      expect(upstream.received).toEqual([]);
      const log = await envoy.logs();
      expect(log).toContain("Retry limit exceeded for fetching data from remote data source");
      expect(log).toContain("Plugin add_header failed to load");
    } finally {
      await envoy.stop();
      await upstream.stop();
    }
  });
});
