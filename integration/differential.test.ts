// The scenario corpus (integration/scenarios/*.json) run in both hosts: the mock host and real
// Envoy must agree on everything a filter can influence — what reached the upstream, what reached
// the client — ignoring only the headers Envoy adds itself (integration/src/compare.ts), and each
// must meet the expectations the file states (the same ones scenarios-mock.test.ts checks).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkExpectations, formatExpectationFailures } from "../host-mock/src/scenario/expect.ts";
import { expectationsOf, parseScenario } from "../host-mock/src/scenario/format.ts";
import { mockOutcome } from "../host-mock/src/scenario/run-mock.ts";
import { compareRuns, formatDifferences } from "./src/compare.ts";
import { recordEnvoyStart } from "./src/report.ts";
import { envoyOutcome } from "./src/run-envoy.ts";
import { envoyRuntime } from "./src/runtime.ts";

const skip = envoyRuntime();
const dir = fileURLToPath(new URL("./scenarios", import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

describe.skipIf(skip !== null)(`scenario corpus: mock host and real Envoy agree${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 90_000 }, () => {
  it("has scenarios to compare", () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  for (const file of files) {
    it(file, async () => {
      const path = join(dir, file);
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
