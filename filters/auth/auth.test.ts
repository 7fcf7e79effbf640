// Unit tests of the auth filter on the mock host, on both builds: each method (API key, Basic, JWT
// with every algorithm) and each of its failures with the exact reply, the requirement tree,
// authorization, the identity contract (spoofed headers, credentials stripped), and the
// configuration errors. The attack suite is in attacks.test.ts.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createHost, LogLevel, type HeaderPairs, type MockHost } from "@filterkit/host-mock";
import { BUILDS } from "../../sdk/test/helpers.ts";
import { makeKey, signJwt, type SigningKey } from "./tools/jwt.ts";
import { apiKeyHash, pbkdf2Entry, shaEntry } from "./tools/secrets.ts";

const here = dirname(fileURLToPath(import.meta.url));
const NOW = 1_800_000_000; // seconds: the mock host's clock in these tests

const GET = (path = "/", extra: HeaderPairs = []): HeaderPairs => [[":method", "GET"], [":path", path], [":authority", "api.example.com"], [":scheme", "http"], ...extra];
const basicHeader = (user: string, pw: string): string => `Basic ${Buffer.from(`${user}:${pw}`).toString("base64")}`;
const values = (pairs: HeaderPairs, name: string): string[] => pairs.filter(([k]) => k === name).map(([, v]) => v);

const SALT = "pepper-1";
const API_KEY = { salt: SALT, keys: [
  { id: "k-alice", sha256: apiKeyHash(SALT, "alice-key-0001"), consumer: "alice", scopes: ["read"] },
  { id: "k-old", sha256: apiKeyHash(SALT, "old-key"), consumer: "alice", expires_at: NOW - 10 },
  { id: "k-future", sha256: apiKeyHash(SALT, "future-key"), consumer: "alice", not_before: NOW + 100 },
  { id: "k-off", sha256: apiKeyHash(SALT, "off-key"), consumer: "alice", enabled: false },
  { id: "k-carol", sha256: apiKeyHash(SALT, "carol-key"), consumer: "carol" },
] };
const CONSUMERS = [{ name: "alice", groups: ["admin"] }, { name: "carol", enabled: false }];
const BASIC = { users: [{ name: "bob", hash: shaEntry("b0b:pass") }, { name: "dora", hash: pbkdf2Entry("dora-pw", 1000, Buffer.from("salt-salt-salt!!")) }] };

const KEYS: Record<string, SigningKey> = Object.fromEntries(
  (["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"] as const).map((a) => [a, makeKey(a, `kid-${a}`)]),
);
const JWKS = { keys: Object.values(KEYS).map((k) => k.jwk) };
const PROVIDER = { issuer: "https://idp.example", audiences: ["api"], jwks: JWKS, claim_to_headers: [{ header_name: "x-jwt-sub", claim_name: "sub" }, { header_name: "x-jwt-roles", claim_name: "realm.roles" }], forward_payload_header: "x-jwt-payload" };
const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ iss: "https://idp.example", aud: "api", sub: "user-7", iat: NOW - 60, exp: NOW + 600, realm: { roles: ["r1", "r2"] }, ...extra });

describe.each(BUILDS)("auth (%s build)", (target) => {
  const wasm = join(here, "build", `${target}.wasm`);
  const host = (config: Record<string, unknown>): MockHost => {
    const h = createHost({ wasm, rootId: "auth", vmId: "t", pluginConfig: config, now: BigInt(NOW) * 1_000_000_000n });
    expect(h.configured, h.logsAt(LogLevel.error).join("\n")).toBe(true);
    return h;
  };
  const refused = (config: Record<string, unknown>): string[] => {
    const h = createHost({ wasm, rootId: "auth", vmId: "t", pluginConfig: config });
    expect(h.configured).toBe(false);
    return h.logsAt(LogLevel.error);
  };

  interface Result { status: number; body: string; challenge: string[]; details: string; upstream: HeaderPairs | null }
  function send(h: MockHost, headers: HeaderPairs): Result {
    const s = h.newHttpStream();
    s.sendRequestHeaders(headers, true);
    const r = s.localReply;
    if (r !== null) return { status: r.status, body: r.bodyText, challenge: values(r.headers, "www-authenticate"), details: r.details, upstream: null };
    return { status: 200, body: "", challenge: [], details: "", upstream: s.request.headers };
  }

  describe("API keys", () => {
    const h = host({ consumers: CONSUMERS, api_key: { ...API_KEY, sources: [{ header: "x-api-key" }, { header: "authorization", scheme: "Bearer" }, { query: "api_key" }, { cookie: "api_key" }] }, rules: [{ requires: { api_key: {} } }] });

    it("a valid key: the consumer, its groups and the key's scopes go upstream; the key does not", () => {
      const r = send(h, GET("/", [["x-api-key", "alice-key-0001"], ["x-other", "1"]]));
      expect(r.status).toBe(200);
      expect(r.upstream).toEqual(GET("/", [["x-other", "1"], ["x-consumer", "alice"], ["x-consumer-credential", "k-alice"], ["x-consumer-method", "api_key"], ["x-consumer-groups", "admin"], ["x-consumer-scopes", "read"]]));
    });

    it("from a Bearer header (any case), a query parameter (others kept as written) or a cookie (others kept)", () => {
      expect(values(send(h, GET("/", [["authorization", "bEARER alice-key-0001"]])).upstream ?? [], "authorization")).toEqual([]);
      const q = send(h, GET("/p?x=%41&api_key=alice-key-0001&y"));
      expect(q.status).toBe(200);
      expect(values(q.upstream ?? [], ":path")).toEqual(["/p?x=%41&y"]);
      const c = send(h, GET("/", [["cookie", "a=1; api_key=alice-key-0001; b=2"]]));
      expect(values(c.upstream ?? [], "cookie")).toEqual(["a=1; b=2"]);
      expect(values(send(h, GET("/p?api_key=alice-key-0001")).upstream ?? [], ":path")).toEqual(["/p"]);
    });

    it("missing, unknown, expired, not yet valid, disabled key or consumer: 401 with Envoy's body, no challenge", () => {
      const cases: Array<[HeaderPairs, string]> = [
        [[], "auth_api_key_missing"], [[["x-api-key", "nope"]], "auth_api_key_unknown"], [[["x-api-key", "old-key"]], "auth_api_key_expired"],
        [[["x-api-key", "future-key"]], "auth_api_key_not_yet_valid"], [[["x-api-key", "off-key"]], "auth_api_key_disabled"],
        [[["x-api-key", "carol-key"]], "auth_api_key_disabled"], [[["x-api-key", "ké"]], "auth_api_key_malformed"], [[["x-api-key", "a".repeat(1025)]], "auth_api_key_malformed"],
      ];
      for (const [extra, details] of cases) {
        expect(send(h, GET("/", extra)), details).toEqual({ status: 401, body: "Client authentication failed.", challenge: [], details, upstream: null });
      }
    });

    it("two keys in one request are refused, in one source or two; duplicates: first takes the first", () => {
      expect(send(h, GET("/", [["x-api-key", "alice-key-0001"], ["x-api-key", "alice-key-0001"]])).details).toBe("auth_api_key_duplicate");
      expect(send(h, GET("/?api_key=nope", [["x-api-key", "alice-key-0001"]])).details).toBe("auth_api_key_duplicate");
      const first = host({ duplicates: "first", api_key: { ...API_KEY, sources: [{ header: "x-api-key" }, { query: "api_key" }] }, rules: [{ requires: { api_key: {} } }] });
      expect(send(first, GET("/?api_key=nope", [["x-api-key", "alice-key-0001"]])).status).toBe(200);
      expect(send(first, GET("/?api_key=alice-key-0001", [["x-api-key", "nope"]])).status).toBe(401);
    });

    it("forward: true keeps the key upstream", () => {
      const f = host({ api_key: { ...API_KEY, forward: true }, rules: [{ requires: { api_key: {} } }] });
      expect(values(send(f, GET("/", [["x-api-key", "alice-key-0001"]])).upstream ?? [], "x-api-key")).toEqual(["alice-key-0001"]);
    });
  });

  describe("Basic", () => {
    const h = host({ basic: { ...BASIC, cache: { size: 2 } }, rules: [{ requires: { basic: {} } }] });
    const CH = ['Basic realm="http://api.example.com/", charset="UTF-8"'];

    it("{SHA} and PBKDF2 users; the password may hold ':'; Authorization does not go upstream", () => {
      const r = send(h, GET("/", [["authorization", basicHeader("bob", "b0b:pass")]]));
      expect(r.status).toBe(200);
      expect(values(r.upstream ?? [], "authorization")).toEqual([]);
      expect(values(r.upstream ?? [], "x-consumer")).toEqual(["bob"]);
      expect(send(h, GET("/", [["authorization", basicHeader("dora", "dora-pw")]])).status).toBe(200);
      expect(send(h, GET("/", [["authorization", basicHeader("dora", "dora-pw")]])).status).toBe(200); // from the cache
      expect(send(h, GET("/", [["authorization", basicHeader("dora", "dora-pX")]])).status).toBe(401); // never from it
    });

    it("each failure with Envoy basic_auth's body and an RFC 7617 challenge", () => {
      const cases: Array<[HeaderPairs, string, string]> = [
        [[], "auth_basic_missing", "User authentication failed. Missing username and password."],
        [[["authorization", "Bearer x"]], "auth_basic_wrong_scheme", "User authentication failed. Expected 'Basic' authentication scheme."],
        [[["authorization", `Basic ${Buffer.from("nocolon").toString("base64")}`]], "auth_basic_malformed", "User authentication failed. Invalid basic credential format."],
        [[["authorization", "Basic !!!"]], "auth_basic_malformed", "User authentication failed. Invalid basic credential format."],
        [[["authorization", basicHeader("bob", "wrong")]], "auth_basic_invalid", "User authentication failed. Invalid username/password combination."],
        [[["authorization", basicHeader("nobody", "b0b:pass")]], "auth_basic_invalid", "User authentication failed. Invalid username/password combination."],
        // Envoy keeps authorization in one inline slot: two headers reach the filter as "Basic …,Basic …"
        [[["authorization", basicHeader("bob", "b0b:pass")], ["authorization", basicHeader("bob", "b0b:pass")]], "auth_basic_malformed", "User authentication failed. Invalid basic credential format."],
      ];
      for (const [extra, details, body] of cases) expect(send(h, GET("/", extra)), details).toEqual({ status: 401, body, challenge: CH, details, upstream: null });
    });

    it("Proxy-Authorization when configured; a realm of one's own is quoted", () => {
      const p = host({ realm: 'my "realm"', basic: { ...BASIC, header: "proxy-authorization" }, rules: [{ requires: { basic: {} } }] });
      expect(send(p, GET("/", [["proxy-authorization", basicHeader("bob", "b0b:pass")]])).status).toBe(200);
      expect(send(p, GET("/", [["authorization", basicHeader("bob", "b0b:pass")]])).challenge).toEqual(['Basic realm="my \\"realm\\"", charset="UTF-8"']);
    });

    it("an htpasswd text as Envoy's users.inline_string", () => {
      const p = host({ basic: { htpasswd: `# users\nbob:${shaEntry("pw1")}\n\ndora:${shaEntry("pw2")}\n` }, rules: [{ requires: { basic: {} } }] });
      expect(send(p, GET("/", [["authorization", basicHeader("dora", "pw2")]])).status).toBe(200);
      expect(send(p, GET("/", [["authorization", basicHeader("dora", "pw1")]])).status).toBe(401);
    });
  });

  describe("JWT", () => {
    const h = host({ jwt: { providers: { idp: PROVIDER } }, rules: [{ requires: { jwt: "idp" } }] });

    it.each(Object.keys(KEYS))("%s: a valid token passes; its claims go upstream, the token does not", (alg) => {
      const token = signJwt(KEYS[alg], claims());
      const r = send(h, GET("/", [["authorization", `Bearer ${token}`]]));
      expect(r.status, r.body).toBe(200);
      const up = r.upstream ?? [];
      expect(values(up, "authorization")).toEqual([]);
      expect(values(up, "x-consumer")).toEqual(["user-7"]);
      expect(values(up, "x-jwt-sub")).toEqual(["user-7"]);
      expect(values(up, "x-jwt-roles")).toEqual(["r1,r2"]);
      expect(values(up, "x-jwt-payload")).toEqual([token.split(".")[1]]);
    });

    it("each claim failure with jwt_authn's body; the audience one is 403", () => {
      const k = KEYS.ES256;
      const cases: Array<[Record<string, unknown>, number, string, string]> = [
        [{ exp: NOW - 61 }, 401, "auth_jwt_expired", "Jwt is expired"],
        [{ nbf: NOW + 61 }, 401, "auth_jwt_not_yet_valid", "Jwt not yet valid"],
        [{ iat: NOW + 61 }, 401, "auth_jwt_issued_in_future", "Jwt not yet valid"],
        [{ iss: "https://evil.example" }, 401, "auth_jwt_unknown_issuer", "Jwt issuer is not configured"],
        [{ aud: ["other"] }, 403, "auth_jwt_audience_not_allowed", "Audiences in Jwt are not allowed"],
        [{ exp: "soon" }, 401, "auth_jwt_claim_type", "Jwt payload [exp] field is not an integer"],
        [{ sub: 42 }, 401, "auth_jwt_claim_type", "Jwt payload [sub] field is not a string"],
      ];
      for (const [extra, status, details, body] of cases) {
        const r = send(h, GET("/", [["authorization", `Bearer ${signJwt(k, claims(extra))}`]]));
        expect(r, details).toEqual({ status, body, details, challenge: ['Bearer realm="http://api.example.com/", error="invalid_token"'], upstream: null });
      }
      // 60 s of skew either way still pass
      expect(send(h, GET("/", [["authorization", `Bearer ${signJwt(k, claims({ exp: NOW - 59, nbf: NOW + 59 }))}`]])).status).toBe(200);
    });

    it("no token: 401 'Jwt is missing' with a bare Bearer challenge; a token in the query counts (access_token)", () => {
      expect(send(h, GET("/"))).toEqual({ status: 401, body: "Jwt is missing", details: "auth_jwt_missing", challenge: ['Bearer realm="http://api.example.com/"'], upstream: null });
      const t = signJwt(KEYS.RS256, claims());
      const r = send(h, GET(`/x?access_token=${t}&keep=1`));
      expect(r.status).toBe(200);
      expect(values(r.upstream ?? [], ":path")).toEqual(["/x?keep=1"]);
    });

    it("require_expiration, max_lifetime_seconds, typ, required claims", () => {
      const p = host({ jwt: { providers: { idp: { ...PROVIDER, require_expiration: true, max_lifetime_seconds: 3600, typ: "at+jwt", required_claims: [{ name: "tenant", prefix: "t-" }, { name: "realm.roles" }] } } }, rules: [{ requires: { jwt: "idp" } }] });
      const k = KEYS.EdDSA;
      const tok = (c: Record<string, unknown>, typ = "at+JWT") => [["authorization", `Bearer ${signJwt(k, claims({ tenant: "t-1", ...c }), { typ })}`]] as HeaderPairs;
      expect(send(p, GET("/", tok({}))).status).toBe(200);
      expect(send(p, GET("/", tok({ exp: undefined }))).details).toBe("auth_jwt_no_expiration");
      expect(send(p, GET("/", tok({ exp: NOW + 7200 }))).details).toBe("auth_jwt_lifetime_too_long");
      expect(send(p, GET("/", tok({}, "JWT"))).details).toBe("auth_jwt_typ_not_allowed");
      expect(send(p, GET("/", tok({}, "application/at+jwt"))).status).toBe(200);
      expect(send(p, GET("/", tok({ tenant: "x-1" }))).details).toBe("auth_jwt_claim_mismatch");
      expect(send(p, GET("/", tok({ realm: {} }))).details).toBe("auth_jwt_claim_missing");
    });

    it("a verified token is cached: the same token again passes, and fails once it has expired", () => {
      const k = KEYS.RS256;
      const token = signJwt(k, claims({ exp: NOW + 30 }));
      expect(send(h, GET("/", [["authorization", `Bearer ${token}`]])).status).toBe(200);
      expect(send(h, GET("/", [["authorization", `Bearer ${token}`]])).status).toBe(200);
      h.advance(100_000); // 100 s: past exp + 60 s skew
      expect(send(h, GET("/", [["authorization", `Bearer ${token}`]])).details).toBe("auth_jwt_expired");
    });
  });

  describe("requirements and authorization", () => {
    const base = { consumers: CONSUMERS, api_key: API_KEY, basic: BASIC, jwt: { providers: { idp: PROVIDER } } };
    const key = ["x-api-key", "alice-key-0001"] as [string, string];
    const bearer = (c: Record<string, unknown> = {}) => ["authorization", `Bearer ${signJwt(KEYS.HS256, claims(c))}`] as [string, string];

    it("any: the first that verifies; nothing presented challenges with every scheme; a failure is reported", () => {
      const h = host({ ...base, rules: [{ requires: { any: [{ jwt: "idp" }, { api_key: {} }, { basic: {} }] } }] });
      expect(values(send(h, GET("/", [key])).upstream ?? [], "x-consumer-method")).toEqual(["api_key"]);
      expect(values(send(h, GET("/", [bearer()])).upstream ?? [], "x-consumer-method")).toEqual(["jwt"]);
      const none = send(h, GET("/"));
      expect(none.status).toBe(401);
      expect(none.challenge).toEqual(['Bearer realm="http://api.example.com/"', 'Basic realm="http://api.example.com/", charset="UTF-8"']);
      expect(send(h, GET("/", [["x-api-key", "nope"]])).details).toBe("auth_api_key_unknown");
    });

    it("all: every one must verify; allow_missing and allow_missing_or_failed as in Envoy", () => {
      const all = host({ ...base, rules: [{ requires: { all: [{ jwt: "idp" }, { api_key: {} }] } }] });
      expect(send(all, GET("/", [key, bearer()])).status).toBe(200);
      expect(send(all, GET("/", [key])).details).toBe("auth_jwt_missing");
      const missing = host({ ...base, rules: [{ requires: { any: [{ jwt: "idp" }, { allow_missing: {} }] } }] });
      expect(send(missing, GET("/")).status).toBe(200);
      expect(send(missing, GET("/", [bearer({ exp: NOW - 1000 })])).status).toBe(401);
      const failed = host({ ...base, rules: [{ requires: { any: [{ jwt: "idp" }, { allow_missing_or_failed: {} }] } }] });
      expect(send(failed, GET("/", [bearer({ exp: NOW - 1000 })])).status).toBe(200);
    });

    it("rules: the first whose condition holds; none or no requires lets the request through", () => {
      const h = host({ ...base, rules: [{ when: { path: { prefix: "/public/" } } }, { when: { path: { prefix: "/api/" } }, requires: { api_key: {} } }] });
      expect(send(h, GET("/public/x")).status).toBe(200);
      expect(send(h, GET("/api/x")).status).toBe(401);
      expect(send(h, GET("/other")).status).toBe(200);
    });

    it("allow and deny: 403 for a known caller that may not pass; insufficient_scope for a JWT short of scopes", () => {
      const h = host({ ...base, rules: [
        { when: { path: { prefix: "/admin" } }, requires: { any: [{ api_key: {} }, { basic: {} }] }, allow: [{ groups: ["admin"] }] },
        { when: { path: { prefix: "/write" } }, requires: { jwt: "idp" }, allow: [{ scopes: ["write"] }] },
        { requires: { jwt: "idp" }, deny: [{ claim: { name: "sub", exact: "user-7" } }] },
      ] });
      expect(send(h, GET("/admin", [key])).status).toBe(200);
      expect(send(h, GET("/admin", [["authorization", basicHeader("bob", "b0b:pass")]]))).toMatchObject({ status: 403, details: "auth_basic_forbidden" });
      expect(send(h, GET("/write", [bearer({ scope: "read write" })])).status).toBe(200);
      expect(send(h, GET("/write", [bearer({ scope: "read" })]))).toMatchObject({ status: 403, details: "auth_jwt_insufficient_scope", challenge: ['Bearer realm="http://api.example.com/write", error="insufficient_scope"'] });
      expect(send(h, GET("/x", [bearer()]))).toMatchObject({ status: 403, details: "auth_jwt_forbidden" });
      expect(send(h, GET("/x", [bearer({ sub: "user-8" })])).status).toBe(200);
    });

    it("identity headers a client sends are removed on every request, also where nothing is required", () => {
      const h = host({ ...base, rules: [{ when: { path: { prefix: "/open" } } }, { requires: { api_key: {} } }] });
      const spoof: HeaderPairs = [["x-consumer", "admin"], ["X-Consumer-Groups", "admin"], ["x-consumer-anything", "1"], ["x-jwt-sub", "root"], ["x-jwt-payload", "e30"]];
      expect(send(h, GET("/open", spoof)).upstream).toEqual(GET("/open"));
      const r = send(h, GET("/", [...spoof, key]));
      expect(values(r.upstream ?? [], "x-consumer")).toEqual(["alice"]);
      expect(values(r.upstream ?? [], "x-jwt-sub")).toEqual([]);
    });

    it("a CORS preflight passes untouched with bypass_cors_preflight", () => {
      const h = host({ ...base, bypass_cors_preflight: true, rules: [{ requires: { api_key: {} } }] });
      const pre: HeaderPairs = [[":method", "OPTIONS"], [":path", "/"], [":authority", "a"], ["origin", "https://x"], ["access-control-request-method", "GET"]];
      expect(send(h, pre).status).toBe(200);
      expect(send(h, GET("/")).status).toBe(401);
    });
  });

  describe("configuration errors: one line per problem, naming the field", () => {
    it.each([
      [{ rules: [{}] }, /configure at least one method/],
      [{ api_key: { keys: [{ id: "a", sha256: "00", consumer: "c" }] }, rules: [{ requires: { api_key: {} } }] }, /field "api_key.salt"[\s\S]*field "api_key.keys\[0\].sha256"/],
      [{ basic: { users: [{ name: "u", hash: "plain" }] }, rules: [{ requires: { basic: {} } }] }, /field "basic.users\[0\].hash": unsupported hash/],
      [{ basic: BASIC, rules: [{ requires: { jwt: "nope" } }] }, /field "rules\[0\].requires.jwt": no provider named "nope"/],
      [{ basic: BASIC, rules: [{ requires: { api_key: {} } }] }, /the "api_key" method is not configured/],
      [{ basic: BASIC, rules: [{ allow: [{ groups: ["g"] }] }] }, /field "rules\[0\].allow"/],
      [{ basic: BASIC, rules: [{ requires: { allow_missing: {} } }] }, /go inside "any"/],
      [{ jwt: { providers: { p: { jwks: { keys: [{ kty: "oct", k: "c2hvcnQ" }] } } } }, rules: [{ requires: { jwt: "p" } }] }, /field "jwt.providers.p.jwks.keys\[0\].k": an HMAC key must be at least 32 bytes/],
      [{ jwt: { providers: { p: { jwks: JWKS, algorithms: ["none"] } } }, rules: [{ requires: { jwt: "p" } }] }, /field "jwt.providers.p.algorithms\[0\]"/],
      [{ jwt: { providers: { p: { jwks: { keys: [{ ...KEYS.ES256.jwk, y: KEYS.ES256.jwk.x }] } } } }, rules: [{ requires: { jwt: "p" } }] }, /keys\[0\].x": not a point of P-256/],
      [{ basic: BASIC, rules: [{ requires: { basic: {} } }], typo: 1 }, /field "typo": unknown field/],
    ] as Array<[Record<string, unknown>, RegExp]>)("%j", (config, error) => {
      expect(refused(config).join("\n")).toMatch(error);
    });
  });
});
