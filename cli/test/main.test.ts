// The `filterkit` command line as a user meets it (the bin, spawned): the overview, --help of every
// command, the one error style (what went wrong, then "next:") and the documented exit codes.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runFilterkit } from "./run-filterkit.ts";
import { COMMANDS } from "../src/main.ts";

const repo = join(import.meta.dirname, "../..");
const filterkit = (...args: string[]) => runFilterkit(args, { timeoutMs: 60_000, env: { FILTERKIT_SKIP_ENVOY: "" } });

describe("filterkit", () => {
  it("lists every command with its summary, and the exit codes", { timeout: 60_000 }, () => {
    const r = filterkit("--help");
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.out).toContain(`  ${c.name}`);
    expect(r.out).toMatch(/exit codes: 0 ok, 1 the work failed, 2 usage, 3 hosts disagree, 4 an expectation failed, 5 no real Envoy/);
    expect(COMMANDS.map((c) => c.name)).toEqual(["create", "build", "test", "scenario", "bench", "run", "package", "istio", "setup-envoy"]);
  });

  it("every command has a --help with a usage line and its exit codes", { timeout: 60_000 }, () => {
    for (const c of COMMANDS) {
      expect(c.help, c.name).toMatch(new RegExp(`^usage: filterkit ${c.name}\\b`));
      expect(c.help, c.name).toMatch(/exit codes?:/);
    }
    const r = filterkit("create", "--help");
    expect(r.code).toBe(0);
    expect(r.out.trimEnd()).toBe(COMMANDS[0].help);
  });

  it("says what went wrong and what to do next, with the usage exit code", { timeout: 60_000 }, () => {
    const unknown = filterkit("deploy");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe('filterkit: error: unknown command "deploy"\n  next: one of: create, build, test, scenario, bench, run, package, istio, setup-envoy (filterkit --help)\n');
    const option = filterkit("build", "--fast");
    expect(option.code).toBe(2);
    expect(option.err).toMatch(/^filterkit build: error: Unknown option '--fast'\n {2}next: see `filterkit build --help`\n$/);
    const name = filterkit("create", "My Filter");
    expect(name.code).toBe(2);
    expect(name.err).toMatch(/^filterkit create: error: "My Filter" is not a filter name/);
  });

  it("scenario: a missing file is a usage error; a scenario whose expectations hold exits 0 with its JSON document", { timeout: 60_000 }, () => {
    const missing = filterkit("scenario", "no/such.json");
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^filterkit scenario: error: no\/such\.json: no such file\n {2}next: /);
    const ok = filterkit("scenario", "filters/add-header/scenarios/add-header.json");
    expect(ok.code, ok.err).toBe(0);
    expect((JSON.parse(ok.out) as { expectations: { checked: number } }).expectations.checked).toBeGreaterThan(0);
  });
});
