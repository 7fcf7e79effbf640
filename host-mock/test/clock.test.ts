// The virtual clock: time stands still until advanced, tick timers fire at their due times with
// Envoy's fixed-delay re-arming, a shared clock orders the ticks of several hosts, and a trap in a
// tick surfaces from advance().
import { describe, expect, it } from "vitest";
import { createHost, LogLevel, TrapError, VirtualClock } from "../src/index.ts";
import { filterHost, info } from "./helpers/filter.ts";

const T0 = 1_700_000_000_000_000_000n;

/** A filter whose tick logs the current time (ns) at info, as decimal text, through proxy_log. */
function tickingHost(periodMs: number, name: string, clock?: VirtualClock, tickBody = "") {
  return filterHost({
    proxy_on_vm_start: `(drop (call $proxy_set_tick_period_milliseconds (i32.const ${periodMs}))) (i32.const 1)`,
    proxy_on_tick: `${info(name)} ${tickBody}`,
  }, {}, clock === undefined ? { now: T0 } : { clock });
}

describe("virtual clock", () => {
  it("stands still until advanced and drives proxy_get_current_time_nanoseconds", () => {
    const clock = new VirtualClock(T0);
    expect(clock.nowNs()).toBe(T0);
    clock.advance(1.5);
    expect(clock.nowNs()).toBe(T0 + 1_500_000n);
    expect(clock.monotonicNs()).toBe(1_000_000_000n + 1_500_000n);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it("fires the first tick a full period after the call, then every period (fixed delay)", () => {
    const host = tickingHost(100, "tick");
    expect(host.tickPeriodMs).toBe(100);
    host.advance(99);
    expect(host.logsAt(LogLevel.info)).toEqual([]);
    host.advance(1);
    expect(host.logsAt(LogLevel.info)).toEqual(["tick"]);
    host.advance(350); // due at 200, 300, 400
    expect(host.logsAt(LogLevel.info)).toEqual(["tick", "tick", "tick", "tick"]);
    expect(host.clock.nowNs()).toBe(T0 + 450_000_000n);
  });

  it("a period set inside a tick replaces the timer; 0 stops it", () => {
    const host = filterHost({
      proxy_on_vm_start: `(drop (call $proxy_set_tick_period_milliseconds (i32.const 10))) (i32.const 1)`,
      // the tick slows the timer to 1 s
      proxy_on_tick: `${info("tick")} (drop (call $proxy_set_tick_period_milliseconds (i32.const 1000)))`,
    }, {}, { now: T0 });
    host.advance(10);
    host.advance(500);
    expect(host.logsAt(LogLevel.info)).toEqual(["tick"]);
    host.advance(500);
    expect(host.logsAt(LogLevel.info)).toEqual(["tick", "tick"]);
    const stopper = filterHost({
      proxy_on_vm_start: `(drop (call $proxy_set_tick_period_milliseconds (i32.const 10))) (i32.const 1)`,
      proxy_on_tick: `${info("once")} (drop (call $proxy_set_tick_period_milliseconds (i32.const 0)))`,
    }, {}, { now: T0 });
    stopper.advance(1000);
    expect(stopper.logsAt(LogLevel.info)).toEqual(["once"]);
    expect(stopper.clock.pending).toBe(0);
  });

  it("fires timers in due-time order, then scheduling order, each at its own due time", () => {
    const clock = new VirtualClock(T0);
    const seen: string[] = [];
    const at = (name: string) => () => seen.push(`${name}@${(clock.nowNs() - T0) / 1_000_000n}`);
    clock.schedule(30, at("a"));
    clock.schedule(20, () => { at("b")(); clock.schedule(10, at("b2")); }); // b2 due at 30, after a
    clock.schedule(30, at("c"));
    clock.schedule(31, at("late"));
    clock.advance(30);
    expect(seen).toEqual(["b@20", "a@30", "c@30", "b2@30"]);
    expect(clock.pending).toBe(1);
  });

  it("hosts sharing a clock tick on one time line, and each tick reads its due time", () => {
    const clock = new VirtualClock(T0);
    const wasm = new URL("../../sdk/test/fixtures/misc/build/release.wasm", import.meta.url).pathname;
    const hosts = [0, 1].map(() => createHost({ wasm, rootId: "misc", clock }));
    clock.advance(1000); // the fixture ticks every 250 ms and stops itself after two ticks
    for (const h of hosts) {
      expect(h.logsAt(LogLevel.warn).filter((m) => /^tick \d/.test(m))).toEqual([
        `tick 1 now=${T0 + 250_000_000n}`,
        `tick 2 now=${T0 + 500_000_000n}`,
      ]);
    }
    expect(clock.pending).toBe(0);
  });

  it("a trap in a tick surfaces from advance(), and the failed VM gets no more ticks", () => {
    const host = tickingHost(10, "boom", undefined, "(unreachable)");
    expect(() => host.advance(10)).toThrow(TrapError);
    expect(() => host.advance(100)).not.toThrow();
    expect(host.logsAt(LogLevel.info)).toEqual(["boom"]);
  });

  it("refuses both a start time and a shared clock", () => {
    expect(() => filterHost({}, {}, { now: T0, clock: new VirtualClock() })).toThrow(/either `now` or a shared `clock`/);
  });
});
