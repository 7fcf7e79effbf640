// Trap reports (§11.14): what a TrapError says about a guest that trapped inside a callback — the
// engine's reason, the abort / panic message the SDK logged just before, the guest's wasm frames
// (named from the name section, placed by the source map) and the last host calls. Kept apart
// from vm.ts because none of it runs until something has already gone wrong.

import { HostTrap, TrapError } from "./errors.ts";
import type { GuestFrame, HostCallRecord } from "./errors.ts";
import type { CompiledModule } from "./loader.ts";

/**
 * How many stack frames a callback's errors capture (Error.stackTraceLimit while it runs): enough
 * to get past an SDK's panic machinery (Rust's is ~10 frames deep) to the filter's own code.
 */
export const GUEST_STACK_FRAMES = 64;

/** The callback that trapped, as Vm.call ran it. */
export interface TrapSite {
  callback: string;
  args: number[];
  contextId: number;
}

/**
 * The TrapError for `e`, thrown out of `site`. `lastCritical` is the last message the guest logged
 * at critical level during the callback; `hostCalls` the VM's last host calls, oldest first.
 */
export function trapError(compiled: CompiledModule, site: TrapSite, e: unknown, lastCritical: string | undefined,
  hostCalls: HostCallRecord[]): TrapError {
  const reason = e instanceof Error ? (e instanceof HostTrap || e instanceof WebAssembly.RuntimeError ? e.message : `${e.name}: ${e.message}`) : String(e);
  const abortMatch = lastCritical === undefined ? null : abortMessage(lastCritical);
  return new TrapError({
    callback: site.callback,
    args: site.args,
    contextId: site.contextId,
    reason,
    ...(abortMatch !== null ? { abort: abortMatch } : {}),
    frames: e instanceof Error ? guestFrames(compiled, e) : [],
    hostCalls,
    cause: e,
  });
}

/** The wasm frames of `e`'s stack, innermost first. */
export function guestFrames(compiled: CompiledModule, e: Error): GuestFrame[] {
  const frames: GuestFrame[] = [];
  const add = (name: string | null | undefined, index: number, offset: number): void => {
    const pos = compiled.sourceMap?.lookup(offset);
    frames.push({
      functionName: name ?? compiled.exportedFunctions.get(index) ?? `wasm-function[${index}]`,
      functionIndex: index,
      offset,
      ...(pos !== undefined ? { source: `${pos.source}:${pos.line}:${pos.column}` } : {}),
    });
  };
  const sites = structuredStack(e);
  if (sites !== null) {
    for (const cs of sites) {
      const m = /wasm-function\[(\d+)\]:0x([0-9a-f]+)/.exec(String(cs));
      if (m !== null) add(cs.getFunctionName(), Number(m[1]), parseInt(m[2], 16));
    }
    return frames;
  }
  // the stack was already formatted: parse V8's text form
  const re = /at (?:(\S+) \()?wasm:\/\/wasm\/[0-9a-f]+:wasm-function\[(\d+)\]:0x([0-9a-f]+)\)?/g;
  for (const m of (e.stack ?? "").matchAll(re)) add(m[1], Number(m[2]), parseInt(m[3], 16));
  return frames;
}

/**
 * The message an SDK logged at critical level just before trapping, as "<message> at <where>":
 * AssemblyScript's abort handler (`abort: <msg> at <file>:<line>:<col>`) or Rust's panic hook
 * (`panicked at <file>:<line>:<col>:\n<msg>`). Null for any other critical line.
 */
export function abortMessage(critical: string): string | null {
  const as = /^abort: ([\s\S]*)$/.exec(critical);
  if (as !== null) return as[1];
  const rust = /^panicked at ([^\n]*?):?\n([\s\S]*)$/.exec(critical) ?? /^panicked at '([\s\S]*)', (\S+:\d+:\d+)$/.exec(critical);
  if (rust === null) return null;
  return critical.startsWith("panicked at '") ? `${rust[1]} at ${rust[2]}` : `${rust[2].trim()} at ${rust[1]}`;
}

/**
 * V8's structured call sites of an error whose `stack` was not formatted yet. Test runners install
 * their own Error.prepareStackTrace (vitest rewrites wasm frames to `wasm://…:1:<col>`, losing the
 * function index), so the sites are captured directly and the previous formatter still runs.
 */
export function structuredStack(e: Error): NodeJS.CallSite[] | null {
  const prev = Error.prepareStackTrace;
  let sites: NodeJS.CallSite[] | null = null;
  Error.prepareStackTrace = (err: Error, cs: NodeJS.CallSite[]): unknown => {
    sites = cs;
    return prev !== undefined ? prev(err, cs) : `${String(err)}${cs.map((c) => `\n    at ${String(c)}`).join("")}`;
  };
  try {
    void e.stack;
  } finally {
    Error.prepareStackTrace = prev;
  }
  return sites;
}
