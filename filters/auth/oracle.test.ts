// Native Envoy as the oracle: the same requests through Envoy's own jwt_authn, basic_auth and
// api_key_auth filters and through the auth filter configured alike, in real Envoy — the same
// verdicts (status, body, challenge), the same requests reaching the upstream with the same
// forwarded headers — except the differences listed per case (README "Differences from Envoy"),
// each of which must really occur. The filter in Envoy must also agree with the filter on the mock
// host, everywhere. Tokens and keys are made here with Node's crypto, valid for the real clock.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseScenario, runOnMock, type Scenario, type ScenarioResult } from "@filterkit/host-mock/scenario";
import { runOnEnvoy, envoyRuntime } from "@filterkit/envoy";
import { b64url, makeKey, segment, signJwt } from "./tools/jwt.ts";
import { apiKeyHash, shaEntry } from "./tools/secrets.ts";

const here = dirname(fileURLToPath(import.meta.url));
const WASM = join(here, "build", "release.wasm");
const skip = envoyRuntime();
const now = Math.floor(Date.now() / 1000);

type Pairs = Array<[string, string]>;
interface Req { note: string; path?: string; headers?: Pairs }
/** A documented difference: request index, the field that differs ("*": the whole outcome), and why. */
interface Documented { request: number; field: string; why: string }
interface Case {
  name: string;
  native: object;
  ours: Record<string, unknown>;
  requests: Req[];
  /** headers compared upstream (the rest is the proxies' own) */
  forwarded: string[];
  differences: Documented[];
}

/** Our identity headers off, but for `consumer` when a native filter forwards a name too. */
const identity = (consumer = ""): Record<string, string> => ({ consumer, credential: "", method: "", groups: "", scopes: "", prefix: "" });

// ---- JWT -------------------------------------------------------------------------------------
const KEYS = [makeKey("RS256", "rs"), makeKey("PS256", "ps"), makeKey("ES256", "es"), makeKey("ES384", "es3"), makeKey("HS256", "hs"), makeKey("EdDSA", "ed")];
const [RS, PS, ES, ES3, HS, ED] = KEYS;
const JWKS = { keys: KEYS.map((k) => k.jwk) };
const claims = (extra: Record<string, unknown> = {}) => ({ iss: "https://idp.example", aud: "api", sub: "user-7", iat: now - 30, exp: now + 3600, ...extra });
const bearer = (token: string): Pairs => [["authorization", `Bearer ${token}`]];
const jwtCase: Case = {
  name: "jwt_authn",
  native: {
    name: "envoy.filters.http.jwt_authn",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
      providers: { idp: {
        issuer: "https://idp.example", audiences: ["api"], local_jwks: { inline_string: JSON.stringify(JWKS) },
        claim_to_headers: [{ header_name: "x-jwt-sub", claim_name: "sub" }, { header_name: "x-jwt-iss", claim_name: "iss" }],
        forward_payload_header: "x-jwt-payload",
      } },
      rules: [{ match: { prefix: "/" }, requires: { provider_name: "idp" } }],
    },
  },
  ours: {
    jwt: { providers: { idp: {
      issuer: "https://idp.example", audiences: ["api"], jwks: JWKS,
      claim_to_headers: [{ header_name: "x-jwt-sub", claim_name: "sub" }, { header_name: "x-jwt-iss", claim_name: "iss" }],
      forward_payload_header: "x-jwt-payload",
    } } },
    rules: [{ requires: { jwt: "idp" } }],
    identity: identity(),
  },
  forwarded: ["authorization", "x-jwt-sub", "x-jwt-iss", "x-jwt-payload"],
  requests: [
    ...KEYS.map((k): Req => ({ note: `valid ${k.alg}`, headers: bearer(signJwt(k, claims())) })),
    { note: "in the access_token parameter", path: `/q?access_token=${signJwt(ES, claims())}&x=1` },
    { note: "no token" },
    { note: "expired", headers: bearer(signJwt(RS, claims({ exp: now - 3600 }))) },
    { note: "not yet valid", headers: bearer(signJwt(ES, claims({ nbf: now + 3600 }))) },
    { note: "another issuer", headers: bearer(signJwt(HS, claims({ iss: "https://evil.example" }))) },
    { note: "another audience (403)", headers: bearer(signJwt(ED, claims({ aud: "other" }))) },
    { note: "an audience among several", headers: bearer(signJwt(PS, claims({ aud: ["x", "api"] }))) },
    { note: "signature of another key", headers: bearer(`${signJwt(RS, claims()).split(".").slice(0, 2).join(".")}.${signJwt(PS, claims()).split(".")[2]}`) },
    { note: "payload swapped", headers: bearer(`${signJwt(ES3, claims()).split(".")[0]}.${segment(claims({ sub: "admin" }))}.${signJwt(ES3, claims()).split(".")[2]}`) },
    { note: "alg none", headers: bearer(`${segment({ alg: "none" })}.${segment(claims())}.`) },
    { note: "unknown kid", headers: bearer(signJwt(RS, claims(), { kid: "nope" })) },
    { note: "not a JWT", headers: bearer("abc.def") },
    { note: "header not JSON", headers: bearer(`${b64url("{")}.${segment(claims())}.AAAA`) },
    { note: "lower-case scheme", headers: [["authorization", `bearer ${signJwt(HS, claims())}`]] },
    { note: "sub not a string", headers: bearer(signJwt(ES, claims({ sub: 42 }))) },
    { note: "exp not an integer", headers: bearer(signJwt(ES, claims({ exp: now + 3600.5 }))) },
    { note: "aud not a string list", headers: bearer(signJwt(RS, claims({ aud: ["api", 7] }))) },
    { note: "a number and a boolean claim to headers", headers: bearer(signJwt(ED, claims({ iss: "https://idp.example", n: 42, b: true }))) },
    { note: "payload not base64url", headers: bearer(`${signJwt(RS, claims()).split(".")[0]}.e30=.AAAA`) },
    { note: "signature not base64url", headers: bearer(`${signJwt(RS, claims()).split(".").slice(0, 2).join(".")}.AA+A`) },
    { note: "issued in the future", headers: bearer(signJwt(ES, claims({ iat: now + 3600 }))) },
    { note: "two Authorization headers", headers: [...bearer(signJwt(ES, claims())), ...bearer(signJwt(RS, claims()))] },
  ],
  differences: [
    { request: 19, field: "*", why: "auth-scheme names are case-insensitive (RFC 9110 §11.1): ours reads \"bearer\"; Envoy's value_prefix compares exactly" },
    { request: 24, field: "body", why: "stricter: base64url in a JWS has no padding (RFC 7515 §2); Envoy decodes \"e30=\" and fails later, on the issuer" },
    { request: 26, field: "*", why: "stricter: a token issued in the future (beyond the skew) is not valid yet; Envoy does not look at iat" },
  ],
};

// ---- Basic -----------------------------------------------------------------------------------
const basic = (user: string, pw: string): Pairs => [["authorization", `Basic ${Buffer.from(`${user}:${pw}`).toString("base64")}`]];
const HTPASSWD = `bob:${shaEntry("b0b:pass")}\ndora:${shaEntry("dora-pw")}\n`;
const basicCase: Case = {
  name: "basic_auth",
  native: {
    name: "envoy.filters.http.basic_auth",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.basic_auth.v3.BasicAuth",
      users: { inline_string: HTPASSWD },
      forward_username_header: "x-user",
    },
  },
  // Envoy's basic_auth has no option to strip the credential: forward it, as it does
  ours: { basic: { htpasswd: HTPASSWD, forward: true }, rules: [{ requires: { basic: {} } }], identity: identity("x-user") },
  forwarded: ["authorization", "x-user"],
  requests: [
    { note: "valid, password with a colon", headers: basic("bob", "b0b:pass") },
    { note: "valid", headers: basic("dora", "dora-pw") },
    { note: "wrong password", headers: basic("bob", "nope") },
    { note: "unknown user", headers: basic("eve", "dora-pw") },
    { note: "no credential" },
    { note: "another scheme", headers: [["authorization", "Bearer abc"]] },
    { note: "no colon", headers: [["authorization", `Basic ${Buffer.from("bob").toString("base64")}`]] },
    { note: "lower-case scheme", headers: [["authorization", `basic ${Buffer.from("dora:dora-pw").toString("base64")}`]] },
    { note: "a spoofed x-user", headers: [...basic("dora", "dora-pw"), ["x-user", "admin"]] },
    { note: "two Authorization headers", headers: [...basic("dora", "dora-pw"), ...basic("bob", "b0b:pass")] },
  ],
  differences: [
    ...[2, 3, 4, 5, 6, 9].map((request) => ({ request, field: "www-authenticate", why: "ours adds charset=\"UTF-8\" (RFC 7617 §2.1): the client may send UTF-8 credentials" })),
    { request: 7, field: "*", why: "auth-scheme names are case-insensitive (RFC 9110 §11.1): ours reads \"basic\"; Envoy requires \"Basic\"" },
  ],
};

// ---- API keys --------------------------------------------------------------------------------
const SALT = "oracle-salt";
const apiCase: Case = {
  name: "api_key_auth",
  native: {
    name: "envoy.filters.http.api_key_auth",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth",
      credentials: [{ key: "key-alice-0001", client: "alice" }, { key: "key-bob-0002", client: "bob" }],
      key_sources: [{ header: "x-api-key" }, { query: "api_key" }, { cookie: "api_key" }],
      forwarding: { header: "x-client", hide_credentials: true },
    },
  },
  ours: {
    api_key: {
      salt: SALT,
      sources: [{ header: "x-api-key", scheme: "Bearer", scheme_required: false }, { query: "api_key" }, { cookie: "api_key" }],
      keys: [{ id: "a", sha256: apiKeyHash(SALT, "key-alice-0001"), consumer: "alice" }, { id: "b", sha256: apiKeyHash(SALT, "key-bob-0002"), consumer: "bob" }],
    },
    rules: [{ requires: { api_key: {} } }],
    identity: identity("x-client"),
  },
  forwarded: ["x-api-key", "x-client", "cookie"],
  requests: [
    { note: "header", headers: [["x-api-key", "key-alice-0001"]] },
    { note: "header with Bearer", headers: [["x-api-key", "Bearer key-bob-0002"]] },
    { note: "query parameter, others kept", path: "/p?a=1&api_key=key-bob-0002&b=2" },
    { note: "cookie, others kept", headers: [["cookie", "x=1; api_key=key-alice-0001; y=2"]] },
    { note: "unknown", headers: [["x-api-key", "key-nobody"]] },
    { note: "missing" },
    { note: "a spoofed x-client", headers: [["x-api-key", "key-alice-0001"], ["x-client", "root"]] },
    { note: "a key in the header and another in the query", path: "/p?api_key=key-bob-0002", headers: [["x-api-key", "key-alice-0001"]] },
  ],
  differences: [
    { request: 7, field: "*", why: "stricter: two keys in one request are refused; Envoy takes the first source's" },
  ],
};

// ---- JWT requirements: rules by path, requires_any with allow_missing, requires_all ----------
const IDP2 = makeKey("ES256", "idp2");
const reqCase: Case = {
  name: "jwt_authn requirements",
  native: {
    name: "envoy.filters.http.jwt_authn",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
      providers: {
        a: { issuer: "https://idp.example", local_jwks: { inline_string: JSON.stringify({ keys: [RS.jwk] }) }, from_headers: [{ name: "x-token-a" }], claim_to_headers: [{ header_name: "x-a-sub", claim_name: "sub" }] },
        b: { issuer: "https://idp2.example", local_jwks: { inline_string: JSON.stringify({ keys: [IDP2.jwk] }) }, from_headers: [{ name: "x-token-b" }], claim_to_headers: [{ header_name: "x-b-sub", claim_name: "sub" }] },
        c: { issuer: "https://idp.example", local_jwks: { inline_string: JSON.stringify({ keys: [RS.jwk] }) } },
        d: { issuer: "https://idp2.example", local_jwks: { inline_string: JSON.stringify({ keys: [IDP2.jwk] }) } },
      },
      rules: [
        { match: { prefix: "/public" } },
        { match: { prefix: "/optional" }, requires: { requires_any: { requirements: [{ provider_name: "a" }, { allow_missing: {} }] } } },
        { match: { prefix: "/both" }, requires: { requires_all: { requirements: [{ provider_name: "a" }, { provider_name: "b" }] } } },
        { match: { prefix: "/shared" }, requires: { requires_any: { requirements: [{ provider_name: "c" }, { provider_name: "d" }] } } },
        { match: { prefix: "/" }, requires: { requires_any: { requirements: [{ provider_name: "a" }, { provider_name: "b" }] } } },
      ],
    },
  },
  ours: {
    jwt: { providers: {
      a: { issuer: "https://idp.example", jwks: { keys: [RS.jwk] }, from_headers: [{ name: "x-token-a" }], claim_to_headers: [{ header_name: "x-a-sub", claim_name: "sub" }] },
      b: { issuer: "https://idp2.example", jwks: { keys: [IDP2.jwk] }, from_headers: [{ name: "x-token-b" }], claim_to_headers: [{ header_name: "x-b-sub", claim_name: "sub" }] },
      c: { issuer: "https://idp.example", jwks: { keys: [RS.jwk] } },
      d: { issuer: "https://idp2.example", jwks: { keys: [IDP2.jwk] } },
    } },
    rules: [
      { when: { path: { prefix: "/public" } } },
      { when: { path: { prefix: "/optional" } }, requires: { any: [{ jwt: "a" }, { allow_missing: {} }] } },
      { when: { path: { prefix: "/both" } }, requires: { all: [{ jwt: "a" }, { jwt: "b" }] } },
      { when: { path: { prefix: "/shared" } }, requires: { any: [{ jwt: "c" }, { jwt: "d" }] } },
      { requires: { any: [{ jwt: "a" }, { jwt: "b" }] } },
    ],
    identity: identity(),
  },
  forwarded: ["x-token-a", "x-token-b", "x-a-sub", "x-b-sub"],
  requests: [
    { note: "public, no token", path: "/public/x" },
    { note: "optional, no token", path: "/optional" },
    { note: "optional, a valid token", path: "/optional", headers: [["x-token-a", signJwt(RS, claims({ sub: "a1" }))]] },
    { note: "optional, an expired token", path: "/optional", headers: [["x-token-a", signJwt(RS, claims({ exp: now - 3600 }))]] },
    { note: "both, both tokens", path: "/both", headers: [["x-token-a", signJwt(RS, claims({ sub: "a1" }))], ["x-token-b", signJwt(IDP2, claims({ iss: "https://idp2.example", sub: "b1" }))]] },
    { note: "both, one token", path: "/both", headers: [["x-token-a", signJwt(RS, claims({ sub: "a1" }))]] },
    { note: "any, provider b's token", path: "/x", headers: [["x-token-b", signJwt(IDP2, claims({ iss: "https://idp2.example", sub: "b1" }))]] },
    { note: "any, no token", path: "/x" },
    { note: "any, b's token in a's header", path: "/x", headers: [["x-token-a", signJwt(IDP2, claims({ iss: "https://idp2.example" }))]] },
    { note: "shared header, the second provider's valid token", path: "/shared", headers: bearer(signJwt(IDP2, claims({ iss: "https://idp2.example" }))) },
    { note: "shared header, the second provider's expired token", path: "/shared", headers: bearer(signJwt(IDP2, claims({ iss: "https://idp2.example", exp: now - 3600 }))) },
    { note: "shared header, the first provider's token signed by the second's key", path: "/shared", headers: bearer(signJwt(IDP2, claims())) },
  ],
  differences: [],
};

const CASES = [jwtCase, basicCase, apiCase, reqCase];

function scenario(c: Case, withPlugin: boolean): Scenario {
  const s = parseScenario({
    description: `auth oracle: ${c.name}`,
    plugins: [{ wasm: WASM, rootId: "auth", vmId: "auth", configuration: c.ours }],
    upstream: { status: 200, headers: [["content-type", "text/plain"]], body: "upstream" },
    requests: c.requests.map((r) => ({ method: "GET", path: r.path ?? "/", authority: "api.example.com", headers: r.headers ?? [], note: r.note })),
  }, `oracle:${c.name}`);
  return withPlugin ? s : { ...s, plugins: [] };
}

/** Every field in which two runs differ, per request: `[request, field, a, b]`. */
function compare(c: Case, a: ScenarioResult[], b: ScenarioResult[]): Array<[number, string, string, string]> {
  const out: Array<[number, string, string, string]> = [];
  const pick = (h: Pairs | undefined, names: string[]) => JSON.stringify((h ?? []).filter(([k]) => names.includes(k)));
  a.forEach((x, i) => {
    const y = b[i];
    const fields: Array<[string, string, string]> = [
      ["status", String(x.response.status), String(y.response.status)],
      ["body", x.response.status === 200 ? "" : x.response.body, y.response.status === 200 ? "" : y.response.body],
      ["www-authenticate", pick(x.response.headers, ["www-authenticate"]), pick(y.response.headers, ["www-authenticate"])],
      ["upstream", String(x.upstream !== null), String(y.upstream !== null)],
      ["upstream path", x.upstream?.path ?? "", y.upstream?.path ?? ""],
      ["forwarded", pick(x.upstream?.headers, c.forwarded), pick(y.upstream?.headers, c.forwarded)],
    ];
    for (const [f, u, v] of fields) if (u !== v) out.push([i, f, u, v]);
  });
  return out;
}

describe.skipIf(skip !== null)(`auth against Envoy's own auth filters${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 180_000 }, () => {
  for (const c of CASES) {
    it(`${c.name}: the same verdicts and forwarded headers as the native filter; mock == Envoy`, async () => {
      const native = await runOnEnvoy(scenario(c, false), { nativeFilters: [c.native] });
      const oursEnvoy = await runOnEnvoy(scenario(c, true));
      // the cases are not vacuous: the native filter lets some through and refuses others
      const statuses = new Set(native.results.map((r) => r.response.status));
      expect(statuses.has(200) && [...statuses].some((s) => s !== 200), `${c.name}: native statuses ${[...statuses].join(",")}`).toBe(true);
      const diffs = compare(c, native.results, oursEnvoy.results);
      const covers = (d: Documented, i: number, f: string): boolean => d.request === i && (d.field === "*" || d.field === f);
      const undocumented = diffs.filter(([i, f]) => !c.differences.some((d) => covers(d, i, f)));
      const lines = undocumented.map(([i, f, u, v]) => `request ${i} (${c.requests[i].note}) ${f}:\n    native ${u}\n    ours   ${v}`);
      expect(lines, `${c.name}: native Envoy and the auth filter differ`).toEqual([]);
      for (const d of c.differences) expect(diffs.some(([i, f]) => covers(d, i, f)), `${c.name}: documented difference ${d.request}/${d.field} does not occur`).toBe(true);
      const mock = runOnMock(scenario(c, true));
      const mockDiffs = compare(c, mock.results, oursEnvoy.results).map(([i, f, u, v]) => `request ${i} (${c.requests[i].note}) ${f}:\n    mock  ${u}\n    envoy ${v}`);
      expect(mockDiffs, `${c.name}: the mock host and Envoy differ`).toEqual([]);
    });
  }
});
