#!/usr/bin/env node
// Prints what CI reports, ending with the plain line CI reads: "N passed, N failed".
//
//   node scripts/test-summary.mjs REPORT.json --check "npm test exit status=$?" --check "docker-compose smoke=$?"
//     [--report "docker, bridge network=OTHER.json"]   (more reports, counted alike, named by label)
//
// Every number is earned, never assumed:
// - each test of vitest's JSON report counts once: passed, or failed;
// - a test file that failed without a failing test (it did not load, a hook threw) is one failure;
// - a report that executed no test at all is a failure (a build that produced no tests proves nothing);
// - a missing or unreadable report is a failure (the tests did not run);
// - under CI every skipped or todo test is a failure: a test that cannot run in CI does not belong
//   in the CI suite; outside CI they are reported as "not run", never as passed;
// - each `--check NAME=CODE` (repeatable) is one more check, passed only when CODE is 0: the test
//   command's own exit status (vitest exits non-zero on unhandled errors that fail no single test)
//   and checks run outside vitest, such as the docker-compose smoke test.
// Before the line: the Envoy version the integration suite tested and its start-up times (from
// .cache/envoy-starts.jsonl, written by integration/src/report.ts), the integration suite's time,
// and the name of every test that failed or did not run.
import { existsSync, readFileSync } from "node:fs";

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--check" && args[i - 1] !== "--report") ?? ".cache/vitest-report.json";
// further reports (`--report "LABEL=FILE"`, repeatable): another run of part of the suite, e.g. on
// another container engine; counted like the first, their failures named with the label
const extra = args.flatMap((a, i) => (args[i - 1] === "--report" ? [a] : [])).map((r) => {
  const eq = r.indexOf("=");
  if (eq < 0) throw new Error(`--report ${r}: expected LABEL=FILE`);
  return { label: r.slice(0, eq), file: r.slice(eq + 1) };
});
const checks = args.flatMap((a, i) => (args[i - 1] === "--check" ? [a] : [])).map((c) => {
  const eq = c.lastIndexOf("=");
  if (eq < 0) throw new Error(`--check ${c}: expected NAME=EXIT_CODE`);
  return { name: c.slice(0, eq), code: c.slice(eq + 1) };
});
const ci = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false";

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// ---- Envoy facts --------------------------------------------------------------------------------
const starts = existsSync(".cache/envoy-starts.jsonl")
  ? readFileSync(".cache/envoy-starts.jsonl", "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l))
  : [];
if (starts.length > 0) {
  const versions = [...new Set(starts.map((s) => s.version))].join(", ");
  const ms = starts.map((s) => s.startupMs);
  console.log(`Envoy tested: ${versions}`);
  for (const runtime of [...new Set(starts.map((s) => s.runtime))]) {
    const here = starts.filter((s) => s.runtime === runtime).map((s) => s.startupMs);
    console.log(`  on ${runtime}: ${here.length} starts, median ${Math.round(median(here))} ms to /ready`);
  }
  console.log(`Envoy start-up to /ready: median ${Math.round(median(ms))} ms, min ${Math.min(...ms)} ms, max ${Math.max(...ms)} ms over ${ms.length} starts`);
}

// ---- the vitest report --------------------------------------------------------------------------
let passed = 0;
const failures = []; // one entry per failure, with what failed
const notRun = [];   // skipped / todo tests

/** Reads a report; an error with a reason when there is none to read. */
function readReport(file) {
  if (!existsSync(file)) return { error: `no test report at ${file}: the tests did not run` };
  try {
    return { report: JSON.parse(readFileSync(file, "utf8")) };
  } catch (e) {
    return { error: `the test report ${file} is unreadable: ${e.message}` };
  }
}

/** Counts one report's tests into passed / failures / notRun; `label` prefixes its names. */
function countReport(file, label) {
  const tag = label === "" ? "" : `[${label}] `;
  const read = readReport(file);
  if (read.error !== undefined) {
    failures.push(`${tag}${read.error}`);
    return;
  }
  const files = read.report.testResults ?? [];
  let executed = 0;
  let passedHere = 0;
  const failedBefore = failures.length;
  for (const f of files) {
    const name = f.name.startsWith(process.cwd()) ? f.name.slice(process.cwd().length + 1) : f.name;
    const tests = f.assertionResults ?? [];
    let failedHere = 0;
    for (const t of tests) {
      const title = `${tag}${name} > ${t.fullName}`;
      if (t.status === "passed") {
        passed++;
        passedHere++;
        executed++;
      } else if (t.status === "failed") {
        failures.push(`test failed: ${title}`);
        failedHere++;
        executed++;
      } else {
        notRun.push(`${title} (${t.status})`);
      }
    }
    if (f.status === "failed" && failedHere === 0) {
      failures.push(`test file failed: ${tag}${name}${f.message ? `: ${f.message.split("\n")[0]}` : ""}`);
    }
  }
  const integration = files.filter((r) => /[\\/]integration[\\/]/.test(r.name));
  if (integration.length > 0) {
    const from = Math.min(...integration.map((r) => r.startTime));
    const to = Math.max(...integration.map((r) => r.endTime));
    const sum = integration.reduce((t, r) => t + (r.endTime - r.startTime), 0);
    const tests = integration.reduce((n, r) => n + (r.assertionResults ?? []).length, 0);
    console.log(`${tag}integration suite: ${integration.length} files, ${tests} tests, ${(sum / 1000).toFixed(1)} s of file time (first start to last end ${((to - from) / 1000).toFixed(1)} s)`);
  }
  if (executed === 0) failures.push(`${tag}the test run executed no test (${files.length} files in the report)`);
  if (label !== "") console.log(`${tag}${passedHere} passed, ${failures.length - failedBefore} failed`);
}

countReport(file, "");
for (const r of extra) countReport(r.file, r.label);

if (notRun.length > 0) {
  console.log(`${notRun.length} test(s) did not run${ci ? " — a failure under CI, where every test must run" : ""}:`);
  for (const t of notRun.slice(0, 30)) console.log(`  not run: ${t}`);
  if (notRun.length > 30) console.log(`  … and ${notRun.length - 30} more`);
  if (ci) failures.push(...notRun.map((t) => `not run under CI: ${t}`));
}

for (const c of checks) {
  const ok = c.code === "0";
  console.log(`check ${c.name}: ${ok ? "passed" : `FAILED (exit code ${c.code})`}`);
  if (ok) passed++;
  else failures.push(`check failed: ${c.name} (exit code ${c.code})`);
}

const shown = failures.filter((f) => !f.startsWith("not run under CI: "));
for (const f of shown.slice(0, 40)) console.log(`FAILED: ${f}`);
if (shown.length > 40) console.log(`… and ${shown.length - 40} more failures`);

const tail = !ci && notRun.length > 0 ? `, ${notRun.length} not run` : "";
console.log(`${passed} passed, ${failures.length} failed${tail}`);
process.exit(failures.length > 0 || passed === 0 ? 1 : 0);
