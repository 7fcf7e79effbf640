// The CI summary (scripts/test-summary.mjs) cannot report a pass it did not earn: each case feeds it
// a vitest JSON report and checks, and reads back the line CI trusts and the exit code.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SCRIPT = resolve(import.meta.dirname, "../test-summary.mjs");

type Status = "passed" | "failed" | "skipped" | "pending" | "todo";
interface FileSpec { name: string; status?: "passed" | "failed"; message?: string; tests: Status[] }

function report(files: FileSpec[]): object {
  return {
    testResults: files.map((f) => ({
      name: f.name, status: f.status ?? (f.tests.includes("failed") ? "failed" : "passed"), message: f.message ?? "", startTime: 0, endTime: 1,
      assertionResults: f.tests.map((s, i) => ({ fullName: `case ${i}`, status: s })),
    })),
  };
}

/** Runs the summary in a scratch directory; `doc` null = no report file at all. */
function summarize(doc: object | string | null, checks: string[] = [], ci = false): { line: string; code: number; out: string } {
  const dir = mkdtempSync(join(tmpdir(), "summary-"));
  const file = join(dir, "report.json");
  if (doc !== null) writeFileSync(file, typeof doc === "string" ? doc : JSON.stringify(doc));
  const env = { ...process.env };
  delete env.CI;
  if (ci) env.CI = "true";
  const r = spawnSync(process.execPath, [SCRIPT, file, ...checks.flatMap((c) => ["--check", c])], { cwd: dir, env, encoding: "utf8" });
  const lines = r.stdout.trim().split("\n");
  return { line: lines[lines.length - 1], code: r.status ?? -1, out: r.stdout };
}

/** Like summarize, with a second report given as `--report LABEL=FILE` (`second` null: named but absent). */
function summarizeTwo(first: object, label: string, second: object | null, ci = false): { line: string; code: number; out: string } {
  const dir = mkdtempSync(join(tmpdir(), "summary-"));
  writeFileSync(join(dir, "a.json"), JSON.stringify(first));
  if (second !== null) writeFileSync(join(dir, "b.json"), JSON.stringify(second));
  const env = { ...process.env };
  delete env.CI;
  if (ci) env.CI = "true";
  const r = spawnSync(process.execPath, [SCRIPT, join(dir, "a.json"), "--report", `${label}=${join(dir, "b.json")}`], { cwd: dir, env, encoding: "utf8" });
  const lines = r.stdout.trim().split("\n");
  return { line: lines[lines.length - 1], code: r.status ?? -1, out: r.stdout };
}

describe("CI summary", () => {
  it("a second report (another engine) counts alike, its failures and its own line named by its label", () => {
    const r = summarizeTwo(report([{ name: "a.test.ts", tests: ["passed", "passed"] }]), "docker, bridge network", report([{ name: "d.test.ts", tests: ["passed", "failed"] }]));
    expect(r).toMatchObject({ line: "3 passed, 1 failed", code: 1 });
    expect(r.out).toContain("FAILED: test failed: [docker, bridge network] d.test.ts > case 1");
    expect(r.out).toContain("[docker, bridge network] 1 passed, 1 failed");
  });

  it("a second report that is missing, or ran nothing, fails", () => {
    expect(summarizeTwo(report([{ name: "a.test.ts", tests: ["passed"] }]), "docker", null)).toMatchObject({ line: "1 passed, 1 failed", code: 1 });
    const empty = summarizeTwo(report([{ name: "a.test.ts", tests: ["passed"] }]), "docker", report([]));
    expect(empty).toMatchObject({ line: "1 passed, 1 failed", code: 1 });
    expect(empty.out).toContain("[docker] the test run executed no test");
  });

  it("counts passing tests and passing checks", () => {
    const r = summarize(report([{ name: "a.test.ts", tests: ["passed", "passed"] }]), ["npm test exit status=0", "docker-compose smoke=0"]);
    expect(r).toMatchObject({ line: "4 passed, 0 failed", code: 0 });
  });

  it("a report with zero tests is a failure, even with a passing check", () => {
    const r = summarize(report([]), ["docker-compose smoke=0"]);
    expect(r).toMatchObject({ line: "1 passed, 1 failed", code: 1 });
    expect(r.out).toContain("executed no test");
  });

  it("the test command's own exit status is a check", () => {
    const r = summarize(report([{ name: "a.test.ts", tests: ["passed"] }]), ["npm test exit status=1"]);
    expect(r).toMatchObject({ line: "1 passed, 1 failed", code: 1 });
    expect(r.out).toContain("FAILED: check failed: npm test exit status (exit code 1)");
  });

  it("a failing test is one failure, named (not counted again for its suite)", () => {
    const r = summarize(report([{ name: "a.test.ts", tests: ["passed", "failed"] }]));
    expect(r).toMatchObject({ line: "1 passed, 1 failed", code: 1 });
    expect(r.out).toContain("FAILED: test failed: a.test.ts > case 1");
  });

  it("a file that failed to load, with no test failing, is a failure", () => {
    const r = summarize(report([{ name: "a.test.ts", tests: ["passed"] }, { name: "b.test.ts", status: "failed", message: "Cannot find module x", tests: [] }]));
    expect(r).toMatchObject({ line: "1 passed, 1 failed", code: 1 });
    expect(r.out).toContain("test file failed: b.test.ts: Cannot find module x");
  });

  it("outside CI, skipped tests are reported as not run, never as passed", () => {
    const r = summarize(report([{ name: "a.test.ts", tests: ["passed", "skipped", "todo"] }]));
    expect(r).toMatchObject({ line: "1 passed, 0 failed, 2 not run", code: 0 });
  });

  it("under CI every skipped or todo test is a failure", () => {
    const r = summarize(report([{ name: "a.test.ts", tests: ["passed", "skipped", "pending", "todo"] }]), [], true);
    expect(r).toMatchObject({ line: "1 passed, 3 failed", code: 1 });
    expect(r.out).toContain("not run: a.test.ts > case 1 (skipped)");
  });

  it("a missing or unreadable report is a failure", () => {
    expect(summarize(null, ["docker-compose smoke=0"])).toMatchObject({ line: "1 passed, 1 failed", code: 1 });
    expect(summarize("{not json", [])).toMatchObject({ line: "0 passed, 1 failed", code: 1 });
  });

  it("nothing passed is never a success", () => {
    const r = summarize(report([{ name: "a.test.ts", tests: ["skipped"] }]));
    expect(r.code).toBe(1);
    expect(r.line).toBe("0 passed, 1 failed, 1 not run");
  });
});
