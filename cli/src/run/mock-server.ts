// The mock host as a Backend: a node:http listener of this process on the port, which turns each
// request into a host-mock ClientRequest (with what Envoy's connection manager adds) and runs it
// through a FilterChain whose upstream is the echo, so no second socket is needed. A reload swaps
// in a new host and chain between requests; one that fails to load leaves the old one serving.
// The host's virtual clock is kept up with the wall clock so timers and token buckets behave as
// in Envoy, its log lines are printed as it logs them, and a trap is answered as Envoy's
// FAIL_CLOSED policy answers it (503 until a reload) with its report printed once.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { relative } from "node:path";
import { createChain, createHost, type ClientRequest, type Exchange, type FilterChain, type MockHost } from "@filterkit/host-mock";
import { levelName, SCENARIO_PROPERTIES } from "@filterkit/host-mock/scenario";
import { CliError, EXIT } from "../errors.ts";
import { builtWasm } from "../project.ts";
import { indent, rejected, type Backend, type Output, type RunEvent } from "./backend.ts";
import { echoUpstream } from "./echo.ts";
import { closeServer, listen, portInUse } from "./listen.ts";
import { rawPairs, readBody, toWire } from "./wire.ts";

/** The mock host: one node:http listener; the host and chain behind it are swapped on reload. */
export async function mockBackend(port: number, output: Output, onEvent: (e: RunEvent) => void, watching: boolean): Promise<Backend> {
  interface Current {
    host: MockHost;
    chain: FilterChain;
    rootId: string;
    trapped: boolean;
    /** performance.now() and the host's monotonic clock when it was created: the clock follows the wall */
    startedMs: number;
    startedNs: bigint;
  }
  let current: Current | null = null;
  let notLoaded = "the filter is not loaded yet";

  /** After the filter ran (a request, a tick): its new log lines, and the trap report once. */
  const afterRun = (c: Current): void => {
    // info and above: what Envoy prints with the `wasm:info` log level `--envoy` runs with
    const lines = c.host.logs.filter((l) => l.level >= 2 && l.level <= 5);
    for (const l of lines) output.err(`[${c.rootId}] ${levelName(l.level)}: ${l.message}\n`);
    c.host.clearLogs();
    if (c.host.failure !== null && !c.trapped) {
      c.trapped = true; // the report once; every later request gets the same 503
      const report = c.host.failure.message;
      output.err(`filterkit run: the filter trapped; as Envoy's FAIL_CLOSED policy does, this request and every later one get 503 until ${watching ? "the filter reloads" : "you restart \`filterkit run\`"}:\n${indent(report)}\n`);
      onEvent({ kind: "trap", report });
    }
  };

  /**
   * The mock's virtual clock stands still unless advanced; a server that serves for minutes must
   * let time pass as it does in Envoy (token buckets refill, tick timers fire, cached entries
   * expire). Advanced to the wall clock before each request and every second between them; it is
   * only ever ahead when an exchange waited on a timer or callout (virtual time jumps), and then
   * it waits for the wall to catch up.
   */
  const followWallClock = (c: Current): void => {
    const behindMs = performance.now() - c.startedMs - Number(c.host.clock.monotonicNs() - c.startedNs) / 1e6;
    if (behindMs <= 0 || c.host.failure !== null) return;
    try {
      c.host.advance(behindMs);
    } catch (e) {
      // under a failure policy a trapped tick marks the VM failed (reported by afterRun); anything else is a bug to show
      if (c.host.failure === null) output.err(`filterkit run: advancing the mock host's clock failed: ${(e as Error).message}\n`);
    }
    afterRun(c);
  };
  const ticker = setInterval(() => { if (current !== null) followWallClock(current); }, 1000);
  ticker.unref(); // the listener keeps the process alive, not this

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    // one request runs on the chain it started with: chain.run is synchronous, a reload only
    // replaces `current` between requests
    const c = current;
    if (c === null) {
      res.writeHead(503, { "content-type": "text/plain" });
      res.end(`filterkit run: no filter is serving: ${notLoaded}\n`);
      return;
    }
    followWallClock(c);
    const client = rawPairs(req.rawHeaders);
    const authority = client.find(([k]) => k === "host")?.[1] ?? req.headers.host ?? "";
    // hop-by-hop headers belong to this connection, not the request: Envoy's codec drops them
    const hop = new Set(["host", "connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"]);
    const headers: Array<[string, string]> = [[":method", req.method ?? "GET"], [":path", req.url ?? "/"], [":authority", authority], [":scheme", "http"],
      ...client.filter(([k]) => !hop.has(k)),
      // what Envoy's connection manager adds before the filters run, so both modes echo alike
      ["x-forwarded-proto", "http"],
      ...(client.some(([k]) => k === "x-request-id") ? [] : [["x-request-id", randomUUID()] as [string, string]])];
    const trailers = rawPairs(req.rawTrailers);
    const request: ClientRequest = { headers, body: new Uint8Array(body), ...(trailers.length > 0 ? { trailers } : {}) };
    let ex: Exchange;
    try {
      ex = c.chain.run(request, echoUpstream);
    } catch (e) {
      // not a trap (the host answers those under its failure policy): an exchange the mock cannot
      // finish (a pause nothing resumes, a callout to a cluster `run` does not have)
      afterRun(c);
      output.err(`filterkit run: ${req.method} ${req.url}: the mock host could not complete the exchange: ${(e as Error).message}\n`);
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`filterkit run: the mock host could not complete the exchange: ${(e as Error).message}\n`);
      return;
    }
    afterRun(c);
    if (ex.response.reset) {
      req.socket.destroy();
      return;
    }
    const status = Number(ex.response.headers.find(([k]) => k === ":status")?.[1] ?? "502");
    // Node frames the body itself: the filter's content-length may be stale after a body change
    const framing = new Set(["content-length", "transfer-encoding", "connection", "keep-alive"]);
    const out = ex.response.headers.filter(([k]) => !k.startsWith(":") && !framing.has(k)).flatMap(([k, v]) => [toWire(k), toWire(v)]);
    const responseTrailers = ex.response.trailers;
    try {
      if (responseTrailers.length > 0) {
        // trailers need chunked framing, which Node picks when no content-length is set
        res.writeHead(status, out);
        res.write(ex.response.body);
        res.addTrailers(responseTrailers.map(([k, v]) => [toWire(k), toWire(v)] as [string, string]));
        res.end();
      } else {
        res.writeHead(status, [...out, "content-length", String(ex.response.body.length)]);
        res.end(ex.response.body);
      }
    } catch (e) {
      // a header Node refuses to write (CR/LF in a value, a bad status): Envoy's codec would refuse it too
      output.err(`filterkit run: ${req.method} ${req.url}: the response cannot be written: ${(e as Error).message}\n`);
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`filterkit run: the filter's response cannot be written: ${(e as Error).message}\n`);
      } else req.socket.destroy();
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      output.err(`filterkit run: ${req.method} ${req.url}: ${(e as Error).stack ?? String(e)}\n`);
      req.socket.destroy();
    });
  });
  let actualPort: number;
  try {
    actualPort = await listen(server, port, "127.0.0.1");
  } catch (e) {
    clearInterval(ticker);
    throw portInUse(port, e) ?? e;
  }
  let label = "mock host";

  return {
    label: () => label,
    url: () => `http://127.0.0.1:${actualPort}`,
    async load({ filter, config }) {
      const wasm = builtWasm(filter, "debug");
      let host: MockHost;
      try {
        host = createHost({
          wasm, rootId: filter.rootId, vmId: "filterkit-run", pluginName: filter.rootId, pluginConfig: config.text,
          failurePolicy: "FAIL_CLOSED", properties: { ...SCENARIO_PROPERTIES },
        });
      } catch (e) {
        // a module the host cannot use, or a trap while starting or configuring
        notLoaded = `${filter.name} could not be loaded`;
        throw new CliError(`${filter.name} could not be loaded on the mock host:\n${indent((e as Error).message)}`, "fix the filter and build again (with --watch: save again)", EXIT.failed);
      }
      const logged = host.logs.filter((l) => l.level >= 2).map((l) => `${levelName(l.level)}: ${l.message}`).join("\n");
      if (!host.started || !host.configured || host.failure !== null) {
        notLoaded = `${filter.name} rejected its configuration`;
        const trap = host.failure !== null ? `\ntrap:\n${host.failure.message}` : "";
        throw rejected(filter, config.from, "on the mock host", `${logged}${trap}`);
      }
      const next: Current = {
        host, chain: createChain([host]), rootId: filter.rootId, trapped: false, startedMs: performance.now(), startedNs: host.clock.monotonicNs(),
      };
      afterRun(next); // what onConfigure logged
      const old = current;
      current = next;
      try {
        old?.host.shutdown();
      } catch {
        // a VM that trapped cannot run its on_done; it is dropped either way
      }
      label = `mock host (@filterkit/host-mock, ${relative(process.cwd(), wasm) || wasm})`;
      return "new host swapped in";
    },
    async stop() {
      clearInterval(ticker);
      await closeServer(server);
    },
  };
}
