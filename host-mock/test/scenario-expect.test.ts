// Scenario expectations (host-mock/src/scenario/expect.ts): each kind of expectation holds when it
// should and fails, naming where it is written, when it should not.
import { describe, expect, it } from "vitest";
import { checkExpectations, expectedLogsPresent, formatExpectationFailures, type RequestExpectation, type RunOutcome, type ScenarioExpectations } from "../src/scenario/expect.ts";
import type { ScenarioResult } from "../src/scenario/format.ts";

const result: ScenarioResult = {
  upstream: { method: "POST", path: "/new?x=1", headers: [["host", "h"], ["x-multi", "a"], ["x-multi", "b"]], body: "PAYLOAD", trailers: [["x-t", "1"]] },
  response: { status: 201, headers: [["content-type", "text/plain"], ["x-id", "abc-123"]], body: "created it", trailers: [["x-rt", "2"]] },
};
const outcome: RunOutcome = {
  results: [result, { upstream: null, response: { status: 0, headers: [], body: "", reset: true } }],
  logs: [{ plugin: 0, level: "info", message: "configured 3 rules" }, { plugin: 1, level: "warn", message: "slow upstream" }],
};
const one = (e: RequestExpectation): ScenarioExpectations => ({ run: undefined, requests: [{ label: "POST /", expect: e }, { label: "GET /", expect: undefined }] });
const failed = (ex: ScenarioExpectations, o: RunOutcome = outcome): string[] => checkExpectations(ex, o).failures.map((f) => f.at);

describe("scenario expectations", () => {
  it("status, reset, body (exact, contains, matches) and trailers", () => {
    expect(failed(one({ status: 201, reset: false, body: "created it", trailers: { "x-rt": "2" } }))).toEqual([]);
    expect(failed(one({ body: { contains: "ated" } }))).toEqual([]);
    expect(failed(one({ body: { matches: "^created" } }))).toEqual([]);
    expect(failed(one({ status: 200, reset: true, body: "created", trailers: { "x-rt": null } })))
      .toEqual(["requests[0].expect.status", "requests[0].expect.reset", "requests[0].expect.body", "requests[0].expect.trailers.x-rt"]);
    expect(failed(one({ body: { contains: "nope" } }))).toEqual(["requests[0].expect.body"]);
  });

  it("headers: absent, present, exactly one value, exact list in order, every value matching; names case-insensitive", () => {
    expect(failed(one({ headers: { "x-nope": null, "X-ID": true, "content-type": "text/plain", "x-id": { matches: "^[a-z]+-\\d+$" } } }))).toEqual([]);
    expect(failed(one({ upstream: { headers: { "x-multi": ["a", "b"] } } }))).toEqual([]);
    expect(failed(one({ upstream: { headers: { "x-multi": ["b", "a"] } } }))).toEqual(["requests[0].expect.upstream.headers.x-multi"]);
    expect(failed(one({ upstream: { headers: { "x-multi": "a" } } }))).toEqual(["requests[0].expect.upstream.headers.x-multi"]); // two values, not one
    expect(failed(one({ headers: { "x-id": null, "x-nope": true, "x-none": { matches: "." } } })))
      .toEqual(["requests[0].expect.headers.x-id", "requests[0].expect.headers.x-nope", "requests[0].expect.headers.x-none"]);
  });

  it("upstream: reached or not, and what reached it", () => {
    expect(failed(one({ upstream: true }))).toEqual([]);
    expect(failed(one({ upstream: { method: "POST", path: { contains: "/new" }, body: "PAYLOAD", trailers: { "x-t": "1" } } }))).toEqual([]);
    expect(failed(one({ upstream: null }))).toEqual(["requests[0].expect.upstream"]);
    expect(failed({ run: undefined, requests: [{ label: "a", expect: undefined }, { label: "b", expect: { upstream: true, reset: true, status: 0 } }] }))
      .toEqual(["requests[1].expect.upstream"]);
    expect(failed(one({ upstream: { method: "GET", body: "payload" } }))).toEqual(["requests[0].expect.upstream.method", "requests[0].expect.upstream.body"]);
  });

  it("logs: present (by plugin, level, message) or absent", () => {
    const logs = (entries: NonNullable<ScenarioExpectations["run"]>["logs"]): ScenarioExpectations => ({ run: { logs: entries }, requests: [] });
    expect(failed(logs([{ message: { contains: "3 rules" } }, { plugin: 1, level: "warn", message: "slow upstream" }, { message: "boom", absent: true }]))).toEqual([]);
    expect(failed(logs([{ plugin: 1, message: { contains: "3 rules" } }, { level: "error", message: "slow upstream" }, { message: { contains: "slow" }, absent: true }])))
      .toEqual(["expect.logs[0]", "expect.logs[1]", "expect.logs[2]"]);
    expect(expectedLogsPresent(logs([{ message: "slow upstream" }, { message: "x", absent: true }]), outcome.logs ?? [])).toBe(true);
    expect(expectedLogsPresent(logs([{ message: "not yet" }]), outcome.logs ?? [])).toBe(false);
  });

  it("errors: an expected refusal holds; an unexpected one, or a missing one, fails", () => {
    const refused: RunOutcome = { error: "plugins[0] (x) rejected its configuration: bad", logs: [] };
    expect(failed({ run: { error: { contains: "rejected" } }, requests: [] }, refused)).toEqual([]);
    expect(failed({ run: { error: "something else" }, requests: [] }, refused)).toEqual(["expect.error"]);
    expect(failed({ run: { error: { contains: "rejected" } }, requests: [] })).toEqual(["expect.error"]);
    expect(failed(one({ status: 201 }), refused)).toEqual(["(run)"]);
  });

  it("reports each failure as expected against actual", () => {
    const { failures } = checkExpectations(one({ status: 404, headers: { "x-id": "zzz" } }), outcome);
    expect(formatExpectationFailures("envoy", failures)).toBe([
      "✗ envoy: requests[0].expect.status  (POST /)", "  - expected: 404", "  + actual:   201",
      "✗ envoy: requests[0].expect.headers.x-id  (POST /)", '  - expected: "zzz"', '  + actual:   ["abc-123"]',
    ].join("\n"));
  });
});
