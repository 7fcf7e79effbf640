// Filter chains and run-to-completion: several plugins on one stream, output piped from one to the
// next as Envoy iterates them (also after a deferred resume), local replies through the whole
// encoder chain, held messages released by virtual time, transcripts, and workers.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  CalloutRouter, createChain, createHost, createWorkers, formatTranscript, ProxyProcess, TrapError, VirtualClock,
  type HostOptions, type MockHost,
} from "../src/index.ts";
import { filterHost } from "./helpers/filter.ts";

const fixture = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const BODY = fixture("sdk/test/fixtures/body/build/debug.wasm");
const GATE = fixture("sdk/test/fixtures/readme-example/build/debug.wasm");
const CALLOUT = fixture("sdk/test/fixtures/callout/build/debug.wasm");
const ADD = fixture("filters/add-header/build/release.wasm");

/** Hosts of one chain: one clock, one callout router. */
function plugins(...specs: Array<Omit<HostOptions, "clock" | "callouts">>): { hosts: MockHost[]; callouts: CalloutRouter; clock: VirtualClock } {
  const clock = new VirtualClock(0);
  const callouts = new CalloutRouter();
  return { hosts: specs.map((s) => createHost({ ...s, clock, callouts })), callouts, clock };
}

const add = (name: string, value: string) => ({ wasm: ADD, rootId: "add_header", pluginConfig: { name, value } });
const GET = [[":method", "GET"], [":path", "/"], [":authority", "example.com"], [":scheme", "http"]] as const;
const POST = [[":method", "POST"], [":path", "/up"], [":authority", "example.com"], [":scheme", "http"], ["x-mode", "buffer"]] as const;
const OK = { headers: [[":status", "200"], ["content-type", "text/plain"]] as Array<[string, string]>, body: "ok" };

describe("FilterChain", () => {
  it("passes requests in configuration order and responses in reverse", () => {
    const { hosts } = plugins(add("x-first", "1"), add("x-second", "2"));
    const ex = createChain(hosts).run({ headers: GET }, OK);
    // add-header adds its header to the response: the last plugin sees the response first
    expect(ex.upstream?.headers).toEqual(GET);
    expect(ex.response.headers.filter(([k]) => k.startsWith("x-"))).toEqual([["x-second", "2"], ["x-first", "1"]]);
    expect(ex.response.bodyText).toBe("ok");
    expect(ex.repliedBy).toBeNull();
    for (const s of ex.streams) expect(s.callbacks.map((c) => c.name).slice(-3)).toEqual(["proxy_on_log", "proxy_on_done", "proxy_on_delete"]);
  });

  it("pipes chunks through: a plugin that buffers hands the next one the whole body once", () => {
    const { hosts } = plugins({ wasm: BODY, rootId: "body" }, add("x-after", "1"));
    const ex = createChain(hosts).run({ headers: POST, body: ["ab", "cd", "ef"] }, (got) => ({ headers: [[":status", "200"]], body: `got ${got.bodyText}` }));
    expect(ex.upstream?.bodyText).toBe("ABCDEF"); // upper-cased by the body fixture at end of stream
    expect(ex.upstream?.chunks).toBe(1);
    expect(ex.upstream?.ended).toBe(true);
    // the body fixture saw the cumulative size on every call while it buffered
    expect(hosts[0].logsAt(2).filter((l) => l.startsWith("request"))).toEqual([
      "request buffering size=2", "request buffering size=4", "request size=6 eos=1 len=6 text=abcdef",
    ]);
    expect(ex.response.bodyText).toBe("GOT ABCDEF");
  });

  it("a local reply from the request path passes the response callbacks of the plugins the request reached", () => {
    const { hosts } = plugins(add("x-before", "1"), { wasm: GATE, rootId: "my_root", pluginConfig: { header: "x-token" } }, add("x-after", "2"));
    const ex = createChain(hosts).run({ headers: GET }, () => { throw new Error("the upstream must not be asked"); });
    expect(ex.upstream).toBeNull();
    expect(ex.repliedBy).toBe(1);
    // the gate's own response callbacks and the earlier plugin's ran; the later plugin, which
    // never saw the request, lets the reply pass untouched (measured on Envoy 1.40)
    expect(ex.response.headers).toEqual([
      [":status", "403"], ["content-length", "9"], ["content-type", "text/plain"], ["x-before", "1"],
    ]);
    expect(ex.response.bodyText).toBe("forbidden");
    expect(ex.streams[1].callbacks.map((c) => c.name)).toContain("proxy_on_response_headers");
    expect(ex.streams[2].callbacks.map((c) => c.name)).toEqual(["proxy_on_context_create", "proxy_on_log", "proxy_on_done", "proxy_on_delete"]);
  });

  it("runs virtual time while a plugin holds the request for a callout", () => {
    const { hosts, callouts, clock } = plugins({ wasm: CALLOUT, rootId: "callout" }, add("x-after", "1"));
    callouts.route({ cluster: "auth", path: "/check" }, { status: 200, headers: [["x-user", "dana"]], delayMs: 250 });
    const ex = createChain(hosts).run({ headers: [...GET, ["authorization", "Bearer t"]] }, OK);
    expect(ex.upstream?.headers).toContainEqual(["x-auth-user", "dana"]);
    expect(ex.response.headers[0]).toEqual([":status", "200"]);
    expect(ex.response.headers).toContainEqual(["x-after", "1"]);
    expect(clock.nowNs()).toBe(250_000_000n);
  });

  it("a callout that times out becomes the gate's 403 after the call's 500 ms timeout", () => {
    const { hosts, callouts, clock } = plugins({ wasm: CALLOUT, rootId: "callout" });
    callouts.route({ cluster: "auth" }, { fail: "timeout" });
    const ex = createChain(hosts).run({ headers: GET }, OK);
    expect(ex.upstream).toBeNull();
    expect(ex.response.headers[0]).toEqual([":status", "403"]);
    expect(ex.response.bodyText).toBe("upstream request timeout");
    expect(clock.nowNs()).toBe(500_000_000n);
  });

  it("fails with the holding plugin named when nothing can release a held request", () => {
    const hold = filterHost({ proxy_on_request_headers: "(i32.const 1)" }, {}, { rootId: "holder", clock: new VirtualClock(0) });
    expect(() => createChain([hold]).run({ headers: GET }, OK)).toThrow(
      /the exchange cannot finish: plugin 0 \(holder\) holds the request, and no pending callout or timer can release it/);
  });

  it("refuses plugins on different clocks", () => {
    const a = createHost(add("a", "1"));
    const b = createHost(add("b", "2"));
    expect(() => createChain([a, b])).toThrow(/share one VirtualClock/);
  });

  it("records a transcript: I/O, callbacks with results and the host calls inside them, in order", () => {
    const { hosts, callouts } = plugins({ wasm: CALLOUT, rootId: "callout" }, add("x-after", "1"));
    callouts.route({ cluster: "auth" }, { status: 200, headers: [["x-user", "eve"]] });
    const ex = createChain(hosts).run({ headers: GET }, OK, { transcript: true });
    const text = formatTranscript(ex.transcript);
    const lines = text.split("\n");
    const at = (re: RegExp): number => {
      const i = lines.findIndex((l) => re.test(l));
      expect(i, `no line matches ${re}\n${text}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    const order = [
      at(/^-- client sends request headers \(4\)$/),
      at(/^\[callout\] proxy_on_request_headers\(2, 4, 1\) → 1$/),
      at(/^ {2}\[callout\] proxy_http_call\(cluster "auth", timeout 500 ms\) → Ok$/),
      at(/^\[callout\] proxy_on_http_call_response\(1, 4, 2, 0, 0\)$/),
      at(/^ {2}\[callout\] proxy_add_header_map_value\(RequestHeaders, "x-auth-user", "eve"\) → Ok$/),
      at(/^ {2}\[callout\] proxy_continue_stream\(Request\) → Ok$/),
      at(/^\[add_header\] proxy_on_request_headers\(2, 5, 1\) → 0$/),
      at(/^-- upstream receives headers \(5\), end of stream$/),
      at(/^-- upstream answers \(200\)$/),
      at(/^-- client receives headers/),
      at(/^\[callout\] proxy_on_delete\(2\)$/),
    ];
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    // transcripts stop with the run
    const before = ex.transcript.length;
    createChain(hosts).run({ headers: [...GET, ["authorization", "x"]] }, OK);
    expect(ex.transcript.length).toBe(before);
  });
});

describe("determinism", () => {
  it("the same run on fresh hosts gives a byte-identical transcript (usable as a snapshot)", () => {
    const once = (): string => {
      const { hosts, callouts } = plugins({ wasm: CALLOUT, rootId: "callout" }, { wasm: BODY, rootId: "body" });
      callouts.route({ cluster: "auth" }, { status: 200, headers: [["x-user", "eve"]], delayMs: 40 });
      const ex = createChain(hosts).run({ headers: [...POST, ["authorization", "Bearer t"]], body: ["ab", "cd"] }, OK, { transcript: true });
      return formatTranscript(ex.transcript);
    };
    const first = once();
    expect(first.split("\n").length).toBeGreaterThan(30);
    expect(once()).toBe(first);
  });
});

describe("createWorkers", () => {
  it("gives each worker its own memory and root, sharing vm_id data, clock and callouts", () => {
    const workers = createWorkers(2, { wasm: CALLOUT, rootId: "callout", vmId: "gate", now: 0 });
    expect(workers[0].process).toBe(workers[1].process);
    expect(workers[0].clock).toBe(workers[1].clock);
    expect(workers[0].callouts).toBe(workers[1].callouts);
    expect(workers.map((w) => w.rootContextId)).toEqual([1, 1]); // context ids are per VM
    workers[0].setSharedData("k", "from worker 0");
    expect(workers[1].sharedData("k")?.value).toEqual(new TextEncoder().encode("from worker 0"));
    workers[1].callouts.route({ cluster: "auth" }, { status: 200, headers: [["x-user", "w"]] });
    const s = workers[0].newHttpStream();
    s.sendRequestHeaders(GET, true);
    expect(s.request.headers).toContainEqual(["x-auth-user", "w"]);
  });

  it("keeps a process given in the options and rejects nonsense counts", () => {
    const process = new ProxyProcess();
    expect(createWorkers(3, { wasm: ADD, rootId: "add_header", pluginConfig: { name: "a", value: "b" }, process }).every((w) => w.process === process)).toBe(true);
    expect(() => createWorkers(0, { wasm: ADD })).toThrow(/positive integer/);
  });

  it("a singleton VM has no HTTP streams", () => {
    const single = createHost({ wasm: ADD, rootId: "add_header", pluginConfig: { name: "a", value: "b" }, singleton: true });
    expect(single.configured).toBe(true);
    expect(() => single.newHttpStream()).toThrow(/singleton VM/);
  });
});

describe("a trap inside a chain run", () => {
  it("reaches the test as the TrapError itself, with the filter's callback, not as the failed VM met again while completing", () => {
    const host = filterHost({ proxy_on_request_headers: "unreachable" });
    let caught: unknown;
    try {
      createChain([host]).run({ headers: [[":method", "GET"], [":path", "/"], [":authority", "a"]] }, { headers: [[":status", "200"]] });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TrapError);
    expect((caught as TrapError).callback).toBe("proxy_on_request_headers");
  });
});
