// Starts real Envoy (the official build, V8 inside) for the integration suite and the scenario
// runner, waits for the admin /ready, and stops it again.
//
// Settings (environment):
//   ENVOY_IMAGE        the image, default envoyproxy/envoy:v1.40.0 (envoy/runtime/setup-envoy-runtime.sh
//                      prints localhost/envoy:v1.40.0 for machines without a registry)
//   ENVOY_NETWORK      "host" (default on Linux: Envoy reaches servers of the test process on
//                      127.0.0.1) or "bridge" (Docker Desktop: published ports, and the test
//                      process reached as host.docker.internal)
//   ENVOY_BINARY       run this Envoy binary as a plain process instead of a container
//   ENVOY_CONCURRENCY  worker threads, default 2 (each worker runs its own Wasm VM)
// Containers go through testcontainers (DOCKER_HOST; with Podman also TESTCONTAINERS_RYUK_DISABLED).

import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { GenericContainer, StartupCheckStrategy, Wait, getContainerRuntimeClient, type StartedTestContainer, type StartupStatus } from "testcontainers";
import { Agent, request } from "undici";
import { bootstrap, type BootstrapSpec, type ClusterSpec, type WasmPluginSpec } from "./bootstrap.ts";

export const DEFAULT_ENVOY_IMAGE = "envoyproxy/envoy:v1.40.0";

export interface EnvoyPlugin extends Omit<WasmPluginSpec, "wasmPath"> {
  /** the .wasm on this machine */
  wasm: string;
}

export interface EnvoyOptions {
  plugins: EnvoyPlugin[];
  /** the server requests go to after the filters (a port of this process) */
  upstreamPort: number;
  /** callout clusters by name → a port of this process */
  calloutPorts?: Record<string, number>;
  /** gRPC clusters (HTTP/2, h2c) by name → a port of this process (proxy_grpc_call / _stream) */
  grpcPorts?: Record<string, number>;
  concurrency?: number;
  routeTimeoutMs?: number;
  /** how long to wait for /ready, default 30 s */
  readyTimeoutMs?: number;
  /** Envoy's own HTTP filters before the plugins (BootstrapSpec.nativeFilters) */
  nativeFilters?: object[];
  /** fields merged into the route (BootstrapSpec.routeOptions) */
  routeOptions?: Record<string, unknown>;
  /** routes before the catch-all one (BootstrapSpec.extraRoutes) */
  extraRoutes?: object[];
  /**
   * The listener's port on 127.0.0.1 with host networking and as a process (`filterkit run --port`,
   * so a restarted Envoy keeps its URL); default (or 0) a free port. Ignored in bridge mode: there
   * the container listens on 10000 and the engine publishes it on a random port of its choosing
   * (`url` says which).
   */
  listenerPort?: number;
}

export interface RunningEnvoy {
  /** base URL of the listener, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly adminUrl: string;
  /** Envoy's version string from /server_info (e.g. "1.40.0") */
  readonly version: string;
  /** from the start request to /ready answering 200, ms */
  readonly startupMs: number;
  /** where it runs: "container <image>" or "process <binary>" */
  readonly runtime: string;
  /** Envoy's log so far */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

/** Envoy could not start (bad configuration, a plugin that refused its configuration, no runtime). */
export class EnvoyStartError extends Error {
  override name = "EnvoyStartError";
  constructor(message: string, readonly log: string) {
    super(message);
  }
}

/** A TCP port nobody listens on right now (the kernel's choice). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function networkMode(): "host" | "bridge" {
  const v = process.env.ENVOY_NETWORK;
  if (v === "host" || v === "bridge") return v;
  if (v !== undefined && v !== "") throw new Error(`ENVOY_NETWORK must be "host" or "bridge", got ${JSON.stringify(v)}`);
  return process.platform === "linux" ? "host" : "bridge";
}

/** The Envoy log lines that explain a failed start: errors, and every line a wasm plugin logged. */
export function startFailureSummary(log: string): string {
  const lines = log.split("\n").filter((l) => /\]\[(error|critical)\]|wasm log|\[warning\].*wasm/.test(l));
  return (lines.length > 0 ? lines : log.split("\n").slice(-15)).slice(-12).join("\n");
}

const CONTAINER_DIR = "/etc/filterkit";

export async function startEnvoy(options: EnvoyOptions): Promise<RunningEnvoy> {
  const binary = process.env.ENVOY_BINARY;
  const mode = binary !== undefined && binary !== "" ? "process" : networkMode();
  const [listenerPort, adminPort] = mode === "bridge" ? [10000, 9901]
    : [options.listenerPort !== undefined && options.listenerPort !== 0 ? options.listenerPort : await freePort(), await freePort()];
  // where Envoy finds the test process's servers
  const selfHost = mode === "bridge" ? "host.docker.internal" : "127.0.0.1";
  const clusters: ClusterSpec[] = [
    ...Object.entries(options.calloutPorts ?? {}).map(([name, port]) => ({ name, host: selfHost, port })),
    ...Object.entries(options.grpcPorts ?? {}).map(([name, port]) => ({ name, host: selfHost, port, http2: true })),
  ];
  if (clusters.some((c) => c.name === "upstream")) throw new Error('a callout cluster may not be called "upstream" (the name of the request cluster)');
  const dup = clusters.find((c, i) => clusters.findIndex((d) => d.name === c.name) !== i);
  if (dup !== undefined) throw new Error(`cluster "${dup.name}" is named twice (calloutPorts and grpcPorts share one namespace)`);
  const wasmPath = (i: number, p: EnvoyPlugin): string => (mode === "process" ? p.wasm : `${CONTAINER_DIR}/plugin-${i}.wasm`);
  const spec: BootstrapSpec = {
    bindAddress: mode === "bridge" ? "0.0.0.0" : "127.0.0.1",
    listenerPort,
    adminPort,
    plugins: options.plugins.map((p, i) => ({ name: p.name, rootId: p.rootId, vmId: p.vmId, configuration: p.configuration, vmConfiguration: p.vmConfiguration, failurePolicy: p.failurePolicy, wasmPath: wasmPath(i, p), ...(p.code !== undefined ? { code: p.code } : {}) })),
    upstream: { name: "upstream", host: selfHost, port: options.upstreamPort },
    calloutClusters: clusters,
    ...(options.routeTimeoutMs !== undefined ? { routeTimeoutMs: options.routeTimeoutMs } : {}),
    ...(options.nativeFilters !== undefined ? { nativeFilters: options.nativeFilters } : {}),
    ...(options.routeOptions !== undefined ? { routeOptions: options.routeOptions } : {}),
    ...(options.extraRoutes !== undefined ? { extraRoutes: options.extraRoutes } : {}),
  };
  const config = JSON.stringify(bootstrap(spec));
  // --disable-hot-restart: with host networking several Envoys share one network namespace, and
  // each would otherwise claim the same hot-restart domain socket (base id 0) and fail to start
  const args = ["--concurrency", String(options.concurrency ?? Number(process.env.ENVOY_CONCURRENCY ?? 2)), "--disable-hot-restart",
    "--log-level", "warning", "--component-log-level", "wasm:info"];
  const started = performance.now();
  const handle = mode === "process"
    ? await startProcess(binary as string, config, args)
    : await startContainer(mode, config, args, options.plugins.map((p, i) => ({ source: p.wasm, target: wasmPath(i, p) })), [listenerPort, adminPort]);
  const listenerUrl = `http://127.0.0.1:${handle.port(listenerPort)}`;
  const adminUrl = `http://127.0.0.1:${handle.port(adminPort)}`;
  try {
    await waitReady(adminUrl, handle, options.readyTimeoutMs ?? 30_000);
  } catch (e) {
    const log = await handle.logs();
    await handle.stop();
    throw new EnvoyStartError(`Envoy did not become ready (${handle.runtime}): ${(e as Error).message}\n${startFailureSummary(log)}`, log);
  }
  const startupMs = performance.now() - started;
  const info = await request(`${adminUrl}/server_info`);
  const body = (await info.body.json()) as { version?: string };
  const version = /\/(\d+\.\d+\.\d+)\//.exec(body.version ?? "")?.[1] ?? body.version ?? "unknown";
  return { url: listenerUrl, adminUrl, version, startupMs, runtime: handle.runtime, logs: handle.logs, stop: handle.stop };
}

interface Handle {
  runtime: string;
  port(p: number): number;
  logs(): Promise<string>;
  stop(): Promise<void>;
  /** non-null once Envoy exited (asked while waiting for /ready, at most every 300 ms) */
  exited(): Promise<string | null>;
}

async function waitReady(adminUrl: string, handle: Handle, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = "no answer yet";
  let checked = -Infinity;
  while (performance.now() < deadline) {
    if (performance.now() - checked >= 300) {
      checked = performance.now();
      const exit = await handle.exited();
      if (exit !== null) throw new Error(`Envoy exited during start-up (${exit})`);
    }
    try {
      const r = await request(`${adminUrl}/ready`, { headersTimeout: 1000, bodyTimeout: 1000 });
      const text = await r.body.text();
      if (r.statusCode === 200) return;
      last = `/ready answered ${r.statusCode} ${text.trim()}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no 200 from ${adminUrl}/ready within ${timeoutMs} ms (last: ${last})`);
}

/**
 * Start-up is done once the container runs (or already exited: the caller reads its log and exit
 * code). Decided with one inspect, never an exec: testcontainers' default, Wait.forListeningPorts(),
 * execs `/bin/sh -c ...` into the container every 100 ms for each exposed port (bridge mode), which
 * an image without a shell never answers, and every exec session leaves a Podman conmon process
 * behind for 5 minutes (containers.conf `exit_command_delay`).
 */
class RunningOrExited extends StartupCheckStrategy {
  override async checkStartupState(docker: Parameters<StartupCheckStrategy["checkStartupState"]>[0], id: string): Promise<StartupStatus> {
    const state = (await docker.getContainer(id).inspect()).State;
    return state.Running || state.Status === "exited" || state.Status === "dead" ? "SUCCESS" : "PENDING";
  }
}

/** Why the container is no longer running, or null while it runs (one inspect: no exec, no process). */
async function containerExit(id: string): Promise<string | null> {
  const client = await getContainerRuntimeClient();
  const state = (await client.container.inspect(client.container.getById(id))).State;
  if (state.Running) return null;
  return `the container ${state.Status}${state.Status === "exited" || state.Status === "dead" ? `, exit code ${state.ExitCode}` : ""}${state.Error ? `: ${state.Error}` : ""}`;
}

let engineSeen: Promise<string> | null = null;

/**
 * Which engine serves the container API ("Docker 20.10.24", "Podman 4.3.1"), from its /version
 * components, so every result says where it came from; "a container engine" when it cannot tell.
 */
export function containerEngine(): Promise<string> {
  engineSeen ??= (async () => {
    try {
      const client = await getContainerRuntimeClient();
      const socketPath = client.info.containerRuntime.remoteSocketPath;
      const r = await request("http://d/version", { dispatcher: new Agent({ connect: { socketPath } }), headersTimeout: 5000, bodyTimeout: 5000 });
      const v = (await r.body.json()) as { Version?: string; Components?: Array<{ Name?: string }> };
      const podman = (v.Components ?? []).some((c) => /podman/i.test(c.Name ?? ""));
      return `${podman ? "Podman" : "Docker"} ${v.Version ?? "?"}`;
    } catch {
      return "a container engine";
    }
  })();
  return engineSeen;
}

async function startContainer(mode: "host" | "bridge", config: string, args: string[], files: Array<{ source: string; target: string }>, ports: number[]): Promise<Handle> {
  const image = process.env.ENVOY_IMAGE || DEFAULT_ENVOY_IMAGE;
  let container = new GenericContainer(image)
    .withCopyContentToContainer([{ content: config, target: `${CONTAINER_DIR}/envoy.json` }])
    .withCopyFilesToContainer(files)
    .withCommand(["-c", `${CONTAINER_DIR}/envoy.json`, ...args])
    // readiness is polled on /ready below: testcontainers' port checks do not see host networking
    // (and exec into the container, see RunningOrExited)
    .withWaitStrategy(new RunningOrExited())
    .withStartupTimeout(60_000);
  container = mode === "host"
    ? container.withNetworkMode("host")
    : container.withExposedPorts(...ports).withExtraHosts([{ host: "host.docker.internal", ipAddress: "host-gateway" }]);
  let started: StartedTestContainer;
  try {
    started = await container.start();
  } catch (e) {
    throw new EnvoyStartError(`could not start the Envoy container ${image}: ${(e as Error).message}\n` +
      "Is a container runtime reachable (DOCKER_HOST)? Without Docker: eval \"$(sudo envoy/runtime/setup-envoy-runtime.sh --env)\" " +
      "(it also replaces a Podman service that answers but cannot start containers, e.g. `write child: broken pipe`)", "");
  }
  const logs = async (): Promise<string> => {
    const stream = await started.logs();
    return new Promise((resolve) => {
      let text = "";
      stream.on("data", (d: Buffer | string) => { text += d.toString(); });
      // the log stream follows; what is there arrives at once
      setTimeout(() => { stream.destroy(); resolve(text); }, 150);
    });
  };
  // an early exit (Envoy refusing its configuration) is noticed by inspecting the container's
  // state while waiting for /ready: an API call (an exec would leave a conmon process per poll)
  const exited = async (): Promise<string | null> => {
    try {
      return await containerExit(started.getId());
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return "the container is gone";
      return null; // the API did not answer this time: /ready decides, or the next check
    }
  };
  return {
    runtime: `container ${image} on ${await containerEngine()} (${mode} network)`,
    port: (p) => (mode === "host" ? p : started.getMappedPort(p)),
    logs,
    exited,
    stop: async () => {
      await started.stop({ timeout: 2_000 }).catch(() => undefined);
    },
  };
}

async function startProcess(binary: string, config: string, args: string[]): Promise<Handle> {
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "filterkit-envoy-"));
  const file = join(dir, "envoy.json");
  writeFileSync(file, config);
  const child: ChildProcess = spawn(binary, ["-c", file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  let exit: string | null = null;
  child.stdout?.on("data", (d: Buffer) => { log += d.toString(); });
  child.stderr?.on("data", (d: Buffer) => { log += d.toString(); });
  child.on("exit", (code, signal) => { exit = `exit code ${code ?? "none"}${signal !== null ? `, signal ${signal}` : ""}`; });
  child.on("error", (e) => { exit = e.message; });
  return {
    runtime: `process ${binary}`,
    port: (p) => p,
    logs: async () => log,
    exited: async () => exit,
    stop: async () => {
      if (exit !== null) return;
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/**
 * `envoy --mode validate` on a configuration (YAML or JSON text) with `files` placed where it
 * expects them: parses everything and loads the wasm plugins (their onConfigure runs) without
 * serving. Returns Envoy's output; `ok` when Envoy said the configuration is OK.
 */
export async function validateConfig(config: string, files: Array<{ source: string; target: string }>): Promise<{ ok: boolean; output: string }> {
  const binary = process.env.ENVOY_BINARY;
  if (binary !== undefined && binary !== "") {
    const { mkdtempSync, writeFileSync, mkdirSync, copyFileSync } = await import("node:fs");
    const { join, dirname } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "filterkit-validate-"));
    // the configuration names absolute paths; rewrite them under a private directory
    let text = config;
    for (const f of files) {
      const local = join(dir, f.target);
      mkdirSync(dirname(local), { recursive: true });
      copyFileSync(f.source, local);
      text = text.split(f.target).join(local);
    }
    const file = join(dir, "envoy.yaml");
    writeFileSync(file, text);
    const { spawnSync } = await import("node:child_process");
    const r = spawnSync(binary, ["--mode", "validate", "-c", file, "--disable-hot-restart"], { encoding: "utf8" });
    const output = `${r.stdout}${r.stderr}`;
    return { ok: r.status === 0 && /configuration '[^']*' OK/.test(output), output };
  }
  const image = process.env.ENVOY_IMAGE || DEFAULT_ENVOY_IMAGE;
  // wait for either verdict in the log (a one-shot wait would hide the log of a failed run); the
  // log wait reads the log stream and execs nothing
  const container = await new GenericContainer(image)
    .withNetworkMode("host")
    .withCopyContentToContainer([{ content: config, target: "/etc/envoy/validate.yaml" }])
    .withCopyFilesToContainer(files)
    .withCommand(["--mode", "validate", "-c", "/etc/envoy/validate.yaml", "--disable-hot-restart"])
    .withWaitStrategy(Wait.forLogMessage(/configuration '[^']*' OK|error initializing configuration/))
    .withStartupTimeout(60_000)
    .start();
  const stream = await container.logs();
  const output = await new Promise<string>((resolve) => {
    let text = "";
    stream.on("data", (d: Buffer | string) => { text += d.toString(); });
    stream.on("end", () => resolve(text));
    setTimeout(() => { stream.destroy(); resolve(text); }, 1_000);
  });
  await container.stop().catch(() => undefined);
  return { ok: /configuration '[^']*' OK/.test(output), output };
}
