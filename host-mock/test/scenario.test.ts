// The scenario runner on the mock host: chain order, local-reply short-circuit, upstream view,
// relative .wasm paths, and errors that name the field; plus the CLI prints nothing but JSON.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseScenario, ScenarioError } from "../src/scenario/format.ts";
import { runOnMock } from "../src/scenario/run-mock.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "scenario-"));
// Relative to the scenario file, as users write them.
const GATE = relative(dir, join(repo, "sdk/test/fixtures/readme-example/build/debug.wasm"));
const ADD = relative(dir, join(repo, "filters/add-header/build/release.wasm"));

function scenarioFile(doc: object): string {
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

const chain = {
  plugins: [
    { wasm: GATE, rootId: "my_root", vmId: "gate", configuration: { header: "x-token" } },
    { wasm: ADD, rootId: "add_header", vmId: "add", configuration: '{"name": "x-powered-by", "value": "filterkit"}' },
  ],
  upstream: { status: 201, headers: [["content-type", "text/plain"], ["x-up", "1"]], body: "created" },
  requests: [
    { method: "POST", path: "/items?x=1", authority: "api.example.com", headers: [["x-token", "t"], ["X-Rep", "a"], ["x-rep", "b"]], body: "payload" },
    { method: "GET", path: "/", authority: "api.example.com", headers: [], body: "" },
  ],
};

describe("scenario runner on the mock host", () => {
  it("runs the chain: requests forward, responses in reverse, a local reply skips the upstream", () => {
    const file = scenarioFile(chain);
    const { results } = runOnMock(parseScenario(JSON.parse(JSON.stringify(chain)), file));
    expect(results).toEqual([
      {
        upstream: {
          method: "POST", path: "/items?x=1",
          // HTTP/1 upstream view: host from :authority, names lower-cased, repeats kept in order; the
          // connection manager's x-forwarded-proto and x-request-id (a counter in UUID form) last
          headers: [
            ["host", "api.example.com"], ["x-token", "t"], ["x-rep", "a"], ["x-rep", "b"], ["content-length", "7"],
            ["x-forwarded-proto", "http"], ["x-request-id", "00000000-0000-4000-8000-000000000001"],
          ],
          body: "payload",
        },
        // the router's x-envoy-upstream-service-time (virtual ms: 0) comes before the filters' headers
        response: {
          status: 201, body: "created",
          headers: [["content-type", "text/plain"], ["x-up", "1"], ["content-length", "7"], ["x-envoy-upstream-service-time", "0"], ["x-powered-by", "filterkit"]],
        },
      },
      {
        // the gate (first plugin) answers 403 itself: nothing reaches the upstream, and add-header,
        // which comes after it and never saw the request, leaves the reply alone (as Envoy 1.40 does)
        upstream: null,
        response: { status: 403, headers: [["content-length", "9"], ["content-type", "text/plain"]], body: "forbidden" },
      },
    ]);
  });

  it("stops with the plugin's own error when a plugin rejects its configuration", () => {
    const doc = { ...chain, plugins: [{ wasm: ADD, rootId: "add_header", configuration: { name: 42 } }] };
    expect(() => runOnMock(parseScenario(doc, scenarioFile(doc)))).toThrow(
      /plugins\[0\] \(add_header\) rejected its configuration: invalid configuration: field "name"/);
  });

  it("names the bad field of a malformed scenario", () => {
    const bad = (doc: unknown) => () => parseScenario(doc, join(dir, "x.json"));
    expect(bad({ requests: [{}] })).toThrow(new ScenarioError('scenario field "plugins": required, missing'));
    expect(bad({ plugins: [], requests: [{}] })).toThrow(new ScenarioError('scenario field "plugins": expected a non-empty array'));
    expect(bad({ plugins: [{ wasm: 1 }], requests: [{}] })).toThrow(/"plugins\[0\]\.wasm": expected a string/);
    expect(bad({ plugins: [{ wasm: "a.wasm" }], upstream: { status: 42 }, requests: [{}] })).toThrow(/"upstream.status"/);
    expect(bad({ plugins: [{ wasm: "a.wasm" }], requests: [{ headers: [["a"]] }] })).toThrow(/"requests\[0\]\.headers\[0\]": expected \[name, value\]/);
    expect(bad("x")).toThrow(new ScenarioError("scenario: expected a JSON object"));
  });

  it("rejects every unknown key with its path, suggesting the key a typo meant", () => {
    const bad = (doc: object) => () => parseScenario(doc, join(dir, "x.json"));
    const base = { plugins: [{ wasm: "a.wasm" }], requests: [{}] };
    // a misspelt key used to mean its default silently (failurepolicy → FAIL_CLOSED)
    expect(bad({ ...base, plugins: [{ wasm: "a.wasm", failurepolicy: "FAIL_OPEN" }] }))
      .toThrow(new ScenarioError('scenario field "plugins[0].failurepolicy": unknown key (did you mean "failurePolicy"?)'));
    expect(bad({ ...base, request: [] })).toThrow(new ScenarioError('scenario field "request": unknown key (did you mean "requests"?)'));
    expect(bad({ ...base, requests: [{ expect: { stauts: 200 } }] }))
      .toThrow(new ScenarioError('scenario field "requests[0].expect.stauts": unknown key (did you mean "status"?)'));
    expect(bad({ ...base, upstream: { status: 200, colour: "red" } }))
      .toThrow(new ScenarioError('scenario field "upstream.colour": unknown key (expected one of: status, headers, body, trailers)'));
    expect(bad({ ...base, callouts: [{ cluster: "a", answer: { fail: "reset", status: 200 } }] }))
      .toThrow(new ScenarioError('scenario field "callouts[0].answer.status": unknown key (expected one of: fail, delayMs)'));
  });

  it("names a malformed expectation and refuses a bad regular expression", () => {
    const bad = (expectation: object) => () => parseScenario({ plugins: [{ wasm: "a.wasm" }], requests: [{ expect: expectation }] }, join(dir, "x.json"));
    expect(bad({ headers: { "x-a": 5 } })).toThrow(/"requests\[0\]\.expect\.headers\.x-a": expected null, true, a string, an array of strings or \{"matches": regex\}/);
    expect(bad({ body: { contain: "x" } })).toThrow(/"requests\[0\]\.expect\.body": expected string, \{contains\} or \{matches\}/);
    expect(bad({ upstream: false })).toThrow(/"requests\[0\]\.expect\.upstream": expected/);
    expect(bad({ body: { matches: "(" } })).toThrow(/"requests\[0\]\.expect\.body\.matches": not a regular expression/);
  });

  it("the CLI prints one JSON document and nothing else", () => {
    const out = execFileSync(process.execPath, ["--conditions=filterkit-source", "--import", "tsx", join(repo, "cli/bin/filterkit.mjs"), "scenario", scenarioFile(chain), "--host", "mock"], { cwd: repo, encoding: "utf8" });
    const parsed = JSON.parse(out) as { results: Array<{ response: { status: number } }> };
    expect(parsed.results.map((r) => r.response.status)).toEqual([201, 403]);
  });
});

describe("scenario runner and Envoy's failure policy", () => {
  // the abort fixture traps on request path "/throw"
  const ABORT = relative(dir, join(repo, "sdk/test/fixtures/abort/build/release.wasm"));
  const doc = (failurePolicy?: string) => ({
    plugins: [{ wasm: ABORT, rootId: "abort", ...(failurePolicy ? { failurePolicy } : {}) }, { wasm: ADD, rootId: "add_header", configuration: { name: "x-after", value: "1" } }],
    upstream: { status: 200, body: "ok" },
    requests: [{ path: "/throw" }, { path: "/fine" }],
  });

  it("FAIL_CLOSED (the default): 503 with an empty body for the trapping request and the next", () => {
    const { results } = runOnMock(parseScenario(doc(), scenarioFile(doc())));
    expect(results.map((r) => [r.upstream, r.response.status, r.response.body])).toEqual([[null, 503, ""], [null, 503, ""]]);
  });

  it("FAIL_OPEN: the trapping request gets the 503, the next reaches the upstream without the failed filter", () => {
    const { results } = runOnMock(parseScenario(doc("FAIL_OPEN"), scenarioFile(doc("FAIL_OPEN"))));
    expect(results.map((r) => [r.upstream?.path ?? null, r.response.status])).toEqual([[null, 503], ["/fine", 200]]);
    expect(results[1].response.headers).toContainEqual(["x-after", "1"]);
  });

  it("rejects an unknown policy naming the field", () => {
    expect(() => parseScenario(doc("FAIL_RELOAD"), join(dir, "x.json"))).toThrow(/"plugins\[0\]\.failurePolicy"/);
  });
});

describe("scenario runner with HTTP callouts", () => {
  // the callout fixture holds the request while cluster "auth" answers (see sdk/test/fixtures/callout)
  const GATE_CALL = relative(dir, join(repo, "sdk/test/fixtures/callout/build/release.wasm"));
  const doc = (answer: object) => ({
    plugins: [{ wasm: GATE_CALL, rootId: "callout" }],
    callouts: [{ cluster: "auth", path: "/check", answer }],
    upstream: { status: 200, body: "ok" },
    requests: [{ path: "/orders", headers: [["authorization", "Bearer x"]] }],
  });
  const run = (answer: object) => runOnMock(parseScenario(doc(answer), scenarioFile(doc(answer)))).results[0];

  it("a 200 from the auth cluster, even after a virtual delay, lets the request reach the upstream", () => {
    const r = run({ status: 200, headers: [["x-user", "carol"]], delayMs: 250 });
    expect(r.upstream?.headers).toContainEqual(["x-auth-user", "carol"]);
    expect(r.response.status).toBe(200);
  });

  it("a refusal, a reset and a timeout end as the filter decides, without reaching the upstream", () => {
    expect([run({ status: 401, body: "no" }), run({ fail: "reset-after-headers" }), run({ status: 200, delayMs: 10_000 })]
      .map((r) => [r.upstream, r.response.status, r.response.body]))
      .toEqual([[null, 403, "no"], [null, 503, "auth unreachable"], [null, 403, "upstream request timeout"]]);
  });

  it("names a malformed callout answer", () => {
    expect(() => parseScenario(doc({ fail: "slow" }), join(dir, "x.json"))).toThrow(/"callouts\[0\]\.answer\.fail": expected one of "reset", "reset-after-headers", "timeout"/);
  });
});
