// Memory plumbing between host and guest (raw layer).
//
// Host -> guest: every byte string the host returns lives in memory it obtained from `malloc`
// below. By default `malloc` allocates a *pinned* ArrayBuffer object, so the pointer the host
// writes into an out-slot is already a complete ArrayBuffer: `takeBytes` hands it out without a
// copy after unpinning it (from then on the GC owns it). For calls whose result is only decoded
// into a string (header values, properties read as text), the caller arms `prepareStringOut()`:
// the next `malloc` then returns a reusable arena instead, so such a call allocates nothing but
// the resulting string. Empty results arrive as ptr 0 / size 0 and are never dereferenced.
//
// Guest -> host: strings are UTF-8 encoded into one reusable scratch area (grown geometrically,
// never freed), so a host call with string arguments allocates nothing once warmed up. The scratch
// contents are valid only until the next encode; host calls copy what they read.
//
// Out-parameters (pointer/size/u32/u64 slots) live in a static, 8-byte aligned area.

/** Static out-parameter slots. */
import { decodeUtf8Lossy } from "../utf8";

export const OUT_AREA: usize = memory.data(32, 8);
/** u32 slot that receives a returned data pointer. */
export const OUT_PTR: usize = OUT_AREA;
/** u32 slot that receives a returned data size. */
export const OUT_SIZE: usize = OUT_AREA + 4;
/** u32 slot for scalar results (ids, sizes, flags, levels, codes). */
export const OUT_U32: usize = OUT_AREA + 8;
/** second u32 slot (e.g. buffer flags, CAS). */
export const OUT_U32B: usize = OUT_AREA + 12;
/** u64 slot (time, metric values). */
export const OUT_U64: usize = OUT_AREA + 16;

/**
 * The module allocator the host calls for every byte string it hands to the module. Exported as
 * both `malloc` and `proxy_on_memory_allocate` (see exports.ts). Returns a pinned ArrayBuffer.
 */
export function malloc(size: usize): usize {
  if (arenaArmed) {
    arenaArmed = false;
    if (size > arenaCap) {
      let cap = arenaCap < 256 ? <usize>256 : arenaCap;
      while (cap < size) cap <<= 1;
      arenaPtr = arenaPtr == 0 ? heap.alloc(cap) : heap.realloc(arenaPtr, cap);
      arenaCap = cap;
    }
    arenaOut = true;
    return arenaPtr;
  }
  return __pin(__new(size, idof<ArrayBuffer>()));
}

let arenaPtr: usize = 0;
let arenaCap: usize = 0;
/** The next malloc serves the arena (set right before a host call whose result is a string). */
let arenaArmed = false;
/** The arena currently holds an unconsumed host result. */
let arenaOut = false;

/** Clears the out-slots and lets the next host allocation use the string arena. */
// @ts-ignore: decorator
@inline
export function prepareStringOut(): void {
  store<u64>(OUT_PTR, 0);
  arenaArmed = true;
}

/** Decodes UTF-8 (ASCII fast path; invalid sequences become U+FFFD as WHATWG says: ../utf8.ts). */
export function decodeUtf8(ptr: usize, len: usize): string {
  if (len == 0) return "";
  const s = changetype<usize>(__new(len << 1, idof<String>()));
  for (let i: usize = 0; i < len; i++) {
    const c = load<u8>(ptr + i);
    if (c >= 0x80) return decodeUtf8Lossy(ptr, len);
    store<u16>(s + (i << 1), <u16>c);
  }
  return changetype<string>(s);
}

/** Clears the pointer/size out-slots; call before a host call that returns data. */
// @ts-ignore: decorator
@inline
export function clearOut(): void {
  store<u64>(OUT_PTR, 0);
}

/** Size the host wrote into OUT_SIZE. */
// @ts-ignore: decorator
@inline
export function outSize(): usize {
  return <usize>load<u32>(OUT_SIZE);
}

/**
 * Takes ownership of the buffer the host returned in OUT_PTR/OUT_SIZE. Returns an empty
 * ArrayBuffer for an empty result. Must be called exactly once per host call that succeeded.
 */
export function takeBytes(): ArrayBuffer {
  const ptr = <usize>load<u32>(OUT_PTR);
  const size = <usize>load<u32>(OUT_SIZE);
  store<u64>(OUT_PTR, 0);
  arenaArmed = false;
  if (ptr == 0) return new ArrayBuffer(0);
  if (arenaOut && ptr == arenaPtr) {
    arenaOut = false;
    const copy = new ArrayBuffer(<i32>min(size, arenaCap));
    memory.copy(changetype<usize>(copy), ptr, <usize>copy.byteLength);
    return copy;
  }
  let buf = changetype<ArrayBuffer>(ptr);
  __unpin(ptr);
  if (<usize>buf.byteLength != size) {
    // A host that reports a shorter size than it allocated: hand out exactly `size` bytes.
    buf = buf.slice(0, <i32>min(size, <usize>buf.byteLength));
  }
  return buf;
}

/** Like takeBytes, but decodes the bytes as UTF-8 (lossy on invalid input, never traps). */
export function takeString(): string {
  const ptr = <usize>load<u32>(OUT_PTR);
  const size = <usize>load<u32>(OUT_SIZE);
  store<u64>(OUT_PTR, 0);
  arenaArmed = false;
  if (ptr == 0) return "";
  if (arenaOut && ptr == arenaPtr) {
    arenaOut = false;
    return decodeUtf8(ptr, min(size, arenaCap));
  }
  const cap = <usize>changetype<ArrayBuffer>(ptr).byteLength;
  const s = decodeUtf8(ptr, min(size, cap));
  __unpin(ptr);
  return s;
}

/** Releases a buffer the host may have returned although the call is being treated as failed. */
export function releaseOut(): void {
  const ptr = <usize>load<u32>(OUT_PTR);
  store<u64>(OUT_PTR, 0);
  arenaArmed = false;
  if (arenaOut && ptr == arenaPtr) {
    arenaOut = false;
    return;
  }
  arenaOut = false;
  if (ptr != 0) __unpin(ptr);
}

// ---- scratch area for guest -> host data ------------------------------------------------------

let scratchPtr: usize = 0;
let scratchCap: usize = 0;

/** Ensures the scratch area holds at least `bytes` bytes and returns its address. */
export function scratchReserve(bytes: usize): usize {
  if (bytes > scratchCap) {
    let cap = scratchCap < 256 ? <usize>256 : scratchCap;
    while (cap < bytes) cap <<= 1;
    if (scratchPtr == 0) scratchPtr = heap.alloc(cap);
    else scratchPtr = heap.realloc(scratchPtr, cap);
    scratchCap = cap;
  }
  return scratchPtr;
}

/** Worst-case UTF-8 size of a string (3 bytes per UTF-16 code unit). */
// @ts-ignore: decorator
@inline
export function maxUtf8(s: string): usize {
  return <usize>s.length * 3;
}

/** Encodes `s` as UTF-8 at `dst` (caller reserved maxUtf8(s) bytes); returns the byte count. */
// @ts-ignore: decorator
@inline
export function encodeAt(s: string, dst: usize): usize {
  return String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, dst);
}

/** Encodes one string into the scratch area; returns its length (data at scratchBase()). */
export function encode1(s: string): usize {
  const p = scratchReserve(maxUtf8(s));
  return encodeAt(s, p);
}

/** Current scratch address (valid until the next scratchReserve that grows it). */
// @ts-ignore: decorator
@inline
export function scratchBase(): usize {
  return scratchPtr;
}
