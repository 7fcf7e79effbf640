#!/usr/bin/env node
// Prints the plain "N passed, N failed[, N skipped]" line CI reads, from vitest's JSON report.
// A missing or empty report (the build failed, or no test ran) counts as a failure.
import { existsSync, readFileSync } from "node:fs";

const file = process.argv[2] ?? ".cache/vitest-report.json";
if (!existsSync(file)) {
  console.log(`no test report at ${file}: the tests did not run`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, "utf8"));
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
const total = passed + failed + skipped;
if (total === 0) console.log("the test run executed no test");
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
