// `npm run --silent scenario -- FILE [--host mock|envoy|both]`: runs a scenario file, checks the
// expectations it states (format: host-mock/src/scenario/scenario.schema.json, README "Scenarios")
// and prints one JSON document on stdout; what failed goes to stderr as a readable diff.
//   mock   (default) the mock host: {"results", "logs", "expectations"}
//   envoy  real Envoy, set up like the integration suite does it (integration/src/runtime.ts: an
//          existing DOCKER_HOST or ENVOY_BINARY, else scripts/setup-envoy-runtime.sh as root):
//          {"results", "logs", "expectations", "envoy": {"version", "startupMs", "runtime"}}
//   both   both hosts, their differences (ignoring only the headers Envoy adds itself,
//          integration/src/compare.ts) and each host's expectations:
//          {"mock", "envoy", "differences", "expectations": {"mock", "envoy"}}
// Exit codes: 0 ok; 1 the scenario could not run (e.g. a plugin rejected its configuration) and
// did not expect to fail; 2 usage, file or schema errors; 3 (both) the hosts disagree;
// 4 an expectation failed.
// Build the filters first (`npm run build`).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { checkExpectations, formatExpectationFailures, type RunOutcome } from "../host-mock/src/scenario/expect.ts";
import { expectationsOf, parseScenario, type Scenario } from "../host-mock/src/scenario/format.ts";
import { mockOutcome } from "../host-mock/src/scenario/run-mock.ts";
import { compareRuns, formatDifferences } from "../integration/src/compare.ts";
import { envoyOutcome, type EnvoyRun } from "../integration/src/run-envoy.ts";
import { envoyRuntime } from "../integration/src/runtime.ts";

/** The JSON document, indented, with each [name, value] header pair kept on one line. */
function render(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2).replace(/\[\n\s*("(?:[^"\\]|\\.)*"),\n\s*("(?:[^"\\]|\\.)*")\n\s*\]/g, "[$1, $2]")}\n`;
}

/** Prints the document and exits once stdout has taken all of it (a pipe takes 64 KiB at a time). */
function finish(doc: unknown, code: number): void {
  process.stdout.write(render(doc), () => process.exit(code));
}

/** A short error document (it fits a pipe's buffer, so exiting at once loses nothing). */
function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.stdout.write(render({ error: message }));
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
  fail(`${path}: ${(e as Error).message}`, 2);
}

if (host !== "mock") {
  // the same runtime bootstrap as the integration suite: find or set up a way to run Envoy
  let skip: string | null;
  try {
    skip = envoyRuntime();
  } catch (e) {
    fail((e as Error).message, 2);
  }
  if (skip !== null) fail(`--host ${host} needs real Envoy, but ${skip}`, 2);
}

const expectations = expectationsOf(scenario);
let envoyFacts: EnvoyRun["envoy"] | undefined;

/** A host's outcome with its expectations checked; failures reported on stderr. */
function checked(name: string, outcome: RunOutcome): { outcome: RunOutcome; report: ReturnType<typeof checkExpectations> } {
  const report = checkExpectations(expectations, outcome);
  if (report.failures.length > 0) process.stderr.write(`${formatExpectationFailures(name, report.failures)}\n`);
  process.stderr.write(`${name}: ${report.checked} expectation(s) checked, ${report.failures.length} failed\n`);
  return { outcome, report };
}

const runMock = (): RunOutcome => mockOutcome(scenario);
const runEnvoy = (): Promise<RunOutcome> => envoyOutcome(scenario, (run) => { envoyFacts = run.envoy; });
/** An unexpected refusal is exit 1; a refusal the scenario expected is a result like any other. */
const unexpectedError = (o: RunOutcome): boolean => "error" in o && expectations.run?.error === undefined;

/** Runs the scenario on the chosen host(s): the document to print and the exit code. */
async function main(): Promise<[unknown, number]> {
  if (host === "mock" || host === "envoy") {
    const { outcome, report } = checked(host, host === "mock" ? runMock() : await runEnvoy());
    const code = unexpectedError(outcome) ? 1 : report.failures.length > 0 ? 4 : 0;
    return [{ ...outcome, expectations: report, ...(envoyFacts !== undefined ? { envoy: envoyFacts } : {}) }, code];
  }
  const mock = checked("mock", runMock());
  const envoy = checked("envoy", await runEnvoy());
  const differences = compareRuns(mock.outcome, envoy.outcome);
  if (differences.length > 0) process.stderr.write(`the hosts disagree:\n${formatDifferences(differences)}\n`);
  const failures = mock.report.failures.length + envoy.report.failures.length;
  const doc = {
    mock: mock.outcome, envoy: { ...envoy.outcome, ...(envoyFacts !== undefined ? { envoy: envoyFacts } : {}) }, differences,
    expectations: { mock: mock.report, envoy: envoy.report },
  };
  return [doc, differences.length > 0 ? 3 : failures > 0 ? 4 : unexpectedError(mock.outcome) ? 1 : 0];
}

const [doc, code] = await main();
finish(doc, code);
