// `npm run --silent scenario -- FILE [--host mock]`: runs a scenario file and prints one JSON
// document, {"results": [...]} (format in the README). `--host envoy` comes with the integration
// work (issue 4). Build the filters first (`npm run build`); this command prints nothing but JSON.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseScenario, ScenarioError } from "../host-mock/src/scenario/format.ts";
import { runOnMock } from "../host-mock/src/scenario/run-mock.ts";

function fail(message: string, code: number): never {
  process.stdout.write(`${JSON.stringify({ error: message })}\n`);
  process.exit(code);
}

const args = process.argv.slice(2);
const hostFlag = args.indexOf("--host");
const host = hostFlag >= 0 ? args[hostFlag + 1] : "mock";
const file = args.find((a, i) => !a.startsWith("--") && (hostFlag < 0 || i !== hostFlag + 1));
if (file === undefined) fail("usage: npm run --silent scenario -- FILE [--host mock]", 2);
if (host !== "mock") fail(`--host ${host}: only the mock host runs scenarios so far (real Envoy comes with the integration suite)`, 2);

const path = resolve(file);
let doc: unknown;
try {
  doc = JSON.parse(readFileSync(path, "utf8"));
} catch (e) {
  fail(`${path}: ${(e as Error).message}`, 2);
}
try {
  // indented, with each [name, value] header pair kept on one line
  const text = JSON.stringify(runOnMock(parseScenario(doc, path)), null, 2)
    .replace(/\[\n\s*("(?:[^"\\]|\\.)*"),\n\s*("(?:[^"\\]|\\.)*")\n\s*\]/g, "[$1, $2]");
  process.stdout.write(`${text}\n`);
} catch (e) {
  if (e instanceof ScenarioError) fail(e.message, 1);
  throw e;
}
