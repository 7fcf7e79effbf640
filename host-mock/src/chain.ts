// A filter chain: several plugins (hosts, any SDK) on one HTTP stream, driven to completion the way
// Envoy's filter manager drives them:
//
//   client ──▶ plugin 0 ──▶ plugin 1 ──▶ … ──▶ upstream       request: configuration order
//   client ◀── plugin 0 ◀── plugin 1 ◀── … ◀── upstream       response: reverse order
//
// Each plugin's output is piped into the next one as it is let through — also when a paused plugin
// resumes later (a callout answer, a tick) — so pausing, buffering and chunking compose as in Envoy.
// A local reply from the request path enters the encoder chain at its start (Envoy's
// sendLocalReplyViaFilterChain, §5.4); plugins the request never reached let it pass untouched (as
// measured on Envoy 1.40), so it passes the response callbacks of the replying plugin and of every
// plugin before it. A reply from the response path goes straight to the client; a reset ends the
// exchange.
// The upstream answers once the whole request has reached it. Virtual time runs only while
// something waits for it (a callout, a timer), up to `maxWaitMs`.

import type { VirtualClock } from "./clock.ts";
import { clonePairs } from "./header-map.ts";
import type { MockHost } from "./host.ts";
import { concat } from "./imports/buffers.ts";
import { invalidUpstreamHeader } from "./http1.ts";
import { fromUtf8, utf8 } from "./memory.ts";
import type { HeaderPairs } from "./pairs.ts";
import type { HttpStream, StreamSink } from "./stream.ts";
import { describeStatus } from "./transcript.ts";
import type { TranscriptEntry } from "./vm.ts";

export type Body = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

/** What the client sends: headers with pseudo-headers; the body as one piece or as chunks. */
export interface ClientRequest {
  headers: ReadonlyArray<readonly [string, string]>;
  body?: Body;
  trailers?: ReadonlyArray<readonly [string, string]>;
}

/** What the upstream answers: headers with `:status`; the body as one piece or as chunks. */
export interface UpstreamAnswer {
  headers: ReadonlyArray<readonly [string, string]>;
  body?: Body;
  trailers?: ReadonlyArray<readonly [string, string]>;
}

/** A message as one side received it. */
export interface Received {
  headers: HeaderPairs;
  body: Uint8Array;
  bodyText: string;
  trailers: HeaderPairs;
  /** data events it arrived in (a plugin that buffers turns many chunks into one) */
  chunks: number;
  /** end of stream arrived */
  ended: boolean;
}

export interface Exchange {
  /** what reached the upstream, null when the request never got there (a local reply, a reset) */
  upstream: Received | null;
  /** what reached the client */
  response: Received & { reset: boolean };
  /** index of the plugin that sent a local reply (or failed closed), null if none */
  repliedBy: number | null;
  /** the plugins' streams, for their callbacks, local replies and details */
  streams: HttpStream[];
  /** every callback and host call in order, with the exchange's I/O (only with `transcript: true`) */
  transcript: TranscriptEntry[];
}

export interface RunOptions {
  /** record a transcript (callbacks, host calls, messages) */
  transcript?: boolean;
  /** longest virtual wait for held messages before the run fails, default 5 minutes */
  maxWaitMs?: number;
}

const DEFAULT_MAX_WAIT_MS = 5 * 60 * 1000;

function chunksOf(body: Body | undefined): Uint8Array[] {
  if (body === undefined) return [];
  const list = typeof body === "string" || body instanceof Uint8Array ? [body] : body;
  return list.map((c) => (typeof c === "string" ? utf8(c) : c)).filter((c) => c.length > 0);
}

class Collector implements StreamSink {
  readonly got: Received = { headers: [], body: new Uint8Array(0), bodyText: "", trailers: [], chunks: 0, ended: false };
  started = false;

  constructor(private readonly note: (what: string) => void, private readonly who: string) {}

  headers(headers: HeaderPairs, endOfStream: boolean): void {
    this.started = true;
    this.got.headers = headers;
    this.got.ended = endOfStream;
    this.note(`${this.who} receives headers (${headers.length})${endOfStream ? ", end of stream" : ""}`);
  }

  data(chunk: Uint8Array, endOfStream: boolean): void {
    if (chunk.length > 0) {
      this.got.body = concat(this.got.body, chunk);
      this.got.chunks++;
    }
    this.got.ended = endOfStream;
    this.note(`${this.who} receives ${chunk.length} body bytes${endOfStream ? ", end of stream" : ""}`);
  }

  trailers(trailers: HeaderPairs): void {
    this.got.trailers = trailers;
    this.got.ended = true;
    this.note(`${this.who} receives trailers (${trailers.length}), end of stream`);
  }

  result(): Received {
    return { ...this.got, bodyText: fromUtf8(this.got.body) };
  }
}

/** Forwards one plugin's output into the next plugin's input. */
function into(next: HttpStream, direction: "request" | "response"): StreamSink {
  return direction === "request"
    ? {
      headers: (h, eos) => { next.sendRequestHeaders(h, eos); },
      data: (c, eos) => { next.sendRequestBody(c, eos); },
      trailers: (t) => { next.sendRequestTrailers(t); },
    }
    : {
      headers: (h, eos) => { next.sendResponseHeaders(h, eos); },
      data: (c, eos) => { next.sendResponseBody(c, eos); },
      trailers: (t) => { next.sendResponseTrailers(t); },
    };
}

export class FilterChain {
  readonly clock: VirtualClock;

  /** `hosts`: the plugins in configuration order; they must share one virtual clock. */
  constructor(readonly hosts: ReadonlyArray<MockHost>) {
    if (hosts.length === 0) throw new Error("a filter chain needs at least one plugin");
    this.clock = hosts[0].clock;
    if (hosts.some((h) => h.clock !== this.clock)) {
      throw new Error("the plugins of a chain must share one VirtualClock (createHost({ clock }))");
    }
  }

  /**
   * Sends `request` through the chain, lets the upstream answer with `upstream` (or what the
   * function returns for the request it received), and returns what each side received. Every
   * stream is completed (on_log, on_done, on_delete) before it returns.
   */
  run(request: ClientRequest, upstream: UpstreamAnswer | ((received: Received) => UpstreamAnswer), options: RunOptions = {}): Exchange {
    const transcript: TranscriptEntry[] = [];
    const note = options.transcript === true
      ? (what: string): void => { transcript.push({ kind: "io", plugin: "", name: what, args: [], result: undefined, contextId: 0, depth: 0 }); }
      : (): void => {};
    if (options.transcript === true) this.hosts.forEach((h, i) => h.startTranscript(transcript, h.rootId || `plugin ${i}`));
    const n = this.hosts.length;
    const streams = this.hosts.map((h) => h.newHttpStream());
    const toUpstream = new Collector(note, "upstream");
    const toClient = new Collector(note, "client");
    let reset = false;
    let upstreamCancelled = false; // a local reply or reset: the upstream request is abandoned
    let repliedBy: number | null = null;

    streams.forEach((s, i) => {
      s.pipe("request", i + 1 < n ? into(streams[i + 1], "request") : {
        headers: (h, eos) => {
          if (upstreamCancelled) return;
          // Envoy's upstream codec refuses headers no HTTP/1 peer may receive: the router answers
          // 503 itself, through every plugin's response callbacks (they all saw the request)
          const refused = invalidUpstreamHeader(h);
          if (refused === null) {
            toUpstream.headers(h, eos);
            return;
          }
          note(`the router refuses the request headers (${refused}); it answers 503`);
          upstreamCancelled = true;
          const body = utf8(refused);
          streams[n - 1].sendResponseHeaders([[":status", "503"], ["content-length", String(body.length)], ["content-type", "text/plain"]], false);
          streams[n - 1].sendResponseBody(body, true);
        },
        data: (c, eos) => { if (!upstreamCancelled) toUpstream.data(c, eos); },
        trailers: (t) => { if (!upstreamCancelled) toUpstream.trailers(t); },
      });
      s.pipe("response", i > 0 ? into(streams[i - 1], "response") : toClient);
      s.route({
        viaChain: (headers, body) => {
          note(`plugin ${i} replies locally (${headers.find(([k]) => k === ":status")?.[1] ?? "?"}); the reply enters the encoder chain`);
          upstreamCancelled = true;
          repliedBy ??= i;
          // Envoy starts the reply at the encoder chain's head, but a wasm filter whose context
          // was never created (it never saw this request) lets it pass untouched: the first
          // plugin to see the reply is the last one the request reached.
          let head = n - 1;
          while (head > i && !streams[head].contextCreated) head--;
          const first = streams[head];
          first.sendResponseHeaders(clonePairs(headers), body.length === 0);
          if (body.length > 0) first.sendResponseBody(body, true);
        },
        direct: (headers, body) => {
          note(`plugin ${i} replies locally from the response path; sent straight to the client`);
          upstreamCancelled = true;
          repliedBy ??= i;
          toClient.headers(headers, body.length === 0);
          if (body.length > 0) toClient.data(body, true);
        },
        reset: () => {
          note(`plugin ${i} resets the stream`);
          reset = true;
          upstreamCancelled = true;
        },
      });
    });

    let failure: unknown;
    try {
      // the client: headers, then the body chunk by chunk, then trailers
      const body = chunksOf(request.body);
      const trailers = request.trailers === undefined ? null : clonePairs(request.trailers.map(([k, v]) => [k, v]));
      note(`client sends request headers (${request.headers.length})`);
      streams[0].sendRequestHeaders(request.headers, body.length === 0 && trailers === null);
      body.forEach((c, k) => {
        note(`client sends ${c.length} body bytes`);
        streams[0].sendRequestBody(c, k === body.length - 1 && trailers === null);
      });
      if (trailers !== null) {
        note(`client sends request trailers (${trailers.length})`);
        streams[0].sendRequestTrailers(trailers);
      }

      let answered = false;
      let waited = 0;
      const maxWait = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
      while (!reset && !toClient.got.ended) {
        if (toUpstream.got.ended && !answered && !upstreamCancelled) {
          answered = true;
          const a = typeof upstream === "function" ? upstream(toUpstream.result()) : upstream;
          const aBody = chunksOf(a.body);
          const aTrailers = a.trailers === undefined ? null : a.trailers.map(([k, v]) => [k, v] as [string, string]);
          const last = streams[n - 1];
          note(`upstream answers (${a.headers.find(([k]) => k === ":status")?.[1] ?? "?"})`);
          last.sendResponseHeaders(a.headers, aBody.length === 0 && aTrailers === null);
          aBody.forEach((c, k) => last.sendResponseBody(c, k === aBody.length - 1 && aTrailers === null));
          if (aTrailers !== null) last.sendResponseTrailers(aTrailers);
          continue;
        }
        const next = this.clock.nextDueMs();
        if (next === undefined || waited + next > maxWait) throw new Error(this.stuck(streams, toUpstream, maxWait));
        note(`virtual time advances ${next} ms`);
        this.clock.advance(next);
        waited += next;
      }
    } catch (e) {
      failure = e;
      throw e;
    } finally {
      // completing the streams after a trap meets the failed VM again: the trap itself is the report
      for (const s of streams) {
        try {
          s.complete();
        } catch (e) {
          if (failure === undefined) throw e;
        }
      }
      if (options.transcript === true) for (const h of this.hosts) h.stopTranscript();
    }
    return {
      upstream: toUpstream.started ? toUpstream.result() : null,
      response: { ...toClient.result(), reset },
      repliedBy,
      streams,
      transcript,
    };
  }

  private stuck(streams: HttpStream[], up: Collector, maxWait: number): string {
    const held = streams.flatMap((s, i) => (["request", "response"] as const).filter((d) => s.paused(d)).map((d) => `plugin ${i} (${this.hosts[i].rootId || "no root id"}) holds the ${d}`));
    const where = held.length > 0 ? held.join("; ") : up.started ? "the response never ended" : "the request never reached the upstream";
    return `the exchange cannot finish: ${where}, and no pending callout or timer can release it within ${maxWait} ms of virtual time`;
  }
}

/** A chain of the given plugins (hosts sharing one clock), in configuration order. */
export function createChain(hosts: ReadonlyArray<MockHost>): FilterChain {
  return new FilterChain(hosts);
}

/** One line per transcript entry: I/O, callbacks (→ result) and, indented, the host calls they made. */
export function formatTranscript(entries: ReadonlyArray<TranscriptEntry>): string {
  return entries.map((e) => {
    if (e.kind === "io") return `-- ${e.name}`;
    const args = e.detail ?? e.args.map(String).join(", ");
    const status = e.kind === "hostcall" && e.name.startsWith("proxy_") ? describeStatus(e.result) : undefined;
    const result = e.result === undefined ? "" : ` → ${status ?? String(e.result)}`;
    const pad = "  ".repeat(e.depth);
    return `${pad}[${e.plugin}] ${e.name}(${args})${result}`;
  }).join("\n");
}
