// After npm pack: template/ (a copy of the repository's filters/add-header, made by after-build.mjs
// for the tarball) is removed again, so the working tree holds the template once: a second copy
// would be found as a filter of its own by the repository's build and test runs.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

rmSync(join(dirname(fileURLToPath(import.meta.url)), "..", "template"), { recursive: true, force: true });
