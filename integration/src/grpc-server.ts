// A scripted gRPC server in the test process for real Envoy's gRPC clusters: node:http2 without TLS
// (h2c with prior knowledge, as Envoy's http2_protocol_options clusters speak it) and the gRPC wire
// format by hand: 5-byte prefixed messages (compressed flag, big-endian length), content-type
// application/grpc, the status in the trailers (grpc-status / grpc-message), or in the headers
// alone for a trailers-only answer.
//
// Unary methods answer like host-mock's GrpcRouter routes: a message, a non-OK status, after a
// delay, or nothing at all (the caller's deadline decides). Stream methods run a list of steps:
// initial metadata, messages, then a close with a status and optional trailing metadata. Everything
// the server received is recorded: headers (x-caller…), the messages, whether the client
// half-closed or reset the stream.
import { createServer, constants, type Http2Server, type ServerHttp2Stream, type IncomingHttpHeaders, type ServerStreamResponseOptions } from "node:http2";
import type { AddressInfo } from "node:net";
import type { Pairs } from "@filterkit/envoy";

/** A unary answer (the same shapes as host-mock's GrpcAnswer). */
export type UnaryScript =
  | { message: string; delayMs?: number }
  | { status: number; message?: string; delayMs?: number }
  | { fail: "timeout" };

/** One step of a scripted stream answer, played after the client half-closed (or at once). */
export type StreamStep =
  | { initialMetadata: Pairs }
  | { message: string }
  | { close: { status: number; message?: string; trailingMetadata?: Pairs } };

export interface StreamScript {
  /** wait for the client's end of stream before the first step (default true) */
  afterHalfClose?: boolean;
  steps: StreamStep[];
}

export interface GrpcServerMethod {
  /** "/pkg.Service/Method" */
  path: string;
  unary?: UnaryScript;
  stream?: StreamScript;
}

/** What the server saw on one HTTP/2 stream. */
export interface ReceivedGrpc {
  path: string;
  /** request headers, pseudo-headers included, names lower-cased, in arrival order */
  headers: Pairs;
  /** the decoded messages (UTF-8) */
  messages: string[];
  /** the client ended its side (END_STREAM) */
  halfClosed: boolean;
  /** the client reset the stream (RST_STREAM) before the server finished */
  reset: boolean;
  /** the server finished the stream (status sent) */
  finished: boolean;
}

/** Splits gRPC length-prefixed messages off `buf`; returns the messages and the unused rest. */
export function decodeFrames(buf: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let i = 0;
  while (buf.length - i >= 5) {
    const len = buf.readUInt32BE(i + 1);
    if (buf.length - i - 5 < len) break;
    messages.push(buf.subarray(i + 5, i + 5 + len));
    i += 5 + len;
  }
  return { messages, rest: buf.subarray(i) };
}

export function encodeFrame(message: string | Uint8Array): Buffer {
  const body = typeof message === "string" ? Buffer.from(message, "utf8") : Buffer.from(message);
  const head = Buffer.alloc(5);
  head.writeUInt8(0, 0);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** grpc-message is percent-encoded on the wire (gRPC's PROTOCOL-HTTP2: space through ~ except %, as is). */
function encodeGrpcMessage(m: string): string {
  let out = "";
  for (const b of Buffer.from(m, "utf8")) out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  return out;
}

function pairsOf(raw: string[] | undefined, headers: IncomingHttpHeaders): Pairs {
  if (raw !== undefined) {
    const out: Pairs = [];
    for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i].toLowerCase(), raw[i + 1]]);
    return out;
  }
  return Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as [string, string]) : [[k, String(v)] as [string, string]]));
}

// sendDate: false (typed nowhere, honoured by node:http2): no `date` header, so what Envoy hands
// the plugin as metadata is exactly what the script says
const STREAMING = { waitForTrailers: true, sendDate: false } as ServerStreamResponseOptions;
const TRAILERS_ONLY = { endStream: true, sendDate: false } as ServerStreamResponseOptions;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class GrpcTestServer {
  readonly received: ReceivedGrpc[] = [];
  port = 0;
  private readonly server: Http2Server;
  private readonly methods = new Map<string, GrpcServerMethod>();
  private readonly open = new Set<ServerHttp2Stream>();

  constructor(methods: GrpcServerMethod[] = []) {
    for (const m of methods) this.methods.set(m.path, m);
    this.server = createServer();
    this.server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[] | undefined) => {
      void this.handle(stream, headers, rawHeaders);
    });
  }

  /** Scripts (or re-scripts) a method. */
  method(m: GrpcServerMethod): this {
    this.methods.set(m.path, m);
    return this;
  }

  async start(host = process.env.ENVOY_NETWORK === "bridge" ? "0.0.0.0" : "127.0.0.1"): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, host, () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const s of this.open) s.close(constants.NGHTTP2_CANCEL);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Waits until `pred` holds for what was received (polled every 10 ms). */
  async waitFor(pred: (r: ReceivedGrpc[]) => boolean, timeoutMs = 5_000): Promise<ReceivedGrpc[]> {
    const end = performance.now() + timeoutMs;
    while (!pred(this.received)) {
      if (performance.now() > end) throw new Error(`gRPC server: condition not met within ${timeoutMs} ms; received ${JSON.stringify(this.received)}`);
      await sleep(10);
    }
    return this.received;
  }

  private async handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, raw: string[] | undefined): Promise<void> {
    const rec: ReceivedGrpc = { path: String(headers[":path"] ?? ""), headers: pairsOf(raw, headers), messages: [], halfClosed: false, reset: false, finished: false };
    this.received.push(rec);
    this.open.add(stream);
    let pending: Buffer = Buffer.alloc(0);
    let halfClosed!: () => void;
    const ended = new Promise<void>((r) => { halfClosed = r; });
    stream.on("data", (chunk: Buffer) => {
      const { messages, rest } = decodeFrames(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const m of messages) rec.messages.push(m.toString("utf8"));
    });
    stream.on("end", () => { rec.halfClosed = true; halfClosed(); });
    stream.on("aborted", () => { if (!rec.finished) rec.reset = true; });
    stream.on("close", () => {
      this.open.delete(stream);
      if (!rec.finished && stream.rstCode !== constants.NGHTTP2_NO_ERROR) rec.reset = true;
      halfClosed();
    });
    stream.on("error", () => { /* a reset by Envoy: recorded above */ });

    const m = this.methods.get(rec.path);
    const alive = (): boolean => !stream.destroyed && !stream.closed;
    if (m === undefined) {
      this.trailersOnly(stream, rec, 12, `no scripted method ${rec.path}`);
      return;
    }
    if (m.unary !== undefined) {
      const a = m.unary;
      await ended; // unary: the whole request first
      if ("fail" in a) return; // silence: the caller's deadline decides
      if (a.delayMs !== undefined && a.delayMs > 0) await sleep(a.delayMs);
      if (!alive()) return;
      if ("status" in a && a.status !== 0) {
        this.trailersOnly(stream, rec, a.status, a.message ?? "");
        return;
      }
      const message = "status" in a ? a.message ?? "" : a.message;
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, STREAMING);
      stream.on("wantTrailers", () => { stream.sendTrailers({ "grpc-status": "0" }); rec.finished = true; });
      stream.end(encodeFrame(message));
      return;
    }
    const script = m.stream ?? { steps: [] };
    if (script.afterHalfClose !== false) await ended;
    let responded = false;
    for (const step of script.steps) {
      if (!alive()) return;
      if ("initialMetadata" in step) {
        stream.respond({ ":status": 200, "content-type": "application/grpc", ...Object.fromEntries(step.initialMetadata) }, STREAMING);
        responded = true;
      } else if ("message" in step) {
        if (!responded) {
          stream.respond({ ":status": 200, "content-type": "application/grpc" }, STREAMING);
          responded = true;
        }
        stream.write(encodeFrame(step.message));
      } else {
        const c = step.close;
        if (!responded) {
          this.trailersOnly(stream, rec, c.status, c.message ?? "", c.trailingMetadata ?? []);
          return;
        }
        const trailers: Record<string, string> = { "grpc-status": String(c.status) };
        if (c.message !== undefined && c.message !== "") trailers["grpc-message"] = encodeGrpcMessage(c.message);
        for (const [k, v] of c.trailingMetadata ?? []) trailers[k] = v;
        stream.on("wantTrailers", () => { stream.sendTrailers(trailers); rec.finished = true; });
        stream.end();
        return;
      }
      await sleep(20); // one step per HTTP/2 frame on the wire
    }
  }

  /** A status without messages: one HEADERS frame with END_STREAM (gRPC's Trailers-Only). */
  private trailersOnly(stream: ServerHttp2Stream, rec: ReceivedGrpc, status: number, message: string, md: Pairs = []): void {
    if (stream.destroyed || stream.closed) return;
    const h: Record<string, string | number> = { ":status": 200, "content-type": "application/grpc", "grpc-status": String(status) };
    if (message !== "") h["grpc-message"] = encodeGrpcMessage(message);
    for (const [k, v] of md) h[k] = v;
    stream.respond(h, TRAILERS_ONLY);
    rec.finished = true;
  }
}
