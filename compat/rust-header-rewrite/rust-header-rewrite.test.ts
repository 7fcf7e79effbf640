// The header-rewrite subset on the proxy-wasm Rust SDK (the twin npm run bench:envoy compares
// filters/header-rewrite with) edits what the AssemblyScript filter edits, with the same host calls,
// on the mock host: request and response headers and the edit count, for rule lists in the subset
// (set, remove, remove_matching by prefix). Built by `bash compat/rust-header-rewrite/build.sh`
// (compat/foreign.ts: not run without Rust, never skipped in CI).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createHost, LogLevel, type HeaderPairs, type MockHost } from "@filterkit/host-mock";
import { repoRoot } from "../../sdk/test/helpers.ts";
import { foreignFixture } from "../foreign.ts";

const FIXTURE = foreignFixture("rust-header-rewrite", "needs cargo and the wasm32-wasip1 target");
const AS = join(repoRoot, "filters/header-rewrite/build/release.wasm");

/** npm run bench:envoy's configuration, and others in the subset. */
const CONFIGS: Array<Record<string, unknown>> = [
  { rules: [{ op: "set", name: "x-env", value: "prod" }, { op: "remove_matching", match: { prefix: "x-internal-" } }, { target: "response", op: "remove", name: "server" }, { target: "response", op: "set", name: "x-powered-by", value: "filterkit" }] },
  { rules: [{ op: "remove", name: "x-rep" }, { op: "set", name: "X-New", value: "n" }, { op: "remove", name: "x-absent" }] },
  { rules: [{ op: "remove_matching", match: { prefix: "x-" } }, { op: "set", name: "x-rep", value: "v" }, { target: "response", op: "remove_matching", match: { prefix: "" } }] },
];
const REQUESTS: HeaderPairs[] = [
  [[":method", "GET"], [":path", "/"], [":authority", "a"], ["x-internal-debug", "1"], ["x-rep", "one"], ["x-rep", "two"], ["x-envoy-original-path", "/p"]],
  [[":method", "POST"], [":path", "/p?q=1"], [":authority", "b"], ["x-env", "dev"], ["x-env", "test"], ["host", "b"]],
  [[":method", "GET"], [":path", "/"], [":authority", "a"]],
];
const ANSWER: HeaderPairs = [[":status", "200"], ["server", "backend"], ["x-powered-by", "php"], ["x-rep", "1"]];

interface Seen { upstream: HeaderPairs; response: HeaderPairs; edits: bigint }

function run(wasm: string, config: Record<string, unknown>, request: HeaderPairs): Seen {
  const h: MockHost = createHost({ wasm, rootId: "header_rewrite", pluginConfig: config });
  expect(h.configured, h.logsAt(LogLevel.error).join("\n")).toBe(true);
  const s = h.newHttpStream();
  s.sendRequestHeaders(request, true);
  s.sendResponseHeaders(ANSWER, true);
  s.complete();
  return { upstream: s.request.headers, response: s.response.headers, edits: h.metric("header_rewrite.edits")?.value ?? -1n };
}

describe.skipIf(FIXTURE.notRun !== null)(`header-rewrite's subset on the Rust SDK${FIXTURE.notRun !== null ? ` — not run: ${FIXTURE.notRun}` : ""}`, () => {
  it.each(CONFIGS.map((c, i) => [i, c] as const))("configuration %i: the same headers both ways and the same edit count as the AssemblyScript filter", (_i, config) => {
    for (const request of REQUESTS) {
      const rust = run(FIXTURE.wasm(), config, request);
      expect(rust, JSON.stringify(request)).toEqual(run(AS, config, request));
      expect(rust.edits).toBeGreaterThan(0n);
    }
  });

  it("makes the host calls the AssemblyScript filter makes for the bench configuration", () => {
    const calls = (wasm: string): string[] => {
      const h = createHost({ wasm, rootId: "header_rewrite", pluginConfig: CONFIGS[0] });
      const t = h.startTranscript([]);
      const s = h.newHttpStream();
      s.sendRequestHeaders(REQUESTS[0], true);
      s.sendResponseHeaders(ANSWER, true);
      s.complete();
      return t.filter((c) => c.kind === "hostcall" && /header_map|metric/.test(c.name)).map((c) => c.name);
    };
    expect(calls(FIXTURE.wasm())).toEqual(calls(AS));
  });

  it.each([
    [{ rules: [{ op: "rename", name: "x-a", to: "x-b" }] }, /field "rules\[0\]\.op"/],
    [{ rules: [{ op: "set", name: "bad name", value: "v" }] }, /field "rules\[0\]\.name"/],
    [{ rules: [{ op: "set", name: "x-a", value: "%REQ(host)%" }] }, /field "rules\[0\]\.value"/],
    [{ rules: [{ target: "query", op: "remove", name: "a" }] }, /field "rules\[0\]\.target"/],
    [{}, /field "rules"/],
  ])("refuses %j at configure time, naming the field", (config, error) => {
    const h = createHost({ wasm: FIXTURE.wasm(), rootId: "header_rewrite", pluginConfig: config });
    expect(h.configured).toBe(false);
    expect(h.logsAt(LogLevel.error).join("\n")).toMatch(error);
  });
});
