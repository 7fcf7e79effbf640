// Why tests run several worker VMs: state kept in a module global is per worker in Envoy, so a
// counter there is wrong under --concurrency > 1 — invisible with one VM, visible with two.
import { describe, expect, it } from "vitest";
import { createHost, createWorkers, type MockHost } from "../src/index.ts";
import { fixtureWasm } from "../../sdk/test/helpers.ts";

const WASM = fixtureWasm("worker-state", "release");

function counts(host: MockHost): [string, string] {
  const s = host.newHttpStream();
  s.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"]], true);
  s.complete();
  const get = (name: string): string => s.request.headers.find(([k]) => k === name)?.[1] ?? "";
  return [get("x-global-count"), get("x-shared-count")];
}

describe("worker VMs expose per-worker state", () => {
  it("with one VM a global counter looks right", () => {
    const host = createHost({ wasm: WASM, rootId: "worker_state", vmId: "w" });
    expect([counts(host), counts(host), counts(host)]).toEqual([["1", "1"], ["2", "2"], ["3", "3"]]);
  });

  it("with two workers the global counts per VM, the shared-data counter per process", () => {
    const [a, b] = createWorkers(2, { wasm: WASM, rootId: "worker_state", vmId: "w" });
    expect([counts(a), counts(b), counts(a), counts(b)]).toEqual([["1", "1"], ["1", "2"], ["2", "3"], ["2", "4"]]);
  });
});
