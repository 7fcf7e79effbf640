// `filterkit run`: the add-header filter served on the mock host and in real Envoy in front of the
// echo upstream, requested over HTTP (undici) as a user's curl would; --watch reloading a copy of
// the filter on a change of its configuration and of its source, and keeping the old filter when
// the new configuration is refused or the new source does not build.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envoyRuntime } from "@filterkit/envoy";
import { CliError, EXIT } from "../src/errors.ts";
import { echoAnswer, run, startRun, type Output, type RunEvent, type RunningFilter } from "../src/commands/run.ts";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const ADD_HEADER = join(REPO, "filters/add-header");
const CONFIG = JSON.stringify({ name: "x-powered-by", value: "filterkit" });
const skip = envoyRuntime();

/** An Output that keeps what `run` prints (the banner, errors, reload lines) instead of printing it. */
function capture(): Output & { outText: () => string; errText: () => string } {
  let out = "";
  let err = "";
  return { out: (t) => { out += t; }, err: (t) => { err += t; }, outText: () => out, errText: () => err };
}

/** Events as they come, and a promise of the next one of a kind (made before the change that causes it). */
function eventLog(): { onEvent: (e: RunEvent) => void; next: (kind: RunEvent["kind"], timeoutMs?: number) => Promise<RunEvent> } {
  const waiting: Array<{ kind: RunEvent["kind"]; resolve: (e: RunEvent) => void }> = [];
  return {
    onEvent: (e) => {
      for (const w of waiting.filter((x) => x.kind === e.kind)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(e);
      }
    },
    next: (kind, timeoutMs = 30_000) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${kind} event within ${timeoutMs} ms`)), timeoutMs);
      waiting.push({ kind, resolve: (e) => { clearTimeout(timer); resolve(e); } });
    }),
  };
}

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  echo: { method: string; path: string; headers: Array<[string, string]>; body: string };
}

async function get(url: string, path: string, init: { method?: "GET" | "POST"; headers?: Record<string, string>; body?: string } = {}): Promise<Got> {
  const r = await request(`${url}${path}`, { method: init.method ?? "GET", headers: init.headers, body: init.body });
  const text = await r.body.text();
  return { status: r.statusCode, headers: r.headers, echo: JSON.parse(text) as Got["echo"] };
}

// configuration files: made in hooks, so a filtered run (vitest -t) that skips every test leaves none
let tmp = "";
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), "filterkit-run-")); });
afterAll(() => { if (tmp !== "") rmSync(tmp, { recursive: true, force: true }); });
const configFile = (name: string, text: string): string => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};

describe("filterkit run on the mock host", () => {
  let served: RunningFilter;
  const output = capture();

  beforeAll(async () => {
    served = await startRun({ dir: ADD_HEADER, configFile: configFile("config.json", CONFIG), port: 0, output });
  }, 60_000);
  afterAll(async () => { await served?.stop(); });

  it("prints the URL, the host, the configuration's source and curl lines to paste", () => {
    const text = output.outText();
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(text).toContain(`url      ${served.url}`);
    expect(text).toMatch(/host {5}mock host \(@filterkit\/host-mock, .*debug\.wasm\)/);
    expect(text).toContain(join(tmp, "config.json").slice(-20));
    expect(text).toContain(`curl -i ${served.url}/`);
    expect(text).toMatch(/curl -i -X POST .*--data/);
  });

  it("adds the header to the response; the echo names the request's path and headers", async () => {
    const r = await get(served.url ?? "", "/hello?x=1", { headers: { "x-client": "1" } });
    expect(r.status).toBe(200);
    expect(r.headers["x-powered-by"]).toBe("filterkit");
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.echo.method).toBe("GET");
    expect(r.echo.path).toBe("/hello?x=1");
    expect(r.echo.headers).toContainEqual(["x-client", "1"]);
    expect(r.echo.headers[0]).toEqual(["host", new URL(served.url ?? "").host]);
    // the request is left alone: the header goes on the response only
    expect(r.echo.headers.some(([k]) => k === "x-powered-by")).toBe(false);
  });

  it("passes a POST body through to the echo", async () => {
    const r = await get(served.url ?? "", "/echo", { method: "POST", headers: { "content-type": "application/json" }, body: '{"ping":1}' });
    expect(r.status).toBe(200);
    expect(r.echo.method).toBe("POST");
    expect(r.echo.body).toBe('{"ping":1}');
    expect(r.headers["x-powered-by"]).toBe("filterkit");
  });

  it("answers like the Envoy echo does: one function for both", () => {
    const a = echoAnswer({ method: "PUT", path: "/p", headers: [["host", "h"], ["x-a", 'q"uote']], body: "b" });
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toEqual({ method: "PUT", path: "/p", headers: [["host", "h"], ["x-a", 'q"uote']], body: "b" });
    expect(a.headers).toContainEqual(["content-length", String(Buffer.byteLength(a.body))]);
  });

  it("stops with a clear error and exit code 1 when the filter refuses its configuration", async () => {
    const bad = configFile("bad.json", JSON.stringify({ name: 42 }));
    const err = await run.run([ADD_HEADER, "--config", bad, "--port", "0"]).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(EXIT.failed);
    expect((err as CliError).message).toMatch(/add-header rejected its configuration \(.*bad\.json\) on the mock host/);
    // the filter's own log line
    expect((err as CliError).message).toMatch(/invalid configuration: field "name": expected a non-empty string, got number/);
    expect((err as CliError).next).toMatch(/fix the configuration/);
  });

  it("names a port in use and what to do about it", async () => {
    const err = await startRun({ dir: ADD_HEADER, port: Number(new URL(served.url ?? "").port), output: capture() }).then(() => null, (e: unknown) => e);
    expect((err as CliError).message).toMatch(/port \d+ on 127\.0\.0\.1 is in use/);
    expect((err as CliError).next).toMatch(/--port 0/);
  });

  it("exits 5 on --envoy when real Envoy may not run", async () => {
    const saved = process.env.FILTERKIT_SKIP_ENVOY;
    process.env.FILTERKIT_SKIP_ENVOY = "1"; // refused (thrown) under CI, a skip reason elsewhere: exit 5 either way
    try {
      const err = await startRun({ dir: ADD_HEADER, port: 0, envoy: true, output: capture() }).then(() => null, (e: unknown) => e);
      expect((err as CliError).exitCode).toBe(EXIT.noEnvoy);
      expect((err as CliError).next).toMatch(/drop --envoy/);
    } finally {
      if (saved === undefined) delete process.env.FILTERKIT_SKIP_ENVOY;
      else process.env.FILTERKIT_SKIP_ENVOY = saved;
    }
  });

  it("refuses a bad --port as a usage error", async () => {
    const err = await run.run([ADD_HEADER, "--port", "70000"]).then(() => null, (e: unknown) => e);
    expect((err as CliError).exitCode).toBe(EXIT.usage);
  });
});

describe("filterkit run --watch", () => {
  const events = eventLog();
  const output = capture();
  let dir = "";
  let source = "";
  let served: RunningFilter;

  beforeAll(async () => {
    // a copy inside the repository, so that @filterkit/sdk resolves from its node_modules; build/
    // copied with its times, so the first build finds it up to date
    const root = join(REPO, ".cache");
    mkdirSync(root, { recursive: true });
    dir = join(mkdtempSync(join(root, "run-test-")), "add-header");
    cpSync(ADD_HEADER, dir, { recursive: true, preserveTimestamps: true, filter: (src) => !/\.test\.ts$|[/\\]scenarios$/.test(src) });
    writeFileSync(join(dir, "config.json"), CONFIG);
    source = join(dir, "assembly/index.ts");
    served = await startRun({ dir, port: 0, watch: true, output, onEvent: events.onEvent });
  }, 60_000);
  afterAll(async () => {
    await served?.stop();
    if (dir !== "") rmSync(join(dir, ".."), { recursive: true, force: true });
  });

  it("reloads on a change of config.json", async () => {
    const reloaded = events.next("reloaded");
    writeFileSync(join(dir, "config.json"), JSON.stringify({ name: "x-powered-by", value: "changed" }));
    await reloaded;
    expect((await get(served.url ?? "", "/")).headers["x-powered-by"]).toBe("changed");
    expect(output.errText()).toMatch(/reloaded in \d+ ms/);
  });

  it("rebuilds and reloads on a change of the source", { timeout: 60_000 }, async () => {
    const reloaded = events.next("reloaded", 60_000);
    const text = readFileSync(source, "utf8");
    const add = "stream_context.headers.response.add(root.headerName, root.headerValue);";
    expect(text).toContain(add);
    writeFileSync(source, text.replace(add, `${add}\n    stream_context.headers.response.add("x-reloaded", "yes");`));
    await reloaded;
    const r = await get(served.url ?? "", "/");
    expect(r.headers["x-reloaded"]).toBe("yes");
    expect(r.headers["x-powered-by"]).toBe("changed");
  });

  it("keeps the old filter serving when the new configuration is refused, and says why", async () => {
    const failed = events.next("load-failed");
    writeFileSync(join(dir, "config.json"), JSON.stringify({ name: 42 }));
    const e = await failed;
    expect(e.kind === "load-failed" && e.error.message).toMatch(/rejected its configuration/);
    expect(output.errText()).toMatch(/filterkit run: error: add-header rejected its configuration[^]*field "name"[^]*the previous filter keeps serving/);
    expect((await get(served.url ?? "", "/")).headers["x-reloaded"]).toBe("yes");
  });

  it("keeps the old filter serving when the new source does not build, and reports the build error", { timeout: 60_000 }, async () => {
    const failed = events.next("build-failed", 60_000);
    writeFileSync(join(dir, "config.json"), CONFIG);
    writeFileSync(source, `${readFileSync(source, "utf8")}\nthis is not ( valid\n`);
    await failed;
    const r = await get(served.url ?? "", "/");
    expect(r.status).toBe(200);
    expect(r.headers["x-reloaded"]).toBe("yes");
    expect(output.errText()).toMatch(/the build of add-header failed/);
  });
});

describe.skipIf(skip !== null)(`filterkit run --envoy${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 60_000 }, () => {
  let served: RunningFilter;
  let file = "";

  beforeAll(async () => {
    file = configFile("envoy.json", CONFIG);
    served = await startRun({ dir: ADD_HEADER, configFile: file, port: 0, envoy: true, output: capture() });
  }, 120_000);
  afterAll(async () => { await served?.stop(); });

  it("serves the filter in real Envoy in front of the echo", async () => {
    expect(served.hostLabel).toMatch(/^Envoy \d+\.\d+\.\d+, /);
    const r = await get(served.url ?? "", "/hello?x=1", { headers: { "x-client": "1" } });
    expect(r.status).toBe(200);
    expect(r.headers["x-powered-by"]).toBe("filterkit");
    expect(r.echo.path).toBe("/hello?x=1");
    expect(r.echo.headers).toContainEqual(["x-client", "1"]);
    const p = await get(served.url ?? "", "/echo", { method: "POST", body: "ping" });
    expect(p.echo.body).toBe("ping");
  });

  it("reloads into a new Envoy on the same URL", async () => {
    const url = served.url;
    writeFileSync(file, JSON.stringify({ name: "x-powered-by", value: "reloaded" }));
    expect(await served.reload()).toBe(true);
    expect(served.url).toBe(url);
    expect((await get(served.url ?? "", "/")).headers["x-powered-by"]).toBe("reloaded");
  });

  it("stops with the filter's own log line when it refuses its configuration", async () => {
    const bad = configFile("envoy-bad.json", JSON.stringify({ name: 42 }));
    const err = await startRun({ dir: ADD_HEADER, configFile: bad, port: 0, envoy: true, output: capture() }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(EXIT.failed);
    expect((err as CliError).message).toMatch(/add-header rejected its configuration \(.*envoy-bad\.json\) in Envoy/);
    expect((err as CliError).message).toMatch(/invalid configuration: field "name": expected a non-empty string, got number/);
  });
});
