// Where the scenario corpus lives: the kit's own scenarios (integration/scenarios/) and each
// filter's (filters/<name>/scenarios/, next to the filter they exercise). Every file runs on the mock
// host (scenarios-mock.test.ts) and in real Envoy against the mock (differential.test.ts).
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../..", import.meta.url));

export interface CorpusFile {
  /** absolute path */
  path: string;
  /** path from the repository root, the test's name */
  name: string;
  /** the README that must list the file (its directory's, or the filter's) */
  readme: string;
}

const jsonIn = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => join(dir, f)) : []);

export function corpusFiles(): CorpusFile[] {
  const kit = join(repo, "integration", "scenarios");
  const out: CorpusFile[] = jsonIn(kit).map((path) => ({ path, name: relative(repo, path), readme: join(kit, "README.md") }));
  const filters = join(repo, "filters");
  for (const f of readdirSync(filters).sort()) {
    for (const path of jsonIn(join(filters, f, "scenarios"))) out.push({ path, name: relative(repo, path), readme: join(filters, f, "README.md") });
  }
  return out;
}
