// Shared queues through the SDK and host-mock: on_queue_ready arrives after the enqueuing callback
// returned (never inside it, unlike Go's proxytest), one per enqueue, at the root that registered
// the queue last — which, with two worker VMs, is not necessarily the one that enqueued.
import { describe, expect, it } from "vitest";
import { createHost, LogLevel, ProxyProcess, WasmResult } from "@filterkit/host-mock";
import { fixtureWasm } from "./helpers.ts";

const req = (path: string): Array<[string, string]> => [[":method", "GET"], [":path", path], [":authority", "a"]];

describe.each(["debug", "release"] as const)("shared queues (%s build)", (target) => {
  it("delivers each enqueue after the enqueuing callback, FIFO, then reports Empty", () => {
    const host = createHost({ wasm: fixtureWasm("queue", target), rootId: "queue", vmId: "q" });
    host.newHttpStream().sendRequestHeaders(req("/a"), true);
    host.newHttpStream().sendRequestHeaders(req("/b"), true);
    expect(host.logsAt(LogLevel.info)).toEqual([
      "registered 1",
      `enqueued ${WasmResult.Ok}`, "got /a", `drained ${WasmResult.Empty}`,
      `enqueued ${WasmResult.Ok}`, "got /b", `drained ${WasmResult.Empty}`,
    ]);
  });

  it("notifies the root that registered last, across worker VMs of one process", () => {
    const process = new ProxyProcess();
    const workerA = createHost({ wasm: fixtureWasm("queue", target), rootId: "queue", vmId: "q", process });
    const workerB = createHost({ wasm: fixtureWasm("queue", target), rootId: "queue", vmId: "q", process });
    expect(workerB.logsAt(LogLevel.info)).toEqual(["registered 1"]); // the same queue, reopened
    workerA.newHttpStream().sendRequestHeaders(req("/from-a"), true);
    expect(workerA.logsAt(LogLevel.info)).toEqual(["registered 1", `enqueued ${WasmResult.Ok}`]);
    expect(workerB.logsAt(LogLevel.info)).toEqual(["registered 1", "got /from-a", `drained ${WasmResult.Empty}`]);
  });
});
