// The scenario corpus (integration/scenarios/*.json and filters/*/scenarios/*.json) run in both hosts: the mock host and real
// Envoy must agree on everything a filter can influence — what reached the upstream, what reached
// the client — ignoring only the headers Envoy adds itself (envoy/src/compare.ts), and each
// must meet the expectations the file states (the same ones scenarios-mock.test.ts checks).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkExpectations, formatExpectationFailures, expectationsOf, parseScenario, mockOutcome } from "@filterkit/host-mock/scenario";
import { compareRuns, formatDifferences, envoyOutcome, envoyRuntime } from "@filterkit/envoy";
import { recordEnvoyStart } from "./src/report.ts";
import { corpusFiles } from "./src/corpus.ts";

const skip = envoyRuntime();
const corpus = corpusFiles();

describe.skipIf(skip !== null)(`scenario corpus: mock host and real Envoy agree${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 90_000 }, () => {
  it("has scenarios to compare", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(15);
  });

  for (const { name: file, path } of corpus) {
    it(file, async () => {
      const scenario = parseScenario(JSON.parse(readFileSync(path, "utf8")), path);
      const mock = mockOutcome(scenario);
      const envoy = await envoyOutcome(scenario, (run) => recordEnvoyStart(file, run.envoy));
      const differences = compareRuns(mock, envoy);
      expect(differences, `${file}: the hosts disagree\n${formatDifferences(differences)}`).toEqual([]);
      const report = checkExpectations(expectationsOf(scenario), envoy);
      expect(report.checked).toBeGreaterThan(0);
      expect(report.failures, `${file}: real Envoy misses expectations\n${formatExpectationFailures("envoy", report.failures)}`).toEqual([]);
    });
  }
});
