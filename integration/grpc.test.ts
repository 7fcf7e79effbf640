// gRPC from a plugin (fixture sdk/test/fixtures/grpc, release build) in real Envoy and on the mock
// host, against the same scripted gRPC peer: a real HTTP/2 gRPC server of this process
// (src/grpc-server.ts) behind Envoy's HTTP/2 clusters "authz" and "events", and host-mock's
// GrpcRouter replaying the same script. Each case compares what the client got, what the plugin
// logged (in Envoy: the `wasm log` lines of its log) and what the server received.
//
// Envoy runs one worker (concurrency 1) and every request uses one connection, so one VM sees the
// cases in order; the mock host does too, one host for the whole sequence: the call and stream ids
// (5, 9, … / 6, 10, …) and what a failed call leaves in the guest's id slot must agree as well.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, LogLevel, type GrpcAnswer, type GrpcStreamPeer, type MockHost, type HttpStream } from "@filterkit/host-mock";
import { connect, send, startEnvoy, envoyRuntime, RecordingUpstream, type RunningEnvoy, type Pairs } from "@filterkit/envoy";
import { GrpcTestServer, type ReceivedGrpc, type StreamStep, type UnaryScript } from "./src/grpc-server.ts";
import { recordEnvoyStart } from "./src/report.ts";

const skip = envoyRuntime();
const WASM = fileURLToPath(new URL("../sdk/test/fixtures/grpc/build/release.wasm", import.meta.url));
const plugin = { name: "grpc", rootId: "grpc", vmId: "grpc", wasm: WASM, configuration: "", failurePolicy: "FAIL_CLOSED" as const };
const CHECK = "/pkg.Auth/Check";
const WATCH = "/pkg.Events/Watch";

/** A serialized GrpcService { envoy_grpc { cluster_name } } in hex (the fixture's x-service-hex). */
function grpcServiceHex(cluster: string): string {
  const name = Buffer.from(cluster);
  const inner = Buffer.concat([Buffer.from([0x0a, name.length]), name]);
  return Buffer.concat([Buffer.from([0x0a, inner.length]), inner]).toString("hex");
}

/** The wasm log lines of an Envoy log, without Envoy's prefix. */
function wasmLines(log: string): string[] {
  return log.split("\n").flatMap((l) => {
    const m = /wasm log [^:]*: (.*)$/.exec(l);
    return m === null ? [] : [m[1]];
  });
}

/** What the client of the filtered request saw: a local reply, or the request passed upstream. */
interface Outcome {
  status: number;
  body: string;
  /** the header the plugin added upstream (null: none, or the request never got there) */
  grpcAnswer: string | null;
}

/** The mock host's side: one host for the whole sequence, answering with the current script. */
class MockSide {
  readonly host: MockHost;
  unary: UnaryScript = { fail: "timeout" };
  stream: StreamStep[] = [];
  private seen = 0;

  constructor() {
    this.host = createHost({ wasm: WASM, rootId: "grpc", now: 0 });
    // the same script as the server: GrpcAnswer has the server's unary shapes
    this.host.grpc.route({ cluster: "authz" }, () => this.unary as GrpcAnswer);
    this.host.grpc.onStream({ cluster: "events" }, (peer) => { replay(this.stream, peer); });
  }

  run(path: string, headers: Pairs = []): { outcome: Outcome; logs: string[]; stream: HttpStream } {
    const s = this.host.newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", path], [":authority", "shop"], ...headers], true);
    this.host.advance(2_000); // every scripted delay and deadline is shorter
    const outcome: Outcome = s.localReply !== null
      ? { status: s.localReply.status, body: s.localReply.bodyText, grpcAnswer: null }
      : { status: s.paused("request") ? 0 : 200, body: s.paused("request") ? "(held)" : "up", grpcAnswer: s.request.headers.find(([k]) => k === "x-grpc-answer")?.[1] ?? null };
    const all = this.host.logsAt(LogLevel.info);
    const logs = all.slice(this.seen);
    this.seen = all.length;
    return { outcome, logs, stream: s };
  }
}

function replay(steps: StreamStep[], peer: GrpcStreamPeer): void {
  for (const step of steps) {
    if ("initialMetadata" in step) peer.sendInitialMetadata(step.initialMetadata);
    else if ("message" in step) peer.send(step.message);
    else peer.close(step.close.status, step.close.message ?? "", step.close.trailingMetadata ?? []);
  }
}

describe.skipIf(skip !== null)(`gRPC calls and streams: real Envoy and the mock host agree${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 60_000 }, () => {
  const upstream = new RecordingUpstream(() => ({ status: 200, headers: [["content-type", "text/plain"]], body: "up" }));
  const authz = new GrpcTestServer([{ path: CHECK, unary: { message: "allowed" } }]);
  const events = new GrpcTestServer([{ path: WATCH, stream: { steps: [] } }]);
  const mock = new MockSide();
  let envoy: RunningEnvoy;
  let seenLines = 0;

  beforeAll(async () => {
    const upstreamPort = await upstream.start();
    const grpcPorts = { authz: await authz.start(), events: await events.start() };
    envoy = await startEnvoy({ upstreamPort, grpcPorts, plugins: [plugin], concurrency: 1 });
    recordEnvoyStart("grpc", envoy);
  }, 120_000);

  afterAll(async () => {
    await envoy?.stop();
    await upstream.stop();
    await authz.stop();
    await events.stop();
  });

  /** One request through Envoy: its outcome and the wasm lines it produced (at least `expectLines`). */
  async function viaEnvoy(path: string, headers: Pairs, expectLines: number): Promise<{ outcome: Outcome; logs: string[] }> {
    const before = upstream.received.length;
    const client = connect(envoy.url);
    const r = await send(client, { method: "GET", path, headers: [["host", "shop"], ...headers], chunks: [] });
    await client.close();
    const passed = upstream.received.length > before ? upstream.received.at(-1) : undefined;
    const outcome: Outcome = { status: r.status, body: r.body, grpcAnswer: passed?.headers.find(([k]) => k === "x-grpc-answer")?.[1] ?? null };
    // the container log follows with a delay: read until the mock's count is there, then once more
    let lines: string[] = [];
    for (let waited = 0; waited < 5_000; waited += 50) {
      lines = wasmLines(await envoy.logs()).slice(seenLines);
      if (lines.length >= expectLines) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    await new Promise((res) => setTimeout(res, 100));
    lines = wasmLines(await envoy.logs()).slice(seenLines);
    seenLines += lines.length;
    return { outcome, logs: lines };
  }

  /** The same request on both hosts with the same script; returns both sides for further checks. */
  async function both(path: string, headers: Pairs = [], script: { unary?: UnaryScript; stream?: StreamStep[] } = {}) {
    if (script.unary !== undefined) {
      authz.method({ path: CHECK, unary: script.unary });
      mock.unary = script.unary;
    }
    if (script.stream !== undefined) {
      events.method({ path: WATCH, stream: { steps: script.stream } });
      mock.stream = script.stream;
    }
    const onMock = mock.run(path, headers);
    const inEnvoy = await viaEnvoy(path, headers, onMock.logs.length);
    expect(inEnvoy.logs).toEqual(onMock.logs);
    expect(inEnvoy.outcome).toEqual(onMock.outcome);
    return { envoy: inEnvoy, mock: onMock };
  }

  const lastReceived = (server: GrpcTestServer): ReceivedGrpc => server.received[server.received.length - 1];
  /** the metadata the plugin gave, as the server got it: Envoy's own request headers left out */
  const ENVOY_ADDED = new Set(["te", "content-type", "grpc-timeout", "x-envoy-internal", "x-envoy-expected-rq-timeout-ms"]);
  const pluginMetadata = (r: ReceivedGrpc): Pairs => r.headers.filter(([k]) => !k.startsWith(":") && !ENVOY_ADDED.has(k));

  it("unary success: the answer becomes x-grpc-answer upstream; the server got the request and the metadata", async () => {
    const r = await both("/unary", [], { unary: { message: "allowed" } });
    expect(r.envoy.outcome).toEqual({ status: 200, body: "up", grpcAnswer: "allowed" });
    expect(r.envoy.logs).toEqual(["grpc_call 0 id=5", "message 5 allowed"]);
    const got = lastReceived(authz);
    const sent = mock.host.grpc.sent.at(-1);
    expect(got.messages).toEqual([new TextDecoder().decode(sent?.message)]);
    expect(got.halfClosed).toBe(true);
    expect(pluginMetadata(got)).toEqual(sent?.initialMetadata);
    expect(got.path).toBe(`/${sent?.serviceName}/${sent?.method}`);
    // what Envoy puts around it (a plain cluster name: :authority is the cluster, the deadline as grpc-timeout)
    expect(got.headers).toEqual([
      [":method", "POST"], [":path", CHECK], [":authority", "authz"], [":scheme", "http"], ["te", "trailers"],
      ["grpc-timeout", "200m"], ["content-type", "application/grpc"], ["x-caller", "fixture"],
      ["x-envoy-internal", "true"], ["x-envoy-expected-rq-timeout-ms", "200"],
    ]);
  });

  it("unary non-OK status: proxy_get_status has grpc-message as on the wire, then {response code details}", async () => {
    const r = await both("/unary", [], { unary: { status: 7, message: "no entry" } });
    expect(r.envoy.outcome.body).toBe("grpc 7 no entry{via_upstream}");
    const r2 = await both("/unary", [], { unary: { status: 3, message: "bad 100% ünicode" } });
    expect(r2.envoy.outcome.body).toBe("grpc 3 bad 100%25 %C3%BCnicode{via_upstream}");
    const r3 = await both("/unary", [], { unary: { status: 7 } });
    expect(r3.envoy.outcome.body).toBe("grpc 7 via_upstream");
  });

  it("unary deadline: the router's timeout, Unavailable (14) 'upstream request timeout', the server's stream reset", async () => {
    const r = await both("/unary", [], { unary: { message: "too late", delayMs: 1_000 } });
    expect(r.envoy.outcome).toEqual({ status: 503, body: "grpc 14 upstream request timeout{response_timeout}", grpcAnswer: null });
    await authz.waitFor(() => lastReceived(authz).reset);
    const r2 = await both("/unary", [], { unary: { fail: "timeout" } });
    expect(r2.envoy.outcome.body).toBe("grpc 14 upstream request timeout{response_timeout}");
  });

  it("a plain name that is no cluster: ParseFailure, and the id slot keeps the previous id", async () => {
    const r = await both("/unary", [["x-cluster", "nowhere"]]);
    expect(r.envoy.logs).toEqual(["grpc_call 4 id=25"]); // 4 = ParseFailure; 25 = the last call's id, not overwritten
    expect(r.envoy.outcome).toEqual({ status: 200, body: "up", grpcAnswer: null }); // the fixture lets the request go on
  });

  it("a serialized GrpcService: envoy_grpc.cluster_name is called like the plain name; an unknown cluster fails, then closes", async () => {
    const before = authz.received.length;
    const r = await both("/unary", [["x-service-hex", grpcServiceHex("authz")]], { unary: { message: "via proto" } });
    expect(r.envoy.outcome.grpcAnswer).toBe("via proto");
    // the server cannot tell the two forms apart
    expect(authz.received[before].headers).toEqual(authz.received[0].headers);
    const r2 = await both("/unary", [["x-service-hex", grpcServiceHex("nowhere")]]);
    // InternalFailure (10), the id slot untouched, yet id 33 is used up: its close follows the callback
    expect(r2.envoy.logs).toEqual(["grpc_call 10 id=29", "close 33 status=14 message=Cluster not available"]);
  });

  it("a stream: the server gets both messages and the half-close; metadata, message, trailers and close come back in order", async () => {
    const r = await both("/stream", [], {
      stream: [{ initialMetadata: [["x-md", "1"]] }, { message: "event-1" }, { close: { status: 0, trailingMetadata: [["x-done", "yes"]] } }],
    });
    expect(r.envoy.logs).toEqual([
      "grpc_stream 0 id=6",
      "send 0 0 after end 0 to a call id 2", // a send after end of stream is Ok (and dropped)
      "initial metadata 6 n=4 first=:status:200", // :status, content-type, x-md, x-envoy-upstream-service-time
      "message 6 event-1",
      "trailing metadata 6 n=2 first=grpc-status:0", // grpc-status, x-done
      "close 6 status=0 message=via_upstream",
    ]);
    expect(r.envoy.outcome).toEqual({ status: 200, body: "up", grpcAnswer: null });
    const got = lastReceived(events);
    const peer = mock.host.grpc.streams.at(-1) as GrpcStreamPeer;
    expect(got.messages).toEqual(["hello", "bye"]);
    expect(got.messages).toEqual(peer.received.map((m) => new TextDecoder().decode(m)));
    expect(got.halfClosed).toBe(peer.halfClosed);
    expect(got.halfClosed).toBe(true);
    expect(pluginMetadata(got)).toEqual(peer.request.initialMetadata);
    expect(got.headers.find(([k]) => k === "grpc-timeout")).toBeUndefined(); // streams have no deadline
  });

  it("a stream closed with a status, after a message and before anything (trailers-only)", async () => {
    const r = await both("/stream", [], { stream: [{ message: "m1" }, { close: { status: 9, message: "gone", trailingMetadata: [["x-t", "1"]] } }] });
    expect(r.envoy.logs.slice(2)).toEqual([
      "initial metadata 10 n=3 first=:status:200", "message 10 m1", "trailing metadata 10 n=3 first=grpc-status:9", "close 10 status=9 message=gone{via_upstream}",
    ]);
    const r2 = await both("/stream", [], { stream: [{ close: { status: 5, message: "no such topic" } }] });
    expect(r2.envoy.logs.slice(2)).toEqual([
      "initial metadata 14 n=0 first=-", // trailers-only: no initial metadata...
      "trailing metadata 14 n=5 first=:status:200", // ...the whole HEADERS frame as trailing metadata
      "close 14 status=5 message=no such topic{via_upstream}",
    ]);
  });

  it("a cancelled stream: Ok once, NotFound after; the server sees a reset and no message", async () => {
    const r = await both("/cancel");
    expect(r.envoy.logs).toEqual(["grpc_stream 0 id=18", "cancel 0 again 1", "send after cancel 1"]);
    await events.waitFor(() => lastReceived(events).path === WATCH && lastReceived(events).reset);
    const got = lastReceived(events);
    expect(got.messages).toEqual([]);
    expect(got.halfClosed).toBe(false);
    expect(mock.host.grpc.streams.at(-1)?.cancelled).toBe(true);
  });

  it("a service whose bytes parse as a GrpcService without a target (the empty string) aborts Envoy; the mock fails the test", async () => {
    const own = await startEnvoy({ upstreamPort: upstream.port, grpcPorts: { authz: authz.port }, plugins: [plugin], concurrency: 1 });
    recordEnvoyStart("grpc-abort", own);
    try {
      const client = connect(own.url);
      const r = await send(client, { method: "GET", path: "/unary", headers: [["host", "shop"], ["x-service-hex", ""]], chunks: [] });
      await client.close().catch(() => undefined);
      expect(r.reset).toBe(true);
      let log = "";
      for (let waited = 0; waited < 5_000 && !log.includes("panic: unset oneof"); waited += 100) {
        log = await own.logs();
        await new Promise((res) => setTimeout(res, 100));
      }
      expect(log).toContain("panic: unset oneof");
    } finally {
      await own.stop();
    }
    const h = createHost({ wasm: WASM, rootId: "grpc", now: 0 });
    h.grpc.cluster("authz");
    expect(() => h.newHttpStream().sendRequestHeaders([[":method", "GET"], [":path", "/unary"], [":authority", "shop"], ["x-service-hex", ""]], true))
      .toThrow(/panic: unset oneof/);
  });
});
