// The kit's working files for a project (build staging, unpacked originals, the Envoy runtime's
// virtualenv and environment): FILTERKIT_CACHE, else `.cache` in the project's root.
import { join, resolve } from "node:path";

export function cacheDir(root: string): string {
  return resolve(process.env.FILTERKIT_CACHE ?? join(root, ".cache"));
}
