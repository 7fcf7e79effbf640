// `filterkit scenario FILE [--host mock|envoy|both]`: runs a scenario file (the format of
// @filterkit/host-mock/scenario: plugins, requests, expectations), checks the expectations it states
// and prints one JSON document on stdout; what failed goes to stderr as a readable diff.
//   mock   (default) the mock host: {"results", "logs", "expectations"}
//   envoy  real Envoy, found or set up as @filterkit/envoy's envoyRuntime() does it:
//          {"results", "logs", "expectations", "envoy": {"version", "startupMs", "runtime"}}
//   both   both hosts, their differences (ignoring only the headers Envoy adds itself) and each
//          host's expectations: {"mock", "envoy", "differences", "expectations": {"mock", "envoy"}}
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { EnvoyRun } from "@filterkit/envoy";
import { checkExpectations, expectationsOf, formatExpectationFailures, mockOutcome, parseScenario, type RunOutcome, type Scenario } from "@filterkit/host-mock/scenario";
import { parse, type Command } from "../command.ts";
import { CliError, EXIT, usageError } from "../errors.ts";
import { requireEnvoy } from "../envoy-runtime.ts";
import { step } from "../progress.ts";

const HELP = `usage: filterkit scenario FILE [--host mock|envoy|both]

Runs the scenario in FILE (JSON: plugins with their .wasm paths relative to the file, requests,
the upstream's answers, and the expectations), checks every expectation it states and prints the
outcome as one JSON document on stdout; failures are also explained on stderr.
  --host mock    the mock host (default; milliseconds, no Envoy)
  --host envoy   real Envoy (a container runtime: DOCKER_HOST, or filterkit setup-envoy)
  --host both    both, and the differences between them

exit codes: 0 every expectation held (and, with both, the hosts agree); 1 the scenario could not
run (e.g. a plugin refused its configuration) and did not expect to fail; 2 usage, file or schema
errors; 3 the hosts disagree; 4 an expectation failed; 5 real Envoy is not available`;

/** The JSON document, indented, with each [name, value] header pair kept on one line. */
export function render(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2).replace(/\[\n\s*("(?:[^"\\]|\\.)*"),\n\s*("(?:[^"\\]|\\.)*")\n\s*\]/g, "[$1, $2]")}\n`;
}

export function loadScenario(file: string): Scenario {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new CliError(`${file}: no such file`, "name a scenario file (JSON)", EXIT.usage);
  }
  try {
    return parseScenario(JSON.parse(text), path);
  } catch (e) {
    throw new CliError(`${path}: ${(e as Error).message}`, "fix the file: its format is scenario.schema.json in @filterkit/host-mock", EXIT.usage);
  }
}

export const scenario: Command = {
  name: "scenario",
  summary: "run a scenario file on the mock host, in real Envoy, or both and compare",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parse("scenario", argv, { host: { type: "string", default: "mock" } });
    const host = values.host;
    if (positionals.length !== 1) throw usageError("scenario", "name one scenario file: filterkit scenario FILE [--host mock|envoy|both]");
    if (host !== "mock" && host !== "envoy" && host !== "both") throw usageError("scenario", `--host ${host}: expected mock, envoy or both`);
    const loaded = loadScenario(positionals[0]);
    if (host !== "mock") await requireEnvoy(`--host ${host}`, "run it with --host mock");
    // loaded only for Envoy: @filterkit/envoy pulls in testcontainers
    const envoy = host !== "mock" ? await import("@filterkit/envoy") : null;

    const expectations = expectationsOf(loaded);
    let envoyFacts: EnvoyRun["envoy"] | undefined;
    const checked = (name: string, outcome: RunOutcome) => {
      const report = checkExpectations(expectations, outcome);
      if (report.failures.length > 0) process.stderr.write(`${formatExpectationFailures(name, report.failures)}\n`);
      process.stderr.write(`${name}: ${report.checked} expectation(s) checked, ${report.failures.length} failed\n`);
      return { outcome, report };
    };
    const runMock = (): RunOutcome => mockOutcome(loaded);
    const runEnvoy = async (): Promise<RunOutcome> => {
      const s = step("running the scenario in real Envoy");
      const outcome = await envoy!.envoyOutcome(loaded, (r) => { envoyFacts = r.envoy; });
      s.done(envoyFacts !== undefined ? `Envoy ${envoyFacts.version}, ready in ${Math.round(envoyFacts.startupMs)} ms` : undefined);
      return outcome;
    };
    // an unexpected refusal is exit 1; a refusal the scenario expected is a result like any other
    const unexpectedError = (o: RunOutcome): boolean => "error" in o && expectations.run?.error === undefined;
    const withFacts = (o: RunOutcome) => ({ ...o, ...(envoyFacts !== undefined ? { envoy: envoyFacts } : {}) });

    let doc: unknown;
    let code: number;
    if (host === "mock" || host === "envoy") {
      const { outcome, report } = checked(host, host === "mock" ? runMock() : await runEnvoy());
      code = unexpectedError(outcome) ? EXIT.failed : report.failures.length > 0 ? EXIT.expectation : EXIT.ok;
      doc = { ...withFacts(outcome), expectations: report };
    } else {
      const mock = checked("mock", runMock());
      const onEnvoy = checked("envoy", await runEnvoy());
      const differences = envoy!.compareRuns(mock.outcome, onEnvoy.outcome);
      if (differences.length > 0) process.stderr.write(`the hosts disagree:\n${envoy!.formatDifferences(differences)}\n`);
      const failures = mock.report.failures.length + onEnvoy.report.failures.length;
      doc = { mock: mock.outcome, envoy: withFacts(onEnvoy.outcome), differences, expectations: { mock: mock.report, envoy: onEnvoy.report } };
      code = differences.length > 0 ? EXIT.disagree : failures > 0 ? EXIT.expectation : unexpectedError(mock.outcome) ? EXIT.failed : EXIT.ok;
    }
    process.stdout.write(render(doc));
    return code;
  },
};
