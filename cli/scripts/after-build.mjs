// After tsc: the files @filterkit/cli ships that tsc does not emit.
// - src/compile/wasm-pack-*.mjs: the data-section packer, written as plain JavaScript (its .d.mts
//   declarations are what tsc reads), copied beside the compiled build code that imports it;
// - template/: the kit's template filter, filters/add-header of the repository, without its build
//   outputs (`filterkit create` copies it; in the repository it reads filters/add-header itself).
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = join(pkg, "src", "compile");
const to = join(pkg, "dist", "src", "compile");
mkdirSync(to, { recursive: true });
for (const f of readdirSync(from)) if (f.endsWith(".mjs")) cpSync(join(from, f), join(to, f));

const template = join(pkg, "..", "filters", "add-header");
if (!existsSync(join(template, "assembly", "index.ts"))) throw new Error(`the template filter is missing: ${template}`);
rmSync(join(pkg, "template"), { recursive: true, force: true });
cpSync(template, join(pkg, "template"), { recursive: true, filter: (src) => !/[\\/](build|node_modules)$/.test(src) });
