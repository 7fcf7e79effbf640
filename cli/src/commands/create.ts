// `filterkit create <name> [--dir D]`: a new filter from the kit's template, the add-header filter
// (filters/add-header in the kit's repository, copied into this package as template/ when it is
// packed): its code, vitest test, scenario, Envoy bootstrap and example configuration with the
// name, the root id and the class names set everywhere, plus the files of a project of its own
// (package.json with scripts, asconfig.json, vitest.config.ts, README, .gitignore).
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parse, type Command } from "../command.ts";
import { CliError, EXIT, usageError } from "../errors.ts";
import { KIT_VERSION, packageDir } from "../kit.ts";

const HELP = `usage: filterkit create <name> [--dir D]

Makes a new filter in D (default ./<name>) from the kit's template (add-header: one configured
header added to every response), ready to change:
  assembly/index.ts        the filter (AssemblyScript, @filterkit/sdk)
  <name>.test.ts           unit tests on the mock host (vitest, the kit's matchers), and the fuzz harness
  scenarios/<name>.json    requests and what they must produce, on the mock host and in real Envoy
  config.json              the configuration filterkit run and filterkit bench use
  envoy.yaml               an Envoy bootstrap running the release build
  package.json             scripts: build, test, scenario, bench, start (filterkit run --watch)
  asconfig.json, vitest.config.ts, README.md, .gitignore
The name is a lower-case word with dashes (my-filter); the root id is it with underscores
(my_filter), the classes are named after it (MyFilterRoot). Then: cd D && npm install && npm test

exit codes: 0 created, 2 usage (a bad name, D exists and is not empty)`;

/** A filter's names in each form the template uses. */
export interface FilterNames {
  name: string;
  rootId: string;
  className: string;
}

export function namesOf(name: string): FilterNames {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name) || name.length > 60) {
    throw usageError("create", `"${name}" is not a filter name: use lower-case letters, digits and single dashes, starting with a letter (e.g. my-filter)`);
  }
  const className = name.split("-").map((w) => w[0].toUpperCase() + w.slice(1)).join("");
  return { name, rootId: name.replace(/-/g, "_"), className };
}

/** The template's folder: template/ in the installed package, the add-header filter in the repository. */
export function templateDir(): string {
  const pkg = packageDir();
  for (const dir of [join(pkg, "template"), join(pkg, "..", "filters", "add-header")]) {
    if (existsSync(join(dir, "assembly", "index.ts"))) return dir;
  }
  throw new CliError(`the template is missing from ${pkg}`, "reinstall @filterkit/cli", EXIT.failed);
}

/** The template's text with add-header's names replaced by the new filter's. */
export function rename(text: string, n: FilterNames): string {
  return text.replace(/AddHeader/g, n.className).replace(/add_header/g, n.rootId).replace(/add-header/g, n.name);
}

/** The files the template provides, relative to it, renamed for the new filter (build outputs left out). */
function templateFiles(dir: string, n: FilterNames): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) {
        if (entry !== "build" && entry !== "node_modules") walk(path);
        continue;
      }
      const rel = relative(dir, path);
      if (rel === "README.md") continue; // written below: the template's own README describes the kit's repository
      out.push([rename(rel, n), rename(readFileSync(path, "utf8"), n)]);
    }
  };
  walk(dir);
  return out;
}

/** The scenario's $schema: the installed host-mock's schema, seen from the scenarios folder. */
function schemaRef(target: string): string {
  const rel = join("@filterkit", "host-mock", "dist", "host-mock", "src", "scenario", "scenario.schema.json");
  for (let dir = target; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules", rel))) return relative(join(target, "scenarios"), join(dir, "node_modules", rel));
    if (dirname(dir) === dir) return join("..", "node_modules", rel); // where `npm install` in the folder puts it
  }
}

function readmeOf(n: FilterNames, template: string): string {
  // the template's configuration reference and behaviour, renamed
  const body = rename(readFileSync(join(template, "README.md"), "utf8"), n);
  const from = body.indexOf("## Configuration");
  const until = body.indexOf("## Scenarios");
  const reference = from >= 0 ? body.slice(from, until > from ? until : undefined).trimEnd() : "";
  return `# ${n.name}

A proxy-wasm HTTP filter for Envoy, written in AssemblyScript with filterkit. It starts as the
kit's template (one configured header added to every response): change \`assembly/index.ts\` to make
it yours, and this README with it.

| command | what it does |
|---|---|
| \`npm run build\` | \`build/release.wasm\` (what Envoy runs) and \`build/debug.wasm\` (names + source map) |
| \`npm test\` | the unit tests on the mock host (\`${n.name}.test.ts\`, vitest) |
| \`npm run scenario\` | \`scenarios/${n.name}.json\` on the mock host and in real Envoy, compared |
| \`npm run bench\` | the filter's cost per request on the mock host (\`-- --envoy\`: in Envoy) |
| \`npm start\` | serves the filter on http://127.0.0.1:10000 in front of an echo upstream, rebuilt and reloaded on every change (\`-- --envoy\`: in real Envoy) |

The root id is \`${n.rootId}\`: \`registerRootContext\` in the code, \`root_id\` in \`envoy.yaml\`,
\`rootId\` in the scenario and the test, and \`filterkit.rootId\` in package.json must all say it.

${reference}

## Scenarios
| file | covers |
|---|---|
| \`${n.name}.json\` | the header added to a response, after an upstream value of the same name; the request untouched |
`;
}

export function createFilter(nameArg: string, dirArg: string | undefined, cwd = process.cwd()): { dir: string; files: string[] } {
  const n = namesOf(nameArg);
  const target = resolve(cwd, dirArg ?? n.name);
  if (existsSync(target) && (!statSync(target).isDirectory() || readdirSync(target).length > 0)) {
    throw usageError("create", `${relative(cwd, target) || target} already exists and is not an empty folder`);
  }
  const template = templateDir();
  const files = templateFiles(template, n);
  const range = `^${KIT_VERSION}`;
  const pkg = {
    name: n.name,
    version: "0.1.0",
    private: true,
    type: "module",
    description: `${n.name}: an Envoy HTTP filter in AssemblyScript (proxy-wasm), made with filterkit`,
    scripts: {
      build: "filterkit build",
      test: "filterkit test",
      scenario: `filterkit scenario scenarios/${n.name}.json --host both`,
      bench: "filterkit bench",
      start: "filterkit run --watch",
    },
    filterkit: { rootId: n.rootId },
    devDependencies: { "@filterkit/cli": range, "@filterkit/host-mock": range, "@filterkit/sdk": range, vitest: "^4.1.12" },
  };
  const generated: Array<[string, string]> = [
    ["package.json", `${JSON.stringify(pkg, null, 2)}\n`],
    ["asconfig.json", `${JSON.stringify({ extends: "@filterkit/sdk/asconfig.json" }, null, 2)}\n`],
    ["vitest.config.ts", `import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/build/**"],
    // the kit's matchers (toHaveHeader, toHaveLocalReply, toHaveLogged, ...) in every test file
    setupFiles: [fileURLToPath(import.meta.resolve("@filterkit/host-mock/matchers"))],
  },
});
`],
    [".gitignore", "node_modules/\nbuild/\n.cache/\n"],
    ["README.md", readmeOf(n, template)],
  ];
  const schema = schemaRef(target);
  const all = [...files, ...generated].map(([rel, text]): [string, string] =>
    rel === join("scenarios", `${n.name}.json`) ? [rel, text.replace(/"\$schema": "[^"]*"/, `"$schema": ${JSON.stringify(schema)}`)] : [rel, text]);
  for (const [rel, text] of all) {
    mkdirSync(dirname(join(target, rel)), { recursive: true });
    writeFileSync(join(target, rel), text);
  }
  return { dir: target, files: all.map(([rel]) => rel).sort() };
}

export const create: Command = {
  name: "create",
  summary: "make a new filter from the template (code, test, scenario, envoy.yaml, package.json)",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parse("create", argv, { dir: { type: "string" } });
    if (positionals.length !== 1) throw usageError("create", positionals.length === 0 ? "name the filter: filterkit create <name>" : `one name expected, got ${positionals.length}`);
    const { dir, files } = createFilter(positionals[0], values.dir);
    const shown = relative(process.cwd(), dir) || ".";
    process.stdout.write(`created ${shown}: ${files.join(", ")}\n\nnext:\n  cd ${shown}\n  npm install\n  npm test\n  npm start        # serves it on http://127.0.0.1:10000\n`);
    return EXIT.ok;
  },
};
