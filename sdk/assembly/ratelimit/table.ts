// Bounded per-key state tables for rate limiting: `SharedTable` on proxy-wasm shared data (one
// table for every worker VM of the process, every change by compare-and-swap) and `LocalTable` in
// the VM's own memory (one per worker), with the same API and the same slot logic.
//
// Why: a per-client limit needs per-client state that all of Envoy's worker VMs see, and the only
// process-wide store is shared data (§6.6), which has no delete. One shared-data key per client
// would grow without bound under a stream of new clients; this table has a fixed number of slots
// and reuses them (expired records first, then the least recently charged one).
//
// Storage. The `slots` are grouped in buckets of `probe` slots (rounded up to a whole bucket); the
// key's hash picks one bucket, whose slots are the key's `probe` candidates. Bucket b is ONE
// shared-data value under the key `<prefix>:<b>` (decimal b), so a key's whole decision — find its
// record, or claim an empty/expired slot, or evict — is read and written with a single CAS. With
// one shared-data key per slot the candidates would be separate keys, and two workers placing the
// same new client could claim two different slots (each CAS succeeds on its own slot), splitting
// its count in two; a bucket makes that impossible. The table never holds more than
// ceil(slots / probe) shared-data keys.
//
// Bucket value, little-endian, 8 + probe * (24 + payloadBytes) bytes:
//   0  u8   format version (BUCKET_FORMAT = 1; any other value reads as an empty bucket)
//   1  u8   slots per bucket (probe)
//   2  u16  payloadBytes
//   4  u32  check: a keyed 64-bit mix of bytes 0..3 and 8..end, folded to 32 bits
//   8  then `probe` records of 24 + payloadBytes bytes:
//      +0   u64 fingerprint of the client key (0 = empty slot)
//      +8   i64 last charged, ns (the nowNs of the last write)
//      +16  i64 expiry, ns (set by the caller's SlotUpdate; at or before now = reusable)
//      +24  payload (the algorithm's state; all zeros for a key new to the slot)
// A value of any other length, version, shape or check (short, corrupted, written by an older
// layout or under another seed) is read as an empty bucket and replaced by the next write (CAS on
// the value read; the bucket's other records are lost with it), never trusted, never a trap.
// LocalTable keeps the records (without the bucket header) in one block of VM memory allocated by
// the constructor.
//
// Hash. SipHash-2-4 with 128-bit output, keyed per table: the key (k0, k1) is SipHash-2-4-128, under
// the fixed key (SIP_KDF_K0, SIP_KDF_K1), of u32le(len(prefix)) ‖ prefix ‖ seed (UTF-8). Of a client
// key's hash, the first 64 bits are its fingerprint (0 becomes 1), the high 32 bits of the second
// half pick the bucket (multiply-shift, no modulo bias to speak of). The raw client key is never
// stored. Deliberate collisions (the client picks its key): without the seed an attacker can
// neither aim keys at a bucket nor collide fingerprints (SipHash is a keyed PRF; seeded fast hashes
// such as MurmurHash or CityHash have collisions that hold for every seed). Knowing
// the seed (or with an empty seed, the prefix alone) they can aim many keys at one bucket, which
// only evicts records there: an evicted client restarts from zeros, i.e. gets more, not less; and
// sharing a given victim's record still needs a 64-bit fingerprint collision, ~2^64 hashes.
//
// Creation. Envoy writes a shared-data key that does not exist yet whatever CAS is passed, so the
// first write of a bucket cannot be conditional. `update` creates a missing bucket with an empty
// value, then decides by CAS on what is stored; the one interleaving that can still lose a write
// is another worker's whole create-read-write between this worker's NotFound and its create.
// `prepare()` (call it from onConfigure) creates every bucket up front, so that requests only
// ever meet existing buckets and every decision is a CAS; the last write is a marker
// (`<prefix>:ready`, the table's shape), so every later prepare of the same table in the process
// is one read (what remains: a worker whose prepare
// stalls between a NotFound and its create while another worker finishes its own prepare and
// charges a record in that very bucket).
//
// Allocation: none per update (buffers are allocated once per table; a string key is encoded into
// a module scratch area that grows to the longest key), so updates may run by the thousand inside
// one callback without growing linear memory.

import { WasmResult } from "../abi/enums";
import { proxy_get_shared_data, proxy_set_shared_data } from "../abi/imports";
import { get_shared_data, set_shared_data } from "../shared";
import { OUT_PTR, OUT_SIZE, OUT_U32, prepareStringOut, releaseOut } from "../abi/memory";

/** Format version in byte 0 of every bucket value. */
export const BUCKET_FORMAT: u8 = 1;
/** Bytes before the first record of a shared bucket. */
export const BUCKET_HEADER_BYTES: i32 = 8;
/** Bytes of a record before its payload (fingerprint, last charged, expiry). */
export const RECORD_HEADER_BYTES: i32 = 24;
/** Bounds the constructors clamp to (tableParamsError reports a value outside them). */
export const TABLE_MAX_SLOTS: i32 = 1 << 24;
export const TABLE_MAX_PROBE: i32 = 16;
export const TABLE_MAX_PAYLOAD: i32 = 4096;
export const TABLE_MAX_RETRIES: i32 = 1024;
/** Largest LocalTable (capacity * recordBytes); a larger one gets fewer buckets. */
export const TABLE_MAX_LOCAL_BYTES: i64 = 256 << 20;
/** Fixed SipHash key that derives a table's key from its prefix and seed. */
export const SIP_KDF_K0: u64 = 0x6b74696b72657466; // "ftrekitk"
export const SIP_KDF_K1: u64 = 0x656c626174736c72; // "rlstable"

/** What `update` did. */
export enum UpdateResult {
  /** The SlotUpdate returned true and its record was written. */
  Written = 0,
  /** The SlotUpdate returned false: the slot was left as it is. */
  Unchanged = 1,
  /** Every CAS attempt met a concurrent change (maxRetries retries): nothing was written. */
  CasExhausted = 2,
  /** A shared-data call failed otherwise: nothing was written. */
  HostError = 3,
}

/**
 * The caller's read-decide-write step. `apply` gets the key's payload (all zeros when the key has
 * no record in its bucket: `fresh`; the stored bytes otherwise, also when its expiry has passed),
 * may change it in place, sets `expiresNs`, and returns true to write the record (false: leave the
 * slot as it is). A record whose expiry is at or before a later update's nowNs may be taken by
 * another key, so set it to when the state stops mattering (a fresh record starts at 0). On a CAS
 * retry `apply` is called again with fresh data, so it must decide from its arguments only; what
 * it decided last is what happened. It must not update the same table itself.
 */
export abstract class SlotUpdate {
  /** Before `apply`: the record's stored expiry (0 when fresh). `apply` sets the new one. */
  expiresNs: i64 = 0;
  /** Before `apply`: when the record was last charged (0 when fresh). Informational. */
  lastChargedNs: i64 = 0;
  abstract apply(payload: Uint8Array, fresh: bool, nowNs: i64): bool;
}

/**
 * "" when the parameters are within the table's bounds (`local`: also LocalTable's memory bound),
 * else what is wrong, for a configuration error. The constructors clamp what this refuses.
 */
export function tableParamsError(slots: i32, payloadBytes: i32, probe: i32, maxRetries: i32, local: bool = false): string {
  if (probe < 1 || probe > TABLE_MAX_PROBE) return "probe must be 1.." + TABLE_MAX_PROBE.toString();
  if (slots < probe || slots > TABLE_MAX_SLOTS) return "slots must be probe.." + TABLE_MAX_SLOTS.toString();
  if (payloadBytes < 0 || payloadBytes > TABLE_MAX_PAYLOAD) return "payload must be 0.." + TABLE_MAX_PAYLOAD.toString() + " bytes";
  if (maxRetries < 0 || maxRetries > TABLE_MAX_RETRIES) return "retries must be 0.." + TABLE_MAX_RETRIES.toString();
  const capacity = (<i64>slots + probe - 1) / probe * probe;
  if (local && capacity * (RECORD_HEADER_BYTES + payloadBytes) > TABLE_MAX_LOCAL_BYTES) {
    return "slots * (24 + payload) must be at most " + TABLE_MAX_LOCAL_BYTES.toString() + " bytes for a local table";
  }
  return "";
}

// ---- SipHash-2-4 ---------------------------------------------------------------------------------

let s0: u64 = 0;
let s1: u64 = 0;
let s2: u64 = 0;
let s3: u64 = 0;
let sipSecond: u64 = 0;

// @ts-ignore: decorator
@inline
function sipRound(): void {
  s0 += s1; s1 = rotl<u64>(s1, 13); s1 ^= s0; s0 = rotl<u64>(s0, 32);
  s2 += s3; s3 = rotl<u64>(s3, 16); s3 ^= s2;
  s0 += s3; s3 = rotl<u64>(s3, 21); s3 ^= s0;
  s2 += s1; s1 = rotl<u64>(s1, 17); s1 ^= s2; s2 = rotl<u64>(s2, 32);
}

/**
 * SipHash-2-4 of `len` bytes at `ptr` under the key (k0, k1) (k0 = key bytes 0..7 little-endian).
 * `wide`: the 128-bit variant; its first 64 bits are returned and the second are `sipHashSecond()`.
 */
export function sipHash24(k0: u64, k1: u64, ptr: usize, len: usize, wide: bool): u64 {
  s0 = k0 ^ 0x736f6d6570736575;
  s1 = k1 ^ 0x646f72616e646f6d;
  s2 = k0 ^ 0x6c7967656e657261;
  s3 = k1 ^ 0x7465646279746573;
  if (wide) s1 ^= 0xee;
  const end = ptr + (len & ~(<usize>7));
  for (let p = ptr; p < end; p += 8) {
    const m = load<u64>(p);
    s3 ^= m; sipRound(); sipRound(); s0 ^= m;
  }
  let last: u64 = (<u64>len) << 56;
  const rest = len & 7;
  for (let i: usize = 0; i < rest; i++) last |= (<u64>load<u8>(end + i)) << (<u64>(i << 3));
  s3 ^= last; sipRound(); sipRound(); s0 ^= last;
  s2 ^= wide ? 0xee : 0xff;
  sipRound(); sipRound(); sipRound(); sipRound();
  const first = s0 ^ s1 ^ s2 ^ s3;
  if (wide) {
    s1 ^= 0xdd;
    sipRound(); sipRound(); sipRound(); sipRound();
    sipSecond = s0 ^ s1 ^ s2 ^ s3;
  } else {
    sipSecond = 0;
  }
  return first;
}

/** Second 64 bits of the latest 128-bit sipHash24 (0 after a 64-bit one). */
export function sipHashSecond(): u64 {
  return sipSecond;
}

// ---- keys ----------------------------------------------------------------------------------------

let keyScratch: usize = 0;
let keyScratchCap: usize = 0;

function keyScratchReserve(bytes: usize): usize {
  if (bytes > keyScratchCap) {
    let cap = keyScratchCap < 64 ? <usize>64 : keyScratchCap;
    while (cap < bytes) cap <<= 1;
    keyScratch = keyScratch == 0 ? heap.alloc(cap) : heap.realloc(keyScratch, cap);
    keyScratchCap = cap;
  }
  return keyScratch;
}

/** Check of a bucket value: a keyed multiply-rotate mix of bytes 0..3 and 8..len-1, folded to 32 bits. */
export function bucketCheck(k0: u64, ptr: usize, len: usize): u32 {
  let h: u64 = k0 ^ 0x9e3779b97f4a7c15 ^ (<u64>len);
  h = rotl<u64>(h ^ <u64>load<u32>(ptr), 27) * 0xff51afd7ed558ccd;
  let p = ptr + 8;
  const end = ptr + len;
  while (p + 8 <= end) {
    h = rotl<u64>(h ^ load<u64>(p), 27) * 0xff51afd7ed558ccd;
    p += 8;
  }
  while (p < end) {
    h = rotl<u64>(h ^ <u64>load<u8>(p), 27) * 0xc4ceb9fe1a85ec53;
    p++;
  }
  h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53; h ^= h >> 29;
  return <u32>(h ^ (h >> 32));
}

// Decision kinds (chooseSlot).
const KIND_OWN: i32 = 0;     // the key's record
const KIND_EMPTY: i32 = 1;   // an empty slot
const KIND_EXPIRED: i32 = 2; // another key's expired record, reused
const KIND_EVICT: i32 = 3;   // another key's live record, the least recently charged, evicted

let chosenKind: i32 = 0;

/**
 * The slot logic both tables share: in the `ways` records at `base` (`rec` bytes each), the slot
 * holding `fp`; else the first empty or expired one; else the least recently charged one (ties: the
 * first). Sets chosenKind.
 */
function chooseSlot(base: usize, ways: i32, rec: usize, fp: u64, nowNs: i64): i32 {
  let free = -1;
  let freeKind = KIND_EMPTY;
  let oldest = 0;
  let oldestNs: i64 = i64.MAX_VALUE;
  for (let w = 0; w < ways; w++) {
    const r = base + <usize>w * rec;
    const f = load<u64>(r);
    if (f == fp) {
      chosenKind = KIND_OWN;
      return w;
    }
    if (free >= 0) continue; // keep looking for the key's own record only
    if (f == 0) {
      free = w;
      freeKind = KIND_EMPTY;
    } else if (load<i64>(r, 16) <= nowNs) {
      free = w;
      freeKind = KIND_EXPIRED;
    } else {
      const last = load<i64>(r, 8);
      if (last < oldestNs) {
        oldestNs = last;
        oldest = w;
      }
    }
  }
  if (free >= 0) {
    chosenKind = freeKind;
    return free;
  }
  chosenKind = KIND_EVICT;
  return oldest;
}

/** What both tables have in common: parameters, the keyed hash, the counters, the decision step. */
export abstract class KeyedTable {
  readonly prefix: string;
  /** Slots per bucket (the key's candidates). */
  readonly probe: i32;
  /** Buckets; the table holds buckets * probe slots. */
  readonly buckets: i32;
  readonly payloadBytes: i32;
  readonly maxRetries: i32;
  /** Bytes per record (RECORD_HEADER_BYTES + payloadBytes). */
  readonly recordBytes: i32;
  /** The table's SipHash key (derived from prefix and seed). */
  readonly k0: u64;
  readonly k1: u64;

  /** CAS mismatches that led to a re-read and a new decision. */
  casRetries: u64 = 0;
  /** Live records of other keys overwritten because their bucket had no empty or expired slot. */
  evictions: u64 = 0;
  /** Expired records of other keys reused. */
  reclaims: u64 = 0;
  /** Updates that gave up after maxRetries retries (CasExhausted). */
  exhausted: u64 = 0;
  /** Shared buckets created by this VM (prepare or first use). */
  creations: u64 = 0;
  /** Bucket values read that were not a valid bucket of this table and were treated as empty. */
  corrupt: u64 = 0;
  /** Shared-data calls that failed (HostError). */
  hostErrors: u64 = 0;

  /** Slot (bucket * probe + way) of the latest update that reached a decision, else -1. */
  lastSlot: i32 = -1;
  /** The latest decision met no record of the key (the payload was zeros). */
  lastFresh: bool = false;
  /** The latest write evicted another key's live record. */
  lastEvicted: bool = false;

  /** The payload handed to SlotUpdate.apply (reused; valid during apply only). */
  protected readonly payload: Uint8Array;
  protected fp: u64 = 0;
  protected bucket: i32 = 0;
  /** Decision kind of the latest decide (KIND_*). */
  protected kind: i32 = 0;

  constructor(prefix: string, slots: i32, payloadBytes: i32, probe: i32, maxRetries: i32, seed: string, maxBytes: i64) {
    const p = probe < 1 ? 1 : probe > TABLE_MAX_PROBE ? TABLE_MAX_PROBE : probe;
    const n = slots < p ? p : slots > TABLE_MAX_SLOTS ? TABLE_MAX_SLOTS : slots;
    const pb = payloadBytes < 0 ? 0 : payloadBytes > TABLE_MAX_PAYLOAD ? TABLE_MAX_PAYLOAD : payloadBytes;
    this.payload = new Uint8Array(pb);
    this.prefix = prefix;
    this.probe = p;
    let buckets = (n + p - 1) / p;
    const bucketRecords = <i64>p * (RECORD_HEADER_BYTES + pb);
    if (maxBytes > 0 && <i64>buckets * bucketRecords > maxBytes) buckets = <i32>max<i64>(1, maxBytes / bucketRecords);
    this.buckets = buckets;
    this.payloadBytes = pb;
    this.maxRetries = maxRetries < 0 ? 0 : maxRetries > TABLE_MAX_RETRIES ? TABLE_MAX_RETRIES : maxRetries;
    this.recordBytes = RECORD_HEADER_BYTES + pb;
    // table key: SipHash-2-4-128 under the fixed key of u32le(len(prefix)) ‖ prefix ‖ seed
    const pl = String.UTF8.byteLength(prefix);
    const sl = String.UTF8.byteLength(seed);
    const m = new ArrayBuffer(4 + pl + sl);
    const mp = changetype<usize>(m);
    store<u32>(mp, <u32>pl);
    String.UTF8.encodeUnsafe(changetype<usize>(prefix), prefix.length, mp + 4);
    String.UTF8.encodeUnsafe(changetype<usize>(seed), seed.length, mp + 4 + <usize>pl);
    this.k0 = sipHash24(SIP_KDF_K0, SIP_KDF_K1, mp, <usize>m.byteLength, true);
    this.k1 = sipHashSecond();
  }

  /** Slots in the table (buckets * probe, at least the `slots` asked for). */
  get capacity(): i32 {
    return this.buckets * this.probe;
  }

  /**
   * Runs `u` on the record of `key` (a string, hashed as its UTF-8 bytes, or a Uint8Array) at
   * `nowNs`. See SlotUpdate and UpdateResult.
   */
  update<K>(key: K, nowNs: i64, u: SlotUpdate): UpdateResult {
    if (isString<K>()) {
      const s = changetype<string>(key);
      const p = keyScratchReserve(<usize>s.length * 3);
      const n = String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, p);
      return this.updateRaw(p, n, nowNs, u);
    } else if (key instanceof Uint8Array) {
      const b = changetype<Uint8Array>(key);
      return this.updateRaw(b.dataStart, <usize>b.length, nowNs, u);
    } else {
      ERROR("KeyedTable.update: the key must be a string or a Uint8Array");
      return UpdateResult.HostError;
    }
  }

  /** `update` on `len` key bytes at `ptr`. */
  abstract updateRaw(ptr: usize, len: usize, nowNs: i64, u: SlotUpdate): UpdateResult;

  /** Sets `fp` and `bucket` from the key bytes. */
  protected locate(ptr: usize, len: usize): void {
    const a = sipHash24(this.k0, this.k1, ptr, len, true);
    this.fp = a == 0 ? 1 : a;
    this.bucket = <i32>(((sipHashSecond() >>> 32) * <u64>this.buckets) >>> 32);
  }

  /**
   * Decides in the bucket's records at `base` and, when `u` wants it, writes the new record there
   * (in place, in the caller's copy). Returns whether to write.
   */
  protected decide(base: usize, nowNs: i64, u: SlotUpdate): bool {
    const rec = <usize>this.recordBytes;
    const w = chooseSlot(base, this.probe, rec, this.fp, nowNs);
    const kind = chosenKind;
    const r = base + <usize>w * rec;
    const pay = this.payload.dataStart;
    const pn = <usize>this.payloadBytes;
    const fresh = kind != KIND_OWN;
    if (fresh) {
      memory.fill(pay, 0, pn);
      u.expiresNs = 0;
      u.lastChargedNs = 0;
    } else {
      memory.copy(pay, r + <usize>RECORD_HEADER_BYTES, pn);
      u.expiresNs = load<i64>(r, 16);
      u.lastChargedNs = load<i64>(r, 8);
    }
    this.lastSlot = this.bucket * this.probe + w;
    this.lastFresh = fresh;
    this.lastEvicted = false;
    this.kind = kind;
    if (!u.apply(this.payload, fresh, nowNs)) return false;
    store<u64>(r, this.fp);
    store<i64>(r, nowNs, 8);
    store<i64>(r, u.expiresNs, 16);
    memory.copy(r + <usize>RECORD_HEADER_BYTES, pay, pn);
    return true;
  }

  /** Counts what the write decided by `decide` did, once it is stored. */
  protected written(): void {
    if (this.kind == KIND_EVICT) {
      this.evictions++;
      this.lastEvicted = true;
    } else if (this.kind == KIND_EXPIRED) {
      this.reclaims++;
    }
  }
}

const EMPTY_BUFFER = new ArrayBuffer(0);

const READ_OK: i32 = 0;
const READ_ABSENT: i32 = 1;
const READ_INVALID: i32 = 2;
const READ_ERROR: i32 = 3;

/**
 * A table in proxy-wasm shared data: one for every VM of the process with the same vm_id that
 * uses the same prefix (and seed). Bucket b lives under `<prefix>:<b>`.
 */
export class SharedTable extends KeyedTable {
  /** Bytes of one bucket value. */
  readonly bucketBytes: i32;
  private keyData: ArrayBuffer = EMPTY_BUFFER;
  private readonly keyBuf: usize;
  private readonly keyPrefixLen: usize;
  private valueData: ArrayBuffer = EMPTY_BUFFER;
  private keyLen: usize = 0;
  private readonly value: usize;
  private cas: u32 = 0;

  constructor(prefix: string, slots: i32, payloadBytes: i32, probe: i32 = 4, maxRetries: i32 = 8, seed: string = "") {
    super(prefix, slots, payloadBytes, probe, maxRetries, seed, 0);
    this.bucketBytes = BUCKET_HEADER_BYTES + this.probe * this.recordBytes;
    const pl = String.UTF8.byteLength(prefix);
    // GC-managed buffers (freed with the table); the minimal runtime never moves an object
    this.keyData = new ArrayBuffer(pl + 12); // prefix ":" and up to 10 digits
    this.keyBuf = changetype<usize>(this.keyData);
    String.UTF8.encodeUnsafe(changetype<usize>(prefix), prefix.length, this.keyBuf);
    store<u8>(this.keyBuf + <usize>pl, 0x3a); // ':'
    this.keyPrefixLen = <usize>pl + 1;
    this.valueData = new ArrayBuffer(this.bucketBytes);
    this.value = changetype<usize>(this.valueData);
  }

  /** The shared-data key of bucket `b` (for tests and tools). */
  bucketKey(b: i32): string {
    return this.prefix + ":" + b.toString();
  }

  /**
   * Creates every bucket that does not exist yet (an empty bucket each), so that later updates
   * decide by CAS only. Returns the number created by this call, or -1 if a host call failed.
   * Costs one get per bucket (and one set per bucket created): call it from onConfigure.
   */
  prepare(): i32 {
    // another VM of the process (a worker before this one, or this table before a configuration
    // push) prepared this very table: every bucket exists, one read instead of one per bucket
    const marker = this.readyKey();
    const shape = this.readyValue();
    const seen = get_shared_data(marker);
    if (seen.result == WasmResult.Ok && seen.data.byteLength == 12 &&
        memory.compare(changetype<usize>(seen.data), changetype<usize>(shape), 12) == 0) return 0;
    let made = 0;
    for (let b = 0; b < this.buckets; b++) {
      this.setKey(b);
      const st = this.readBucket();
      if (st == READ_ERROR) {
        this.hostErrors++;
        return -1;
      }
      if (st != READ_ABSENT) continue;
      this.emptyValue();
      const r = this.writeBucket(0);
      if (r != WasmResult.Ok) {
        this.hostErrors++;
        return -1;
      }
      this.creations++;
      made++;
    }
    // only once every bucket exists (a VM that stops half-way leaves no marker: the next prepares)
    if (set_shared_data(marker, shape) != WasmResult.Ok) {
      this.hostErrors++;
      return -1;
    }
    return made;
  }

  /** The shared-data key saying the table is prepared (bucket keys are `<prefix>:<number>`). */
  readyKey(): string {
    return this.prefix + ":ready";
  }

  /** The shape the marker records: buckets, probe, payload bytes (u32le each). */
  private readyValue(): ArrayBuffer {
    const v = new ArrayBuffer(12);
    const p = changetype<usize>(v);
    store<u32>(p, <u32>this.buckets);
    store<u32>(p, <u32>this.probe, 4);
    store<u32>(p, <u32>this.payloadBytes, 8);
    return v;
  }

  updateRaw(ptr: usize, len: usize, nowNs: i64, u: SlotUpdate): UpdateResult {
    this.locate(ptr, len);
    this.setKey(this.bucket);
    this.lastSlot = -1;
    let retries = 0;
    let created = false;
    while (true) {
      const st = this.readBucket();
      if (st == READ_ERROR) {
        this.hostErrors++;
        return UpdateResult.HostError;
      }
      let r: WasmResult;
      if (st == READ_ABSENT) {
        // First use of the bucket: create it empty (unconditional, as Envoy writes every missing
        // key), then decide by CAS on whatever is stored by then.
        if (created) { // created and gone again: not a host we understand
          this.hostErrors++;
          return UpdateResult.HostError;
        }
        this.emptyValue();
        r = this.writeBucket(0);
        if (r == WasmResult.Ok) {
          this.creations++;
          created = true;
          continue;
        }
      } else {
        if (!this.decide(this.value + <usize>BUCKET_HEADER_BYTES, nowNs, u)) return UpdateResult.Unchanged;
        this.seal();
        r = this.writeBucket(this.cas);
        if (r == WasmResult.Ok) {
          this.written();
          return UpdateResult.Written;
        }
      }
      if (r != WasmResult.CasMismatch) {
        this.hostErrors++;
        return UpdateResult.HostError;
      }
      if (retries >= this.maxRetries) {
        this.exhausted++;
        return UpdateResult.CasExhausted;
      }
      retries++;
      this.casRetries++;
    }
  }

  /** The key buffer holds `<prefix>:<b>`. */
  private setKey(b: i32): void {
    const d = this.keyBuf + this.keyPrefixLen;
    let n = <u32>b;
    let len: usize = 1;
    for (let t = n; t >= 10; t /= 10) len++;
    for (let i = len; i > 0; i--) {
      store<u8>(d + i - 1, <u8>(0x30 + n % 10));
      n /= 10;
    }
    this.keyLen = this.keyPrefixLen + len;
  }

  /**
   * Reads the bucket into `value` (an empty bucket when absent or invalid) and its CAS into `cas`
   * (0 when absent). Returns READ_OK, READ_ABSENT, READ_INVALID or READ_ERROR.
   */
  private readBucket(): i32 {
    store<u32>(OUT_U32, 0);
    prepareStringOut();
    const r = proxy_get_shared_data(this.keyBuf, this.keyLen, OUT_PTR, OUT_SIZE, OUT_U32);
    if (r == WasmResult.NotFound) {
      releaseOut();
      this.cas = 0;
      this.emptyValue();
      return READ_ABSENT;
    }
    if (r != WasmResult.Ok) {
      releaseOut();
      return READ_ERROR;
    }
    const ptr = <usize>load<u32>(OUT_PTR);
    const size = <usize>load<u32>(OUT_SIZE);
    this.cas = load<u32>(OUT_U32);
    const n = <usize>this.bucketBytes;
    let ok = false;
    if (ptr != 0 && size == n) {
      memory.copy(this.value, ptr, n);
      ok = this.valid();
    }
    releaseOut();
    if (ok) return READ_OK;
    this.corrupt++;
    this.emptyValue();
    return READ_INVALID;
  }

  private writeBucket(cas: u32): WasmResult {
    return proxy_set_shared_data(this.keyBuf, this.keyLen, this.value, <usize>this.bucketBytes, cas);
  }

  /** `value` becomes a valid empty bucket. */
  private emptyValue(): void {
    memory.fill(this.value, 0, <usize>this.bucketBytes);
    this.seal();
  }

  /** Writes the header and check of `value`. */
  private seal(): void {
    const v = this.value;
    store<u8>(v, BUCKET_FORMAT);
    store<u8>(v, <u8>this.probe, 1);
    store<u16>(v, <u16>this.payloadBytes, 2);
    store<u32>(v, bucketCheck(this.k0, v, <usize>this.bucketBytes), 4);
  }

  private valid(): bool {
    const v = this.value;
    return load<u8>(v) == BUCKET_FORMAT && <i32>load<u8>(v, 1) == this.probe
      && <i32>load<u16>(v, 2) == this.payloadBytes
      && load<u32>(v, 4) == bucketCheck(this.k0, v, <usize>this.bucketBytes);
  }
}

/**
 * The same table in this VM's memory (one per worker in Envoy): the same buckets, records and
 * decisions as SharedTable, no host calls and no CAS (updates return Written or Unchanged). Its
 * memory, capacity * recordBytes (at most TABLE_MAX_LOCAL_BYTES: beyond, fewer buckets), is
 * allocated by the constructor.
 */
export class LocalTable extends KeyedTable {
  private recordData: ArrayBuffer = EMPTY_BUFFER;
  private readonly records: usize;

  constructor(prefix: string, slots: i32, payloadBytes: i32, probe: i32 = 4, maxRetries: i32 = 8, seed: string = "") {
    super(prefix, slots, payloadBytes, probe, maxRetries, seed, TABLE_MAX_LOCAL_BYTES);
    // zeroed, GC-managed (freed with the table, e.g. when a reconfigured root replaces it)
    this.recordData = new ArrayBuffer(this.buckets * this.probe * this.recordBytes);
    this.records = changetype<usize>(this.recordData);
  }

  updateRaw(ptr: usize, len: usize, nowNs: i64, u: SlotUpdate): UpdateResult {
    this.locate(ptr, len);
    const base = this.records + <usize>this.bucket * <usize>this.probe * <usize>this.recordBytes;
    if (!this.decide(base, nowNs, u)) return UpdateResult.Unchanged;
    this.written();
    return UpdateResult.Written;
  }

  /** A copy of slot `slot`'s record (recordBytes bytes; zeros when empty or out of range). */
  record(slot: i32): Uint8Array {
    const out = new Uint8Array(this.recordBytes);
    if (slot >= 0 && slot < this.capacity) {
      memory.copy(out.dataStart, this.records + <usize>slot * <usize>this.recordBytes, <usize>this.recordBytes);
    }
    return out;
  }
}
