// Start-up facts of every Envoy the suite ran (version, time to /ready, runtime), appended to
// .cache/envoy-starts.jsonl so that .ci/run can print the Envoy version it tested and the start-up
// times (scripts/test-summary.mjs reads it).
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const STARTS_FILE = join(resolve(dirname(fileURLToPath(import.meta.url)), "../.."), ".cache/envoy-starts.jsonl");

export function recordEnvoyStart(label: string, envoy: { version: string; startupMs: number; runtime: string }): void {
  mkdirSync(dirname(STARTS_FILE), { recursive: true });
  appendFileSync(STARTS_FILE, `${JSON.stringify({ label, version: envoy.version, startupMs: Math.round(envoy.startupMs), runtime: envoy.runtime })}\n`);
}
