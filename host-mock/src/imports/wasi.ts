// The WASI preview1 subset Envoy's cpp-host provides (§7), offered under both
// `wasi_snapshot_preview1` and `wasi_unstable`. Our own implementation, not node:wasi, so clocks come
// from the host clock (`now` option) and randomness from a seeded PRNG (`randomSeed`).

import { LogLevel } from "../../../sdk/assembly/abi/enums.ts";
import { HostTrap } from "../errors.ts";
import { utf8 } from "../memory.ts";
import type { HostFamily, HostFn, ImportContext } from "./types.ts";

export const WASI_MODULES = ["wasi_snapshot_preview1", "wasi_unstable"] as const;

export const Errno = {
  SUCCESS: 0, BADF: 8, NOTDIR: 20, FAULT: 21, INVAL: 28, NOENT: 44, NOSYS: 52, NOTSUP: 58, NOTCAPABLE: 76,
} as const;

const FD_WRITE_RIGHT = 64n;

export function wasiImports(): HostFamily {
  const ok = (fn: HostFn): HostFamily[string] => ({ fn, status: "supported", faultCode: Errno.FAULT });
  const stub = (fn: HostFn): HostFamily[string] => ({ fn, status: "stubbed", faultCode: Errno.FAULT });
  const isStdio = (fd: number): boolean => fd === 1 || fd === 2;

  /** Concatenates the iovecs and logs them as one message (fd1 info, fd2 error), one trailing \n stripped. */
  const writeIovs = (h: ImportContext, fd: number, iovs: number, iovsLen: number): number => {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let i = 0; i < iovsLen; i++) {
      const p = h.mem.readU32(iovs + i * 8);
      const n = h.mem.readU32(iovs + i * 8 + 4);
      parts.push(h.mem.readBytes(p, n));
      total += n;
    }
    const all = new Uint8Array(total);
    let off = 0;
    for (const part of parts) { all.set(part, off); off += part.length; }
    let text = new TextDecoder().decode(all);
    if (text.endsWith("\n")) text = text.slice(0, -1);
    h.log(fd === 1 ? LogLevel.info : LogLevel.error, text);
    return total;
  };

  const environ = (h: ImportContext): Uint8Array[] => Object.entries(h.env).map(([k, v]) => utf8(`${k}=${v}\0`));

  return {
    fd_write: ok((h: ImportContext, fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number => {
      if (!isStdio(fd)) return Errno.BADF;
      const n = writeIovs(h, fd, iovs >>> 0, iovsLen >>> 0);
      h.mem.writeU32(nwrittenPtr >>> 0, n);
      return Errno.SUCCESS;
    }),
    fd_pwrite: stub((h: ImportContext, fd: number, iovs: number, iovsLen: number, _offset: bigint, nwrittenPtr: number): number => {
      if (!isStdio(fd)) return Errno.BADF;
      const n = writeIovs(h, fd, iovs >>> 0, iovsLen >>> 0);
      h.mem.writeU32(nwrittenPtr >>> 0, n);
      return Errno.SUCCESS;
    }),
    fd_read: stub((h: ImportContext): number => Errno.NOSYS),
    fd_seek: stub((h: ImportContext): number => { h.log(LogLevel.error, "wasi fd_seek is not supported"); return Errno.SUCCESS; }),
    fd_close: stub((h: ImportContext): number => { h.log(LogLevel.error, "wasi fd_close is not supported"); return Errno.SUCCESS; }),
    fd_fdstat_get: ok((h: ImportContext, fd: number, statPtr: number): number => {
      if (!isStdio(fd)) return Errno.BADF;
      const stat = new Uint8Array(24);
      new DataView(stat.buffer).setBigUint64(8, FD_WRITE_RIGHT, true);
      h.mem.writeBytesAt(statPtr >>> 0, stat);
      return Errno.SUCCESS;
    }),
    fd_fdstat_set_flags: stub((h: ImportContext): number => Errno.NOSYS),
    fd_prestat_get: stub((h: ImportContext): number => Errno.BADF), // "no preopened directories"
    fd_prestat_dir_name: stub((h: ImportContext): number => Errno.NOSYS),
    path_open: stub((h: ImportContext): number => Errno.NOENT),
    environ_sizes_get: ok((h: ImportContext, countPtr: number, sizePtr: number): number => {
      const vars = environ(h);
      h.mem.writeU32(countPtr >>> 0, vars.length);
      h.mem.writeU32(sizePtr >>> 0, vars.reduce((n, v) => n + v.length, 0));
      return Errno.SUCCESS;
    }),
    environ_get: ok((h: ImportContext, arrayPtr: number, bufPtr: number): number => {
      let p = bufPtr >>> 0;
      let a = arrayPtr >>> 0;
      for (const v of environ(h)) {
        h.mem.writeU32(a, p);
        h.mem.writeBytesAt(p, v);
        a += 4;
        p += v.length;
      }
      return Errno.SUCCESS;
    }),
    args_sizes_get: ok((h: ImportContext, argcPtr: number, sizePtr: number): number => {
      h.mem.writeU32(argcPtr >>> 0, 0);
      h.mem.writeU32(sizePtr >>> 0, 0);
      return Errno.SUCCESS;
    }),
    args_get: ok((h: ImportContext): number => Errno.SUCCESS),
    clock_time_get: ok((h: ImportContext, id: number, _precision: bigint, timePtr: number): number => {
      if (id === 0) h.mem.writeU64(timePtr >>> 0, h.nowNs());
      else if (id === 1) h.mem.writeU64(timePtr >>> 0, h.monotonicNs());
      else return Errno.NOTSUP;
      return Errno.SUCCESS;
    }),
    clock_res_get: ok((h: ImportContext, id: number, resPtr: number): number => {
      if (id !== 0 && id !== 1) return Errno.NOTSUP;
      h.mem.writeU64(resPtr >>> 0, 1n);
      return Errno.SUCCESS;
    }),
    random_get: ok((h: ImportContext, buf: number, len: number): number => {
      len >>>= 0;
      if (len > 65536) return Errno.INVAL;
      if (len === 0) return Errno.SUCCESS;
      h.mem.check(buf >>> 0, len);
      h.mem.writeBytesAt(buf >>> 0, h.randomBytes(len));
      return Errno.SUCCESS;
    }),
    sched_yield: ok((h: ImportContext): number => Errno.SUCCESS),
    poll_oneoff: stub((h: ImportContext, _in: number, _out: number, _n: number, neventsPtr: number): number => {
      h.mem.writeU32(neventsPtr >>> 0, 0); // April-2026 cpp-host: nevents = 0, SUCCESS (Go's runtime needs it)
      return Errno.SUCCESS;
    }),
    proc_exit: ok((h: ImportContext, code: number): void => {
      // Envoy only logs and returns; the guest then reaches `unreachable`. We trap right away so the
      // report names the exit code.
      throw new HostTrap(`proc_exit(${code >>> 0})`);
    }),
    // April-2026 cpp-host stubs so Go / TinyGo / Rust-wasi modules link
    fd_advise: stub((h: ImportContext): number => Errno.SUCCESS),
    fd_allocate: stub((h: ImportContext, fd: number): number => (isStdio(fd) ? Errno.SUCCESS : Errno.BADF)),
    fd_datasync: stub((h: ImportContext, fd: number): number => (isStdio(fd) ? Errno.SUCCESS : Errno.BADF)),
    fd_sync: stub((h: ImportContext, fd: number): number => (isStdio(fd) ? Errno.SUCCESS : Errno.BADF)),
    fd_fdstat_set_rights: stub((h: ImportContext, fd: number): number => (isStdio(fd) ? Errno.SUCCESS : Errno.BADF)),
    fd_filestat_set_size: stub((h: ImportContext, fd: number): number => (isStdio(fd) ? Errno.SUCCESS : Errno.BADF)),
    fd_filestat_set_times: stub((h: ImportContext, fd: number): number => (isStdio(fd) ? Errno.SUCCESS : Errno.BADF)),
    fd_filestat_get: stub((h: ImportContext): number => Errno.BADF),
    fd_pread: stub((h: ImportContext): number => Errno.NOSYS),
    fd_readdir: stub((h: ImportContext, _fd: number, _buf: number, _len: number, _cookie: bigint, bufusedPtr: number): number => {
      h.mem.writeU32(bufusedPtr >>> 0, 0);
      return Errno.NOTDIR;
    }),
    fd_renumber: stub((h: ImportContext, fd: number): number => (isStdio(fd) ? Errno.NOTSUP : Errno.BADF)),
    fd_tell: stub((h: ImportContext, fd: number, offsetPtr: number): number => {
      if (!isStdio(fd)) return Errno.BADF;
      h.mem.writeU64(offsetPtr >>> 0, 0n);
      return Errno.SUCCESS;
    }),
    ...Object.fromEntries([
      "path_create_directory", "path_filestat_get", "path_filestat_set_times", "path_link", "path_readlink",
      "path_remove_directory", "path_rename", "path_symlink", "path_unlink_file",
      "sock_accept", "sock_recv", "sock_send", "sock_shutdown",
    ].map((n) => [n, stub((h: ImportContext): number => Errno.NOTSUP)])),
  };
}

/**
 * The host calls allowed while start functions run (§1.4, April-2026 cpp-host); any other host call
 * traps with "restricted_callback".
 */
export const START_ALLOWED: ReadonlySet<string> = new Set([
  "proxy_log", "emscripten_notify_memory_growth", "fd_write", "args_sizes_get", "args_get",
  "environ_sizes_get", "environ_get", "fd_prestat_get", "fd_prestat_dir_name", "clock_time_get",
  "random_get", "fd_fdstat_get", "fd_fdstat_set_flags", "clock_res_get", "poll_oneoff",
  "fd_advise", "fd_allocate", "fd_datasync", "fd_sync", "fd_fdstat_set_rights", "fd_filestat_set_size",
  "fd_filestat_set_times", "fd_filestat_get", "fd_pread", "fd_pwrite", "fd_readdir", "fd_renumber",
  "fd_tell", "path_create_directory", "path_filestat_get", "path_filestat_set_times", "path_link",
  "path_readlink", "path_remove_directory", "path_rename", "path_symlink", "path_unlink_file",
  "sock_accept", "sock_recv", "sock_send", "sock_shutdown",
]);

/** Host calls allowed while the guest allocator runs (§1.4). */
export const ALLOCATOR_ALLOWED: ReadonlySet<string> = new Set(["proxy_log", "fd_write", "clock_time_get", "poll_oneoff"]);
