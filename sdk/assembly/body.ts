// Body and other byte buffers (proxy_get_buffer_bytes / _status / proxy_set_buffer_bytes).
//
// Envoy's set_buffer_bytes semantics (reference §6.4): start 0 & size 0 -> prepend; start 0 &
// size > 0 -> drop the first `size` bytes then prepend (replace); start >= length -> append;
// 0 < start < length -> BadArgument. The helpers below only use those three legal shapes.

import { BufferType, WasmResult } from "./abi/enums";
import { proxy_get_buffer_bytes, proxy_get_buffer_status, proxy_set_buffer_bytes } from "./abi/imports";
import {
  OUT_PTR, OUT_SIZE, OUT_U32, OUT_U32B, clearOut, prepareStringOut, encode1, releaseOut, scratchBase, takeBytes, takeString,
} from "./abi/memory";

let lastBufferResult: WasmResult = WasmResult.Ok;

/** Status of the most recent buffer host call made through this module. */
export function last_buffer_result(): WasmResult {
  return lastBufferResult;
}

/** Up to `length` bytes of `typ` from `start`; empty on any error (see last_buffer_result). */
export function get_buffer_bytes(typ: BufferType, start: u32, length: u32): ArrayBuffer {
  clearOut();
  const r = proxy_get_buffer_bytes(<u32>typ, start, length, OUT_PTR, OUT_SIZE);
  lastBufferResult = r;
  if (r != WasmResult.Ok) {
    releaseOut();
    return new ArrayBuffer(0);
  }
  return takeBytes();
}

/** Like get_buffer_bytes, decoded as UTF-8. */
export function get_buffer_string(typ: BufferType, start: u32, length: u32): string {
  prepareStringOut();
  const r = proxy_get_buffer_bytes(<u32>typ, start, length, OUT_PTR, OUT_SIZE);
  lastBufferResult = r;
  if (r != WasmResult.Ok) {
    releaseOut();
    return "";
  }
  return takeString();
}

/** Result of get_buffer_status. */
export class BufferStatusResult {
  result: WasmResult = WasmResult.Ok;
  length: usize = 0;
  flags: u32 = 0;
}

export function get_buffer_status(typ: BufferType): BufferStatusResult {
  store<u64>(OUT_U32, 0);
  const r = proxy_get_buffer_status(<u32>typ, OUT_U32, OUT_U32B);
  lastBufferResult = r;
  const s = new BufferStatusResult();
  s.result = r;
  if (r == WasmResult.Ok) {
    s.length = <usize>load<u32>(OUT_U32);
    s.flags = load<u32>(OUT_U32B);
  }
  return s;
}

/** Current length of `typ`, or -1 when the buffer is not available. */
export function get_buffer_length(typ: BufferType): i64 {
  store<u64>(OUT_U32, 0);
  const r = proxy_get_buffer_status(<u32>typ, OUT_U32, OUT_U32B);
  lastBufferResult = r;
  if (r != WasmResult.Ok) return -1;
  return <i64>load<u32>(OUT_U32);
}

/** Raw proxy_set_buffer_bytes with an ArrayBuffer. */
export function set_buffer_bytes(typ: BufferType, start: u32, size: u32, data: ArrayBuffer): WasmResult {
  const r = proxy_set_buffer_bytes(<u32>typ, start, size, changetype<usize>(data), <usize>data.byteLength);
  lastBufferResult = r;
  return r;
}

function setBufferString(typ: BufferType, start: u32, size: u32, data: string): WasmResult {
  const n = encode1(data);
  const r = proxy_set_buffer_bytes(<u32>typ, start, size, scratchBase(), n);
  lastBufferResult = r;
  return r;
}

/** A body (or other mutable) buffer of the current stream. */
export class BodyBuffer {
  typ: BufferType;

  constructor(typ: BufferType) {
    this.typ = typ;
  }

  /** Bytes currently in the buffer (the chunk, or everything buffered so far); -1 if unavailable. */
  length(): i64 {
    return get_buffer_length(this.typ);
  }

  /** `length` bytes from `start` (clamped by the host). */
  read(start: u32, length: u32): ArrayBuffer {
    return get_buffer_bytes(this.typ, start, length);
  }

  /** The whole current buffer. */
  readAll(): ArrayBuffer {
    return get_buffer_bytes(this.typ, 0, u32.MAX_VALUE);
  }

  /** The whole current buffer as UTF-8 text. */
  readString(): string {
    return get_buffer_string(this.typ, 0, u32.MAX_VALUE);
  }

  /** `length` bytes from `start` as UTF-8 text. */
  readStringRange(start: u32, length: u32): string {
    return get_buffer_string(this.typ, start, length);
  }

  /** Replaces the whole buffer. */
  replace(data: ArrayBuffer): WasmResult {
    const len = this.length();
    if (len < 0) return lastBufferResult;
    return set_buffer_bytes(this.typ, 0, <u32>len, data);
  }

  replaceString(data: string): WasmResult {
    const len = this.length();
    if (len < 0) return lastBufferResult;
    return setBufferString(this.typ, 0, <u32>len, data);
  }

  /** Inserts bytes before the current content. */
  prepend(data: ArrayBuffer): WasmResult {
    return set_buffer_bytes(this.typ, 0, 0, data);
  }

  prependString(data: string): WasmResult {
    return setBufferString(this.typ, 0, 0, data);
  }

  /** Adds bytes after the current content. */
  append(data: ArrayBuffer): WasmResult {
    const len = this.length();
    if (len < 0) return lastBufferResult;
    return set_buffer_bytes(this.typ, <u32>len, 0, data);
  }

  appendString(data: string): WasmResult {
    const len = this.length();
    if (len < 0) return lastBufferResult;
    return setBufferString(this.typ, <u32>len, 0, data);
  }
}

/** Request / response body accessors for the current stream. */
export class BodyManipulator {
  request: BodyBuffer = new BodyBuffer(BufferType.HttpRequestBody);
  response: BodyBuffer = new BodyBuffer(BufferType.HttpResponseBody);
  http_callback: BodyBuffer = new BodyBuffer(BufferType.HttpCallResponseBody);
}
