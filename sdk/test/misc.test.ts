import { describe, expect, it } from "vitest";
import { createHost, LogLevel, WasmResult } from "@filterkit/host-mock";
import { fixtureWasm } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = { debug: fixtureWasm("misc", "debug"), release: fixtureWasm("misc", "release") };

describe.each(["debug", "release"] as const)("timer, clock, log level, lifecycle (%s)", (target) => {
  it("reads the VM configuration in onStart and the host log level", () => {
    const host = createHost({ wasm: WASM[target], rootId: "misc", vmConfig: "vm-cfg", logLevel: LogLevel.info });
    expect(host.configured).toBe(true);
    expect(host.logsAt(LogLevel.warn)).toEqual([
      "start vm_config=vm-cfg size=6",
      `level=${LogLevel.info} debug_enabled=0`,
      `tick set=${WasmResult.Ok}`,
    ]);
    expect(host.logsAt(LogLevel.debug)).toEqual([]);
  });

  it("sets the tick period, reads the clock on ticks, stops the timer", () => {
    const host = createHost({ wasm: WASM[target], rootId: "misc", now: 1_700_000_000_123_456_789n, logLevel: LogLevel.trace });
    expect(host.logsAt(LogLevel.debug)).toEqual(["debug line"]);
    expect(host.tickPeriodMs).toBe(250);
    host.clearLogs();
    host.tick();
    host.tick();
    expect(host.logsAt(LogLevel.warn)).toEqual([
      "tick 1 now=1700000000123456789",
      "tick 2 now=1700000000123456789",
    ]);
    expect(host.tickPeriodMs).toBe(0);
  });

  it("root onDone / onDelete run on shutdown", () => {
    const host = createHost({ wasm: WASM[target], rootId: "misc" });
    host.clearLogs();
    host.shutdown();
    expect(host.logsAt(LogLevel.warn)).toEqual(["root done", "root deleted"]);
    expect(host.rootDeleted).toBe(true);
  });
});
