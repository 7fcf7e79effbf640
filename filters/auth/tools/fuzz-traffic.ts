// The auth filter's fuzz traffic, shared by its fuzz test and `npm run bench`: a configuration
// that runs all three methods, and a decorator that attaches credentials aimed at every parser the
// filter has — valid and mangled JWTs of every algorithm, truncated and re-joined segments, base64
// junk, Basic credentials of random bytes, API keys in headers, queries and cookies, duplicates,
// spoofed identity headers. Keys are made once per process (the configuration holds their JWKS, so
// a worker builds both from this module).
import { SeededRandom, type RequestDoc } from "@filterkit/host-mock";
import { makeKey, signJwt } from "./jwt.ts";
import { apiKeyHash, pbkdf2Entry, shaEntry } from "./secrets.ts";

const now = Math.floor(Date.now() / 1000);
const KEYS = (["RS256", "PS384", "ES256", "ES384", "HS512", "EdDSA"] as const).map((a) => makeKey(a, `k-${a}`));
const TOKENS = KEYS.flatMap((k) => [signJwt(k, { iss: "https://idp", aud: "api", sub: "u", exp: now + 3600, scope: "read write", groups: ["g"] }), signJwt(k, { iss: "https://idp", sub: "v", exp: now - 3600 })]);
export const AUTH_FUZZ_CONFIG = {
  consumers: [{ name: "alice", groups: ["admin"] }],
  api_key: { salt: "s", sources: [{ header: "x-api-key" }, { query: "api_key" }, { cookie: "k" }], keys: [{ id: "a", sha256: apiKeyHash("s", "alice-key"), consumer: "alice" }] },
  basic: { users: [{ name: "bob", hash: shaEntry("pw") }, { name: "dora", hash: pbkdf2Entry("pw", 1000, Buffer.from("0123456789abcdef")) }] },
  jwt: { providers: { idp: { issuer: "https://idp", audiences: ["api"], jwks: { keys: KEYS.map((k) => k.jwk) }, from_headers: [{ name: "authorization", value_prefix: "Bearer " }], from_params: ["access_token"], from_cookies: ["jwt"], claim_to_headers: [{ header_name: "x-sub", claim_name: "sub" }, { header_name: "x-groups", claim_name: "groups" }], forward_payload_header: "x-payload", groups_claim: "groups" } } },
  rules: [
    { when: { path: { prefix: "/public" } } },
    { when: { path: { prefix: "/admin" } }, requires: { any: [{ api_key: {} }, { basic: {} }] }, allow: [{ groups: ["admin"] }] },
    { when: { header: { name: "x-mode", exact: "all" } }, requires: { all: [{ jwt: "idp" }, { api_key: {} }] } },
    { requires: { any: [{ jwt: "idp" }, { basic: {} }, { api_key: {} }, { allow_missing: {} }] }, allow: [{ scopes: ["read"] }, { methods: ["basic"] }], deny: [{ claim: { name: "sub", regex: "(a|aa)*b" } }] },
  ],
};

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/%\"{}:, \u00e9";

/** Credentials for request `i`: a seeded choice of what to attach, and how to mangle it (deterministic). */
export function decorateAuth(r: RequestDoc, i: number): RequestDoc {
  const rnd = new SeededRandom(i * 7919 + 1);
  const pick = <T>(xs: readonly T[]): T => xs[rnd.nextU32() % xs.length];
  const junk = (n: number): string => Array.from({ length: n }, () => ALPHABET[rnd.nextU32() % ALPHABET.length]).join("");
  const mangle = (t: string): string => {
    switch (rnd.nextU32() % 6) {
      case 0: return t;
      case 1: { const k = rnd.nextU32() % t.length; return t.slice(0, k) + junk(1) + t.slice(k + 1); }
      case 2: return t.slice(0, rnd.nextU32() % t.length);
      case 3: { const p = t.split("."); return [p[0], pick(TOKENS).split(".")[1], p[2]].join("."); }
      case 4: return `${junk(rnd.nextU32() % 40)}.${junk(rnd.nextU32() % 400)}.${junk(rnd.nextU32() % 90)}`;
      default: return t + "." + junk(3);
    }
  };
  const headers = [...r.headers];
  let path = r.path;
  for (let n = rnd.nextU32() % 3; n >= 0; n--) {
    switch (rnd.nextU32() % 9) {
      case 0: headers.push(["authorization", `${pick(["Bearer ", "bearer ", "Bearer  ", "Basic ", "X "])}${mangle(pick(TOKENS))}`]); break;
      case 1: headers.push(["authorization", `Basic ${Buffer.from(junk(rnd.nextU32() % 60), "latin1").toString(pick(["base64", "base64url", "hex"]))}`]); break;
      case 2: headers.push(["authorization", `Basic ${Buffer.from(pick(["bob:pw", "dora:pw", "dora:px", "bob:", ":", "eve:pw"])).toString("base64")}`]); break;
      case 3: headers.push(["x-api-key", pick(["alice-key", junk(rnd.nextU32() % 80), "alice-key "])]); break;
      case 4: path += `${path.includes("?") ? "&" : "?"}${pick(["access_token", "api_key"])}=${encodeURIComponent(mangle(pick(TOKENS)))}`; break;
      case 5: headers.push(["cookie", `${pick(["jwt", "k", "x"])}=${mangle(pick(TOKENS))}; a=${junk(5)}`]); break;
      case 6: headers.push(["x-consumer", junk(10)], ["x-sub", "root"]); break;
      case 7: headers.push(["x-mode", "all"]); break;
      default: path = pick(["/admin/x", "/public/y", path]); break;
    }
  }
  return { ...r, path, headers };
}

/** The chain the fuzz harness runs: the auth filter's `wasm` with AUTH_FUZZ_CONFIG. */
export function authFuzzChain(wasm: string): { plugins: Array<{ wasm: string; rootId: string; configuration: object }> } {
  return { plugins: [{ wasm, rootId: "auth", configuration: AUTH_FUZZ_CONFIG }] };
}
