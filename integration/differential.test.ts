// The scenario corpus (integration/scenarios/*.json) run in both hosts: the mock host and real
// Envoy must agree on everything a filter can influence — what reached the upstream, what reached
// the client — ignoring only the headers Envoy adds itself (integration/src/compare.ts).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseScenario, ScenarioError } from "../host-mock/src/scenario/format.ts";
import { runOnMock } from "../host-mock/src/scenario/run-mock.ts";
import { compareRuns, formatDifferences, type RunOutput } from "./src/compare.ts";
import { recordEnvoyStart } from "./src/report.ts";
import { runOnEnvoy } from "./src/run-envoy.ts";
import { envoyRuntime } from "./src/runtime.ts";

const skip = envoyRuntime();
const dir = fileURLToPath(new URL("./scenarios", import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

async function output(run: () => Promise<RunOutput> | RunOutput): Promise<RunOutput> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof ScenarioError) return { error: e.message };
    throw e;
  }
}

describe.skipIf(skip !== null)(`scenario corpus: mock host and real Envoy agree${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 90_000 }, () => {
  it("has scenarios to compare", () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  for (const file of files) {
    it(file, async () => {
      const path = join(dir, file);
      const scenario = parseScenario(JSON.parse(readFileSync(path, "utf8")), path);
      const mock = await output(() => runOnMock(scenario));
      const envoy = await output(async () => {
        const run = await runOnEnvoy(scenario);
        recordEnvoyStart(file, run.envoy);
        return { results: run.results };
      });
      const differences = compareRuns(mock, envoy);
      expect(differences, `${file}: the hosts disagree\n${formatDifferences(differences)}`).toEqual([]);
    });
  }
});
