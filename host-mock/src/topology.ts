// Several VMs of one plugin, as Envoy runs them: one per worker thread (`--concurrency N`), each
// with its own linear memory and root context, all sharing the process — shared data and queues
// (per vm_id), stats — the clock and the callout upstreams. Per-worker bugs (state kept in a
// global instead of shared data, a queue registered on one worker only) show up here and not in a
// single-VM test.

import { CalloutRouter } from "./callouts.ts";
import { GrpcRouter } from "./grpc.ts";
import { VirtualClock } from "./clock.ts";
import { createHost, type HostOptions, type MockHost } from "./host.ts";
import { ProxyProcess } from "./process.ts";

/**
 * `count` VMs of the plugin `options` describes, sharing one ProxyProcess, one VirtualClock and one
 * CalloutRouter (those given in `options`, or new ones). Worker i gets the same vm_id, root id and
 * configuration; contexts and metric ids are numbered per VM as in Envoy.
 */
export function createWorkers(count: number, options: HostOptions): MockHost[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`createWorkers: count must be a positive integer, got ${count}`);
  if (options.singleton === true) throw new Error("createWorkers: a singleton VM runs once per process; use createHost({ singleton: true })");
  const shared: HostOptions = {
    ...options,
    process: options.process ?? new ProxyProcess(),
    callouts: options.callouts ?? new CalloutRouter(),
    grpc: options.grpc ?? new GrpcRouter(),
    ...(options.clock === undefined ? { clock: new VirtualClock(options.now) } : {}),
  };
  delete shared.now;
  return Array.from({ length: count }, () => createHost(shared));
}
