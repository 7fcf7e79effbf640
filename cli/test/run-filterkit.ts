// The filterkit CLI run from the repository's sources, as the tests run it: a child process of
// this Node with the "filterkit-source" condition and tsx, so the sources need no build.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const repo = join(import.meta.dirname, "../..");

export interface CliRun {
  /** the exit status (null when killed) */
  code: number | null;
  out: string;
  err: string;
}

export function runFilterkit(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): CliRun {
  const r = spawnSync(process.execPath, ["--conditions=filterkit-source", "--import", "tsx", join(repo, "cli/bin/filterkit.mjs"), ...args],
    { cwd: options.cwd ?? repo, encoding: "utf8", timeout: options.timeoutMs ?? 120_000, env: { ...process.env, ...options.env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
