import { describe, expect, it } from "vitest";
import { createHost, LogLevel, TrapError, VmFailedError } from "../src/index.ts";
import { takeSeeds } from "../src/host.ts";
import { buildModule } from "./helpers/wasm.ts";

const WASI = ["fd_write", "clock_time_get", "random_get", "environ_sizes_get", "environ_get", "args_sizes_get", "proc_exit", "fd_read"];

function wasiHost(configure: string, opts: Record<string, unknown> = {}, wasiModule = "wasi_snapshot_preview1") {
  const m = buildModule({
    wasi: WASI, wasiModule,
    funcs: `(func (export "proxy_on_configure") (param i32 i32) (result i32) ${configure} (i32.const 1))`,
  });
  return createHost({ wasm: m.bytes, ...opts });
}

/** iovecs at 300: two buffers "hel" + "lo\n" */
const WRITE = (fd: number): string => `
  (i32.store (i32.const 300) (i32.const 400)) (i32.store (i32.const 304) (i32.const 3))
  (i32.store (i32.const 308) (i32.const 410)) (i32.store (i32.const 312) (i32.const 3))
  (i32.store8 (i32.const 400) (i32.const 104)) (i32.store8 (i32.const 401) (i32.const 101)) (i32.store8 (i32.const 402) (i32.const 108))
  (i32.store8 (i32.const 410) (i32.const 108)) (i32.store8 (i32.const 411) (i32.const 111)) (i32.store8 (i32.const 412) (i32.const 10))
  (call $report (call $fd_write (i32.const ${fd}) (i32.const 300) (i32.const 2) (i32.const 320)))
  (call $report (i32.load (i32.const 320)))`;

describe("WASI preview1 subset (§7)", () => {
  for (const mod of ["wasi_snapshot_preview1", "wasi_unstable"]) {
    it(`${mod}.fd_write: fd1 → info, fd2 → error, one trailing newline stripped, others BADF`, () => {
      const host = wasiHost(`${WRITE(1)} ${WRITE(2)} ${WRITE(3)}`, {}, mod);
      expect(host.logsAt(LogLevel.info)).toEqual(["hello"]);
      expect(host.logsAt(LogLevel.error)).toEqual(["hello"]);
      expect(host.logsAt(LogLevel.trace)).toEqual(["00", "06", "00", "06", "08", "06"]);
    });
  }

  it("fd_write with a bad iovec pointer → FAULT (21), no crash", () => {
    const host = wasiHost(`(call $report (call $fd_write (i32.const 1) (i32.const 0x7ffffff0) (i32.const 1) (i32.const 320)))`);
    expect(host.logsAt(LogLevel.trace)).toEqual(["21"]);
  });

  it("clock_time_get: realtime from the virtual clock (`now` option), monotonic from its own origin; unknown clock → NOTSUP", () => {
    const host = wasiHost(`
      (call $report (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 500)))
      (call $report (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 508)))
      (call $report (call $clock_time_get (i32.const 7) (i64.const 1) (i32.const 516)))
      (i32.store (i32.const 96) (i32.const 500)) (i32.store (i32.const 100) (i32.const 16)) (call $loghex)`, { now: 1_700_000_000_123_456_789n });
    expect(host.logsAt(LogLevel.trace)).toEqual(["00", "00", "58"]);
    const b = Buffer.from(host.logsAt(LogLevel.info)[0], "hex");
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    expect(dv.getBigUint64(0, true)).toBe(1_700_000_000_123_456_789n);
    expect(dv.getBigUint64(8, true)).toBe(1_000_000_000n); // monotonic origin: time has not advanced
  });

  it("random_get is deterministic per seed, differs across seeds, rejects > 65536", () => {
    const body = `(call $report (call $random_get (i32.const 600) (i32.const 16)))
      (call $report (call $random_get (i32.const 600) (i32.const 65537)))
      (i32.store (i32.const 96) (i32.const 600)) (i32.store (i32.const 100) (i32.const 16)) (call $loghex)`;
    const a = wasiHost(body).logsAt(LogLevel.info)[0];
    const b = wasiHost(body, { randomSeed: 1 }).logsAt(LogLevel.info)[0];
    const c = wasiHost(body, { randomSeed: 2 }).logsAt(LogLevel.info)[0];
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(a).size).toBeGreaterThan(4);
    expect(wasiHost(body).logsAt(LogLevel.trace)).toEqual(["00", "28"]);
  });

  it("the default seed comes from FILTERKIT_SEED, and every host's seed is kept for the failure report", () => {
    const body = `(call $report (call $random_get (i32.const 600) (i32.const 16)))
      (i32.store (i32.const 96) (i32.const 600)) (i32.store (i32.const 100) (i32.const 16)) (call $loghex)`;
    const seeded7 = wasiHost(body, { randomSeed: 7 }).logsAt(LogLevel.info)[0];
    const saved = process.env.FILTERKIT_SEED;
    try {
      process.env.FILTERKIT_SEED = "7";
      takeSeeds();
      const fromEnv = wasiHost(body, { rootId: "replayed" });
      expect(fromEnv.randomSeed).toBe(7);
      expect(fromEnv.logsAt(LogLevel.info)[0]).toBe(seeded7);
      expect(takeSeeds()).toEqual([{ rootId: "replayed", seed: 7 }]);
      process.env.FILTERKIT_SEED = "seven";
      expect(() => wasiHost(body)).toThrow(/FILTERKIT_SEED must be an integer, got "seven"/);
    } finally {
      if (saved === undefined) delete process.env.FILTERKIT_SEED;
      else process.env.FILTERKIT_SEED = saved;
    }
  });

  it("environ_* serialize KEY=VALUE\\0 from `env`; args are empty; fd_read → NOSYS", () => {
    const host = wasiHost(`
      (call $report (call $environ_sizes_get (i32.const 700) (i32.const 704)))
      (call $report (i32.load (i32.const 700))) (call $report (i32.load (i32.const 704)))
      (call $report (call $environ_get (i32.const 720) (i32.const 800)))
      (i32.store (i32.const 96) (i32.load (i32.const 724))) (i32.store (i32.const 100) (i32.const 4)) (call $logret)
      (i32.store (i32.const 96) (i32.const 800)) (i32.store (i32.const 100) (i32.load (i32.const 704))) (call $logret)
      (call $report (call $args_sizes_get (i32.const 700) (i32.const 704))) (call $report (i32.load (i32.const 700)))
      (call $report (call $fd_read (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))`, { env: { A: "1", KEY: "v" } });
    expect(host.logsAt(LogLevel.trace)).toEqual(["00", "02", "10", "00", "00", "00", "52"]);
    expect(host.logsAt(LogLevel.info)).toEqual(["KEY=", "A=1\0KEY=v\0"]);
  });

  it("proc_exit traps naming the exit code, and the VM is failed afterwards", () => {
    let err: unknown;
    try {
      wasiHost(`(call $proc_exit (i32.const 3))`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TrapError);
    expect((err as TrapError).message).toMatch(/^wasm trap in proxy_on_configure\(1, 0\) \[context 1\]: proc_exit\(3\)/);
    const host = wasiHost(`(if (i32.eq (local.get 1) (i32.const 9)) (then (call $proc_exit (i32.const 0))))`);
    expect(() => host.configure("123456789")).toThrow(TrapError);
    expect(() => host.tick()).toThrow(VmFailedError);
    expect(() => host.newHttpStream()).toThrow(/^VM failed earlier: wasm trap in proxy_on_configure\(1, 9\)/);
  });
});
