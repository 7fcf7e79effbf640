#!/usr/bin/env node
// `npm run pack:kit [-- DIR]`: the kit's four packages as npm tarballs in DIR (default
// .cache/pack): @filterkit/sdk, @filterkit/host-mock, @filterkit/envoy, @filterkit/cli. Each
// package's prepack builds its dist/ first (tsc -b, the cli's after-build copies its template).
// Prints one tarball path per line.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(process.argv[2] ?? join(root, ".cache", "pack"));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const packages = ["sdk", "host-mock", "envoy", "cli"];
const started = performance.now();
const json = execFileSync("npm", ["pack", "--json", "--pack-destination", out, ...packages.flatMap((p) => ["--workspace", p])],
  { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
const packed = JSON.parse(json);
for (const p of packed) process.stderr.write(`pack-kit: ${p.name}@${p.version}: ${p.entryCount} files, ${p.size} B\n`);
process.stderr.write(`pack-kit: ${packed.length} packages in ${Math.round(performance.now() - started)} ms\n`);
for (const p of packed) console.log(join(out, p.filename));
