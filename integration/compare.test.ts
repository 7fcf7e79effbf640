// The differential comparison itself (envoy/src/compare.ts), without Envoy: what counts as
// agreement, and that every kind of disagreement is reported.
import { describe, expect, it } from "vitest";
import type { ScenarioResult } from "@filterkit/host-mock/scenario";
import { compareRuns } from "@filterkit/envoy";

const result = (over: Partial<ScenarioResult["response"]> = {}, upstreamHeaders: Array<[string, string]> = []): ScenarioResult => ({
  upstream: { method: "GET", path: "/", headers: [["host", "h"], ...upstreamHeaders], body: "" },
  response: { status: 200, headers: [["content-length", "2"]], body: "ok", ...over },
});

describe("compareRuns", () => {
  it("two refusals agree only when they say the same", () => {
    const a = { error: 'plugins[0] (add_header) rejected its configuration: invalid configuration: field "name"' };
    expect(compareRuns(a, { ...a })).toEqual([]);
    const other = { error: 'plugins[1] (auth) rejected its configuration: invalid configuration: field "keys"' };
    expect(compareRuns(a, other)).toEqual([{ request: null, field: "error", mock: a.error, envoy: other.error }]);
  });

  it("a refusal on one host only is a difference", () => {
    const e = { error: "plugins[0] (x) rejected its configuration" };
    expect(compareRuns(e, { results: [result()] })).toEqual([{ request: null, field: "error", mock: e.error, envoy: null }]);
    expect(compareRuns({ results: [result()] }, e)).toEqual([{ request: null, field: "error", mock: null, envoy: e.error }]);
  });

  it("ignores only the documented headers Envoy adds", () => {
    const mock = { results: [result({}, [["x-request-id", "1"]])] };
    const envoy = { results: [result({ headers: [["content-length", "2"], ["date", "today"], ["server", "envoy"]] }, [["x-request-id", "2"], ["x-forwarded-proto", "http"]])] };
    expect(compareRuns(mock, envoy)).toEqual([]);
  });

  it("reports a header, status, body, trailer, reset or upstream difference", () => {
    const base = { results: [result()] };
    expect(compareRuns(base, { results: [result({ headers: [["content-length", "2"], ["x-extra", "1"]] })] }).map((d) => d.field)).toEqual(["response.headers"]);
    expect(compareRuns(base, { results: [result({ status: 201 })] }).map((d) => d.field)).toEqual(["response.status"]);
    expect(compareRuns(base, { results: [result({ body: "no" })] }).map((d) => d.field)).toEqual(["response.body"]);
    expect(compareRuns(base, { results: [result({ trailers: [["t", "1"]] })] }).map((d) => d.field)).toEqual(["response.trailers"]);
    expect(compareRuns(base, { results: [result({ reset: true })] }).map((d) => d.field)).toEqual(["response.reset"]);
    expect(compareRuns(base, { results: [result({}, [["x-up", "1"]])] }).map((d) => d.field)).toEqual(["upstream.headers"]);
    expect(compareRuns(base, { results: [{ ...result(), upstream: null }] }).map((d) => d.field)).toEqual(["upstream"]);
    expect(compareRuns(base, { results: [] }).map((d) => d.field)).toEqual(["result"]);
  });
});
