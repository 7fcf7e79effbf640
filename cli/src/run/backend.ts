// What `startRun` asks of the two hosts it can serve a filter on (mock-server.ts, envoy-server.ts):
// a Backend loads a filter, keeping the previous one serving when that fails, and serves it. Also
// what a backend reports through (the Output lines go to, the RunEvents the tests wait on) and the
// error both throw when the filter refuses its configuration, so that both word it alike.
import { CliError, EXIT } from "../errors.ts";
import type { Filter } from "../project.ts";

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export type RunEvent =
  | { kind: "reloaded"; ms: number }
  /** the build failed: the previous filter (if any) keeps serving */
  | { kind: "build-failed" }
  /** the filter (or Envoy) could not be loaded: a refused configuration, a bad module, Envoy not starting */
  | { kind: "load-failed"; error: CliError }
  /** a trap on the mock host (its report) */
  | { kind: "trap"; report: string };

/** The filter and its configuration as they are on disk now (re-read on every reload: package.json may name another root id). */
export interface Loadable {
  filter: Filter;
  config: { text: string; from: string };
}

export interface Backend {
  /** "mock host (...)" / "Envoy ..." */
  label(): string;
  url(): string | null;
  /** loads `l` and swaps it in; throws a CliError (the old filter still serves) when it cannot */
  load(l: Loadable): Promise<string>;
  stop(): Promise<void>;
}

export const indent = (text: string): string => text.split("\n").map((l) => `  ${l}`).join("\n");

/** The filter refused its configuration `from` (`where`: on which host); `lines`: what it logged. */
export function rejected(filter: Filter, from: string, where: string, lines: string): CliError {
  return new CliError(
    `${filter.name} rejected its configuration (${from}) ${where}; what it logged:\n${lines !== "" ? indent(lines) : "  (nothing)"}`,
    "fix the configuration, or the filter's onConfigure, and run again (with --watch: save again)",
    EXIT.failed);
}
