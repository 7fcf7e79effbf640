// One VM instance: instantiation with the per-ABI imports, start functions under the restricted
// allow-list (§1.4), the context table and per-VM id counter (§3), current/effective context,
// calling the guest, `deliver` (an answer, queue notification or tick to a root context, under the
// failure policy, §11.14), the after-callback action queue (§12), and the host-call wrapper with
// its ring buffer. Its small per-VM tables stay here too: metric ids, queue registration, tick
// timers. Elsewhere: HTTP / gRPC calls in flight (http-calls.ts, grpc-calls.ts), what a trap
// report says (trap-report.ts), shared data, queues and stats of the process (process.ts).

import type { Timer, VirtualClock } from "./clock.ts";
import type { ProxyProcess, Stat } from "./process.ts";
import type { CalloutResponse, CalloutRouter } from "./callouts.ts";
import { LogLevel, WasmResult, type MetricType } from "../../sdk/assembly/abi/enums.ts";
import { HostTrap, TrapError, VmFailedError } from "./errors.ts";
import type { HostCallRecord } from "./errors.ts";
import { importCatalogue } from "./imports/index.ts";
import type { AbiVersion, ContextView, ForeignFunction, HostFunctionSpec, ImportContext, StreamHostSide } from "./imports/types.ts";
import { ALLOCATOR_ALLOWED, START_ALLOWED } from "./imports/wasi.ts";
import type { CompiledModule } from "./loader.ts";
import { GuestMemory, MemoryFault } from "./memory.ts";
import { SeededRandom } from "./prng.ts";
import type { GrpcRouter } from "./grpc.ts";
import { GrpcCalls, type GrpcStaged } from "./grpc-calls.ts";
import { HttpCalls } from "./http-calls.ts";
import { describeHostCall } from "./transcript.ts";
import { GUEST_STACK_FRAMES, trapError } from "./trap-report.ts";

export interface LogEntry {
  level: LogLevel;
  message: string;
  /** context current when the guest logged (0 = VM context: start functions, allocator) */
  contextId: number;
}

/**
 * One step of a run, in order: a callback the host made, a host call the guest made, or (from a
 * chain run) a message passing between client, plugins and upstream.
 */
export interface TranscriptEntry {
  kind: "callback" | "hostcall" | "io";
  /** which plugin (VM) of the run: its label (see MockHost.record) */
  plugin: string;
  name: string;
  args: Array<number | bigint>;
  /** undefined for void calls, and for a callback that trapped */
  result: number | bigint | undefined;
  /** context current when it happened */
  contextId: number;
  /** callbacks nested in host calls (a callout answer inside drain is 0 again): 0 = top level */
  depth: number;
  /** host calls: the arguments decoded (strings read from guest memory, enum names) */
  detail?: string;
}

/** Where a VM writes its transcript entries (several VMs may share one array). */
export interface TranscriptSink {
  entries: TranscriptEntry[];
  plugin: string;
}

/** "throw": a trap throws TrapError to the test; otherwise Envoy's `failure_policy` (§11.14). */
export type FailurePolicy = "throw" | "FAIL_CLOSED" | "FAIL_OPEN";

/** Decides a host call's outcome: a status to return instead of running it, or undefined to run it. */
export type HostCallInterceptor = (args: Array<number | bigint>) => number | undefined;

export interface VmOptions {
  vmId: string;
  rootId: string;
  pluginName: string;
  vmConfig: Uint8Array;
  pluginConfig: Uint8Array;
  env: Record<string, string>;
  logLevel: number;
  /** the time source (may be shared by several hosts) */
  clock: VirtualClock;
  /** process-wide shared data and stats (may be shared by several hosts) */
  process: ProxyProcess;
  /** what a trap does to streams: throw (unit tests), or Envoy's FAIL_CLOSED / FAIL_OPEN (§11.14) */
  failurePolicy: FailurePolicy;
  /** the scripted upstream of proxy_http_call */
  callouts: CalloutRouter;
  /** the scripted upstream of proxy_grpc_call / proxy_grpc_stream */
  grpc: GrpcRouter;
  randomSeed: number;
  properties: Map<string, Uint8Array>;
}

interface ContextRecord extends ContextView {
  readonly parentId: number;
}

export interface RootState {
  readonly id: number;
  tickPeriodMs: number;
  /** the pending proxy_on_tick, re-armed a full period after each tick returns (§11.12) */
  tickTimer: Timer | undefined;
  /** proxy_on_done returned 0: waiting for proxy_done() */
  parked: boolean;
  deleted: boolean;
  status: { code: number; message: string };
}

/** What a callback `deliver` runs may read besides its arguments. */
interface Staged {
  /** proxy_on_http_call_response: the response (maps 6/7, buffer 4) */
  callout?: CalloutResponse;
  /** the gRPC callbacks: metadata and message (maps 4/5, buffer 5) */
  grpc?: GrpcStaged;
}

const VM_CONTEXT: ContextView = { id: 0, rootId: 0, stream: null };
const RING = 16; // power of two (index with & (RING - 1))
const MAX_RECORDED_ARGS = 12;

type ExportFn = (...args: number[]) => number | undefined;

export class Vm implements ImportContext {
  readonly abi: AbiVersion;
  readonly mem: GuestMemory;
  readonly logs: LogEntry[] = [];
  readonly roots = new Map<number, RootState>();
  routeCacheClears = 0;
  /** set while on_configure (or the root's context_create) runs: buffer 7 readable */
  pluginConfigVisible = false;
  failed: Error | null = null;
  /** when set, every callback and host call is appended (run-to-completion transcripts) */
  transcript: TranscriptSink | null = null;

  private readonly instance: WebAssembly.Instance;
  private readonly exportFns = new Map<string, ExportFn>();
  private readonly contexts = new Map<number, ContextRecord>();
  private nextContextId = 1;
  private current = 0;
  private effectiveId = 0;
  private eff: ContextView = VM_CONTEXT;
  private depth = 0;
  private restricted: ReadonlySet<string> | null = null;
  private readonly deferred: Array<() => void> = [];
  /** what the callback `deliver` runs may read (each kind its own slot, cleared when it returns) */
  private stagedCallout: CalloutResponse | null = null;
  private stagedGrpc: GrpcStaged | null = null;
  /** errors the test must see (a call no route answers), thrown once the current operation is done */
  private readonly testErrors: Error[] = [];
  private lastCritical: string | undefined;
  private readonly random: SeededRandom;
  private readonly ringNames: string[] = new Array<string>(RING).fill("");
  private readonly ringArgs: Array<Array<number | bigint>> = Array.from({ length: RING }, () => new Array<number | bigint>(MAX_RECORDED_ARGS).fill(0));
  private readonly ringArgc: number[] = new Array<number>(RING).fill(0);
  private readonly ringResults: Array<number | bigint | undefined> = new Array<number | bigint | undefined>(RING).fill(undefined);
  private ringCount = 0;

  constructor(readonly compiled: CompiledModule, readonly opts: VmOptions) {
    this.abi = compiled.abi;
    this.random = new SeededRandom(opts.randomSeed);
    // callout and gRPC answers go to the caller's root through deliver
    const calls = { clock: opts.clock, defer: (action: () => void) => this.defer(action), testError: (e: Error) => { this.testErrors.push(e); } };
    this.httpCalls = new HttpCalls({ ...calls, router: opts.callouts,
      deliver: (rootId, callback, args, response, status) => { this.deliver(rootId, callback, args, status, { callout: response }); } });
    this.grpcCalls = new GrpcCalls({ ...calls, router: opts.grpc,
      deliver: (rootId, callback, args, staged, status) => { this.deliver(rootId, callback, args, status, { grpc: staged }); } });
    // The memory is only known after instantiation; GuestMemory is attached to it right after.
    this.mem = new GuestMemory();
    // Wrap only what the module imports (the loader already checked that all of it exists).
    const catalogue = importCatalogue(this.abi);
    const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
    for (const imp of compiled.imports) {
      const spec = catalogue[imp.module]?.[imp.name];
      if (spec === undefined) continue;
      (imports[imp.module] ??= {})[imp.name] = this.wrap(imp.name, spec);
    }
    this.instance = new WebAssembly.Instance(compiled.module, imports);
    const memory = this.mem;
    memory.attach(this.instance.exports.memory as WebAssembly.Memory);
    const alloc = this.instance.exports[compiled.allocator] as ExportFn;
    memory.allocate = (size: number): number => {
      const savedRestricted = this.restricted;
      const savedCurrent = this.current;
      this.restricted = ALLOCATOR_ALLOWED;
      this.current = 0;
      try {
        return (alloc(size) ?? 0) >>> 0;
      } finally {
        this.restricted = savedRestricted;
        this.current = savedCurrent;
      }
    };
  }

  // ---- ImportContext -------------------------------------------------------------------------

  get logLevel(): number { return this.opts.logLevel; }
  get env(): Readonly<Record<string, string>> { return this.opts.env; }
  get userProperties(): ReadonlyMap<string, Uint8Array> { return this.opts.properties; }
  get pluginName(): string { return this.opts.pluginName; }
  get rootIdName(): string { return this.opts.rootId; }
  get vmId(): string { return this.opts.vmId; }

  log(level: number, message: string): void {
    if (level === LogLevel.critical) this.lastCritical = message;
    if (level >= this.opts.logLevel) this.logs.push({ level: level as LogLevel, message, contextId: this.current });
  }

  warnUnimplemented(name: string): void {
    this.log(LogLevel.warn, `host-mock does not implement ${name} yet; returning Unimplemented (12)`);
  }

  get process(): ProxyProcess {
    return this.opts.process;
  }

  // ---- stats (metric ids per VM, §3) ---------------------------------------------------------

  /** Per VM and per type: counters 4, 8, …; gauges 5, 9, …; histograms 6, 10, … (§3). */
  private readonly nextMetricId = [4, 5, 6];
  private readonly metrics = new Map<number, Stat>();

  defineMetric(type: MetricType, name: string): number {
    const id = this.nextMetricId[type];
    this.nextMetricId[type] += 4;
    this.metrics.set(id, this.opts.process.stat(name, type));
    return id;
  }

  metricById(id: number): Stat | undefined {
    return this.metrics.get(id);
  }

  // ---- HTTP callouts (§5.7, §6.8, §11.10) and gRPC (§5.8, §6.9, §11.11) ----------------------

  get callouts(): CalloutRouter {
    return this.opts.callouts;
  }

  get grpc(): GrpcRouter {
    return this.opts.grpc;
  }

  /** this VM's HTTP callouts in flight (http-calls.ts) */
  readonly httpCalls: HttpCalls;
  /** this VM's gRPC calls and streams in flight (grpc-calls.ts) */
  readonly grpcCalls: GrpcCalls;

  calloutResponse(): CalloutResponse | null {
    return this.stagedCallout;
  }

  grpcStaged(): GrpcStaged | null {
    return this.stagedGrpc;
  }

  // ---- shared queues (§6.7, §11.9) -----------------------------------------------------------

  registerQueue(name: string): number {
    const rootId = this.eff.rootId;
    return this.opts.process.registerQueue(this.opts.vmId, name, (queueId) => this.deliverQueueReady(rootId, queueId));
  }

  /** proxy_on_queue_ready on the registering root (see deliver). */
  private deliverQueueReady(rootId: number, queueId: number): void {
    this.deliver(rootId, "proxy_on_queue_ready", [rootId, queueId]);
  }

  // ---- ticks (§11.12) ------------------------------------------------------------------------

  /** Last call wins; 0 stops the timer; the first tick comes a full period after the call (§11.12). */
  setTickPeriod(rootId: number, ms: number): void {
    const root = this.roots.get(rootId);
    if (root === undefined) return;
    root.tickPeriodMs = ms;
    this.armTick(root);
  }

  private armTick(root: RootState): void {
    this.opts.clock.cancel(root.tickTimer);
    root.tickTimer = undefined;
    if (root.tickPeriodMs > 0 && !root.deleted) root.tickTimer = this.opts.clock.schedule(root.tickPeriodMs, () => this.fireTick(root));
  }

  /**
   * A due tick (see deliver): fixed delay, so re-armed a full period after it returns, unless the
   * tick itself set a new period. A tick that trapped (the VM is failed) neither drains nor re-arms;
   * a root without proxy_on_tick still drains and re-arms.
   */
  private fireTick(root: RootState): void {
    root.tickTimer = undefined;
    const outcome = this.deliver(root.id, "proxy_on_tick", [root.id], undefined, undefined, false);
    if (outcome === "dropped" || outcome === "trapped") return;
    if (outcome === "absent") this.drain();
    if (root.tickTimer === undefined) this.armTick(root);
  }

  // ---- time, randomness, effective context, status, configuration ----------------------------

  nowNs(): bigint {
    return this.opts.clock.nowNs();
  }

  monotonicNs(): bigint {
    return this.opts.clock.monotonicNs();
  }

  randomBytes(n: number): Uint8Array {
    return this.random.bytes(n);
  }

  effective(): ContextView {
    return this.eff;
  }

  setEffectiveContext(id: number): boolean {
    const c = this.contexts.get(id);
    if (c === undefined) return false;
    this.effectiveId = id;
    this.eff = c;
    return true;
  }

  done(): boolean {
    const root = this.roots.get(this.eff.rootId);
    if (root === undefined || !root.parked) return false;
    root.parked = false;
    this.defer(() => this.deleteRoot(root));
    return true;
  }

  status(rootId: number): { code: number; message: string } {
    return this.roots.get(rootId)?.status ?? { code: WasmResult.Ok, message: "" };
  }

  vmConfiguration(): Uint8Array { return this.opts.vmConfig; }

  pluginConfiguration(): Uint8Array | null {
    return this.pluginConfigVisible ? this.opts.pluginConfig : null;
  }

  clearRouteCache(): void { this.routeCacheClears++; }

  /** foreign functions registered by the test (MockHost.registerForeignFunction) */
  readonly foreignFunctions = new Map<string, ForeignFunction>();

  foreignFunction(name: string): ForeignFunction | undefined {
    return this.foreignFunctions.get(name);
  }

  // ---- contexts ------------------------------------------------------------------------------

  /** Next id of the per-VM counter (root 1, streams 2, 3, …). */
  allocateContextId(): number {
    return this.nextContextId++;
  }

  registerContext(id: number, parentId: number, stream: StreamHostSide | null): void {
    this.contexts.set(id, { id, parentId, rootId: parentId === 0 ? id : parentId, stream });
  }

  unregisterContext(id: number): void {
    this.contexts.delete(id);
    if (this.eff.id === id) this.eff = this.contexts.get(this.current) ?? VM_CONTEXT;
  }

  // ---- calling the guest ---------------------------------------------------------------------

  has(name: string): boolean {
    return this.compiled.exportNames.has(name);
  }

  private fn(name: string): ExportFn | undefined {
    let f = this.exportFns.get(name);
    if (f === undefined) {
      const e = this.instance.exports[name];
      if (typeof e !== "function") return undefined;
      f = e as ExportFn;
      this.exportFns.set(name, f);
    }
    return f;
  }

  /**
   * Calls an export with `contextId` as the current context. Returns the unsigned result (undefined
   * for void exports and absent ones — check `has` first). A trap marks the VM failed and throws
   * TrapError; any call after that throws VmFailedError.
   */
  call(name: string, args: number[], contextId: number): number | undefined {
    if (this.failed !== null) throw new VmFailedError(this.failed);
    const f = this.fn(name);
    if (f === undefined) return undefined;
    const saved = [this.current, this.effectiveId, this.eff] as const;
    this.current = contextId;
    this.effectiveId = 0;
    this.eff = this.contexts.get(contextId) ?? VM_CONTEXT;
    this.lastCritical = undefined;
    const t = this.transcript;
    const entry: TranscriptEntry | null = t === null ? null
      : { kind: "callback", plugin: t.plugin, name, args: args.slice(), result: undefined, contextId, depth: this.depth };
    if (entry !== null) t?.entries.push(entry);
    this.depth++;
    // a trap's guest stack is captured when it is thrown: keep enough frames to reach the filter's code
    const stackLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = GUEST_STACK_FRAMES;
    try {
      const r = f(...args);
      const result = typeof r === "number" ? r >>> 0 : undefined;
      if (entry !== null) entry.result = result;
      return result;
    } catch (e) {
      const err = e instanceof TrapError || e instanceof VmFailedError ? e
        : trapError(this.compiled, { callback: name, args, contextId }, e, this.lastCritical, this.recentHostCalls());
      if (this.failed === null) this.failed = err;
      throw err;
    } finally {
      Error.stackTraceLimit = stackLimit;
      this.depth--;
      [this.current, this.effectiveId, this.eff] = saved;
    }
  }

  /** Start functions (§1.4) with the restricted host-call allow-list. */
  runStartFunctions(): void {
    this.restricted = START_ALLOWED;
    try {
      if (this.has("_initialize")) {
        this.call("_initialize", [], 0);
        if (this.has("main")) this.call("main", [0, 0], 0);
        else if (this.has("__main_void")) this.call("__main_void", [], 0);
      } else if (this.has("_start")) {
        this.call("_start", [], 0);
      }
    } finally {
      this.restricted = null;
    }
  }

  /**
   * Delivers an event that arrives on its own — a callout or gRPC answer, a queue notification, a
   * tick — to root `rootId` as `callback(...args)`. "dropped": nothing happens for a failed VM or a
   * missing or deleted root. Otherwise `status` (what proxy_get_status answers) is set when given;
   * "absent": the module does not export `callback`. Else it runs with `staged` readable; a trap
   * reaches the test under the "throw" policy, while under an Envoy failure policy it only fails the
   * VM (recorded in `failed`): "trapped". Then the after-callback actions run (drain), unless it
   * trapped and `drainAfterTrap` is false (ticks).
   */
  private deliver(rootId: number, callback: string, args: number[], status?: RootState["status"], staged?: Staged,
    drainAfterTrap = true): "dropped" | "absent" | "trapped" | "returned" {
    const root = this.roots.get(rootId);
    if (this.failed !== null || root === undefined || root.deleted) return "dropped";
    if (status !== undefined) root.status = status;
    if (!this.has(callback)) return "absent";
    const callout = staged?.callout;
    const grpc = staged?.grpc;
    if (callout !== undefined) this.stagedCallout = callout;
    if (grpc !== undefined) this.stagedGrpc = grpc;
    let outcome: "trapped" | "returned" = "returned";
    try {
      this.call(callback, args, rootId);
    } catch (e) {
      if (this.opts.failurePolicy === "throw" || !(e instanceof TrapError)) throw e;
      outcome = "trapped";
    } finally {
      if (callout !== undefined) this.stagedCallout = null;
      if (grpc !== undefined) this.stagedGrpc = null;
    }
    if (outcome === "returned" || drainAfterTrap) this.drain();
    return outcome;
  }

  /** Queues an action to run after the current callback returns (§12). */
  defer(action: () => void): void {
    this.deferred.push(action);
  }

  /** Runs queued after-callback actions (which may call the guest and queue more). */
  drain(): void {
    if (this.depth > 0) return;
    while (this.deferred.length > 0 && this.failed === null) {
      const a = this.deferred.shift() as () => void;
      a();
    }
    if (this.failed !== null) this.deferred.length = 0;
    this.opts.process.runPosted(); // queue notifications posted meanwhile (to this VM or another)
    const e = this.testErrors.shift();
    if (e !== undefined) throw e;
  }

  deleteRoot(root: RootState): void {
    if (root.deleted) return;
    root.deleted = true;
    this.opts.clock.cancel(root.tickTimer);
    root.tickTimer = undefined;
    if (this.has("proxy_on_delete")) this.call("proxy_on_delete", [root.id], root.id);
    this.unregisterContext(root.id);
  }

  memoryPages(): number {
    return this.mem.byteLength / 65536;
  }

  // ---- host-call wrapper and ring buffer -----------------------------------------------------

  /**
   * The wrapper around every host function: restricted-phase check, MemoryFault → the family's
   * fault code, and the ring buffer. Hot path: fixed parameters for arity ≤ 5 (no rest/spread
   * arrays) and a ring buffer of preallocated slots.
   */
  private wrap(name: string, spec: HostFunctionSpec): (...args: Array<number | bigint>) => number | bigint | undefined {
    type Arg = number | bigint;
    const fn = spec.fn as (h: ImportContext, ...args: Arg[]) => number | bigint | undefined | void;
    const fault = spec.faultCode;
    const arity = Math.max(0, fn.length - 1);
    if (arity <= 5) {
      return (a?: Arg, b?: Arg, c?: Arg, d?: Arg, e?: Arg): number | bigint | undefined => {
        if (this.restricted !== null) this.checkRestricted(name, [a, b, c, d, e].slice(0, arity) as Arg[]);
        let r: number | bigint | undefined;
        if (this.interceptors.size > 0) {
          const forced = this.intercepted(name, [a, b, c, d, e].slice(0, arity) as Arg[]);
          if (forced !== undefined) {
            this.record(name, arity, a, b, c, d, e, forced);
            return forced;
          }
        }
        try {
          r = fn(this, a as Arg, b as Arg, c as Arg, d as Arg, e as Arg) ?? undefined;
        } catch (err) {
          if (!(err instanceof MemoryFault)) {
            this.record(name, arity, a, b, c, d, e, undefined); // a host trap: the report shows the call
            throw err;
          }
          r = fault;
        }
        this.record(name, arity, a, b, c, d, e, r);
        return r;
      };
    }
    return (...args: Arg[]): number | bigint | undefined => {
      if (this.restricted !== null) this.checkRestricted(name, args);
      let r: number | bigint | undefined;
      if (this.interceptors.size > 0) {
        const forced = this.intercepted(name, args);
        if (forced !== undefined) {
          this.recordMany(name, args, forced);
          return forced;
        }
      }
      try {
        r = fn(this, ...args) ?? undefined;
      } catch (err) {
        if (!(err instanceof MemoryFault)) {
          this.recordMany(name, args, undefined);
          throw err;
        }
        r = fault;
      }
      this.recordMany(name, args, r);
      return r;
    };
  }

  /** Test-installed overrides of host calls (MockHost.interceptHostCall), by import name. */
  readonly interceptors = new Map<string, HostCallInterceptor>();

  /** The status an interceptor forces for this call, or undefined to run the real host call. */
  private intercepted(name: string, args: Array<number | bigint>): number | undefined {
    const f = this.interceptors.get(name);
    return f === undefined ? undefined : f(args);
  }

  private checkRestricted(name: string, args: Array<number | bigint>): void {
    const allowed = this.restricted;
    if (allowed === null || allowed.has(name)) return;
    this.recordMany(name, args, undefined);
    throw new HostTrap(`restricted_callback: ${name} may not be called ${allowed === START_ALLOWED ? "during start functions" : "while the guest allocator runs"}`);
  }

  private record(name: string, n: number, a: number | bigint | undefined, b: number | bigint | undefined, c: number | bigint | undefined,
    d: number | bigint | undefined, e: number | bigint | undefined, result: number | bigint | undefined): void {
    const i = this.ringCount++ & (RING - 1);
    this.ringNames[i] = name;
    this.ringArgc[i] = n;
    const slot = this.ringArgs[i];
    slot[0] = a ?? 0; slot[1] = b ?? 0; slot[2] = c ?? 0; slot[3] = d ?? 0; slot[4] = e ?? 0;
    this.ringResults[i] = result;
    if (this.transcript !== null) this.traceHostCall(name, [a ?? 0, b ?? 0, c ?? 0, d ?? 0, e ?? 0].slice(0, n), result);
  }

  private traceHostCall(name: string, args: Array<number | bigint>, result: number | bigint | undefined): void {
    const t = this.transcript as TranscriptSink;
    const detail = describeHostCall(name, args, this.mem);
    t.entries.push({ kind: "hostcall", plugin: t.plugin, name, args, result, contextId: this.current, depth: this.depth, ...(detail !== undefined ? { detail } : {}) });
  }

  private recordMany(name: string, args: ReadonlyArray<number | bigint>, result: number | bigint | undefined): void {
    const i = this.ringCount++ & (RING - 1);
    this.ringNames[i] = name;
    this.ringArgc[i] = Math.min(args.length, MAX_RECORDED_ARGS);
    const slot = this.ringArgs[i];
    for (let k = 0; k < this.ringArgc[i]; k++) slot[k] = args[k];
    this.ringResults[i] = result;
    if (this.transcript !== null) this.traceHostCall(name, args.slice(), result);
  }

  /** The last ≤16 host calls, oldest first. */
  recentHostCalls(): HostCallRecord[] {
    const n = Math.min(this.ringCount, RING);
    const out: HostCallRecord[] = [];
    for (let k = this.ringCount - n; k < this.ringCount; k++) {
      const i = k & (RING - 1);
      out.push({ name: this.ringNames[i], args: this.ringArgs[i].slice(0, this.ringArgc[i]), result: this.ringResults[i] });
    }
    return out;
  }
}
