// Guest linear memory as seen from host calls (§2).
//
// Every read and write is bounds-checked; a bad range throws MemoryFault, which the import wrapper
// turns into InvalidMemoryAccess (6) (or WASI FAULT) — the host never crashes on a guest pointer.
// Views are re-created whenever the memory's ArrayBuffer changed (memory.grow detaches it), which is
// checked on every access, so calls into the guest allocator can never leave a stale view behind.

/** A guest pointer/length that does not fit in linear memory, or an allocator failure. */
export class MemoryFault extends Error {
  override name = "MemoryFault";
}

const decoder = new TextDecoder("utf-8");
const encoder = new TextEncoder();

/** Strings shorter than this are decoded/encoded by hand when they are pure ASCII. */
const ASCII_FAST_PATH_MAX = 64;
/** Slots of the decoded-string cache (power of two). */
const STRING_CACHE_SIZE = 256;

export class GuestMemory {
  private memory: WebAssembly.Memory | null = null;
  private buf: ArrayBuffer = new ArrayBuffer(0);
  private u8: Uint8Array = new Uint8Array(0);
  private u32: Uint32Array = new Uint32Array(0);
  private dv: DataView = new DataView(this.buf);
  /** guest allocator (malloc or proxy_on_memory_allocate); set by the VM after instantiation */
  allocate: (size: number) => number = () => 0;

  /** Binds the instance's exported memory (known only after instantiation). */
  attach(memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.fresh();
  }

  private fresh(): Uint8Array {
    // memory.grow detaches the old ArrayBuffer, and every view on it then has length 0: reading a
    // typed array's length is inlined by V8, unlike `memory.buffer` or `ArrayBuffer#byteLength`
    if (this.u8.length === 0 && this.memory !== null && this.memory.buffer !== this.buf) {
      this.buf = this.memory.buffer;
      this.u8 = new Uint8Array(this.buf);
      this.u32 = new Uint32Array(this.buf);
      this.dv = new DataView(this.buf);
    }
    return this.u8;
  }

  get byteLength(): number {
    return this.fresh().length;
  }

  check(ptr: number, len: number): void {
    const n = this.fresh().length;
    if (ptr < 0 || len < 0 || ptr + len > n) throw new MemoryFault(`range ${ptr}+${len} outside memory of ${n} bytes`);
  }

  /** A copy of guest bytes. `(0, 0)` is a valid empty input. */
  readBytes(ptr: number, len: number): Uint8Array {
    if (len === 0) return new Uint8Array(0);
    this.check(ptr, len);
    return this.u8.slice(ptr, ptr + len);
  }

  /**
   * Short ASCII strings (header names and values, property paths) go through a small per-memory
   * cache: hash the bytes while checking they are ASCII, and on a hit with equal bytes reuse the
   * decoded string. Filters read and write the same few names over and over; this keeps the
   * ">= 2,000,000 header get+add round trips/s" budget free of decoding and garbage.
   */
  private readonly cacheBytes: Array<Uint8Array | null> = new Array<Uint8Array | null>(STRING_CACHE_SIZE).fill(null);
  private readonly cacheStrings: string[] = new Array<string>(STRING_CACHE_SIZE).fill("");
  private readonly cacheLower: Array<string | null> = new Array<string | null>(STRING_CACHE_SIZE).fill(null);

  /** Cache slot of an ASCII byte range, or -1 when it holds a byte ≥ 0x80. */
  private asciiSlot(u8: Uint8Array, ptr: number, len: number): number {
    let h = len;
    for (let i = ptr, end = ptr + len; i < end; i++) {
      const c = u8[i];
      if (c >= 0x80) return -1;
      h = Math.imul(h ^ c, 0x01000193);
    }
    return (h ^ (h >>> 15)) & (STRING_CACHE_SIZE - 1);
  }

  private cached(u8: Uint8Array, ptr: number, len: number, slot: number): boolean {
    const b = this.cacheBytes[slot];
    if (b === null || b.length !== len) return false;
    for (let i = 0; i < len; i++) if (b[i] !== u8[ptr + i]) return false;
    return true;
  }

  private fill(u8: Uint8Array, ptr: number, len: number, slot: number): string {
    let s = "";
    for (let i = ptr, end = ptr + len; i < end; i++) s += String.fromCharCode(u8[i]);
    this.cacheBytes[slot] = u8.slice(ptr, ptr + len);
    this.cacheStrings[slot] = s;
    this.cacheLower[slot] = null;
    return s;
  }

  /** UTF-8 string, with an ASCII fast path for short strings (TextDecoder is slow on tiny inputs). */
  readString(ptr: number, len: number): string {
    if (len === 0) return "";
    this.check(ptr, len);
    const u8 = this.u8;
    if (len <= ASCII_FAST_PATH_MAX) {
      const slot = this.asciiSlot(u8, ptr, len);
      if (slot >= 0) return this.cached(u8, ptr, len, slot) ? this.cacheStrings[slot] : this.fill(u8, ptr, len, slot);
    }
    return decoder.decode(u8.subarray(ptr, ptr + len));
  }

  /** Header name: UTF-8 string lower-cased. */
  readLowerString(ptr: number, len: number): string {
    if (len === 0) return "";
    this.check(ptr, len);
    const u8 = this.u8;
    if (len <= ASCII_FAST_PATH_MAX) {
      const slot = this.asciiSlot(u8, ptr, len);
      if (slot >= 0) {
        if (!this.cached(u8, ptr, len, slot)) this.fill(u8, ptr, len, slot);
        let lower = this.cacheLower[slot];
        if (lower === null) lower = this.cacheLower[slot] = this.cacheStrings[slot].toLowerCase();
        return lower;
      }
    }
    return decoder.decode(u8.subarray(ptr, ptr + len)).toLowerCase();
  }

  readU32(ptr: number): number {
    this.check(ptr, 4);
    return this.dv.getUint32(ptr, true);
  }

  writeU32(ptr: number, value: number): void {
    this.check(ptr, 4);
    // out-parameters are almost always 4-byte aligned: one indexed store (wasm is little-endian,
    // and so is every platform Node runs wasm on)
    if ((ptr & 3) === 0) this.u32[ptr >>> 2] = value >>> 0;
    else this.dv.setUint32(ptr, value >>> 0, true);
  }

  writeU64(ptr: number, value: bigint): void {
    this.check(ptr, 8);
    this.dv.setBigUint64(ptr, BigInt.asUintN(64, value), true);
  }

  writeBytesAt(ptr: number, bytes: Uint8Array): void {
    this.check(ptr, bytes.length);
    this.u8.set(bytes, ptr);
  }

  /** Calls the guest allocator; 0 or an out-of-range block is a MemoryFault (§1.4). */
  alloc(size: number): number {
    const p = this.allocate(size) >>> 0;
    if (p === 0) throw new MemoryFault(`guest allocator returned 0 for ${size} bytes`);
    this.check(p, size); // also refreshes views after a possible memory.grow
    return p;
  }

  /**
   * Hands bytes to the guest: allocate, copy, write pointer and size. Empty → ptr 0 / size 0, no
   * allocation (§2).
   */
  returnBytes(bytes: Uint8Array, ptrPtr: number, sizePtr: number): void {
    if (bytes.length === 0) {
      this.writeU32(ptrPtr, 0);
      this.writeU32(sizePtr, 0);
      return;
    }
    const p = this.alloc(bytes.length);
    this.u8.set(bytes, p);
    this.writeU32(ptrPtr, p);
    this.writeU32(sizePtr, bytes.length);
  }

  /** Like returnBytes for a string, encoding short ASCII strings straight into guest memory. */
  returnString(s: string, ptrPtr: number, sizePtr: number): void {
    const n = s.length;
    if (n === 0) {
      this.writeU32(ptrPtr, 0);
      this.writeU32(sizePtr, 0);
      return;
    }
    if (n <= ASCII_FAST_PATH_MAX && isAscii(s)) {
      const p = this.alloc(n);
      const u8 = this.u8;
      for (let i = 0; i < n; i++) u8[p + i] = s.charCodeAt(i);
      this.writeU32(ptrPtr, p);
      this.writeU32(sizePtr, n);
      return;
    }
    this.returnBytes(encoder.encode(s), ptrPtr, sizePtr);
  }
}

export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** UTF-8 byte length (Node's native count: for long strings many times faster than a JS scan). */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}
