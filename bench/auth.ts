// The auth filter's figures on the mock host: CPU per request for each method (API key, Basic with
// {SHA} and with PBKDF2, JWT from the verified-token cache), the cost of one signature check per
// algorithm (the token cache off, so every request verifies), interleaved round by round next to a
// no-op filter; the release size; and the fuzz harness with mangled credentials (1,000,000
// requests in a full run).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { createHost, type MockHost } from "@filterkit/host-mock";
import { makeKey, signJwt, type Alg } from "../filters/auth/tools/jwt.ts";
import { apiKeyHash, pbkdf2Entry, shaEntry } from "../filters/auth/tools/secrets.ts";
import { fuzzRows, type FuzzRow } from "./fuzz-pool.ts";
import { median, timeOps } from "./stats.ts";

type Row = FuzzRow;
type Pairs = Array<[string, string]>;

const ALGS: Alg[] = ["HS256", "RS256", "PS256", "ES256", "ES384", "EdDSA"];

interface Variant { name: string; host: MockHost; headers: Pairs }

function oneRequest(v: Variant): void {
  const s = v.host.newHttpStream();
  s.sendRequestHeaders([[":method", "GET"], [":path", "/api/items"], [":authority", "example.com"], [":scheme", "http"], ...v.headers], true);
  if (s.localReply !== null) throw new Error(`bench ${v.name}: refused ${s.localReply.status} ${s.localReply.bodyText}`);
  s.sendResponseHeaders([[":status", "200"]], true);
  s.complete();
}

export function authRows(root: string, rounds: number, opsPerRound: number): Row[] {
  const wasm = join(root, "filters/auth/build/release.wasm");
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const keys = ALGS.map((a) => makeKey(a, `k-${a}`));
  const jwt = (cache: number) => ({ providers: { idp: { issuer: "https://idp", jwks: { keys: keys.map((k) => k.jwk) } } }, cache: { size: cache } });
  const host = (config: object): MockHost => createHost({ wasm, rootId: "auth", pluginConfig: config as Record<string, unknown> });
  const basicHeader = (u: string, p: string): Pairs => [["authorization", `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`]];
  const rules = (requires: object) => [{ requires }];
  const variants: Variant[] = [
    { name: "no-op", host: createHost({ wasm: join(root, "bench/fixtures/noop/build/release.wasm"), rootId: "noop" }), headers: [] },
    { name: "API key", host: host({ api_key: { salt: "s", keys: Array.from({ length: 20 }, (_, i) => ({ id: `k${i}`, sha256: apiKeyHash("s", `key-${i}`), consumer: `c${i}` })) }, rules: rules({ api_key: {} }) }), headers: [["x-api-key", "key-13"]] },
    { name: "Basic {SHA}", host: host({ basic: { users: [{ name: "bob", hash: shaEntry("pw") }] }, rules: rules({ basic: {} }) }), headers: basicHeader("bob", "pw") },
    { name: "Basic PBKDF2 (29,000 rounds), cached", host: host({ basic: { users: [{ name: "bob", hash: pbkdf2Entry("pw", 29000) }] }, rules: rules({ basic: {} }) }), headers: basicHeader("bob", "pw") },
    { name: "JWT ES256, token cached", host: host({ jwt: jwt(100), rules: rules({ jwt: "idp" }) }), headers: [["authorization", `Bearer ${signJwt(keys[3], { iss: "https://idp", sub: "u", exp })}`]] },
    ...keys.map((k): Variant => ({ name: `JWT ${k.alg}, verified every time`, host: host({ jwt: jwt(0), rules: rules({ jwt: "idp" }) }), headers: [["authorization", `Bearer ${signJwt(k, { iss: "https://idp", sub: "u", exp })}`]] })),
  ];
  const pbkdfUncached: Variant = { name: "Basic PBKDF2 (29,000 rounds), uncached", host: host({ basic: { users: [{ name: "bob", hash: pbkdf2Entry("pw", 29000) }], cache: { size: 0 } }, rules: rules({ basic: {} }) }), headers: basicHeader("bob", "pw") };
  for (const v of [...variants, pbkdfUncached]) for (let i = 0; i < 50; i++) oneRequest(v); // warm-up (tier-up)
  const t: number[][] = variants.map(() => []);
  const slow: number[] = [];
  for (let r = 0; r < rounds; r++) {
    variants.forEach((v, i) => t[i].push(timeOps(v.name.includes("every time") ? Math.max(20, opsPerRound >> 6) : opsPerRound, () => oneRequest(v))));
    slow.push(timeOps(Math.max(3, opsPerRound >> 10), () => oneRequest(pbkdfUncached)));
  }
  const us = t.map((xs) => median(xs) / 1000);
  const noop = us[0];
  const rows: Row[] = variants.slice(1).map((v, i) => ({
    name: `auth, ${v.name}: CPU per request`, value: us[i + 1], unit: "µs", note: `${(us[i + 1] - noop).toFixed(1)} µs over a no-op filter`,
  }));
  rows.push({ name: "auth, Basic PBKDF2 (29,000 rounds), uncached: CPU per request", value: median(slow) / 1000, unit: "µs", note: "what the cache saves" });
  const bytes = readFileSync(wasm);
  rows.push({ name: "auth release .wasm", value: bytes.length / 1024, unit: "KiB", note: `${bytes.length} B` });
  rows.push({ name: "auth release .wasm, gzip", value: gzipSync(bytes).length / 1024, unit: "KiB" });
  return rows;
}

/** `requests` hostile requests with mangled credentials through the auth filter, over every core. */
export function authFuzzRows(root: string, requests: number): Promise<Row[]> {
  return fuzzRows(root, "auth", { preset: "auth", wasm: join(root, "filters/auth/build/release.wasm") }, requests, 2000);
}
