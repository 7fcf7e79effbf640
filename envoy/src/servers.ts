// HTTP servers of the test process that real Envoy talks to: the recording upstream (what reached
// the upstream, answered as the scenario says) and scripted callout targets (an auth service, a
// JWKS endpoint…), which answer like host-mock's CalloutRouter: a response after a delay, a reset,
// or silence until the caller's timeout.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { flatWire, pairsFromWire, toWire } from "./wire.ts";

export type Pairs = Array<[string, string]>;

/** The header size the harness's own HTTP peers accept: 1 MiB, far above Envoy's (60 KiB by default). */
export const MAX_HEADER_BYTES = 1024 * 1024;

/** A request as the server received it: header names lower-cased, order and repeats kept. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Pairs;
  body: string;
  /** present only when the request carried trailers */
  trailers?: Pairs;
}

export interface Answer {
  status: number;
  headers: Pairs;
  body: string;
  /** sent chunked, after the body */
  trailers?: Pairs;
}


/** The request as received: the body read to its end, then the trailers that followed it (if any). */
async function receive(req: IncomingMessage): Promise<ReceivedRequest> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const trailers = pairsFromWire(req.rawTrailers);
  return {
    method: req.method ?? "", path: req.url ?? "", headers: pairsFromWire(req.rawHeaders), body: Buffer.concat(chunks).toString("utf8"),
    ...(trailers.length > 0 ? { trailers } : {}),
  };
}

/**
 * Writes an answer with the headers exactly as given (no Date, no added Content-Type). The body goes
 * as bytes: Node writes a string body in one piece with the header block, encoding both as UTF-8,
 * which would encode the latin1 header string (toWire) a second time.
 */
function send(res: ServerResponse, a: Answer): void {
  res.sendDate = false;
  const hasTrailers = (a.trailers ?? []).length > 0;
  const flat = flatWire(a.headers);
  const body = Buffer.from(a.body, "utf8");
  if (hasTrailers) {
    res.writeHead(a.status, flat);
    res.write(body);
    res.addTrailers((a.trailers ?? []).map(([k, v]) => [toWire(k), toWire(v)] as [string, string]));
    res.end();
    return;
  }
  if (!a.headers.some(([k]) => k.toLowerCase() === "content-length")) flat.push("content-length", String(body.length));
  res.writeHead(a.status, flat);
  res.end(body);
}

/** A server on 127.0.0.1 (or every interface, for Envoy in a bridge network) at a free port. */
abstract class TestServer {
  protected readonly server: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor() {
    // Node's default 16 KiB header limit is below Envoy's 60 KiB: the harness must not answer 431
    // where Envoy would have passed the request on (MAX_HEADER_BYTES is far above any Envoy limit)
    this.server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => { void this.handle(req, res); });
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  async start(host = process.env.ENVOY_NETWORK === "bridge" ? "0.0.0.0" : "127.0.0.1"): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, host, () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Records every request and answers with `answer(request)`. */
export class RecordingUpstream extends TestServer {
  readonly received: ReceivedRequest[] = [];

  constructor(public answer: (r: ReceivedRequest) => Answer) {
    super();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const r = await receive(req);
    this.received.push(r);
    send(res, this.answer(r));
  }
}

export interface CalloutRule {
  cluster: string;
  method?: string;
  path?: string;
  /** header values the call must carry (names case-insensitive), as host-mock's CalloutMatch */
  headers?: Record<string, string>;
  answer: { status: number; headers: Pairs; body: string; delayMs: number } | { fail: "reset" | "reset-after-headers"; delayMs: number } | { fail: "timeout" };
}

/** One server per callout cluster; each call is answered by the first rule of its cluster that matches. */
export class CalloutTargets {
  private readonly servers = new Map<string, CalloutServer>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly rules: CalloutRule[]) {
    for (const r of rules) if (!this.servers.has(r.cluster)) this.servers.set(r.cluster, new CalloutServer(r.cluster, this));
  }

  async start(): Promise<Record<string, number>> {
    const ports: Record<string, number> = {};
    for (const [name, s] of this.servers) ports[name] = await s.start();
    return ports;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.servers.values()) await s.stop();
  }

  /** Every call, in arrival order, with its cluster. */
  readonly calls: Array<ReceivedRequest & { cluster: string }> = [];

  later(ms: number, f: () => void): void {
    const t = setTimeout(() => { this.timers.delete(t); f(); }, ms);
    this.timers.add(t);
  }
}

class CalloutServer extends TestServer {
  constructor(private readonly cluster: string, private readonly targets: CalloutTargets) {
    super();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const r = await receive(req);
    this.targets.calls.push({ ...r, cluster: this.cluster });
    const carries = (h: Record<string, string> | undefined): boolean =>
      Object.entries(h ?? {}).every(([name, value]) => r.headers.some(([k, v]) => k === name.toLowerCase() && v === value));
    const rule = this.targets.rules.find((x) => x.cluster === this.cluster && (x.method === undefined || x.method === r.method) &&
      (x.path === undefined || x.path === r.path) && carries(x.headers));
    if (rule === undefined) {
      send(res, { status: 500, headers: [["content-type", "text/plain"]], body: `no scripted answer for ${r.method} ${r.path} on cluster ${this.cluster}` });
      return;
    }
    const a = rule.answer;
    if ("fail" in a && a.fail === "timeout") return; // never answer: the caller's timeout decides
    const act = (): void => {
      if (!("fail" in a)) {
        send(res, { status: a.status, headers: a.headers, body: a.body });
      } else if (a.fail === "reset") {
        req.socket.destroy(); // before any response byte
      } else {
        // the response starts (headers and a first body chunk), then the connection drops
        res.writeHead(200, ["content-type", "text/plain", "content-length", "100"]);
        res.write("partial");
        setTimeout(() => req.socket.destroy(), 20);
      }
    };
    if (a.delayMs > 0) this.targets.later(a.delayMs, act);
    else act();
  }
}
