// Shared data (per vm_id key/value store) and shared queues.

import { WasmResult } from "./abi/enums";
import {
  proxy_dequeue_shared_queue, proxy_enqueue_shared_queue, proxy_get_shared_data,
  proxy_register_shared_queue, proxy_resolve_shared_queue, proxy_set_shared_data,
} from "./abi/imports";
import {
  OUT_PTR, OUT_SIZE, OUT_U32, clearOut, encode1, encodeAt, maxUtf8, releaseOut, scratchBase,
  scratchReserve, takeBytes,
} from "./abi/memory";

/** Result of get_shared_data / dequeue_shared_queue / queue registration. */
export class SharedResult {
  result: WasmResult = WasmResult.Ok;
  /** The value (empty unless result is Ok). */
  data: ArrayBuffer = new ArrayBuffer(0);
  /** CAS of the value (get_shared_data) or the queue id (register/resolve). */
  id: u32 = 0;
}

export function get_shared_data(key: string): SharedResult {
  const n = encode1(key);
  clearOut();
  store<u32>(OUT_U32, 0);
  const res = new SharedResult();
  res.result = proxy_get_shared_data(scratchBase(), n, OUT_PTR, OUT_SIZE, OUT_U32);
  if (res.result == WasmResult.Ok) {
    res.id = load<u32>(OUT_U32);
    res.data = takeBytes();
  } else {
    releaseOut();
  }
  return res;
}

/** Stores `value` under `key`; `cas` 0 = unconditional, else CasMismatch if it changed meanwhile. */
export function set_shared_data(key: string, value: ArrayBuffer, cas: u32 = 0): WasmResult {
  const n = encode1(key);
  return proxy_set_shared_data(scratchBase(), n, changetype<usize>(value), <usize>value.byteLength, cas);
}

export function register_shared_queue(name: string): SharedResult {
  const n = encode1(name);
  store<u32>(OUT_U32, 0);
  const res = new SharedResult();
  res.result = proxy_register_shared_queue(scratchBase(), n, OUT_U32);
  if (res.result == WasmResult.Ok) res.id = load<u32>(OUT_U32);
  return res;
}

export function resolve_shared_queue(vm_id: string, name: string): SharedResult {
  const p = scratchReserve(maxUtf8(vm_id) + maxUtf8(name));
  const vl = encodeAt(vm_id, p);
  const nl = encodeAt(name, p + vl);
  store<u32>(OUT_U32, 0);
  const res = new SharedResult();
  res.result = proxy_resolve_shared_queue(p, vl, p + vl, nl, OUT_U32);
  if (res.result == WasmResult.Ok) res.id = load<u32>(OUT_U32);
  return res;
}

export function enqueue_shared_queue(queue_id: u32, data: ArrayBuffer): WasmResult {
  return proxy_enqueue_shared_queue(queue_id, changetype<usize>(data), <usize>data.byteLength);
}

export function dequeue_shared_queue(queue_id: u32): SharedResult {
  clearOut();
  const res = new SharedResult();
  res.result = proxy_dequeue_shared_queue(queue_id, OUT_PTR, OUT_SIZE);
  res.id = queue_id;
  if (res.result == WasmResult.Ok) res.data = takeBytes();
  else releaseOut();
  return res;
}
