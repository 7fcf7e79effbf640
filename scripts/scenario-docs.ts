// Writes the documentation that comes from the scenario format's one definition and from the
// corpus itself, so neither can drift from what the runner accepts:
//   README.md                      the field table, from host-mock/src/scenario/scenario.schema.json
//   integration/scenarios/README.md the corpus table, from each file's "description"
//   filters/<name>/istio.yaml      each shipped filter's WasmPlugin (scripts/istio-examples.ts)
// Each generated part sits between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`.
//   npm run docs            rewrite both
//   npm run docs -- --check exit 1 (naming the file) when either is out of date
// scripts/test/scenario-docs.test.ts runs the check in the test suite.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseScenario, SCENARIO_SCHEMA, type Scenario } from "@filterkit/host-mock/scenario";
import { istioExample, PLACEMENT } from "./istio-examples.ts";

const repo = resolve(fileURLToPath(new URL("..", import.meta.url)));
const CORPUS = join(repo, "integration/scenarios");

interface Schema {
  type?: string;
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  $ref?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  additionalProperties?: Schema | boolean;
  if?: Schema;
  then?: Schema;
  else?: Schema;
}

const root = SCENARIO_SCHEMA as unknown as Schema & { $defs: Record<string, Schema> };

function deref(s: Schema): Schema {
  if (s.$ref === undefined) return s;
  const target = root.$defs[s.$ref.replace("#/$defs/", "")];
  // the referring schema's own annotations (description, default) win over the target's
  const { $ref: _ref, ...own } = s;
  return { ...target, ...own };
}

/** A short type label: the schema's title, else its type, enum or const. */
function typeOf(s: Schema): string {
  const d = deref(s);
  if (d.title !== undefined) return d.title;
  if (d.enum !== undefined) return d.enum.map((v) => JSON.stringify(v)).join(" \\| ");
  if (d.const !== undefined) return JSON.stringify(d.const);
  if (d.anyOf !== undefined) return d.anyOf.map(typeOf).join(" \\| ");
  if (d.type === "array" && d.items !== undefined) return `[${typeOf(d.items)}, …]`;
  return d.type ?? "any";
}

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Rows of the field table: path, type, default, meaning; objects and arrays of objects are opened. */
function rows(s: Schema, path: string, required: boolean, out: string[][]): void {
  const d = deref(s);
  if (path !== "") {
    const def = d.default !== undefined ? `\`${JSON.stringify(d.default)}\`` : required ? "required" : "";
    out.push([`\`${path}\``, typeOf(s).includes("`") ? typeOf(s) : `\`${typeOf(s)}\``, def, cell(d.description ?? "")]);
  }
  const object = d.type === "object" && d.properties !== undefined ? d : d.type === "array" && d.items !== undefined && deref(d.items).properties !== undefined ? deref(d.items) : null;
  if (object === null) return;
  const prefix = d.type === "array" ? `${path}[]` : path;
  for (const [key, child] of Object.entries(object.properties ?? {})) {
    rows(child, prefix === "" ? key : `${prefix}.${key}`, (object.required ?? []).includes(key), out);
  }
}

export function fieldTable(): string {
  const out: string[][] = [];
  rows(root, "", true, out);
  return ["| field | type | default | meaning |", "|---|---|---|---|", ...out.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

function loadCorpus(): Array<{ file: string; scenario: Scenario }> {
  return readdirSync(CORPUS).filter((f) => f.endsWith(".json")).sort().map((file) => {
    const path = join(CORPUS, file);
    return { file, scenario: parseScenario(JSON.parse(readFileSync(path, "utf8")), path) };
  });
}

export function corpusTable(): string {
  const lines = loadCorpus().map(({ file, scenario }) =>
    `| \`${file}\` | ${cell(scenario.description)} | ${scenario.requests.length} |`);
  return ["| file | covers | requests |", "|---|---|---|", ...lines].join("\n");
}

/** `text` with the block between the markers of `name` replaced by `body`. */
export function withGenerated(text: string, name: string, body: string): string {
  const open = `<!-- generated:${name} -->`;
  const close = `<!-- /generated:${name} -->`;
  const a = text.indexOf(open);
  const b = text.indexOf(close);
  if (a < 0 || b < a) throw new Error(`missing ${open} … ${close}`);
  return `${text.slice(0, a + open.length)}\n${body}\n${text.slice(b)}`;
}

export const TARGETS = [
  { file: join(repo, "README.md"), name: "scenario-fields", render: fieldTable },
  { file: join(CORPUS, "README.md"), name: "scenario-corpus", render: corpusTable },
];

/** The files whose generated parts are out of date. */
export function staleDocs(): string[] {
  return TARGETS.filter((t) => {
    const text = readFileSync(t.file, "utf8");
    return withGenerated(text, t.name, t.render()) !== text;
  }).map((t) => t.file);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // and each shipped filter's WasmPlugin example (scripts/istio-examples.ts)
  const examples = Object.keys(PLACEMENT).map((name) => ({ file: join(repo, "filters", name, "istio.yaml"), text: istioExample(name) }));
  if (process.argv.includes("--check")) {
    const stale = [...staleDocs(), ...examples.filter((e) => { try { return readFileSync(e.file, "utf8") !== e.text; } catch { return true; } }).map((e) => e.file)];
    for (const f of stale) console.error(`${f} is out of date: run \`npm run docs\``);
    process.exit(stale.length > 0 ? 1 : 0);
  }
  for (const t of TARGETS) writeFileSync(t.file, withGenerated(readFileSync(t.file, "utf8"), t.name, t.render()));
  for (const e of examples) writeFileSync(e.file, e.text);
  console.log(`wrote ${[...TARGETS, ...examples].map((t) => t.file).join(", ")}`);
}
