// Real Envoy as a Backend: the echo upstream as a server of this process, Envoy (container or
// ENVOY_BINARY) listening on the port with the filter's release build under FAIL_CLOSED, and the
// filter's log lines read back from Envoy's log and printed as the mock host prints them. A reload
// starts a new Envoy beside the old one on the same port (Envoy's listeners set SO_REUSEPORT) and
// only then stops the old one, so there is no moment without a listener and a configuration the
// new Envoy refuses leaves the old one serving. @filterkit/envoy is imported only when this runs:
// it pulls in testcontainers, which the mock mode never needs.
import { createServer } from "node:net";
import type { RunningEnvoy } from "@filterkit/envoy";
import { requireEnvoy } from "../envoy-runtime.ts";
import { CliError, EXIT } from "../errors.ts";
import { formatMs } from "../progress.ts";
import { builtWasm } from "../project.ts";
import { indent, rejected, type Backend, type Loadable, type Output } from "./backend.ts";
import { startEchoServer } from "./echo.ts";
import { closeServer, portInUse } from "./listen.ts";

/** Real Envoy: the echo server here, Envoy on the port; a reload starts a new Envoy before stopping the old. */
export async function envoyBackend(port: number, output: Output): Promise<Backend> {
  // loaded only here: @filterkit/envoy pulls in testcontainers
  const envoyApi = await import("@filterkit/envoy");
  await requireEnvoy("--envoy", "drop --envoy to serve on the mock host");
  const binary = process.env.ENVOY_BINARY;
  const bridge = (binary === undefined || binary === "") &&
    (process.env.ENVOY_NETWORK === "bridge" || ((process.env.ENVOY_NETWORK ?? "") === "" && process.platform !== "linux"));
  // in a bridge network Envoy reaches this process through the host gateway, not loopback
  const echo = await startEchoServer(bridge ? "0.0.0.0" : "127.0.0.1");
  if (!bridge && port !== 0) {
    // a clear error now rather than Envoy's bind failure in its log (and not a port shared with
    // someone else's SO_REUSEPORT socket)
    const probe = createServer();
    try {
      await new Promise<void>((ok, fail) => { probe.once("error", fail); probe.listen(port, "127.0.0.1", () => ok()); });
    } catch (e) {
      await closeServer(echo.server);
      throw portInUse(port, e) ?? e;
    } finally {
      if (probe.listening) await new Promise<void>((r) => probe.close(() => r()));
    }
  }
  let envoy: RunningEnvoy | null = null;
  // after the first start the port stays (also when --port 0 let startEnvoy choose one)
  let listenerPort = port;

  const start = async ({ filter, config }: Loadable): Promise<RunningEnvoy> => {
    const wasm = builtWasm(filter, "release");
    try {
      return await envoyApi.startEnvoy({
        plugins: [{ name: filter.rootId, rootId: filter.rootId, vmId: "filterkit-run", wasm, configuration: config.text, failurePolicy: "FAIL_CLOSED" }],
        upstreamPort: echo.port,
        ...(listenerPort !== 0 ? { listenerPort } : {}),
      });
    } catch (e) {
      if (!(e instanceof envoyApi.EnvoyStartError)) throw e;
      if (e.log === "") throw new CliError(`--envoy: ${e.message}`, "run `filterkit setup-envoy`, or drop --envoy to serve on the mock host", EXIT.noEnvoy);
      const summary = envoyApi.startFailureSummary(e.log);
      if (/failed to load|Unable to create Wasm HTTP filter/i.test(e.log)) throw rejected(filter, config.from, "in Envoy", summary);
      throw new CliError(`Envoy did not start with ${filter.name}:\n${indent(e.message)}`, "read Envoy's log lines above; `filterkit setup-envoy` checks the runtime", EXIT.failed);
    }
  };
  // The filter's log lines (Envoy's `wasm` component: what it logged, its traps), printed as the
  // mock host prints them. Envoy writes them to its own log, read back every second; only the
  // current Envoy's, counted so each line is printed once.
  let printed = 0;
  let reading = false;
  const follow = setInterval(() => {
    const e = envoy;
    if (e === null || reading) return;
    reading = true;
    e.logs().then((log) => {
      if (e !== envoy) return; // replaced meanwhile: its successor's lines count from 0
      const lines = log.split("\n").filter((l) => l.includes("][wasm]"));
      for (const l of lines.slice(printed)) output.err(`envoy: ${l}\n`);
      printed = lines.length;
    }, () => { /* a stopping Envoy's log may be gone: the next one's is read next time */ }).finally(() => { reading = false; });
  }, 1000);
  follow.unref(); // the echo server keeps the process alive, not this
  const replace = (next: RunningEnvoy | null): void => {
    envoy = next;
    printed = 0;
  };
  const portOf = (url: string): number => Number(new URL(url).port);
  const bound = (e: unknown): boolean => e instanceof CliError && /Address already in use|cannot bind/i.test(e.message);

  return {
    label: () => (envoy === null ? "Envoy (not started)" : `Envoy ${envoy.version}, ${envoy.runtime}`),
    url: () => envoy?.url ?? null,
    async load(l) {
      const old = envoy;
      if (old === null) {
        const first = await start(l);
        replace(first);
        if (!bridge) listenerPort = portOf(first.url);
        return `Envoy started in ${formatMs(first.startupMs)}`;
      }
      try {
        // Envoy's listeners set SO_REUSEPORT: the new one binds beside the old, the kernel
        // spreads new connections over both until the old stops (no moment without a listener)
        replace(await start(l));
      } catch (e) {
        if (!bound(e)) throw e;
        // the port could not be shared: free it first, and accept a gap in service
        output.err("filterkit run: the new Envoy could not share the port; stopping the old one first\n");
        replace(null);
        await old.stop();
        replace(await start(l));
        return "old Envoy stopped, then the new one started on the same port";
      }
      await old.stop();
      return bridge ? `new Envoy started (a new port: bridge network), then the old one stopped` : "new Envoy started beside the old one on the same port, then the old one stopped";
    },
    async stop() {
      clearInterval(follow);
      const last = envoy;
      replace(null);
      await last?.stop();
      await closeServer(echo.server);
    },
  };
}
