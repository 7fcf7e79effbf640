// Logging through proxy_log.

import { LogLevel, WasmResult } from "./abi/enums";
import { proxy_log, proxy_get_log_level } from "./abi/imports";
import { encode1, scratchBase, OUT_U32 } from "./abi/memory";

/** Logs `message` at `level` (UTF-8, no allocation after warm-up). */
export function log(level: LogLevel, message: string): void {
  const n = encode1(message);
  proxy_log(<u32>level, scratchBase(), n);
}

export function logTrace(message: string): void { log(LogLevel.trace, message); }
export function logDebug(message: string): void { log(LogLevel.debug, message); }
export function logInfo(message: string): void { log(LogLevel.info, message); }
export function logWarn(message: string): void { log(LogLevel.warn, message); }
export function logError(message: string): void { log(LogLevel.error, message); }
export function logCritical(message: string): void { log(LogLevel.critical, message); }

/**
 * The host's current log level (0 trace … 5 critical, 6 off). Returns LogLevel.trace when the host
 * cannot answer, so callers log rather than lose messages.
 */
export function get_log_level(): LogLevel {
  store<u32>(OUT_U32, 0);
  if (proxy_get_log_level(OUT_U32) != WasmResult.Ok) return LogLevel.trace;
  const v = load<u32>(OUT_U32);
  return v > 6 ? LogLevel.trace : <LogLevel>v;
}

/** Whether a message at `level` would be emitted (use to skip building expensive messages). */
export function log_enabled(level: LogLevel): bool {
  return <i32>level >= <i32>get_log_level();
}
