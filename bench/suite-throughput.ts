// Tests per second for a suite of 1,000 small isolated tests (target: >= 500/s on a 2-core machine).
//
// A "small isolated test" is what a filter author writes most: a fresh host for a real filter (so no
// state leaks between tests), one request through it, a few assertions. Three kinds, in turn: the
// example filter adding its header, and the callout fixture's auth gate answered 200 (request goes
// on with x-auth-user) or 401 (403 local reply carrying the auth body), via host.callouts.route.
//
// Two figures, because they answer different questions:
//  1. in-process, like the other rows (bundled plain Node, CPU time, median of rounds): what the
//     kit itself costs per test — the floor any runner adds its own overhead to;
//  2. through vitest, since that is what users run: a generated suite in .cache/bench-suite/ run by
//     node_modules/.bin/vitest as a child process, wall clock for the whole command (startup,
//     transform, workers, collection) and vitest's own per-test durations from its JSON reporter.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { createHost, FilterHeadersStatus } from "@filterkit/host-mock";
import { median } from "./stats.ts";

export type SuiteRow = { name: string; value: number; unit: string; target?: string; pass?: boolean; note?: string };

const TESTS = 1000;
const TARGET = 500;
/** the generated vitest suite is split like a real one, so vitest's worker pool has files to share */
const FILES = 4;

const paths = (root: string) => ({
  addHeader: join(root, "filters/add-header/build/release.wasm"),
  callout: join(root, "sdk/test/fixtures/callout/build/release.wasm"),
});

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`suite test failed: ${what}`);
}
const has = (pairs: ReadonlyArray<readonly [string, string]>, name: string, value: string) =>
  pairs.some(([n, v]) => n === name && v === value);

/** Test `i` of the in-process suite; throws if the filter did the wrong thing. */
function smallTest(i: number, wasm: ReturnType<typeof paths>): void {
  const kind = i % 3;
  if (kind === 0) {
    const value = `filterkit-${i}`;
    const host = createHost({ wasm: wasm.addHeader, rootId: "add_header", pluginConfig: { name: "x-powered-by", value } });
    const s = host.newHttpStream();
    const req: Array<[string, string]> = [[":method", "GET"], [":path", `/t/${i}`], [":authority", "example.com"]];
    check(s.sendRequestHeaders(req, true) === FilterHeadersStatus.Continue, "request headers continue");
    s.sendResponseHeaders([[":status", "200"], ["content-type", "text/plain"]], true);
    s.complete();
    check(has(s.response.headers, "x-powered-by", value), "header added to the response");
    check(s.request.headers.length === 3, "request left alone");
  } else {
    const host = createHost({ wasm: wasm.callout, rootId: "callout" });
    if (kind === 1) {
      host.callouts.route({ cluster: "auth", path: "/check", headers: { authorization: `Bearer t${i}` } },
        { status: 200, headers: [["x-user", `u${i}`]] });
    } else {
      host.callouts.route({ cluster: "auth" }, { status: 401, body: `expired ${i}` });
    }
    const s = host.newHttpStream();
    const req: Array<[string, string]> = [[":method", "GET"], [":path", "/orders"], [":authority", "shop"], ["authorization", `Bearer t${i}`]];
    check(s.sendRequestHeaders(req, true) === FilterHeadersStatus.StopIteration, "request held for the callout");
    check(host.callouts.sent.length === 1, "one callout");
    if (kind === 1) {
      check(!s.paused("request") && has(s.request.headers, "x-auth-user", `u${i}`), "allowed with x-auth-user");
    } else {
      check(s.localReply?.status === 403 && s.localReply.bodyText === `expired ${i}`, "denied with the auth body");
    }
  }
}

/** The same test `i` as vitest source, written the way a user would (expect, the kit's matchers). */
function smallTestSource(i: number): string {
  const kind = i % 3;
  if (kind === 0) {
    return `it("add-header #${i}", () => {
  const host = createHost({ wasm: ADD_HEADER, rootId: "add_header", pluginConfig: { name: "x-powered-by", value: "filterkit-${i}" } });
  const s = host.newHttpStream();
  expect(s.sendRequestHeaders([[":method", "GET"], [":path", "/t/${i}"], [":authority", "example.com"]], true)).toBe(FilterHeadersStatus.Continue);
  s.sendResponseHeaders([[":status", "200"], ["content-type", "text/plain"]], true);
  s.complete();
  expect(s.response).toHaveHeader("x-powered-by", "filterkit-${i}");
  expect(s.request.headers).toHaveLength(3);
});
`;
  }
  const route = kind === 1
    ? `host.callouts.route({ cluster: "auth", path: "/check", headers: { authorization: "Bearer t${i}" } }, { status: 200, headers: [["x-user", "u${i}"]] });`
    : `host.callouts.route({ cluster: "auth" }, { status: 401, body: "expired ${i}" });`;
  const outcome = kind === 1
    ? `expect(s.paused("request")).toBe(false);
  expect(s.request).toHaveHeader("x-auth-user", "u${i}");`
    : `expect(s).toHaveLocalReply(403);
  expect(s.localReply?.bodyText).toBe("expired ${i}");`;
  return `it("callout ${kind === 1 ? "allow" : "deny"} #${i}", () => {
  const host = createHost({ wasm: CALLOUT, rootId: "callout" });
  ${route}
  const s = host.newHttpStream();
  expect(s.sendRequestHeaders([[":method", "GET"], [":path", "/orders"], [":authority", "shop"], ["authorization", "Bearer t${i}"]], true)).toBe(FilterHeadersStatus.StopIteration);
  expect(host).toHaveCalledOut("auth", { path: "/check" });
  ${outcome}
});
`;
}

/**
 * 1. In-process: 1,000 tests per round, median of `rounds`. CPU time of the whole process, as
 * stats.ts measures, which here exceeds wall time (V8's background threads collect the dead
 * instances), so it is the conservative figure; wall time goes in the note.
 */
export function inProcessSuite(root: string, rounds: number): SuiteRow[] {
  const wasm = paths(root);
  for (let i = 0; i < TESTS; i++) smallTest(i, wasm); // warm-up round: compile cache and JIT warm
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    for (let i = 0; i < TESTS; i++) smallTest(i, wasm);
    const w = performance.now() - w0;
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    wall.push(w);
  }
  const perSec = (TESTS * 1000) / median(cpu);
  return [{
    name: "suite of 1,000 small tests, in-process (1 core)", value: perSec, unit: "tests/s",
    target: `>= ${TARGET}/s`, pass: perSec >= TARGET,
    note: `fresh host + 1 request + asserts; wall ${Math.round((TESTS * 1000) / median(wall)).toLocaleString("en-US")}/s`,
  }];
}

/**
 * CPU seconds of this process's waited-for children (Linux /proc/self/stat cutime + cstime, at the
 * usual 100 ticks/s), or NaN elsewhere: wall clock is what a user waits, but on a shared machine it
 * also counts other processes' load, so the vitest rows' notes carry the CPU time next to it.
 */
function childrenCpuSeconds(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return NaN;
  }
}

/** 2. Through vitest: a generated suite, `runs` whole vitest runs, medians. */
export function vitestSuite(root: string, runs: number): SuiteRow[] {
  const dir = join(root, ".cache", "bench-suite");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const wasm = paths(root);
  const perFile = TESTS / FILES;
  for (let f = 0; f < FILES; f++) {
    const tests: string[] = [];
    for (let i = f * perFile; i < (f + 1) * perFile; i++) tests.push(smallTestSource(i));
    writeFileSync(join(dir, `suite-${f}.test.ts`), `// generated by bench/suite-throughput.ts: small isolated tests, one fresh host each
import { expect, it } from "vitest";
import { createHost, FilterHeadersStatus } from "@filterkit/host-mock";
const ADD_HEADER = ${JSON.stringify(wasm.addHeader)};
const CALLOUT = ${JSON.stringify(wasm.callout)};

${tests.join("\n")}`);
  }
  // The repository's settings (threads pool, isolate: false, the kit's matchers as setup file), but
  // only this dir — and, side by side, vitest's default per-file isolation.
  const variants = [
    { label: "repo config (isolate: false)", file: "vitest.config.ts", isolate: false },
    { label: "vitest default isolation", file: "vitest.isolated.config.ts", isolate: true },
  ];
  for (const v of variants) {
    // @filterkit/* by package name resolved to the sources, as the repository's vitest.config.ts does
    writeFileSync(join(dir, v.file), `import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";
const conditions = ["filterkit-source", ...defaultServerConditions];
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["filterkit-source"] } },
  test: { include: [".cache/bench-suite/*.test.ts"], pool: "threads", isolate: ${v.isolate}, setupFiles: ["./scripts/vitest-setup.ts"] },
});
`);
  }

  const measured = variants.map(() => ({ whole: [] as number[], exec: [] as number[], span: [] as number[], cpu: [] as number[] }));
  for (let r = 0; r < runs; r++) {
    // interleaved, so both variants meet the same machine
    variants.forEach((v, k) => {
      const m = measured[k];
      const out = join(dir, `result-${k}-${r}.json`);
      const c0 = childrenCpuSeconds();
      const t0 = performance.now();
      const p = spawnSync(join(root, "node_modules", ".bin", "vitest"),
        ["run", "--root", root, "--config", join(dir, v.file), "--reporter=json", `--outputFile=${out}`],
        { cwd: root, encoding: "utf8" });
      m.whole.push(performance.now() - t0);
      m.cpu.push(childrenCpuSeconds() - c0);
      if (p.status !== 0) throw new Error(`vitest suite failed (exit ${p.status}) ${p.error ?? ""}:\n${p.stdout}\n${p.stderr}`);
      const json = JSON.parse(readFileSync(out, "utf8")) as {
        numPassedTests: number;
        testResults: Array<{ startTime: number; endTime: number; assertionResults: Array<{ duration: number | null }> }>;
      };
      if (json.numPassedTests !== TESTS) throw new Error(`vitest suite: ${json.numPassedTests} of ${TESTS} passed`);
      // vitest's "tests" time: the sum of the tests' own durations (inside it(), summed over workers)
      m.exec.push(json.testResults.reduce((a, f) => a + f.assertionResults.reduce((b, t) => b + (t.duration ?? 0), 0), 0));
      // first file start to last file end, as vitest reports them
      m.span.push(Math.max(...json.testResults.map((f) => f.endTime)) - Math.min(...json.testResults.map((f) => f.startTime)));
    });
  }
  // vitest's default for `vitest run`: cores - 1 workers, so a 2-core machine runs the files one by one
  const workers = Math.max(availableParallelism() - 1, 1);
  const below = (v: number) => (v < TARGET ? `BELOW ${TARGET}/s; ` : "");
  return variants.flatMap((v, k) => {
    const { whole, exec, span, cpu } = measured[k];
    const wholePerSec = (TESTS * 1000) / median(whole);
    const execPerSec = (TESTS * 1000) / median(exec);
    return [
      {
        name: `suite via vitest, ${v.label}, whole command`, value: wholePerSec, unit: "tests/s",
        target: `>= ${TARGET}/s`, pass: wholePerSec >= TARGET,
        note: `${below(wholePerSec)}wall, incl. vitest start-up; median of ${runs}: ${(median(whole) / 1000).toFixed(2)} s (CPU ${median(cpu).toFixed(2)} s); ${FILES} files, ${workers} worker(s)`,
      },
      {
        name: `suite via vitest, ${v.label}, test execution`, value: execPerSec, unit: "tests/s",
        target: `>= ${TARGET}/s`, pass: execPerSec >= TARGET,
        note: `${below(execPerSec)}sum of vitest's per-test durations ${median(exec).toFixed(0)} ms; files span ${median(span).toFixed(0)} ms`,
      },
    ];
  });
}
