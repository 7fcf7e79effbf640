// `filterkit bench`: the structure and sanity of what it reports, never its speed (these machines
// are shared; a timed assertion would be a coin toss). On the example filter (filters/add-header)
// with --quick: positive medians, host calls counted for the filter and none for the no-op floor,
// the documented JSON, usage errors before any work, a refused configuration named with the
// filter's log line; and in real Envoy both variants measured, the filter's header on its answers
// (it really was in the path).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { envoyRuntime } from "@filterkit/envoy";
import { bench, benchReport, formatReport, type BenchReport } from "../src/commands/bench.ts";
import { noopModuleFor } from "../src/bench/noop-wasm.ts";
import { CliError, EXIT } from "../src/errors.ts";

const ADD_HEADER = resolve(import.meta.dirname, "../../filters/add-header");
const spread = { median: expect.any(Number), min: expect.any(Number), max: expect.any(Number) };

/** stdout of `filterkit bench ...argv`, run in this process */
async function runBench(argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  try {
    return { code: await bench.run(argv), stdout };
  } finally {
    spy.mockRestore();
  }
}

async function cliError(p: Promise<unknown>): Promise<CliError> {
  const e: unknown = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(CliError);
  return e as CliError;
}

describe("filterkit bench on the mock host", { timeout: 60_000 }, () => {
  let report: BenchReport;

  beforeAll(async () => {
    report = await benchReport({ dir: ADD_HEADER, quick: true });
  }, 60_000);

  afterEach(() => { vi.restoreAllMocks(); });

  it("reports positive medians and ranges for the filter and for the floor, over the rounds asked for", () => {
    for (const v of [report.mock.filter, report.mock.floor]) {
      expect(v.roundsUs).toHaveLength(3);
      expect(v.perRequestUs.median).toBeGreaterThan(0);
      expect(v.perRequestUs.min).toBeLessThanOrEqual(v.perRequestUs.median);
      expect(v.perRequestUs.max).toBeGreaterThanOrEqual(v.perRequestUs.median);
      expect(v.status).toBe(200);
      expect(v.localReply).toBe(false);
    }
    expect(report.mock.requests).toBe(1000);
    expect(report.mock.ownUs).toBeCloseTo(report.mock.filter.perRequestUs.median - report.mock.floor.perRequestUs.median, 9);
    expect(report.mock.ratio).toBeGreaterThan(0);
    expect(typeof report.mock.withinNoise).toBe("boolean"); // three rounds: judged
    expect(report.envoy).toBeNull();
    expect(report.warnings).toEqual([]);
  });

  it("counts the host calls of one request: some for add-header, none for the no-op floor", () => {
    expect(report.mock.filter.hostCallsPerRequest).toBeGreaterThan(0);
    expect(report.mock.floor.hostCallsPerRequest).toBe(0);
    // the floor is entered as often as the filter: same callbacks, nothing done in them
    expect(report.mock.floor.callbacksPerRequest).toBe(report.mock.filter.callbacksPerRequest);
    expect(report.mock.effect.response.added).toEqual(["x-powered-by"]);
    expect(report.mock.effect.request).toEqual({ added: [], removed: [], changed: [] });
  });

  it("prints a table: the filter, the floor, the difference, what the filter changes", () => {
    const text = formatReport(report, resolve(ADD_HEADER, "../.."));
    expect(text).toContain("configuration filters/add-header/config.json");
    expect(text).toMatch(/^ {2}add-header +\d[\d.,]* µs .*1 host call, \d+ callbacks$/m);
    expect(text).toMatch(/^ {2}floor \(no-op module\) +\d[\d.,]* µs .*0 host calls/m);
    expect(text).toMatch(/the filter's own cost +[+−]\d/);
    expect(text).toContain("what it changes: response +x-powered-by");
  });

  it("--json prints one document with the documented fields", async () => {
    const { code, stdout } = await runBench([ADD_HEADER, "--quick", "--requests", "200", "--rounds", "1", "--json"]);
    expect(code).toBe(EXIT.ok);
    const doc = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(doc).sort()).toEqual(["envoy", "filter", "mock", "request", "warnings"]);
    expect(doc.filter).toEqual({ name: "add-header", dir: ADD_HEADER, rootId: "add_header", wasm: join(ADD_HEADER, "build/release.wasm"), configuration: join(ADD_HEADER, "config.json") });
    expect(doc.request).toMatchObject({ method: "GET", path: expect.any(String), headers: expect.any(Array), upstream: { status: 200, bodyBytes: expect.any(Number) } });
    const variant = { perRequestUs: spread, roundsUs: [expect.any(Number)], hostCallsPerRequest: expect.any(Number), callbacksPerRequest: expect.any(Number), status: 200, localReply: false };
    expect(doc.mock).toEqual({
      rounds: 1, requests: 200, warmupMs: expect.any(Number),
      filter: variant, floor: { ...variant, callbacks: expect.arrayContaining(["proxy_on_request_headers", "proxy_on_response_headers"]) },
      ownUs: expect.any(Number), ownRoundsUs: spread, ratio: expect.any(Number), withinNoise: null, floorMethod: expect.stringContaining("no-op module"),
      effect: { request: { added: [], removed: [], changed: [] }, response: { added: ["x-powered-by"], removed: [], changed: [] } },
    });
    expect(doc.envoy).toBeNull();
    expect(doc.warnings).toEqual([]);
  });

  it("refuses a count that is not a positive whole number, and unknown options, before any work", async () => {
    for (const argv of [["--requests", "0"], ["--requests", "ten"], ["--rounds", "1.5"], ["--seconds", "-1"], ["--warp"], [ADD_HEADER, ADD_HEADER]]) {
      const e = await cliError(bench.run(argv));
      expect(e.exitCode, argv.join(" ")).toBe(EXIT.usage);
      expect(e.next).toBe("see `filterkit bench --help`");
    }
    expect((await cliError(bench.run(["--requests", "0"]))).message).toContain("--requests 0");
  });

  it("names a configuration the filter refuses, with the filter's log line", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "filterkit-bench-")), "bad.json");
    writeFileSync(file, JSON.stringify({ name: "not a header name", value: "x" }));
    const e = await cliError(benchReport({ dir: ADD_HEADER, config: file, quick: true }));
    expect(e.exitCode).toBe(EXIT.failed);
    expect(e.message).toContain(`refused the configuration ${file}`);
    expect(e.message).toMatch(/\[error\] .*field "name"/);
  });

  it("--envoy where real Envoy is opted out of is the no-Envoy error, before any measuring", async () => {
    // outside CI the opt-out is a skip reason, under CI envoyRuntime() refuses it: no Envoy either way
    vi.stubEnv("FILTERKIT_SKIP_ENVOY", "1");
    try {
      const e = await cliError(benchReport({ dir: ADD_HEADER, quick: true, envoy: true }));
      expect(e.exitCode).toBe(EXIT.noEnvoy);
      expect(e.message).toContain("FILTERKIT_SKIP_ENVOY=1");
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("builds its floor from the filter's own exports: the same ABI and per-request callbacks, nothing imported", async () => {
    const { readFileSync } = await import("node:fs");
    const noop = noopModuleFor(new WebAssembly.Module(readFileSync(join(ADD_HEADER, "build/release.wasm"))));
    const module = new WebAssembly.Module(noop.bytes as Uint8Array<ArrayBuffer>);
    expect(noop.abiMarker).toBe("proxy_abi_version_0_2_1");
    expect(WebAssembly.Module.imports(module)).toEqual([]);
    expect(WebAssembly.Module.exports(module).map((x) => x.name)).toEqual(expect.arrayContaining(["memory", "malloc", "proxy_on_context_create", "proxy_on_done", ...noop.callbacks]));
  });
});

const skip = envoyRuntime();

describe.skipIf(skip !== null)(`filterkit bench --envoy${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 120_000 }, () => {
  it("measures Envoy without and with the filter side by side, the filter's header on its answers", async () => {
    const report = await benchReport({ dir: ADD_HEADER, quick: true, envoy: true });
    const e = report.envoy;
    expect(e).not.toBeNull();
    if (e === null) return;
    expect(e.rounds).toBe(1);
    expect(e.withinNoise).toBeNull(); // one round: no range to judge the noise by
    for (const v of [e.without, e.with]) {
      expect(v.requestsPerSecond.median).toBeGreaterThan(0);
      expect(v.p50Us.median).toBeGreaterThan(0);
      expect(v.p99Us.median).toBeGreaterThanOrEqual(v.p50Us.median);
      expect(v.statuses["200"]).toBe(v.requests);
      expect(v.sample.status).toBe(200);
    }
    // the filter really was in Envoy's path, and only in the variant said to have it
    expect(e.with.sample.headers).toContainEqual(["x-powered-by", "filterkit"]);
    expect(e.without.sample.headers.some(([k]) => k === "x-powered-by")).toBe(false);
    expect(e.effect.added).toEqual(["x-powered-by"]);
    expect(e.addedP50Us).toBeCloseTo(e.with.p50Us.median - e.without.p50Us.median, 9);
    expect(report.warnings).toEqual([]);
    const text = formatReport(report);
    expect(text).toMatch(/^ {2}without the filter +\d/m);
    expect(text).toMatch(/^ {2}with add-header +\d/m);
    expect(text).toContain("the load generator and the upstream run in this process on the same machine as Envoy");
  });
});
