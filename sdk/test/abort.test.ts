import { describe, expect, it } from "vitest";
import { createHost, LogLevel, TrapError } from "@filterkit/host-mock";
import { fixtureWasm } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = {
  "abort": { debug: fixtureWasm("abort", "debug"), release: fixtureWasm("abort", "release") },
};

function trapFor(path: string, target: "debug" | "release"): { error: TrapError; critical: string[] } {
  const host = createHost({ wasm: WASM["abort"][target], rootId: "abort" });
  const s = host.newHttpStream();
  let caught: unknown;
  try {
    s.sendRequestHeaders([[":method", "GET"], [":path", path], [":authority", "a"]], true);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(TrapError);
  return { error: caught as TrapError, critical: host.logsAt(LogLevel.critical) };
}

describe.each(["debug", "release"] as const)("abort handler (%s)", (target) => {
  it("logs `abort: <message> at <file>:<line>:<column>` at critical, then traps", () => {
    const { error, critical } = trapFor("/throw", target);
    expect(critical).toEqual(["abort: boom at sdk/test/fixtures/abort/assembly/index.ts:13:7"]);
    expect(error.abortMessage).toBe("boom at sdk/test/fixtures/abort/assembly/index.ts:13:7");
    expect(error.callback).toBe("proxy_on_request_headers");
  });

  it("reports runtime aborts from the standard library", () => {
    const { critical } = trapFor("/index", target);
    expect(critical).toHaveLength(1);
    expect(critical[0]).toMatch(/^abort: Index out of range at ~lib\/[a-z/]+\.ts:\d+:\d+$/);
  });

  it("encodes non-ASCII messages as UTF-8", () => {
    const { critical } = trapFor("/assert", target);
    expect(critical).toEqual(["abort: ünïcode assertion at sdk/test/fixtures/abort/assembly/index.ts:21:7"]);
  });
});
