// The mock-host fuzz harness (src/fuzz.ts): it finds a trap that generated traffic provokes,
// reports it with the request, its seed and index and the trap's own report, hands back a scenario
// that replays it, and goes on with fresh VMs; a filter that never traps gets a clean report.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatFuzzTrap, fuzzChain, TrapError } from "../src/index.ts";
import { parseScenario } from "../src/scenario/format.ts";
import { mockOutcome } from "../src/scenario/run-mock.ts";
import { filterModule } from "./helpers/filter.ts";

const dir = mkdtempSync(join(tmpdir(), "fuzz-"));
function moduleFile(name: string, bytes: Uint8Array): string {
  const file = join(dir, `${name}.wasm`);
  writeFileSync(file, bytes);
  return file;
}

// traps (unreachable) when a request arrives with more than 40 headers: generated traffic has such requests
const trapsOnMany = moduleFile("many", filterModule({ proxy_on_request_headers: "(if (i32.gt_u (local.get $b) (i32.const 40)) (then unreachable)) (i32.const 0)" }));
const calm = moduleFile("calm", filterModule({}));

describe("fuzz harness", () => {
  it("finds the trap, names the request that caused it and the callback that trapped", () => {
    const report = fuzzChain({ plugins: [{ wasm: trapsOnMany, rootId: "" }] }, { seed: 3, requests: 2_000, profile: "wire" });
    expect(report.traps).toHaveLength(1);
    const [trap] = report.traps;
    expect(trap.seed).toBe(3);
    expect(report.requests).toBe(trap.index + 1); // it stopped at the first trap
    expect(trap.request.headers.length + 6).toBeGreaterThan(40); // + pseudo-headers, x-forwarded-proto, x-request-id
    expect(trap.error).toBeInstanceOf(TrapError);
    expect((trap.error as TrapError).callback).toBe("proxy_on_request_headers");
    const text = formatFuzzTrap(trap);
    expect(text).toContain(`seed 3, request ${trap.index}: ${trap.request.method}`);
    expect(text).toContain("proxy_on_request_headers");
  });

  it("decorate aims the traffic: the trap comes from the decorated request, and the replay carries it", () => {
    // a calm chain never traps; decorated with 50 extra headers from request 5 on, the same module that traps on many headers does
    const extra = Array.from({ length: 50 }, (_, i): [string, string] => [`x-d${i}`, "v"]);
    const report = fuzzChain({ plugins: [{ wasm: trapsOnMany, rootId: "" }] }, {
      seed: 1, requests: 50, profile: "wire",
      decorate: (r, i) => (i >= 5 ? { ...r, headers: [...r.headers.slice(0, 2), ...extra] } : { ...r, headers: r.headers.slice(0, 2) }),
    });
    expect(report.traps.map((t) => t.index)).toEqual([5]);
    expect(report.traps[0].request.headers.slice(2)).toEqual(extra);
    expect((report.traps[0].replay as { requests: Array<{ headers: unknown[] }> }).requests[0].headers.slice(2)).toEqual(extra);
  });

  it("the replay document reproduces it as a scenario (under FAIL_CLOSED: Envoy's 503)", () => {
    const [trap] = fuzzChain({ plugins: [{ wasm: trapsOnMany, rootId: "" }] }, { seed: 3, requests: 2_000, profile: "wire" }).traps;
    const outcome = mockOutcome(parseScenario(trap.replay, join(dir, "replay.json")));
    expect("results" in outcome && outcome.results[0].response.status).toBe(503);
  });

  it("goes on with fresh VMs after a trap, up to maxTraps, and is the same run for the same seed", () => {
    const a = fuzzChain({ plugins: [{ wasm: trapsOnMany, rootId: "" }] }, { seed: 4, requests: 3_000, profile: "hostile", maxTraps: 5 });
    const b = fuzzChain({ plugins: [{ wasm: trapsOnMany, rootId: "" }] }, { seed: 4, requests: 3_000, profile: "hostile", maxTraps: 5 });
    expect(a.traps).toHaveLength(5);
    expect(new Set(a.traps.map((t) => t.index)).size).toBe(5);
    expect(a.traps.map((t) => t.index)).toEqual(b.traps.map((t) => t.index));
    expect(a.statuses).toEqual(b.statuses);
  });

  it("a filter that never traps: every request runs, statuses counted, the codec's 431s among them", () => {
    const report = fuzzChain({ plugins: [{ wasm: calm, rootId: "" }] }, { seed: 5, requests: 3_000 });
    expect(report.traps).toEqual([]);
    expect(report.requests).toBe(3_000);
    expect(Object.values(report.statuses).reduce((x, y) => x + y, 0)).toBe(3_000);
    expect(report.statuses[431]).toBeGreaterThan(0);
  });
});
