// Facts about the installed kit: this package's folder and version (the version new filters
// depend on).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** @filterkit/cli's folder (src/ in the repository, dist/src/ once built, lie below it). */
export function packageDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "@filterkit/cli") return dir;
    if (dirname(dir) === dir) throw new Error(`no @filterkit/cli package.json above ${fileURLToPath(import.meta.url)}`);
  }
}

export const KIT_VERSION = (JSON.parse(readFileSync(join(packageDir(), "package.json"), "utf8")) as { version: string }).version;
