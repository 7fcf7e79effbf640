// The rate-limit filter's figures on the mock host: CPU per request for each algorithm on the
// allowed path (a limit nothing reaches) and the limited path (the key's limit used up, every
// request a 429), on shared data and on a worker's own table, next to a no-op filter and to the
// filter with no limit applying, interleaved round by round; a full table where every request
// evicts; that state stays bounded however many clients come (linear memory, shared-data values
// and bytes); and the release size.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { createHost, ProxyProcess, type HttpStream, type MockHost } from "@filterkit/host-mock";
import { median, timeOps } from "./stats.ts";

type Row = { name: string; value: number; unit: string; target?: string; pass?: boolean; note?: string };
type Limit = Record<string, unknown>;

// virtual time stands still: no bucket refills and no window rolls over during a run
const T0 = 1_800_000_000_000_000_000n;
const KEY = [{ request_header: { name: "x-client" } }];
const HIGH = 1_000_000_000;
/** Per algorithm: the parameters of a limit no run reaches, and of one a single request uses up. */
const ALGS: Array<[string, Limit, Limit]> = [
  ["token_bucket", { max_tokens: HIGH, tokens_per_fill: 1, fill_interval_ms: 1000 }, { max_tokens: 1, tokens_per_fill: 1, fill_interval_ms: 86_400_000 }],
  ["gcra", { limit: HIGH, window_ms: 1000 }, { limit: 1, window_ms: 86_400_000 }],
  ["sliding_window", { limit: HIGH, window_ms: 60_000 }, { limit: 1, window_ms: 86_400_000 }],
  ["fixed_window", { limit: HIGH, window_ms: 60_000 }, { limit: 1, window_ms: 86_400_000 }],
  ["concurrency", { max: 1_000_000 }, { max: 1 }],
];

/** A process that also tracks every shared-data key's size (Envoy's shared data has no delete, so sets are all there is). */
class CountingProcess extends ProxyProcess {
  readonly sizes = new Map<string, number>();
  override setShared(vmId: string, key: string, value: Uint8Array, cas: number): "ok" | "cas-mismatch" {
    const r = super.setShared(vmId, key, value, cas);
    if (r === "ok") this.sizes.set(`${vmId}\0${key}`, value.length);
    return r;
  }
  get bytes(): number {
    let n = 0;
    for (const v of this.sizes.values()) n += v;
    return n;
  }
}

interface Variant { name: string; host: MockHost; client: () => string; refused: boolean }

function send(v: Variant): HttpStream {
  const s = v.host.newHttpStream();
  s.sendRequestHeaders([[":method", "GET"], [":path", "/api/items"], [":authority", "example.com"], [":scheme", "http"], ["x-client", v.client()]], true);
  if ((s.localReply !== null) !== v.refused) throw new Error(`bench rate-limit ${v.name}: got ${s.localReply?.status ?? 200}`);
  return s;
}

/** One request, completed as Envoy would (which also gives a concurrency unit back). */
function oneRequest(v: Variant): void {
  const s = send(v);
  if (s.localReply === null) s.sendResponseHeaders([[":status", "200"]], true);
  s.complete();
}

/**
 * `fill`: distinct clients sent before the eviction row (4 x 65,536 fills every bucket; half that
 * leaves ~4% of requests a free slot, shown in the row's note); `clients`: the memory rows' run.
 */
export function rateLimitRows(root: string, rounds: number, opsPerRound: number, clients: number, fill: number): Row[] {
  const wasm = join(root, "filters/rate-limit/build/release.wasm");
  const host = (limit: Limit, table?: Limit, process?: ProxyProcess): MockHost => {
    const h = createHost({ wasm, rootId: "rate_limit", now: T0, process, pluginConfig: { limits: [{ name: "rl", key: KEY, ...limit }], ...(table ? { table } : {}) } });
    if (!h.configured) throw new Error(`rate-limit refused the bench configuration ${JSON.stringify(limit)}`);
    return h;
  };
  const one = () => "client-1";
  let seq = 0;
  const fresh = () => String(seq++);
  const variants: Variant[] = [
    { name: "no-op filter", host: createHost({ wasm: join(root, "bench/fixtures/noop/build/release.wasm"), rootId: "noop" }), client: one, refused: false },
    // what every request pays before any table: the header map, the condition, the key
    { name: "no limit applies (no x-client)", host: host({ algorithm: "token_bucket", ...ALGS[0][1], key: [{ request_header: { name: "x-absent" } }] }), client: one, refused: false },
  ];
  for (const [alg, allowed, limited] of ALGS) {
    variants.push({ name: `${alg}, allowed`, host: host({ algorithm: alg, ...allowed }), client: one, refused: false });
    const h = host({ algorithm: alg, ...limited });
    const v: Variant = { name: `${alg}, limited (429)`, host: h, client: one, refused: false };
    // use the key's one unit up; a concurrency unit stays held by a stream left open
    const first = send(v);
    if (alg !== "concurrency") first.complete();
    v.refused = true;
    variants.push(v);
  }
  variants.push({ name: "token_bucket, allowed, worker scope", host: host({ algorithm: "token_bucket", ...ALGS[0][1], scope: "worker" }), client: one, refused: false });
  // every request a new client through a 65,536-slot table already full of live records: each one evicts
  const evicting: Variant = { name: "token_bucket, allowed, new client each, full table", host: host({ algorithm: "token_bucket", ...ALGS[0][1] }), client: fresh, refused: false };
  for (let i = 0; i < fill; i++) oneRequest(evicting);
  variants.push(evicting);

  for (const v of variants) for (let i = 0; i < Math.min(2000, opsPerRound); i++) oneRequest(v); // warm-up (tier-up)
  const evictionsBefore = Number(evicting.host.metric("ratelimit.rl.evictions")?.value ?? 0n);
  const seqBefore = seq;
  const t: number[][] = variants.map(() => []);
  for (let r = 0; r < rounds; r++) variants.forEach((v, i) => t[i].push(timeOps(opsPerRound, () => oneRequest(v))));
  const us = t.map((xs) => median(xs) / 1000);
  const noop = us[0];
  const evictedShare = (Number(evicting.host.metric("ratelimit.rl.evictions")?.value ?? 0n) - evictionsBefore) / (seq - seqBefore);
  const rows: Row[] = variants.slice(1).map((v, i) => ({
    name: `rate-limit, ${v.name}: CPU per request`, value: us[i + 1], unit: "µs",
    note: `${(us[i + 1] - noop).toFixed(1)} µs over a no-op filter (x${(us[i + 1] / noop).toFixed(2)})${v === evicting ? `; 65,536 slots, ${(evictedShare * 100).toFixed(1)}% of requests evicted` : ""}`,
  }));
  rows.push(...memoryRows(host, "process", clients), ...memoryRows(host, "worker", clients));
  const bytes = readFileSync(wasm);
  rows.push({ name: "rate-limit release .wasm", value: bytes.length / 1024, unit: "KiB", note: `${bytes.length} B` });
  rows.push({ name: "rate-limit release .wasm, gzip", value: gzipSync(bytes).length / 1024, unit: "KiB" });
  return rows;
}

/**
 * `keys` distinct clients through a 4,096-slot table: linear memory and shared data must stop
 * growing once the table is full, so they are compared at a tenth of the run and at its end.
 */
function memoryRows(host: (l: Limit, t?: Limit, p?: ProxyProcess) => MockHost, scope: string, keys: number): Row[] {
  const proc = new CountingProcess();
  const h = host({ algorithm: "token_bucket", ...ALGS[0][1], scope }, { slots: 4096 }, proc);
  let i = 0;
  const v: Variant = { name: `${scope} memory`, host: h, client: () => String(i++), refused: false };
  const at = () => ({ memory: h.memoryPages() * 65536, values: proc.sizes.size, bytes: proc.bytes });
  const before = at();
  while (i < keys / 10) oneRequest(v);
  const tenth = at();
  while (i < keys) oneRequest(v);
  const end = at();
  const n = (x: number) => x.toLocaleString("en-US");
  const tag = `rate-limit, ${n(keys)} clients, 4,096 slots, ${scope}`;
  const rows: Row[] = [
    { name: `${tag}: linear memory`, value: end.memory, unit: "B", target: `= at ${n(keys / 10)}`, pass: end.memory === tenth.memory, note: `${n(before.memory)} B before any request, ${n(tenth.memory)} B at ${n(keys / 10)}` },
  ];
  if (scope === "process") {
    // one shared-data value per bucket of 4 slots, created at configure time, and prepare's marker
    rows.push({ name: `${tag}: shared-data values`, value: end.values, unit: "keys", target: "= 1,025", pass: end.values === 1025 && tenth.values === 1025 && before.values === 1025, note: "1,024 buckets of 4 slots and the table's ready marker" });
    rows.push({ name: `${tag}: shared-data bytes`, value: end.bytes, unit: "B", target: `= at ${n(keys / 10)}`, pass: end.bytes === tenth.bytes, note: `${n(before.bytes)} B before any request` });
  } else {
    rows.push({ name: `${tag}: shared-data values`, value: end.values, unit: "keys", target: "= 0", pass: end.values === 0 });
  }
  const ev = Number(h.metric("ratelimit.rl.evictions")?.value ?? 0n);
  rows.push({ name: `${tag}: evictions`, value: ev, unit: "records", note: `${n(keys - ev)} requests found a free slot` });
  return rows;
}
