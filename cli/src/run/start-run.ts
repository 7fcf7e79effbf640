// `startRun`: what `filterkit run` runs and what the tests drive. It builds the filter (as
// `filterkit build` does: only what changed), loads it on the mock host or in Envoy (backend.ts),
// prints where it serves, and with --watch rebuilds and reloads it on every change of its inputs.
// A reload loads the new build before the old one goes, so a failed build or a refused
// configuration is printed and leaves the old filter serving; without --watch a first load that
// fails is fatal.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildForCommand } from "../commands/build.ts";
import { CliError, EXIT, formatError } from "../errors.ts";
import { formatMs, step } from "../progress.ts";
import { filterAt, pluginConfiguration } from "../project.ts";
import type { Loadable, Output, RunEvent } from "./backend.ts";
import { printBanner } from "./banner.ts";
import { envoyBackend } from "./envoy-server.ts";
import { mockBackend } from "./mock-server.ts";
import { reloadQueue } from "./reload-queue.ts";
import { watchSources } from "./watch.ts";

export const DEFAULT_PORT = 10000;

export interface RunOptions {
  /** the filter's folder */
  dir: string;
  /** serve in real Envoy instead of the mock host */
  envoy?: boolean;
  /** the plugin configuration file (default <dir>/config.json, else {}) */
  configFile?: string;
  /** the listener's port, default 10000; 0 picks a free one */
  port?: number;
  /** rebuild and reload on every change of the sources or the configuration */
  watch?: boolean;
  /** where the user's lines go, default stdout (results) and stderr (progress, errors, logs) */
  output?: Output;
  /** what happened, as it happens (the tests wait on these) */
  onEvent?: (e: RunEvent) => void;
}

export interface RunningFilter {
  /** where it listens; in Envoy's bridge mode a reload may change it. null while nothing serves (--watch, Envoy not started yet) */
  readonly url: string | null;
  /** "mock host (...)" or "Envoy 1.40.0, container ..." */
  readonly hostLabel: string;
  /** rebuild and reload now, as a change would; true when the new filter serves */
  reload(): Promise<boolean>;
  /** stop watching and serving: Envoy stopped, servers closed */
  stop(): Promise<void>;
}

const stdio: Output = {
  out: (t) => { process.stdout.write(t); },
  err: (t) => { process.stderr.write(t); },
};

/** The build failed (asc printed why): reported as such, not as a filter that could not load. */
class BuildFailed extends CliError {}

export async function startRun(options: RunOptions): Promise<RunningFilter> {
  const output = options.output ?? stdio;
  const onEvent = options.onEvent ?? ((): void => {});
  const watching = options.watch === true;
  const dir = resolve(options.dir);
  const port = options.port ?? DEFAULT_PORT;
  const first = filterAt(dir); // a usage error before anything starts
  const configPath = options.configFile !== undefined ? resolve(options.configFile) : join(first.dir, "config.json");
  let configFrom = "";
  // a --config naming no file is a typo, not a state to watch for: the usage error now
  if (options.configFile !== undefined && !existsSync(configPath)) pluginConfiguration(first, options.configFile);

  const backend = options.envoy === true ? await envoyBackend(port, output) : await mockBackend(port, output, onEvent, watching);

  /** Build, then load; throws CliError (build failed / load failed) with the previous filter still serving. */
  const buildAndLoad = async (): Promise<string> => {
    try {
      await buildForCommand("run", first);
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      throw new BuildFailed(`the build of ${first.name} failed (asc's errors above)`, watching ? "fix them and save: the previous filter keeps serving until a build succeeds" : "fix them and run again", EXIT.failed);
    }
    const l: Loadable = { filter: filterAt(dir), config: { text: "", from: "" } };
    l.config = pluginConfiguration(l.filter, options.configFile);
    const how = await backend.load(l);
    configFrom = l.config.from;
    return how;
  };
  /** Prints a failed build or load, then tells the listeners (after the print: tests read it). */
  const report = (e: CliError): void => {
    output.err(formatError("run", e));
    output.err(`filterkit run: ${backend.url() !== null && configFrom !== "" ? "the previous filter keeps serving" : "no filter is serving yet"}\n`);
    onEvent(e instanceof BuildFailed ? { kind: "build-failed" } : { kind: "load-failed", error: e });
  };

  // the first load: fatal without --watch; with it, reported, and the next change tries again
  const s = step(`starting ${first.name} on ${options.envoy === true ? "Envoy" : "the mock host"}`);
  try {
    await buildAndLoad();
    s.done();
  } catch (e) {
    s.fail();
    if (!watching || !(e instanceof CliError)) {
      await backend.stop();
      throw e;
    }
    report(e);
  }

  const reloadOnce = async (): Promise<boolean> => {
    const started = performance.now();
    try {
      const how = await buildAndLoad();
      const ms = performance.now() - started;
      output.err(`filterkit run: reloaded in ${formatMs(ms)} (${how}); serving ${backend.url() ?? "(nothing)"}\n`);
      onEvent({ kind: "reloaded", ms });
      return true;
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      report(e);
      return false;
    }
  };
  const reloads = reloadQueue(reloadOnce);
  let unwatch = (): void => {};
  if (watching) {
    try {
      unwatch = watchSources(first, configPath, () => {
        reloads.reload().catch((e: unknown) => output.err(`filterkit run: reload failed: ${(e as Error).stack ?? String(e)}\n`));
      });
    } catch (e) {
      await backend.stop();
      throw new CliError(`--watch: cannot watch ${first.dir}: ${(e as Error).message}`, "run without --watch, or raise the system's limit on watched files (fs.inotify.max_user_watches)", EXIT.failed);
    }
  }

  printBanner(output, first, backend, configFrom, watching, configPath);
  return {
    get url() { return backend.url(); },
    get hostLabel() { return backend.label(); },
    reload: reloads.reload,
    async stop() {
      unwatch();
      // a reload in flight may be starting an Envoy: let it finish so that it is stopped too
      await reloads.stop();
      await backend.stop();
    },
  };
}
