// The floor `filterkit bench` reads a filter against: a proxy-wasm module that does nothing. The
// mock host's filter chain needs at least one plugin (FilterChain refuses an empty list), so "the
// host without a filter" is measured as the host driving the same request through this module:
// every HTTP-stream callback the filter exports is exported here too, each returning at once
// (Continue) without a host call. What the filter costs beyond it is the filter's own work — its
// code and its host calls — and nothing the host would spend on any plugin.
//
// It is assembled here byte by byte (a few hundred bytes, no imports) rather than shipped as a
// built .wasm, so that the installed CLI carries no binary and no build of it can go stale.

/** The per-stream callbacks of the proxy-wasm ABI: what the host calls for every HTTP request. */
const STREAM_CALLBACKS = {
  proxy_on_context_create: { params: 2, result: null },
  proxy_on_request_headers: { params: 3, result: 0 },
  proxy_on_request_body: { params: 3, result: 0 },
  proxy_on_request_trailers: { params: 2, result: 0 },
  proxy_on_request_metadata: { params: 2, result: 0 },
  proxy_on_response_headers: { params: 3, result: 0 },
  proxy_on_response_body: { params: 3, result: 0 },
  proxy_on_response_trailers: { params: 2, result: 0 },
  proxy_on_response_metadata: { params: 2, result: 0 },
  proxy_on_log: { params: 1, result: null },
  // 1: the context may be deleted right away (0 would ask the host to wait for proxy_done)
  proxy_on_done: { params: 1, result: 1 },
  proxy_on_delete: { params: 1, result: null },
} as const satisfies Record<string, Callback>;

/** Callbacks every module gets: start-up succeeds, and an allocator the host requires (never used: no host call hands memory over). */
const ALWAYS = {
  proxy_on_vm_start: { params: 2, result: 1 },
  proxy_on_configure: { params: 2, result: 1 },
  malloc: { params: 1, result: 0 },
} as const satisfies Record<string, Callback>;

interface Callback {
  params: number;
  /** the constant it returns, null for a void function */
  result: number | null;
}

const ABI_MARKERS = ["proxy_abi_version_0_2_1", "proxy_abi_version_0_2_0", "proxy_abi_version_0_1_0"];

export interface NoopModule {
  bytes: Uint8Array;
  /** the per-request callbacks it exports (those of the filter) */
  callbacks: string[];
  abiMarker: string;
}

/** A no-op module mirroring `filter`'s ABI version and per-request callbacks. */
export function noopModuleFor(filter: WebAssembly.Module): NoopModule {
  const exported = new Set(WebAssembly.Module.exports(filter).filter((e) => e.kind === "function").map((e) => e.name));
  // the host reads the ABI from the first marker it finds; a filter without one never loads anyway
  const abiMarker = ABI_MARKERS.find((m) => exported.has(m)) ?? ABI_MARKERS[0];
  const callbacks = Object.keys(STREAM_CALLBACKS).filter((n) => exported.has(n));
  const functions: Array<[string, Callback]> = [
    [abiMarker, { params: 0, result: null }],
    ...Object.entries(ALWAYS),
    ...callbacks.map((n): [string, Callback] => [n, STREAM_CALLBACKS[n as keyof typeof STREAM_CALLBACKS]]),
  ];
  return { bytes: assemble(functions), callbacks, abiMarker };
}

// --- the binary format (WebAssembly core spec §5) ------------------------------------------------

const I32 = 0x7f;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** i32.const takes a signed LEB128; the constants here are 0 and 1 */
function sleb(n: number): number[] {
  if (n < 0 || n > 63) throw new Error("noop-wasm: only small non-negative constants are encoded");
  return [n];
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => { const b = [...Buffer.from(s, "utf8")]; return [...uleb(b.length), ...b]; };
const section = (id: number, payload: number[]): number[] => [id, ...uleb(payload.length), ...payload];

/** One function per export (types deduplicated), memory of one page exported as "memory". */
function assemble(functions: Array<[string, Callback]>): Uint8Array {
  const typeKey = (c: Callback): string => `${c.params}:${c.result === null ? "void" : "i32"}`;
  const types: Callback[] = [];
  for (const [, c] of functions) if (!types.some((t) => typeKey(t) === typeKey(c))) types.push(c);
  const typeSection = vec(types.map((t) => [0x60, ...vec(Array.from({ length: t.params }, () => [I32])), ...(t.result === null ? [0x00] : [0x01, I32])]));
  const funcSection = vec(functions.map(([, c]) => uleb(types.findIndex((t) => typeKey(t) === typeKey(c)))));
  const memorySection = vec([[0x00, ...uleb(1)]]); // limits: min 1 page, no max
  const exportSection = vec([
    ...functions.map(([n], i) => [...name(n), 0x00, ...uleb(i)]),
    [...name("memory"), 0x02, 0x00],
  ]);
  const codeSection = vec(functions.map(([, c]) => {
    const body = [0x00 /* no locals */, ...(c.result === null ? [] : [0x41 /* i32.const */, ...sleb(c.result)]), 0x0b /* end */];
    return [...uleb(body.length), ...body];
  }));
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, typeSection),
    ...section(3, funcSection),
    ...section(5, memorySection),
    ...section(7, exportSection),
    ...section(10, codeSection),
  ]);
}
