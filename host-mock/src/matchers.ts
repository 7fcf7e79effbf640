// vitest matchers for the common assertions on a filter. Importing this file registers them (the
// repository's vitest.config.ts does it for every test file):
//
//   expect(stream.response).toHaveHeader("x-powered-by", "filterkit");
//   expect(stream.request).not.toHaveHeader("authorization");
//   expect(stream).toHaveLocalReply(403);
//   expect(host).toHaveLogged(LogLevel.error, /field "name"/);
//   expect(host).toHaveCalledOut("auth", { method: "GET", path: "/check" });
//   expect(host).toHaveMetric("requests_total", 3n);
import { beforeEach, expect } from "vitest";
import { LogLevel, MetricType } from "../../sdk/assembly/abi/enums.ts";
import { MockHost, takeSeeds } from "./host.ts";
import type { HeaderPairs } from "./pairs.ts";
import { HttpStream } from "./stream.ts";

interface FilterkitMatchers<R = unknown> {
  /** headers (pairs, or a request/response view) carry `name` (case-insensitive), with `value` if given */
  toHaveHeader(name: string, value?: string): R;
  /** the stream answered with a local reply, with that status if given */
  toHaveLocalReply(status?: number): R;
  /** the host captured a log line at `level` equal to `text` or matching it */
  toHaveLogged(level: LogLevel, text: string | RegExp): R;
  /** the filter sent an HTTP callout to `cluster` (optionally with that method / path) */
  toHaveCalledOut(cluster: string, where?: { method?: string; path?: string }): R;
  /** a stat the filter defined has this value (counter unless `type` says otherwise) */
  toHaveMetric(name: string, value: bigint | number, type?: MetricType): R;
}

declare module "vitest" {
  // vitest declares Assertion<T = any>; a merged declaration must repeat it exactly
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  interface Assertion<T = any> extends FilterkitMatchers<T> {}
  interface AsymmetricMatchersContaining extends FilterkitMatchers {}
}

function pairsOf(received: unknown): HeaderPairs | null {
  if (Array.isArray(received)) return received as HeaderPairs;
  if (typeof received === "object" && received !== null && Array.isArray((received as { headers?: unknown }).headers)) {
    return (received as { headers: HeaderPairs }).headers;
  }
  return null;
}

expect.extend({
  toHaveHeader(received: unknown, name: string, value?: string) {
    const pairs = pairsOf(received);
    if (pairs === null) return { pass: false, message: () => "toHaveHeader expects header pairs or a request/response view" };
    const key = name.toLowerCase();
    const values = pairs.filter(([k]) => k === key).map(([, v]) => v);
    const pass = value === undefined ? values.length > 0 : values.includes(value);
    const want = value === undefined ? `a "${key}" header` : `"${key}: ${value}"`;
    return { pass, message: () => `expected headers ${pass ? "not " : ""}to have ${want}; they are ${JSON.stringify(pairs)}` };
  },

  toHaveLocalReply(received: unknown, status?: number) {
    if (!(received instanceof HttpStream)) return { pass: false, message: () => "toHaveLocalReply expects an HttpStream" };
    const reply = received.localReply;
    const pass = reply !== null && (status === undefined || reply.status === status);
    return {
      pass,
      message: () => `expected the stream ${pass ? "not " : ""}to have sent a local reply${status === undefined ? "" : ` with status ${status}`}; ` +
        (reply === null ? "it sent none" : `it sent ${reply.status} (${reply.details}) "${reply.bodyText}"`),
    };
  },

  toHaveLogged(received: unknown, level: LogLevel, text: string | RegExp) {
    if (!(received instanceof MockHost)) return { pass: false, message: () => "toHaveLogged expects a MockHost" };
    const lines = received.logsAt(level);
    const pass = lines.some((l) => (typeof text === "string" ? l === text : text.test(l)));
    return { pass, message: () => `expected ${pass ? "no" : "a"} ${LogLevel[level]} line ${String(text)}; ${LogLevel[level]} lines: ${JSON.stringify(lines)}` };
  },

  toHaveCalledOut(received: unknown, cluster: string, where: { method?: string; path?: string } = {}) {
    if (!(received instanceof MockHost)) return { pass: false, message: () => "toHaveCalledOut expects a MockHost" };
    const calls = received.callouts.sent;
    const pass = calls.some((c) => c.cluster === cluster && (where.method === undefined || c.method === where.method) &&
      (where.path === undefined || c.path === where.path));
    return {
      pass,
      message: () => `expected ${pass ? "no" : "a"} callout to "${cluster}" ${JSON.stringify(where)}; calls: ` +
        JSON.stringify(calls.map((c) => `${c.cluster} ${c.method} ${c.path}`)),
    };
  },

  toHaveMetric(received: unknown, name: string, value: bigint | number, type: MetricType = MetricType.Counter) {
    if (!(received instanceof MockHost)) return { pass: false, message: () => "toHaveMetric expects a MockHost" };
    const stat = received.metric(name, type);
    const pass = stat !== undefined && stat.value === BigInt(value);
    return {
      pass,
      message: () => `expected ${MetricType[type]} "${name}" ${pass ? "not " : ""}to be ${value}; ` +
        (stat === undefined ? "no filter defined it" : `it is ${stat.value}`),
    };
  },
});

// A failing test says which random seeds its hosts used, so the run can be replayed exactly
// (FILTERKIT_SEED=<seed> npm test -- <file>).
beforeEach((ctx) => {
  takeSeeds();
  ctx.onTestFailed(() => {
    const seeds = takeSeeds();
    if (seeds.length === 0) return;
    const distinct = [...new Set(seeds.map((s) => s.seed))];
    console.error(`host-mock: this test's hosts used random seed${distinct.length > 1 ? "s" : ""} ${distinct.join(", ")}` +
      ` (replay: FILTERKIT_SEED=${distinct[0]} npx vitest run ${ctx.task.file.name} -t ${JSON.stringify(ctx.task.name)})`);
  });
});
