// The documentation generated from the scenario schema and the corpus is current, and the README's
// example scenario is a valid scenario whose expectations hold.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { checkExpectations, formatExpectationFailures, expectationsOf, parseScenario, mockOutcome } from "@filterkit/host-mock/scenario";
import { fieldTable, staleDocs, withGenerated } from "../scenario-docs.ts";

const repo = resolve(import.meta.dirname, "../..");

describe("scenario documentation", () => {
  it("the generated tables in README.md and integration/scenarios/README.md are current (npm run docs)", () => {
    expect(staleDocs()).toEqual([]);
  });

  it("the field table lists every field of the schema, and a stale table is noticed", () => {
    const table = fieldTable();
    for (const f of ["plugins[].failurePolicy", "plugins[].vmConfiguration", "requests[].trailers", "callouts[].headers", "requests[].expect.upstream", "expect.logs[].absent"]) {
      expect(table).toContain(`| \`${f}\` |`);
    }
    const text = "a\n<!-- generated:x -->\nold\n<!-- /generated:x -->\nb";
    expect(withGenerated(text, "x", "new")).toBe("a\n<!-- generated:x -->\nnew\n<!-- /generated:x -->\nb");
  });

  it("the README's example scenario runs on the mock host and meets its expectations", () => {
    const readme = readFileSync(join(repo, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Scenarios"));
    const json = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    expect(json).toBeDefined();
    const scenario = parseScenario(JSON.parse(json as string), join(repo, "example.json"));
    const report = checkExpectations(expectationsOf(scenario), mockOutcome(scenario));
    expect(report.checked).toBeGreaterThanOrEqual(4);
    expect(report.failures, formatExpectationFailures("mock", report.failures)).toEqual([]);
  });
});
