// The scenario corpus (integration/scenarios/*.json and filters/*/scenarios/*.json) on the mock host: every file states what its
// requests must produce (`expect` blocks, scenario.schema.json) and the mock must meet all of it.
// The same expectations are checked in real Envoy by differential.test.ts, so the corpus cannot
// drift into agreeing hosts that are both wrong. The README next to the corpus (a filter's own
// README for its scenarios) lists each file.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkExpectations, formatExpectationFailures, expectationsOf, hasExpectations, parseScenario, mockOutcome, type Scenario,
} from "@filterkit/host-mock/scenario";
import { corpusFiles } from "./src/corpus.ts";

const corpus = corpusFiles();
const files = corpus.map((c) => c.name);

function load(name: string): Scenario {
  const file = corpus.find((c) => c.name === name)?.path ?? name;
  return parseScenario(JSON.parse(readFileSync(file, "utf8")), file);
}

describe("scenario corpus on the mock host", () => {
  it("every file states expectations and has a README row", () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
    expect(files.filter((f) => f.startsWith("filters/")).length, "the filters' own scenarios are found").toBeGreaterThan(0);
    for (const c of corpus) {
      expect(hasExpectations(load(c.name)), `${c.name} states no expectation`).toBe(true);
      expect(readFileSync(c.readme, "utf8"), `${c.readme} has no row for ${c.name}`).toContain(`\`${basename(c.name)}\``);
    }
  });

  for (const f of files) {
    it(`${f}: every expectation holds`, () => {
      const scenario = load(f);
      const report = checkExpectations(expectationsOf(scenario), mockOutcome(scenario));
      expect(report.checked).toBeGreaterThan(0);
      expect(report.failures, formatExpectationFailures("mock", report.failures)).toEqual([]);
    });
  }

  it("a wrong expectation fails, naming where it is written and what came instead", () => {
    let perturbed = 0;
    for (const f of files) {
      const scenario = load(f);
      const i = scenario.requests.findIndex((r) => r.expect?.status !== undefined);
      if (i < 0) continue;
      const r = scenario.requests[i];
      const wrong = (r.expect?.status ?? 0) + 1;
      r.expect = { ...r.expect, status: wrong };
      const { failures } = checkExpectations(expectationsOf(scenario), mockOutcome(scenario));
      expect(failures.map((x) => x.at), f).toEqual([`requests[${i}].expect.status`]);
      expect(failures[0].expected).toBe(wrong);
      expect(failures[0].actual).toBe(wrong - 1);
      perturbed++;
    }
    expect(perturbed).toBeGreaterThanOrEqual(10);
  });
});
