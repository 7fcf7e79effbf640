// `npm run --silent scenario -- FILE [--host mock|envoy|both]`: runs a scenario file and prints one
// JSON document (format in the README). Nothing but JSON goes to stdout.
//   mock   (default) the mock host: {"results": [...]}
//   envoy  real Envoy (integration/src/envoy.ts settings: ENVOY_IMAGE, ENVOY_BINARY, …):
//          {"results": [...], "envoy": {"version", "startupMs", "runtime"}}
//   both   both hosts and every difference, ignoring only the headers Envoy adds itself
//          (integration/src/compare.ts): {"mock": …, "envoy": …, "differences": [...]}
// Exit codes: 0 ok, 1 the scenario could not run (e.g. a plugin rejected its configuration),
// 2 usage or file errors, 3 (both) the hosts disagree.
// Build the filters first (`npm run build`).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseScenario, ScenarioError, type Scenario } from "../host-mock/src/scenario/format.ts";
import { runOnMock } from "../host-mock/src/scenario/run-mock.ts";
import { compareRuns, type RunOutput } from "../integration/src/compare.ts";
import { runOnEnvoy } from "../integration/src/run-envoy.ts";

function print(doc: unknown): void {
  // indented, with each [name, value] header pair kept on one line
  const text = JSON.stringify(doc, null, 2).replace(/\[\n\s*("(?:[^"\\]|\\.)*"),\n\s*("(?:[^"\\]|\\.)*")\n\s*\]/g, "[$1, $2]");
  process.stdout.write(`${text}\n`);
}

function fail(message: string, code: number): never {
  print({ error: message });
  process.exit(code);
}

const args = process.argv.slice(2);
const hostFlag = args.indexOf("--host");
const host = hostFlag >= 0 ? args[hostFlag + 1] : "mock";
const file = args.find((a, i) => !a.startsWith("--") && (hostFlag < 0 || i !== hostFlag + 1));
if (file === undefined) fail("usage: npm run --silent scenario -- FILE [--host mock|envoy|both]", 2);
if (host !== "mock" && host !== "envoy" && host !== "both") fail(`--host ${host}: expected mock, envoy or both`, 2);

const path = resolve(file);
let scenario: Scenario;
try {
  scenario = parseScenario(JSON.parse(readFileSync(path, "utf8")), path);
} catch (e) {
  fail(`${path}: ${(e as Error).message}`, e instanceof ScenarioError ? 1 : 2);
}

/** A run's output, with a scenario that cannot run reported as {"error"} (other errors propagate). */
async function attempt<T extends object>(run: () => Promise<T> | T): Promise<T | { error: string }> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof ScenarioError) return { error: e.message };
    throw e;
  }
}

if (host === "mock" || host === "envoy") {
  const out = await attempt(() => (host === "mock" ? runOnMock(scenario) : runOnEnvoy(scenario)));
  print(out);
  process.exit("error" in out ? 1 : 0);
}
const mock = await attempt(() => runOnMock(scenario));
const envoy = await attempt(() => runOnEnvoy(scenario));
const envoyResults: RunOutput = "error" in envoy ? envoy : { results: envoy.results };
const differences = compareRuns(mock, envoyResults);
print({ mock, envoy, differences });
process.exit(differences.length > 0 ? 3 : 0);
