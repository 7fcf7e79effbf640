// createHost / MockHost: the public test API (see ../README.md). A host owns one VM with one plugin
// (root context); no state is shared between hosts except the process-wide compile cache.

import { LogLevel, MetricType } from "../../sdk/assembly/abi/enums.ts";
import { CalloutRouter } from "./callouts.ts";
import { GrpcRouter } from "./grpc.ts";
import { VirtualClock } from "./clock.ts";
import { VmFailedError } from "./errors.ts";
import { ProxyProcess, type SharedValue, type Stat } from "./process.ts";
import type { AbiVersion, ForeignFunction } from "./imports/types.ts";
import { encodePropertyValue, propertyKey } from "./imports/properties.ts";
import type { PropertyValue } from "./imports/properties.ts";
import { loadModule } from "./loader.ts";
import { utf8 } from "./memory.ts";
import { HttpStream } from "./stream.ts";
import { Vm } from "./vm.ts";
import type { HostCallInterceptor, LogEntry, RootState, TranscriptEntry } from "./vm.ts";

export type ConfigValue = string | Uint8Array | Record<string, unknown> | unknown[];

export interface HostOptions {
  /** path to a .wasm file, or its bytes; compiled once per process */
  wasm: string | Uint8Array;
  /** root id (`plugin_root_id`), default "" */
  rootId?: string;
  /** vm id (`plugin_vm_id`), default "" */
  vmId?: string;
  /** `plugin_name`, default rootId */
  pluginName?: string;
  /** buffer 7; an object is passed as its JSON text */
  pluginConfig?: ConfigValue;
  /** buffer 6 */
  vmConfig?: ConfigValue;
  /** WASI environment variables */
  env?: Record<string, string>;
  /** what proxy_get_log_level answers; logs below it are not captured. Default trace */
  logLevel?: LogLevel;
  /** extra properties keyed by dot-separated path ("xds.node.id") */
  properties?: Record<string, PropertyValue>;
  /**
   * Start of this host's virtual clock, ns since the epoch (default: the real time at creation).
   * The clock stands still until `advance()`; it drives proxy_get_current_time_nanoseconds, the WASI
   * clocks and tick timers.
   */
  now?: number | bigint;
  /** A virtual clock shared with other hosts (instead of `now`): one time line for all of them. */
  clock?: VirtualClock;
  /**
   * Process-wide state (shared data per vm_id, stats) shared with other hosts, as the VMs of one
   * Envoy share it. Default: a process of this host's own.
   */
  process?: ProxyProcess;
  /**
   * What a trap does. Default: the call that trapped throws TrapError (a unit test fails there).
   * "FAIL_CLOSED" / "FAIL_OPEN": Envoy's `failure_policy` — the VM is marked failed (`failure`),
   * the stream in flight gets Envoy's 503 under both; later streams get it too (FAIL_CLOSED) or
   * skip the filter (FAIL_OPEN) (§11.14).
   */
  failurePolicy?: "FAIL_CLOSED" | "FAIL_OPEN";
  /**
   * The scripted upstream of proxy_http_call (share one between hosts if you like). Default: an
   * empty router; add clusters and routes through `host.callouts`. A call no route answers fails
   * the test's current operation.
   */
  callouts?: CalloutRouter;
  /** The scripted gRPC upstream (share one between hosts if you like); see `host.grpc`. */
  grpc?: GrpcRouter;
  /**
   * Seed of WASI random_get. Default: $FILTERKIT_SEED, else 1. A failing test prints the seeds of
   * the hosts it created (see matchers.ts), so a run can be replayed with FILTERKIT_SEED=<seed>.
   */
  randomSeed?: number;
  /** run VM start and plugin configure right away, default true */
  start?: boolean;
  /**
   * A singleton VM (Envoy's bootstrap `wasm` service, one per process): its root context gets
   * ticks, queues and callouts but no HTTP streams. Default false.
   */
  singleton?: boolean;
}

/** The seed a host uses when the test gives none: $FILTERKIT_SEED (an integer), else 1. */
export function defaultSeed(): number {
  const env = process.env.FILTERKIT_SEED;
  if (env === undefined || env === "") return 1;
  const n = Number(env);
  if (!Number.isSafeInteger(n)) throw new Error(`FILTERKIT_SEED must be an integer, got ${JSON.stringify(env)}`);
  return n;
}

/** Seeds of the hosts created since the last `takeSeeds()` (the test setup reports them on failure). */
const createdSeeds: Array<{ rootId: string; seed: number }> = [];

export function takeSeeds(): Array<{ rootId: string; seed: number }> {
  return createdSeeds.splice(0, createdSeeds.length);
}

function configBytes(v: ConfigValue | undefined): Uint8Array {
  if (v === undefined) return new Uint8Array(0);
  if (typeof v === "string") return utf8(v);
  if (v instanceof Uint8Array) return v.slice();
  return utf8(JSON.stringify(v));
}

function pathOf(path: string[] | string): string[] {
  return typeof path === "string" ? path.split(".") : path;
}

export class MockHost {
  readonly abiVersion: AbiVersion;
  /** id of the plugin's root context (1 for the first plugin of a VM) */
  readonly rootContextId: number;
  /** what proxy_on_vm_start returned */
  started = false;
  /** what proxy_on_configure returned */
  configured = false;

  /** the time source of this host (see `now`, `clock`, `advance`) */
  readonly clock: VirtualClock;
  /** shared data and stats of this host's process (see `process`) */
  readonly process: ProxyProcess;
  /** the scripted upstream of proxy_http_call: `route(...)`, and every call in `sent` */
  readonly callouts: CalloutRouter;
  /** the scripted gRPC upstream: `route(...)` for calls, `onStream(...)` for streams, `sent`, `streams` */
  readonly grpc: GrpcRouter;
  private readonly vm: Vm;
  private readonly root: RootState;
  private didStart = false;
  private pluginConfig: Uint8Array;
  private readonly singleton: boolean;
  readonly rootId: string;
  /** the seed of this VM's WASI random_get */
  readonly randomSeed: number;

  constructor(options: HostOptions) {
    if (options.clock !== undefined && options.now !== undefined) throw new Error("give a host either `now` or a shared `clock`, not both");
    this.clock = options.clock ?? new VirtualClock(options.now);
    this.process = options.process ?? new ProxyProcess();
    this.callouts = options.callouts ?? new CalloutRouter();
    this.grpc = options.grpc ?? new GrpcRouter();
    const compiled = loadModule(options.wasm);
    const rootId = options.rootId ?? "";
    this.rootId = rootId;
    this.singleton = options.singleton ?? false;
    const properties = new Map<string, Uint8Array>();
    for (const [k, v] of Object.entries(options.properties ?? {})) properties.set(propertyKey(pathOf(k)), encodePropertyValue(v));
    this.pluginConfig = configBytes(options.pluginConfig);
    const seed = options.randomSeed ?? defaultSeed();
    this.randomSeed = seed;
    if (createdSeeds.length < 1000) createdSeeds.push({ rootId, seed });
    this.vm = new Vm(compiled, {
      vmId: options.vmId ?? "",
      rootId,
      pluginName: options.pluginName ?? rootId,
      vmConfig: configBytes(options.vmConfig),
      pluginConfig: this.pluginConfig,
      env: { ...(options.env ?? {}) },
      logLevel: options.logLevel ?? LogLevel.trace,
      clock: this.clock,
      process: this.process,
      failurePolicy: options.failurePolicy ?? "throw",
      callouts: this.callouts,
      grpc: this.grpc,
      randomSeed: seed,
      properties,
    });
    this.abiVersion = compiled.abi;
    this.rootContextId = this.vm.allocateContextId();
    this.root = { id: this.rootContextId, tickPeriodMs: 0, tickTimer: undefined, parked: false, deleted: false, status: { code: 0, message: "" } };
    this.vm.roots.set(this.root.id, this.root);
    if (options.start ?? true) this.start();
  }

  /**
   * Start functions (§1.4), then proxy_on_context_create(root, 0), proxy_on_vm_start and — if that
   * returned non-zero — proxy_on_configure (§5.1). Returns `configured`.
   */
  start(): boolean {
    this.checkAlive();
    if (this.didStart) throw new Error("the host was already started");
    this.didStart = true;
    const vm = this.vm;
    const id = this.root.id;
    vm.runStartFunctions();
    vm.registerContext(id, 0, null);
    vm.pluginConfigVisible = true; // buffer 7 is readable during the root's context_create
    try {
      vm.call("proxy_on_context_create", [id, 0], id);
    } finally {
      vm.pluginConfigVisible = false;
    }
    vm.drain();
    const vmStart = vm.has("proxy_on_vm_start") ? vm.call("proxy_on_vm_start", [id, vm.opts.vmConfig.length], id) : 1;
    vm.drain();
    this.started = vmStart !== 0;
    if (!this.started) return (this.configured = false);
    return this.runConfigure();
  }

  /** Re-runs proxy_on_configure (optionally with a new plugin configuration); returns its result. */
  configure(config?: ConfigValue): boolean {
    this.checkAlive();
    if (config !== undefined) {
      this.pluginConfig = configBytes(config);
      this.vm.opts.pluginConfig = this.pluginConfig;
    }
    return this.runConfigure();
  }

  private runConfigure(): boolean {
    const vm = this.vm;
    const id = this.root.id;
    vm.pluginConfigVisible = true;
    let r: number | undefined = 1;
    try {
      if (vm.has("proxy_on_configure")) r = vm.call("proxy_on_configure", [id, this.pluginConfig.length], id);
    } finally {
      vm.pluginConfigVisible = false;
    }
    vm.drain();
    this.configured = r !== 0;
    return this.configured;
  }

  /** Captured logs (at or above `logLevel`). */
  get logs(): LogEntry[] {
    return this.vm.logs;
  }

  logsAt(level: LogLevel): string[] {
    return this.vm.logs.filter((l) => l.level === level).map((l) => l.message);
  }

  clearLogs(): void {
    this.vm.logs.length = 0;
  }

  /** Last proxy_set_tick_period_milliseconds of the root (0 = no timer). */
  get tickPeriodMs(): number {
    return this.root.tickPeriodMs;
  }

  /**
   * Moves the virtual clock forward: due ticks of every host sharing the clock fire in order, each
   * at its due time. A trap in a tick propagates (TrapError).
   */
  advance(ms: number): void {
    this.clock.advance(ms);
  }

  /** Calls proxy_on_tick(root) now, whatever the timer says. */
  tick(): void {
    this.checkAlive();
    if (this.root.deleted) throw new Error("the root context was deleted");
    this.vm.call("proxy_on_tick", [this.root.id], this.root.id);
    this.vm.drain();
  }

  /** The shared-data entry `key` of this host's vm_id (bytes and CAS), as the plugin would read it. */
  sharedData(key: string): SharedValue | undefined {
    return this.process.getShared(this.vm.vmId, key);
  }

  /** Writes shared data for this host's vm_id as another VM would (cas 0: unconditional). */
  setSharedData(key: string, value: string | Uint8Array, cas = 0): "ok" | "cas-mismatch" {
    return this.process.setShared(this.vm.vmId, key, typeof value === "string" ? utf8(value) : value, cas);
  }

  /** The stat a plugin defined under `name` (counter unless `type` says otherwise). */
  metric(name: string, type: MetricType = MetricType.Counter): Stat | undefined {
    return this.process.findStat(name, type);
  }

  setProperty(path: string[] | string, value: PropertyValue): void {
    this.vm.opts.properties.set(propertyKey(pathOf(path)), encodePropertyValue(value));
  }

  /** Guest linear memory size in 64 KiB pages. */
  memoryPages(): number {
    return this.vm.memoryPages();
  }

  /** A new HTTP stream; its context id comes from the VM's counter (2, 3, …). */
  newHttpStream(): HttpStream {
    if (this.singleton) throw new Error("a singleton VM (Envoy's wasm service) has no HTTP streams; create the plugin with createHost or createWorkers");
    // under a failure policy a failed VM still serves streams: Envoy answers them 503 or skips the filter
    if (this.vm.opts.failurePolicy === "throw") this.checkAlive();
    return new HttpStream(this.vm, this.vm.allocateContextId(), this.root.id);
  }

  /** proxy_on_done(root), then proxy_on_delete(root) if it returned non-zero; else the root is parked until proxy_done(). */
  shutdown(): void {
    this.checkAlive();
    const vm = this.vm;
    const id = this.root.id;
    if (this.root.deleted) return;
    const r = vm.has("proxy_on_done") ? vm.call("proxy_on_done", [id], id) : 1;
    if (r === 0) this.root.parked = true;
    else vm.deleteRoot(this.root);
    vm.drain();
  }

  /** proxy_on_done returned 0 and proxy_done() was not called yet. */
  get pendingDone(): boolean {
    return this.root.parked;
  }

  /** The root context got proxy_on_delete. */
  get rootDeleted(): boolean {
    return this.root.deleted;
  }

  /**
   * Failure injection: from now on `hostCall` (an import name such as "proxy_set_shared_data")
   * answers what `decide(args)` returns — a status, without running the real call — or runs
   * normally when it returns undefined. Returns a function that removes the interceptor.
   */
  interceptHostCall(hostCall: string, decide: HostCallInterceptor): () => void {
    this.vm.interceptors.set(hostCall, decide);
    return () => {
      if (this.vm.interceptors.get(hostCall) === decide) this.vm.interceptors.delete(hostCall);
    };
  }

  /** Makes `name` callable through proxy_call_foreign_function (results are copied into the guest). */
  registerForeignFunction(name: string, fn: ForeignFunction): void {
    this.vm.foreignFunctions.set(name, fn);
  }

  /** clear_route_cache calls so far (0.1.0 proxy_clear_route_cache or Envoy's foreign function). */
  get routeCacheClears(): number {
    return this.vm.routeCacheClears;
  }

  /**
   * From now on every callback into this VM and every host call it makes is appended to `entries`
   * (labelled `plugin`, default the root id) — a run-to-completion transcript. Several hosts may
   * write into one array; `stopTranscript()` ends it.
   */
  startTranscript(entries: TranscriptEntry[] = [], plugin: string = this.rootId): TranscriptEntry[] {
    this.vm.transcript = { entries, plugin };
    return entries;
  }

  stopTranscript(): void {
    this.vm.transcript = null;
  }

  /** The first trap of this VM, or null. */
  get failure(): Error | null {
    return this.vm.failed;
  }

  private checkAlive(): void {
    if (this.vm.failed !== null) throw new VmFailedError(this.vm.failed);
  }
}

/** Loads (compile-cached), instantiates and — unless `start: false` — starts and configures. */
export function createHost(options: HostOptions): MockHost {
  return new MockHost(options);
}
