// A one-workload mesh without Kubernetes, made of Istio's own programs: Istio's xDS server
// (xds-server: pilot/test/xds's FakeDiscoveryServer, which runs istiod's translation) serving
// Istio resources read from YAML files, and in front of it `pilot-agent proxy sidecar` — the
// agent a pod's istio-proxy container runs — starting the official Envoy. For a WasmPlugin the
// agent does what it does in a cluster: it receives the plugin as an ECDS resource whose code is
// the oci:// url, pulls the image from the registry, checks the sha256, and hands Envoy a local file.
//
// What a cluster would provide is given the way Istio's VM installs give it: the pod's identity
// in the environment (POD_NAME, POD_NAMESPACE, labels in ISTIO_METAJSON_LABELS), no iptables
// (ISTIO_META_INTERCEPTION_MODE=NONE: the workload's port is bound by a Sidecar resource's
// ingress listener with captureMode NONE, so requests reach it without a network namespace),
// the agent's fixed paths (./var/run/secrets/istio/root-cert.pem and
// ./var/lib/istio/envoy/envoy_bootstrap_tmpl.json under its working folder; the template is the
// one Istio's images ship, tools/packaging/common/envoy_bootstrap.json of the pinned module). The
// Wasm cache is the absolute /var/lib/istio/data: the agent runs in a private mount namespace
// (unshare -m) where a temporary folder is mounted there, so nothing is written to the host's /var.
// Upstream Envoy lacks Istio's own filters, so the control plane runs with
// PILOT_ENABLE_METADATA_EXCHANGE=false and PILOT_ENABLE_ALPN_FILTER=false, and the resources
// disable mTLS (PeerAuthentication DISABLE: there is no CA; the agent's certificate requests fail
// and are only logged). Facts from ../shared/reference/istio-on-these-machines.md §4, checked here.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RecordingUpstream } from "@filterkit/envoy";
import { request } from "undici";
import { stringify } from "yaml";
import { runFilterkit } from "../../cli/test/run-filterkit.ts";
import type { IstioStageTools } from "./tools.ts";

/** a port free on 127.0.0.1 now */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A child process whose output is kept for failure messages (the last 256 KiB) and searched by
 *  the tests (every line that matched a watched pattern, kept whole). */
class Child {
  private out = "";
  private partial = "";
  private readonly lines: string[] = [];
  readonly exited: Promise<number | null>;

  constructor(readonly name: string, readonly proc: ChildProcess, private readonly watched: RegExp) {
    const keep = (b: Buffer) => {
      const text = b.toString("utf8");
      this.out = (this.out + text).slice(-256 * 1024);
      const parts = (this.partial + text).split("\n");
      this.partial = parts.pop() ?? "";
      for (const line of parts) if (watched.test(line)) this.lines.push(line);
    };
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => proc.on("exit", (code) => resolve(code)));
  }

  log(): string {
    return this.out;
  }

  /** the lines of the output that matched the watched pattern and `pattern` */
  grep(pattern: RegExp): string[] {
    return this.lines.filter((l) => pattern.test(l));
  }

  /** resolves once `times` watched lines match `pattern`; rejects if the process ends first or after `ms` */
  async waitFor(pattern: RegExp, ms: number, times = 1): Promise<void> {
    const t0 = Date.now();
    let done = false;
    void this.exited.then(() => { done = true; });
    while (this.grep(pattern).length < times) {
      if (done) throw new Error(`${this.name} exited (${this.proc.exitCode}) before printing ${pattern}:\n${this.out.slice(-8000)}`);
      if (Date.now() - t0 > ms) throw new Error(`${this.name} did not print ${pattern} within ${ms} ms:\n${this.out.slice(-8000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill("SIGTERM");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface XdsServer {
  port: number;
  /** Istio's debug handlers (/debug/configz, /debug/config_dump?proxyID=...) */
  debugPort: number;
  log(): string;
  /** reads the files again and applies the difference (SIGHUP); resolves once the store holds it */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

/** Istio's xDS server over the resources in `files`, on free ports of 127.0.0.1. */
export async function startXdsServer(tools: IstioStageTools, files: string[]): Promise<XdsServer> {
  const port = await freePort();
  const debugPort = await freePort();
  const child = new Child("xds-server", spawn(join(tools.bin, "xds-server"), ["-listen", `127.0.0.1:${port}`, "-debug", `127.0.0.1:${debugPort}`, ...files], {
    env: { ...process.env, PILOT_ENABLE_METADATA_EXCHANGE: "false", PILOT_ENABLE_ALPN_FILTER: "false" },
    stdio: ["ignore", "pipe", "pipe"],
  }), /^xds-server: /);
  await child.waitFor(/^xds-server: serving /, 60_000);
  let reloads = 0;
  const reload = async () => {
    reloads++;
    child.proc.kill("SIGHUP");
    await child.waitFor(/^xds-server: (reloaded|reload failed)/, 30_000, reloads);
    const last = child.grep(/^xds-server: (reloaded|reload failed)/)[reloads - 1];
    if (last.startsWith("xds-server: reload failed")) throw new Error(last);
  };
  return { port, debugPort, log: () => child.log(), reload, stop: () => child.stop() };
}

export interface SidecarOptions {
  xdsPort: number;
  namespace: string;
  podName: string;
  labels: Record<string, string>;
}

export interface Sidecar {
  /** Envoy's admin port (127.0.0.1) */
  adminPort: number;
  /** what is mounted at /var/lib/istio/data for the agent: the Wasm modules it pulled */
  dataDir: string;
  log(): string;
  /** the agent's lines about Wasm (fetches, checksums, fallbacks) that match `pattern` */
  grep(pattern: RegExp): string[];
  /** GET on Envoy's admin interface */
  admin(path: string): Promise<{ status: number; text: string }>;
  stop(): Promise<void>;
}

/** The shell the agent starts from, inside its private mount namespace: a fresh tmpfs on the
 *  deepest existing folder of /var/lib/istio/data's path (in this namespace only), the path made
 *  in it, and the test's folder bound there. */
const MOUNT_DATA = `set -e
target=/var/lib/istio/data
base=$target
while [ ! -d "$base" ]; do base=$(dirname "$base"); done
[ "$base" = "$target" ] || { mount -t tmpfs filterkit-istio "$base"; mkdir -p "$target"; }
mount --bind "$1" "$target"
shift
exec "$@"`;

/** pilot-agent as a sidecar of a pod that is not there, with the official Envoy. */
export async function startSidecar(tools: IstioStageTools, options: SidecarOptions): Promise<Sidecar> {
  const work = mkdtempSync(join(tmpdir(), "filterkit-istio-agent-"));
  const dataDir = join(work, "data");
  const cwd = join(work, "root");
  for (const d of [dataDir, join(cwd, "var/run/secrets/istio"), join(cwd, "var/lib/istio/envoy"), join(cwd, "etc/istio/proxy")]) mkdirSync(d, { recursive: true });
  copyFileSync(join(tools.istioModule, "tools/packaging/common/envoy_bootstrap.json"), join(cwd, "var/lib/istio/envoy/envoy_bootstrap_tmpl.json"));
  // pilot-agent requires the file; with controlPlaneAuthPolicy NONE and mTLS off nothing is verified with it
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(work, "root-key.pem"),
    "-out", join(cwd, "var/run/secrets/istio/root-cert.pem"), "-subj", "/CN=filterkit-istio-stage", "-days", "1"], { stdio: "ignore" });

  const adminPort = await freePort();
  const statusPort = await freePort();
  // Envoy's own status (15021) and Prometheus (15090) listeners, moved off Istio's fixed ports so
  // that sidecars can run side by side and beside anything else on the machine
  const envoyStatusPort = await freePort();
  const prometheusPort = await freePort();
  const proxyConfig = {
    discoveryAddress: `127.0.0.1:${options.xdsPort}`,
    controlPlaneAuthPolicy: "NONE",
    binaryPath: tools.envoy,
    configPath: join(cwd, "etc/istio/proxy"),
    proxyAdminPort: adminPort,
    statusPort,
    drainDuration: "1s",
    terminationDrainDuration: "1s",
    concurrency: 1,
  };
  const env = {
    ...process.env,
    POD_NAME: options.podName,
    POD_NAMESPACE: options.namespace,
    INSTANCE_IP: "127.0.0.1",
    SERVICE_ACCOUNT: "default",
    ISTIO_META_CLUSTER_ID: "Kubernetes",
    ISTIO_METAJSON_LABELS: JSON.stringify(options.labels),
    ISTIO_META_INTERCEPTION_MODE: "NONE",
    ENVOY_STATUS_PORT: String(envoyStatusPort),
    ENVOY_PROMETHEUS_PORT: String(prometheusPort),
    // the test's registry speaks plain HTTP on loopback
    WASM_INSECURE_REGISTRIES: "*",
    PROXY_CONFIG: JSON.stringify(proxyConfig),
  };
  // as root a mount namespace of its own; otherwise in a user namespace too, where the user is root
  const unshare = process.getuid?.() === 0 ? ["-m", "--propagation", "private"] : ["-r", "-m", "--propagation", "private"];
  const child = new Child("pilot-agent", spawn("unshare", [...unshare, "sh", "-c", MOUNT_DATA, "mount-data", dataDir, join(tools.bin, "pilot-agent"), "proxy", "sidecar"], {
    cwd, env, stdio: ["ignore", "pipe", "pipe"],
  }), /Envoy command: |\twasm\t|wasm|RBAC filter/);
  const admin = async (path: string) => {
    const r = await request(`http://127.0.0.1:${adminPort}${path}`, { headersTimeout: 5_000, bodyTimeout: 5_000 });
    return { status: r.statusCode, text: await r.body.text() };
  };
  const sidecar: Sidecar = {
    adminPort,
    dataDir,
    log: () => child.log(),
    grep: (pattern) => child.grep(pattern),
    admin,
    stop: async () => {
      await child.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
  await child.waitFor(/Envoy command: /, 30_000).catch(async (e: unknown) => {
    await sidecar.stop();
    throw e;
  });
  return sidecar;
}

export interface Workload {
  namespace: string;
  /** the Sidecar resource's name */
  name: string;
  labels: Record<string, string>;
  /** the port the sidecar binds on 127.0.0.1 for the workload (HTTP) */
  port: number;
  /** where it forwards to: the workload itself */
  upstreamPort: number;
}

/** The Istio resources a workload needs here: a Sidecar whose ingress listener binds its port
 *  (captureMode NONE: no iptables) and forwards to the workload, and mTLS off in its namespace
 *  (there is no CA). YAML documents, to go beside the WasmPlugins in xds-server's files. */
export function workloadResources(w: Workload): string {
  return [
    { apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", metadata: { name: `${w.name}-plaintext`, namespace: w.namespace }, spec: { selector: { matchLabels: w.labels }, mtls: { mode: "DISABLE" } } },
    {
      apiVersion: "networking.istio.io/v1", kind: "Sidecar", metadata: { name: w.name, namespace: w.namespace },
      spec: {
        workloadSelector: { labels: w.labels },
        ingress: [{ port: { number: w.port, protocol: "HTTP", name: "http" }, bind: "127.0.0.1", captureMode: "NONE", defaultEndpoint: `127.0.0.1:${w.upstreamPort}` }],
        egress: [{ hosts: ["./*"] }],
      },
    },
  ].map((d) => stringify(d)).join("---\n");
}

/** The name Istio gives the ECDS resource of WasmPlugin namespace/name (pilot/pkg/model/extensions.go). */
export const ecdsName = (namespace: string, name: string): string => `extensions.istio.io/trafficextension/${namespace}.${name}~istio-translated-wasmplugin`;

/** `filterkit package filters/<filter> --push image` (the layout in `layoutDir`): the manifest digest it printed. */
export function pushFilter(filter: string, image: string, layoutDir: string): string {
  const r = runFilterkit(["package", `filters/${filter}`, "--out", layoutDir, "--push", image]);
  const digest = /^WasmPlugin sha256: ([a-f0-9]{64})$/m.exec(r.out)?.[1];
  if (r.code !== 0 || digest === undefined) throw new Error(`filterkit package ${filter} --push ${image} failed (${r.code}):\n${r.out}${r.err}`);
  return digest;
}

/** The workload: answers every request 200 "hello from the workload", recording what it received. */
export async function startWorkload(): Promise<RecordingUpstream> {
  const upstream = new RecordingUpstream(() => ({ status: 200, headers: [["content-type", "text/plain"]], body: WORKLOAD_BODY }));
  await upstream.start("127.0.0.1");
  return upstream;
}
export const WORKLOAD_BODY = "hello from the workload";

/** Waits until Envoy has every `ecds` resource (or text) in its ECDS config and listens on 127.0.0.1:port. */
export async function untilServing(sidecar: Sidecar, ecds: string[], port: number, context: () => string): Promise<void> {
  await eventually(`${ecds.join(", ")} in Envoy's ECDS config and its listener on ${port}`, 90_000, async () => {
    const dump = (await sidecar.admin("/config_dump?resource=ecds_filters")).text;
    const listeners = (await sidecar.admin("/listeners")).text;
    return ecds.every((n) => dump.includes(n)) && listeners.includes(`127.0.0.1:${port}`) ? true : undefined;
  }, context);
}

/** Stops what was started, in the order given (undefined: never started). */
export async function stopAll(...parts: Array<{ stop(): Promise<void> } | undefined>): Promise<void> {
  for (const p of parts) await p?.stop();
}

/** Polls `check` until it returns a value (not undefined), for `ms`; the error names `what`. */
export async function eventually<T>(what: string, ms: number, check: () => Promise<T | undefined>, context: () => string): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms${last !== undefined ? ` (last error: ${(last as Error).message})` : ""}\n${context().slice(-8000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
