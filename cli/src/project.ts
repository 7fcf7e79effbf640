// Where a filter is and what it is called. A filter is a folder holding `assembly/index.ts` (its
// AssemblyScript entry); its builds land in `<folder>/build/{release,debug}.wasm`. Its root id —
// the name its code passes to registerRootContext, which Envoy's `root_id` must repeat — is
// `filterkit.rootId` in the folder's package.json when set, else the folder's name with dashes
// made underscores (`add-header` → `add_header`), as `filterkit create` writes it.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { CliError, EXIT } from "./errors.ts";

/** Folders never searched for filters. */
const SKIP_DIRS = new Set(["node_modules", "build", "dist", ".git", ".cache"]);

export interface Filter {
  dir: string;
  name: string;
  rootId: string;
  release: string;
  debug: string;
}

export function isFilterDir(dir: string): boolean {
  return existsSync(join(dir, "assembly", "index.ts"));
}

/** The nearest folder at or above `from` that holds a package.json (the project), else `from`. */
export function projectRoot(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return resolve(from);
  }
}

/** Every filter folder at or below `dir` (the folder itself when it is one), sorted. */
export function findFilters(dir: string, skip: (path: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (skip(d)) return;
    if (isFilterDir(d)) {
      out.push(d);
      return;
    }
    for (const name of readdirSync(d)) {
      if (SKIP_DIRS.has(name) || name.startsWith(".")) continue;
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
    }
  };
  walk(resolve(dir));
  return out.sort();
}

export function filterAt(dir: string): Filter {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new CliError(`${dir}: no such folder`, "name a filter's folder (one holding assembly/index.ts)", EXIT.usage);
  if (!isFilterDir(abs)) {
    throw new CliError(`${dir}: not a filter (no assembly/index.ts in it)`, "run it in a folder made by `filterkit create`, or name one", EXIT.usage);
  }
  const name = basename(abs);
  let rootId = name.replace(/-/g, "_");
  const pkg = join(abs, "package.json");
  if (existsSync(pkg)) {
    const declared = (JSON.parse(readFileSync(pkg, "utf8")) as { filterkit?: { rootId?: unknown } }).filterkit?.rootId;
    if (typeof declared === "string" && declared !== "") rootId = declared;
  }
  return { dir: abs, name, rootId, release: join(abs, "build", "release.wasm"), debug: join(abs, "build", "debug.wasm") };
}

/** The filter's release build, or an error saying to build it. */
export function builtWasm(filter: Filter, target: "release" | "debug" = "release"): string {
  const path = target === "release" ? filter.release : filter.debug;
  if (!existsSync(path)) throw new CliError(`${filter.name} is not built (${path} is missing)`, "run `filterkit build` first", EXIT.failed);
  return path;
}

/**
 * The filter's plugin configuration: `file` (JSON) when given, else `<filter>/config.json` when it
 * exists, else an empty object. Returned as the text Envoy would hand to onConfigure.
 */
export function pluginConfiguration(filter: Filter, file: string | undefined): { text: string; from: string } {
  const path = file !== undefined ? resolve(file) : join(filter.dir, "config.json");
  if (!existsSync(path)) {
    if (file !== undefined) throw new CliError(`--config ${file}: no such file`, "name a JSON file holding the filter's configuration", EXIT.usage);
    return { text: "{}", from: "no config.json: an empty configuration" };
  }
  const text = readFileSync(path, "utf8");
  try {
    JSON.parse(text);
  } catch (e) {
    throw new CliError(`${path}: not JSON (${(e as Error).message})`, "fix the file: the configuration is handed to the filter as JSON text", EXIT.usage);
  }
  return { text: text.trim(), from: path };
}
