// `filterkit run [DIR] [--envoy] [--config FILE] [--port N] [--watch]`: serves a filter on a local
// port in front of an echo upstream, so it can be tried with curl, and with --watch rebuilds and
// reloads it on every change of its sources or configuration.
//
//   curl ──▶ 127.0.0.1:PORT ──▶ the filter ──▶ echo upstream (200, the request it got as JSON)
//
// This file is the command: its help, its arguments, and running until a signal. What it runs,
// `startRun`, and the pieces behind it (the echo, the mock host's listener, real Envoy, watching)
// are in ../run/.
import { parse, type Command } from "../command.ts";
import { EXIT, usageError } from "../errors.ts";
import { DEFAULT_PORT, startRun } from "../run/start-run.ts";

// what cli/test/run.test.ts drives and reads, from where it has always imported it
export { echoAnswer } from "../run/echo.ts";
export type { Output, RunEvent } from "../run/backend.ts";
export { startRun, type RunningFilter } from "../run/start-run.ts";

const HELP = `usage: filterkit run [DIR] [--envoy] [--config FILE] [--port N] [--watch]

Serves the filter in DIR (default the current folder) on http://127.0.0.1:PORT in front of an
echo upstream that answers 200 with the request it received as JSON (method, path, headers as
[name, value] pairs, body), and prints curl lines to try it. The filter is built first (as
\`filterkit build\` does: only what changed). Runs until Ctrl-C (SIGINT) or SIGTERM.

On the mock host (default) the filter's debug build runs in this process: its log lines (info
and above) are printed as it logs them, and a trap is answered as Envoy's FAIL_CLOSED policy
answers it (503, and 503 for every later request until a reload) with the trap report printed.
With --envoy the release build runs in real Envoy (container or ENVOY_BINARY).

options:
  --envoy        serve in real Envoy instead of the mock host (see \`filterkit setup-envoy\`)
  --config FILE  the plugin configuration (JSON text handed to onConfigure); default
                 DIR/config.json, else {}
  --port N       the port to listen on, default 10000; 0 picks a free one. With --envoy in a
                 bridge network (ENVOY_NETWORK=bridge, Docker Desktop) the container engine picks
                 the port: the printed URL says which
  --watch        rebuild and reload on every change of DIR/assembly/ or the configuration file;
                 a failed build or a refused configuration is printed and the previous filter
                 keeps serving. Envoy reloads start the new Envoy beside the old one on the same
                 port (Envoy's SO_REUSEPORT), then stop the old one

exit codes: 0 stopped by a signal, 1 the build failed or the filter refused its configuration,
2 usage, 5 --envoy and no way to run Envoy`;

function portOption(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PORT;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0 || n > 65535) throw usageError("run", `--port ${value}: expected a port number 0..65535 (0: a free one)`);
  return n;
}

/** Resolves on the first SIGINT or SIGTERM; a second one gets Node's default (the process ends at once). */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolveSignal(signal);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

export const run: Command = {
  name: "run",
  summary: "serve a filter on a local port in front of an echo upstream (mock host or --envoy), --watch reloads",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parse("run", argv, {
      envoy: { type: "boolean" }, config: { type: "string" }, port: { type: "string" }, watch: { type: "boolean" },
    });
    if (positionals.length > 1) throw usageError("run", `one filter folder at most, got ${positionals.length}: ${positionals.join(" ")}`);
    const port = portOption(values.port);
    const running = await startRun({
      dir: positionals[0] ?? process.cwd(), envoy: values.envoy === true, port, watch: values.watch === true,
      ...(values.config !== undefined ? { configFile: values.config } : {}),
    });
    const signal = await untilSignal();
    process.stderr.write(`filterkit run: ${signal}: stopping ...\n`);
    await running.stop();
    return EXIT.ok;
  },
};
