// The header-rewrite filter's figures: CPU per simulated request for a 10-rule configuration next to
// the example filter (add-header) and a no-op filter, interleaved round by round; its release size
// (target < 60 KB with the regex engine); and the fuzz harness on hostile traffic (1,000,000
// requests in a full run), split over worker threads, zero traps.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { createHost, type MockHost } from "@filterkit/host-mock";
import { median, timeOps } from "./stats.ts";
import { fuzzRows, type FuzzRow } from "./fuzz-pool.ts";

export type HeaderRewriteRow = { name: string; value: number; unit: string; target?: string; pass?: boolean; note?: string };

/** Ten rules of the kinds gateways use: strip, stamp, route, conditional, query, response hygiene. */
export const TEN_RULES = {
  rules: [
    { op: "remove_matching", match: { prefix: "x-internal-" } },
    { op: "set", name: "x-request-start", value: "t=%START_TIME(%s%3f)%" },
    { op: "set", name: "x-forwarded-path", value: "%REQ(:path)%" },
    { op: "set", name: "x-item", value: "%CAPTURE(1)%", when: { path: { regex: "/api/items(/.*)?" } } },
    { op: "add", name: "x-tenant", value: "default", when: { not: { header: { name: "x-tenant" } } } },
    { op: "rename", name: "x-request-id", to: "x-correlation-id" },
    { target: "query", op: "set", name: "source", value: "gateway" },
    { target: "response", op: "remove", name: "server" },
    { target: "response", op: "set", name: "cache-control", value: "no-store", when: { status: [200, 201] } },
    { target: "response", op: "append", name: "x-served-by", value: "%UPSTREAM_CLUSTER%" },
  ],
};

/** The fuzz harness's configuration: every rule kind, regex patterns run on hostile input. */
export const FUZZ_RULES = {
  rules: [
    { op: "remove_matching", match: { regex: "x-[a-z]+-(internal|debug)" } },
    { op: "set", name: "x-path", value: "%REQ(:path):64%" },
    { op: "append", name: "x-q", value: "%QUERY_PARAM(a)%", when: { query: { name: "a" } } },
    { op: "copy", name: "cookie", to: "x-cookie" },
    { op: "set", name: "x-cap", value: "%CAPTURE(1)%", when: { header: { name: "user-agent", regex: "(\\w+)/.*" } } },
    { target: "query", op: "set", name: "seen", value: "1", when: { path: { prefix: "/" } } },
    { op: "rename", name: "x-old", to: "x-new" },
    { target: "response", op: "set", name: "x-status", value: "%RESPONSE_CODE% %REQ(x-path)%" },
    { target: "response", op: "remove_matching", match: { prefix: "x-" }, value_match: { regex: ".*(secret|token).*" } },
  ],
};

const REQUEST: Array<[string, string]> = [
  [":method", "POST"], [":path", "/api/items/7?id=7"], [":authority", "example.com"], [":scheme", "http"],
  ["user-agent", "bench/1.0"], ["content-type", "application/json"], ["x-request-id", "3f2c1a"], ["x-internal-user", "eve"],
];
const RESPONSE: Array<[string, string]> = [[":status", "200"], ["content-type", "application/json"], ["server", "upstream"]];
const BODY = '{"id":7,"name":"widget"}';

function oneRequest(host: MockHost): void {
  const s = host.newHttpStream();
  s.sendRequestHeaders(REQUEST, false);
  s.sendRequestBody(BODY, true);
  s.sendResponseHeaders(RESPONSE, false);
  s.sendResponseBody(BODY, true);
  s.complete();
}

export function headerRewriteRows(root: string, rounds: number, opsPerRound: number): HeaderRewriteRow[] {
  const wasm = (dir: string) => join(root, dir, "build", "release.wasm");
  const hr = createHost({ wasm: wasm("filters/header-rewrite"), rootId: "header_rewrite", pluginConfig: TEN_RULES });
  if (!hr.configured) throw new Error("header-rewrite refused the bench configuration");
  const example = createHost({ wasm: wasm("filters/add-header"), rootId: "add_header", pluginConfig: { name: "x-powered-by", value: "filterkit" } });
  const noop = createHost({ wasm: wasm("bench/fixtures/noop"), rootId: "noop" });
  const hosts = [hr, example, noop];
  for (let i = 0; i < Math.min(5000, opsPerRound); i++) for (const h of hosts) oneRequest(h);
  const t: number[][] = [[], [], []];
  for (let r = 0; r < rounds; r++) hosts.forEach((h, i) => t[i].push(timeOps(opsPerRound, () => oneRequest(h))));
  const [h, e, n] = t.map(median);
  const bytes = readFileSync(wasm("filters/header-rewrite"));
  // scripts/build.ts keeps the module as asc wrote it, before its data section was packed
  const asc = join(root, ".cache", "unpacked", "filters", "header-rewrite", "build", "release.wasm");
  const ascNote = existsSync(asc) ? `; as asc wrote it ${statSync(asc).size} B` : "";
  return [
    { name: "header-rewrite, 10 rules: CPU per simulated request", value: h / 1000, unit: "µs" },
    { name: "header-rewrite 10 rules / example filter, per request", value: h / e, unit: "ratio", note: `example ${(e / 1000).toFixed(1)} µs` },
    { name: "header-rewrite 10 rules / no-op filter, per request", value: h / n, unit: "ratio", note: `no-op ${(n / 1000).toFixed(1)} µs` },
    { name: "header-rewrite release .wasm", value: bytes.length / 1024, unit: "KiB", target: "< 60 KB", pass: bytes.length < 60_000, note: `${bytes.length} B${ascNote}` },
    { name: "header-rewrite release .wasm, gzip", value: gzipSync(bytes).length / 1024, unit: "KiB" },
  ];
}

/** `requests` hostile generated requests through header-rewrite (FUZZ_RULES), over every core. */
export function headerRewriteFuzzRows(root: string, requests: number): Promise<FuzzRow[]> {
  const chain = { plugins: [{ wasm: join(root, "filters/header-rewrite/build/release.wasm"), rootId: "header_rewrite", configuration: FUZZ_RULES }] };
  return fuzzRows(root, "header-rewrite", chain, requests, 1000);
}
