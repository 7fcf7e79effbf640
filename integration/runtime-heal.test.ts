// envoy/runtime/setup-envoy-runtime.sh heals a Podman API service that answers /_ping but cannot start
// containers, and refuses (non-zero, saying why) what it may not restart. Each case runs the
// script against a socket of its own (FILTERKIT_PODMAN_SOCKET), so the shared service on
// /run/podman/podman.sock that the other test files use is never touched.
//
// 1. The failure seen on CI machines: a `podman system service` started from a checkout that was
//    deleted afterwards. conmon then cannot get its working directory, and every container start
//    answers `500 write child: broken pipe`. The script must notice it, replace that service with
//    one started from /, and say so; afterwards a container runs through the socket.
// 2. A server on the socket that is not a podman service (here: this test process answering
//    /_ping with OK and 500 on everything else): the script must not kill it, and must fail
//    saying what failed.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envoyRuntime } from "@filterkit/envoy";

const repo = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const script = join(repo, "envoy/runtime/setup-envoy-runtime.sh");
const ci = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false";
const root = process.platform === "linux" && typeof process.getuid === "function" && process.getuid() === 0;

const image = `localhost/envoy:v${process.env.ENVOY_VERSION || "1.40.0"}`;

function whySkip(): string | null {
  const skip = envoyRuntime(); // throws under CI when no runtime can be had
  if (skip !== null) return skip;
  if (!root) {
    if (ci) throw new Error("the runtime-healing test needs root on Linux (it starts Podman services), and CI never skips it");
    return "not root on Linux: the setup script's healing is not tested";
  }
  // outside CI only on machines that use the script's runtime: it is not to install Podman on a
  // developer's Docker machine
  if (!ci && spawnSync("podman", ["image", "exists", image]).status !== 0) {
    return `no Podman with ${image} here (envoy/runtime/setup-envoy-runtime.sh not used): its healing is not tested`;
  }
  return null;
}
const skip = whySkip();

/** One Docker-API call over a unix socket. */
async function api(socket: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const client = new Client("http://podman", { socketPath: socket });
  try {
    const r = await client.request({
      method: method as "GET", path: `/v1.41${path}`,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: 30_000, bodyTimeout: 30_000,
    });
    return { status: r.statusCode, text: await r.body.text() };
  } finally {
    await client.close();
  }
}

/** Runs `envoy --version` in the local image through the socket; null when it ran, else what failed. */
async function runContainer(socket: string, image: string): Promise<string | null> {
  const name = `filterkit-heal-test-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
  const created = await api(socket, "POST", `/containers/create?name=${name}`, { Image: image, Cmd: ["--version"], HostConfig: { NetworkMode: "none" } });
  if (created.status !== 201) return `create: ${created.status} ${created.text.trim()}`;
  try {
    const started = await api(socket, "POST", `/containers/${name}/start`);
    if (started.status !== 204) return `start: ${started.status} ${started.text.trim()}`;
    const waited = await api(socket, "POST", `/containers/${name}/wait`);
    return /"StatusCode":0\b/.test(waited.text) ? null : `wait: ${waited.status} ${waited.text.trim()}`;
  } finally {
    await api(socket, "DELETE", `/containers/${name}?force=1`).catch(() => undefined);
  }
}

/** pids of `podman system service ... unix://<socket>` processes. */
function servicePids(socket: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (/(^|\/)podman$/.test(argv[0]) && argv.includes("system") && argv.includes("service") && argv.includes(`unix://${socket}`)) pids.push(Number(entry));
  }
  return pids;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ping = async (socket: string): Promise<boolean> => api(socket, "GET", "/_ping").then((r) => r.status === 200 && r.text === "OK", () => false);

/** The setup script on `socket` (asynchronous: case 2's server lives in this process). */
async function runSetup(socket: string, log: string): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
  const t = performance.now();
  const child = spawn("bash", [script, "--env"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FILTERKIT_PODMAN_SOCKET: socket, FILTERKIT_PODMAN_LOG: log },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
  const status = await new Promise<number | null>((r) => child.on("close", r));
  return { status, stdout, stderr, ms: performance.now() - t };
}

describe.skipIf(skip !== null)(`setup-envoy-runtime.sh heals the Podman API service${skip !== null ? ` — not run: ${skip}` : ""}`, () => {
  let dir = "";
  const servers: Server[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "filterkit-heal-"));
  });

  afterAll(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
    // only the services this file started, on its own sockets
    for (const socket of [join(dir, "broken.sock"), join(dir, "foreign.sock")]) {
      for (const pid of servicePids(socket)) process.kill(pid, "SIGTERM");
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("replaces a service started from a deleted directory, and a container runs afterwards", async () => {
    const socket = join(dir, "broken.sock");
    const log = join(dir, "broken-service.log");
    const clone = join(dir, "clone");
    mkdirSync(clone);
    // a service started from a checkout that is deleted afterwards (what a CI run left behind)
    const out = openSync(join(dir, "first-service.log"), "a");
    const first = spawn("podman", ["system", "service", "--time=0", `unix://${socket}`], { cwd: clone, detached: true, stdio: ["ignore", out, out] });
    first.unref();
    const firstPid = first.pid as number;
    await until("the first podman service to answer /_ping", () => ping(socket));
    rmSync(clone, { recursive: true, force: true });
    expect(readlinkSync(`/proc/${firstPid}/cwd`)).toMatch(/ \(deleted\)$/);
    // the precondition: it answers /_ping but cannot run a container
    expect(await ping(socket)).toBe(true);
    expect(await runContainer(socket, image)).toMatch(/^start: 500 .*write child: broken pipe/);

    const r = await runSetup(socket, log);
    expect(r.stderr).toMatch(/answers but cannot run a container \(start: HTTP 500 .*broken pipe/);
    expect(r.stderr).toMatch(/repaired: the podman API service on \S*broken\.sock was restarted/);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`export DOCKER_HOST=unix://${socket}`);

    // the broken service is gone, a new one serves the socket from /, logging to the given file
    await until("the broken service to exit", () => !alive(firstPid));
    const now = servicePids(socket);
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(firstPid);
    expect(readlinkSync(`/proc/${now[0]}/cwd`)).toBe("/");
    expect(readlinkSync(`/proc/${now[0]}/fd/2`)).toBe(log);
    expect(readFileSync(log, "utf8")).toContain(`starting podman system service on ${socket}`);
    expect(await runContainer(socket, image)).toBeNull();

    // and a second run finds it healthy: no repair, same service
    const again = await runSetup(socket, log);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/repaired|restarting/);
    expect(servicePids(socket)).toEqual(now);
  }, 180_000);

  it("refuses, saying what failed, when what serves the socket is no podman service", async () => {
    const socket = join(dir, "foreign.sock");
    const log = join(dir, "foreign-service.log");
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      if (req.url?.endsWith("/_ping")) {
        res.end("OK");
      } else {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ cause: "fake", message: "this server creates no containers", response: 500 }));
      }
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(socket, r));

    const r = await runSetup(socket, log);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/cannot run a container \(create: HTTP 500 .*this server creates no containers/);
    expect(r.stderr).toMatch(/served by no 'podman system service' process this script can restart/);
    expect(r.stdout).not.toContain("export DOCKER_HOST");
    // still ours: not killed, socket not taken over
    expect(servicePids(socket)).toEqual([]);
    expect(existsSync(socket)).toBe(true);
    const before = requests;
    expect(await ping(socket)).toBe(true);
    expect(requests).toBe(before + 1);
  }, 120_000);
});
