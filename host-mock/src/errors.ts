// Errors the mock host throws at the test author.
//
// ModuleLoadError: the module cannot be used at all (compile failure, ABI marker, allocator, imports).
// TrapError: the guest trapped inside a callback; the VM is marked failed afterwards (§11.14).
// VmFailedError: a later call on a host whose VM trapped earlier.

/** A module that cannot be compiled, linked or started as a proxy-wasm VM. */
export class ModuleLoadError extends Error {
  override name = "ModuleLoadError";
}

/** One host call remembered for trap reports. */
export interface HostCallRecord {
  name: string;
  args: ReadonlyArray<number | bigint>;
  result: number | bigint | undefined;
}

/** One guest frame of the wasm stack at the trap. */
export interface GuestFrame {
  /** function name from the name section, or `wasm-function[<index>]` */
  functionName: string;
  functionIndex: number;
  /** byte offset in the module */
  offset: number;
  /** `file:line:column` from `<module>.wasm.map`, when present */
  source?: string;
}

export interface TrapDetails {
  callback: string;
  args: ReadonlyArray<number>;
  contextId: number;
  /** the engine's message (e.g. "unreachable", "restricted_callback: proxy_get_property") */
  reason: string;
  /** AssemblyScript abort text `<message> at <file>:<line>:<column>`, if the guest logged one */
  abort?: string;
  frames: GuestFrame[];
  hostCalls: HostCallRecord[];
  cause?: unknown;
}

export function formatHostCall(c: HostCallRecord): string {
  return `${c.name}(${c.args.map(String).join(", ")}) -> ${c.result === undefined ? "(trap)" : String(c.result)}`;
}

/** The guest trapped (unreachable, out-of-bounds, proc_exit, restricted host call, ...). */
export class TrapError extends Error {
  override name = "TrapError";
  readonly details: TrapDetails;

  constructor(d: TrapDetails) {
    const lines = [`wasm trap in ${d.callback}(${d.args.join(", ")}) [context ${d.contextId}]: ${d.reason}`];
    if (d.abort !== undefined) lines.push(`abort: ${d.abort}`);
    if (d.frames.length > 0) {
      lines.push("guest stack:");
      for (const f of d.frames) {
        lines.push(`  at ${f.functionName} (wasm-function[${f.functionIndex}]:0x${f.offset.toString(16)})` +
          (f.source !== undefined ? ` ${f.source}` : ""));
      }
    }
    lines.push(d.hostCalls.length > 0 ? "last host calls (oldest first):" : "no host calls before the trap");
    for (const c of d.hostCalls) lines.push(`  ${formatHostCall(c)}`);
    super(lines.join("\n"), d.cause === undefined ? undefined : { cause: d.cause });
    this.details = d;
  }

  get callback(): string { return this.details.callback; }
  get contextId(): number { return this.details.contextId; }
  get abortMessage(): string | undefined { return this.details.abort; }
  get frames(): GuestFrame[] { return this.details.frames; }
  get hostCalls(): HostCallRecord[] { return this.details.hostCalls; }
}

/** Any call on a host whose VM trapped earlier (fail-closed / fail-open policies land later). */
export class VmFailedError extends Error {
  override name = "VmFailedError";
  constructor(readonly firstTrap: Error) {
    super(`VM failed earlier: ${firstTrap.message.split("\n")[0]}`, { cause: firstTrap });
  }
}

/** Thrown from a host function to trap the guest (proc_exit, restricted_callback). */
export class HostTrap extends Error {
  override name = "HostTrap";
}
