#!/usr/bin/env node
// Prints what CI reports, from vitest's JSON report, ending with the plain line CI reads:
//   "N passed, N failed[, N skipped]"
// Before it: the Envoy version the integration suite tested, Envoy's start-up times (from
// .cache/envoy-starts.jsonl, written by integration/src/report.ts) and the integration suite's time.
// `--check NAME=CODE` (repeatable) counts a check run outside vitest (exit code 0 = passed), such as
// the docker-compose smoke test. A missing or empty report (the build failed, or no test ran)
// counts as a failure.
import { existsSync, readFileSync } from "node:fs";

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--check") ?? ".cache/vitest-report.json";
const checks = args.flatMap((a, i) => (args[i - 1] === "--check" ? [a] : [])).map((c) => {
  const eq = c.lastIndexOf("=");
  return { name: c.slice(0, eq), ok: c.slice(eq + 1) === "0" };
});

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// Envoy facts
const starts = existsSync(".cache/envoy-starts.jsonl")
  ? readFileSync(".cache/envoy-starts.jsonl", "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l))
  : [];
if (starts.length > 0) {
  const versions = [...new Set(starts.map((s) => s.version))].join(", ");
  const runtimes = [...new Set(starts.map((s) => s.runtime))].join(", ");
  const ms = starts.map((s) => s.startupMs);
  console.log(`Envoy tested: ${versions} (${runtimes})`);
  console.log(`Envoy start-up to /ready: median ${Math.round(median(ms))} ms, min ${Math.min(...ms)} ms, max ${Math.max(...ms)} ms over ${ms.length} starts`);
}

let passed = 0;
let failed = 0;
let skipped = 0;
if (!existsSync(file)) {
  console.log(`no test report at ${file}: the tests did not run`);
  failed += 1;
} else {
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed = report.numPassedTests ?? 0;
  failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  const integration = (report.testResults ?? []).filter((r) => /[\\/]integration[\\/]/.test(r.name));
  if (integration.length > 0) {
    const from = Math.min(...integration.map((r) => r.startTime));
    const to = Math.max(...integration.map((r) => r.endTime));
    const sum = integration.reduce((t, r) => t + (r.endTime - r.startTime), 0);
    const tests = integration.reduce((n, r) => n + (r.assertionResults ?? []).length, 0);
    console.log(`integration suite: ${integration.length} files, ${tests} tests, ${(sum / 1000).toFixed(1)} s of file time (first start to last end ${((to - from) / 1000).toFixed(1)} s)`);
  }
  if (passed + failed + skipped === 0) console.log("the test run executed no test");
}
for (const c of checks) {
  console.log(`check ${c.name}: ${c.ok ? "passed" : "FAILED"}`);
  if (c.ok) passed++;
  else failed++;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
