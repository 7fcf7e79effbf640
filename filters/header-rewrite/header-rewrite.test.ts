// Unit tests of the header-rewrite filter on the mock host, on both its release and debug builds:
// every operation on every target, values, conditions, guard rails, configuration errors, dry run,
// rerouting, metrics, local replies, and the fuzz harness.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createHost, formatFuzzTrap, fuzzChain, LogLevel, WasmResult, type HeaderPairs, type MockHost } from "@filterkit/host-mock";

const here = dirname(fileURLToPath(import.meta.url));

const GET = (path = "/", extra: HeaderPairs = []): HeaderPairs => [[":method", "GET"], [":path", path], [":authority", "example.com"], [":scheme", "http"], ...extra];

describe.each(["release", "debug"] as const)("header-rewrite (%s build)", (target) => {
  const wasm = join(here, "build", `${target}.wasm`);
  const host = (config: Record<string, unknown>): MockHost => createHost({ wasm, rootId: "header_rewrite", vmId: "t", pluginConfig: config });
  const rules = (...list: object[]): MockHost => host({ rules: list });

  /** The request headers after the request phase. */
  function request(h: MockHost, headers: HeaderPairs): HeaderPairs {
    const s = h.newHttpStream();
    s.sendRequestHeaders(headers, true);
    return s.request.headers;
  }

  /** The response headers after a request and an answer. */
  function response(h: MockHost, answer: HeaderPairs, req: HeaderPairs = GET()): HeaderPairs {
    const s = h.newHttpStream();
    s.sendRequestHeaders(req, true);
    s.sendResponseHeaders(answer, true);
    return s.response.headers;
  }

  describe("operations on request headers", () => {
    const before = GET("/", [["x-a", "1"], ["x-rep", "one"], ["x-rep", "two"], ["x-b", "2"]]);

    it("set: every occurrence removed, one added at the end (Envoy's OVERWRITE_IF_EXISTS_OR_ADD)", () => {
      expect(request(rules({ op: "set", name: "X-Rep", value: "v" }), before)).toEqual(GET("/", [["x-a", "1"], ["x-b", "2"], ["x-rep", "v"]]));
      expect(request(rules({ op: "set", name: "x-new", value: "v" }), before)).toEqual([...before, ["x-new", "v"]]);
    });

    it("add: only when absent (ADD_IF_ABSENT)", () => {
      expect(request(rules({ op: "add", name: "x-rep", value: "v" }), before)).toEqual(before);
      expect(request(rules({ op: "add", name: "x-new", value: "v" }), before)).toEqual([...before, ["x-new", "v"]]);
    });

    it("append: one more occurrence (APPEND_IF_EXISTS_OR_ADD, Envoy's default)", () => {
      expect(request(rules({ op: "append", name: "x-rep", value: "three" }), before)).toEqual([...before, ["x-rep", "three"]]);
    });

    it("overwrite: as set, only when present (OVERWRITE_IF_EXISTS)", () => {
      expect(request(rules({ op: "overwrite", name: "x-a", value: "o" }), before)).toEqual(GET("/", [["x-rep", "one"], ["x-rep", "two"], ["x-b", "2"], ["x-a", "o"]]));
      expect(request(rules({ op: "overwrite", name: "x-none", value: "o" }), before)).toEqual(before);
    });

    it("remove: every occurrence", () => {
      expect(request(rules({ op: "remove", name: "x-rep" }), before)).toEqual(GET("/", [["x-a", "1"], ["x-b", "2"]]));
    });

    it("remove_matching: by name prefix, suffix, regex, optionally by value too", () => {
      const h = [["x-int-a", "1"], ["x-int-b", "secret"], ["keep", "k"], ["y-internal", "2"]] as HeaderPairs;
      expect(request(rules({ op: "remove_matching", match: { prefix: "x-int-" } }), GET("/", h))).toEqual(GET("/", [["keep", "k"], ["y-internal", "2"]]));
      expect(request(rules({ op: "remove_matching", match: { suffix: "-internal" } }), GET("/", h))).toEqual(GET("/", [["x-int-a", "1"], ["x-int-b", "secret"], ["keep", "k"]]));
      expect(request(rules({ op: "remove_matching", match: { regex: "x-int-[a-z]" }, value_match: { exact: "secret" } }), GET("/", h)))
        .toEqual(GET("/", [["x-int-a", "1"], ["keep", "k"], ["y-internal", "2"]]));
      expect(request(rules({ op: "remove_matching", match: { prefix: "X-INT-", ignore_case: true } }), GET("/", h))).toEqual(GET("/", [["keep", "k"], ["y-internal", "2"]]));
    });

    it("rename: every occurrence, where it stands; copy: every value appended under the new name", () => {
      expect(request(rules({ op: "rename", name: "x-rep", to: "x-renamed" }), before))
        .toEqual(GET("/", [["x-a", "1"], ["x-renamed", "one"], ["x-renamed", "two"], ["x-b", "2"]]));
      expect(request(rules({ op: "copy", name: "x-rep", to: "x-copy" }), before)).toEqual([...before, ["x-copy", "one"], ["x-copy", "two"]]);
      expect(request(rules({ op: "rename", name: "x-none", to: "x-other" }), before)).toEqual(before);
    });

    it("rules run in order, each on what the ones before it left", () => {
      const h = rules({ op: "set", name: "x-a", value: "first" }, { op: "copy", name: "x-a", to: "x-c" }, { op: "set", name: "x-d", value: "%REQ(x-c)%!" });
      expect(request(h, GET("/", [["x-a", "0"]]))).toEqual(GET("/", [["x-a", "first"], ["x-c", "first"], ["x-d", "first!"]]));
    });

    it("an empty value is dropped unless keep_empty (Envoy's keep_empty_value)", () => {
      expect(request(rules({ op: "append", name: "x-e", value: "" }), GET())).toEqual(GET());
      expect(request(rules({ op: "append", name: "x-e", value: "%REQ(x-none)%" }), GET())).toEqual(GET());
      expect(request(rules({ op: "append", name: "x-e", value: "", keep_empty: true }), GET())).toEqual([...GET(), ["x-e", ""]]);
      expect(request(rules({ op: "set", name: "x-a", value: "" }), GET("/", [["x-a", "1"]]))).toEqual(GET("/", [["x-a", "1"]]));
    });

    it("set-cookie stays one header per cookie: rename, copy and remove work per occurrence, nothing is joined", () => {
      const answer: HeaderPairs = [[":status", "200"], ["set-cookie", "a=1"], ["set-cookie", "b=2"]];
      expect(response(rules({ target: "response", op: "copy", name: "set-cookie", to: "x-cookie-copy" }), answer))
        .toEqual([...answer, ["x-cookie-copy", "a=1"], ["x-cookie-copy", "b=2"]]);
      expect(response(rules({ target: "response", op: "append", name: "set-cookie", value: "c=3; Path=/" }), answer))
        .toEqual([...answer, ["set-cookie", "c=3; Path=/"]]);
    });
  });

  describe("values", () => {
    it("Envoy's %REQ()% with alternates and truncation, %RESP()%, %RESPONSE_CODE%, %%", () => {
      const h = rules(
        { op: "set", name: "x-1", value: "%REQ(x-src)% %REQ(x-none?x-src)% %REQ(x-src):2% 100%%" },
        { target: "response", op: "set", name: "x-2", value: "%RESP(x-up)%/%RESPONSE_CODE%/%REQ(x-src)%" },
      );
      const s = h.newHttpStream();
      s.sendRequestHeaders(GET("/", [["x-src", "source"]]), true);
      expect(s.request.headers).toContainEqual(["x-1", "source source so 100%"]);
      s.sendResponseHeaders([[":status", "201"], ["x-up", "up"]], true);
      expect(s.response.headers).toContainEqual(["x-2", "up/201/source"]); // the request header kept for the response rule
    });

    it("query parameters, cookies and captures from the rule's condition", () => {
      const h = rules({
        op: "set", name: "x-v", value: "%QUERY_PARAM(q)%|%COOKIE(sid)%|%CAPTURE(1)%|%CAPTURE(2)%",
        when: { path: { regex: "/users/([0-9]+)/(\\w+)" } },
      });
      expect(request(h, GET("/users/42/orders?q=a%20b", [["cookie", "x=1; sid=abc"]]))).toContainEqual(["x-v", "a b|abc|42|orders"]);
    });

    it("a rendered value with CR, LF or NUL (decoded from the request) is refused and counted, never written", () => {
      const h = rules({ op: "set", name: "x-q", value: "%QUERY_PARAM(q)%" }, { op: "set", name: "x-ok", value: "yes" });
      expect(request(h, GET("/?q=a%0D%0Ainjected:%201"))).toEqual([...GET("/?q=a%0D%0Ainjected:%201"), ["x-ok", "yes"]]);
      expect(h).toHaveMetric("header_rewrite.refused", 1);
      expect(h).toHaveMetric("header_rewrite.edits", 1);
    });
  });

  describe("conditions", () => {
    const tag = (when: object): MockHost => rules({ op: "set", name: "x-hit", value: "1", when });
    const hit = (h: MockHost, headers: HeaderPairs): boolean => request(h, headers).some(([k]) => k === "x-hit");

    it("method, path (without its query), host", () => {
      expect(hit(tag({ method: ["POST", "GET"] }), GET())).toBe(true);
      expect(hit(tag({ method: "POST" }), GET())).toBe(false);
      expect(hit(tag({ path: { exact: "/a" } }), GET("/a?x=1"))).toBe(true);
      expect(hit(tag({ path: { prefix: "/api/" } }), GET("/app/"))).toBe(false);
      expect(hit(tag({ host: { suffix: ".com" } }), GET())).toBe(true);
    });

    it("headers: present, absent, equals, matches — any of several values", () => {
      const h = GET("/", [["x-t", "one"], ["x-t", "two"]]);
      expect(hit(tag({ header: { name: "X-T" } }), h)).toBe(true);
      expect(hit(tag({ header: { name: "x-t", absent: true } }), h)).toBe(false);
      expect(hit(tag({ header: { name: "x-t", exact: "two" } }), h)).toBe(true);
      expect(hit(tag({ header: { name: "x-t", regex: "t.o" } }), h)).toBe(true);
      expect(hit(tag({ header: { name: "x-t", regex: "t" } }), h)).toBe(false); // a regex matches the whole value
    });

    it("query parameters and cookies; all, any, not", () => {
      expect(hit(tag({ query: { name: "debug" } }), GET("/?debug"))).toBe(true);
      expect(hit(tag({ query: { name: "v", exact: "a b" } }), GET("/?v=a%20b"))).toBe(true);
      expect(hit(tag({ cookie: { name: "sid", prefix: "ab" } }), GET("/", [["cookie", "sid=abc"]]))).toBe(true);
      expect(hit(tag({ all: [{ method: "GET" }, { not: { header: { name: "x-skip" } } }] }), GET("/", [["x-skip", "1"]]))).toBe(false);
      expect(hit(tag({ any: [{ method: "POST" }, { path: { prefix: "/" } }] }), GET())).toBe(true);
    });

    it("response rules may test the status and response headers; request rules may not", () => {
      const h = rules({ target: "response", op: "set", name: "x-err", value: "1", when: { status: [500, 503] } });
      expect(response(h, [[":status", "503"]])).toContainEqual(["x-err", "1"]);
      expect(response(h, [[":status", "200"]])).not.toContainEqual(["x-err", "1"]);
      const bad = rules({ op: "set", name: "x-a", value: "1", when: { status: 200 } });
      expect(bad.configured).toBe(false);
    });
  });

  describe("targets beyond request headers", () => {
    it("response headers, also of a local reply passing back through the filter", () => {
      const h = rules({ target: "response", op: "set", name: "x-served", value: "rewrite" });
      expect(response(h, [[":status", "200"]])).toEqual([[":status", "200"], ["x-served", "rewrite"]]);
    });

    it("trailers both ways (a message without trailers has none to edit)", () => {
      const h = rules({ target: "request_trailers", op: "set", name: "x-rt", value: "1" }, { target: "response_trailers", op: "remove", name: "x-drop" });
      const s = h.newHttpStream();
      s.sendRequestHeaders([[":method", "POST"], [":path", "/"], [":authority", "a"]], false);
      s.sendRequestBody("b", false);
      s.sendRequestTrailers([["x-t", "1"]]);
      expect(s.request.trailers).toEqual([["x-t", "1"], ["x-rt", "1"]]);
      s.sendResponseHeaders([[":status", "200"]], false);
      s.sendResponseTrailers([["x-drop", "1"], ["x-keep", "2"]]);
      expect(s.response.trailers).toEqual([["x-keep", "2"]]);
    });

    it("query parameters: rewrites :path, keeps every other parameter as the client encoded it", () => {
      const path = "/p?b=%41&a=1&a=2&c";
      const q = (rule: object): string => (request(rules({ target: "query", ...rule }), GET(path)).find(([k]) => k === ":path") as [string, string])[1];
      expect(q({ op: "set", name: "a", value: "x y" })).toBe("/p?b=%41&c&a=x%20y");
      expect(q({ op: "add", name: "a", value: "z" })).toBe(path);
      expect(q({ op: "append", name: "a", value: "3" })).toBe(`${path}&a=3`);
      expect(q({ op: "overwrite", name: "none", value: "3" })).toBe(path);
      expect(q({ op: "remove", name: "a" })).toBe("/p?b=%41&c");
      expect(q({ op: "remove", name: "B" })).toBe(path); // names are case-sensitive
      expect(q({ op: "remove_matching", match: { regex: "[ab]" } })).toBe("/p?c");
      expect(q({ op: "rename", name: "b", to: "bee" })).toBe("/p?bee=%41&a=1&a=2&c");
      expect(q({ op: "copy", name: "b", to: "b2" })).toBe(`${path}&b2=%41`);
      expect(request(rules({ target: "query", op: "remove_matching", match: { prefix: "" } }), GET(path))).toContainEqual([":path", "/p"]);
    });
  });

  describe("plain edits on Envoy's map (direct.ts)", () => {
    // a phase of unconditional named edits with literal values is applied one host call per rule;
    // the same rules with a rule that reads the map (remove_matching of a name no test header has)
    // go through the working copy: both must leave the same headers and count the same edits
    const READS_MAP = { op: "remove_matching", match: { prefix: "x-never-" } };
    const NAMES = ["x-a", "x-rep", "x-none", "content-type"];
    const OPS = ["set", "add", "append", "overwrite", "remove"];
    const VALUES = ["v", "", "two words", "%%literal%%"];
    function randomRules(seed: number, target: string): object[] {
      let x = seed;
      const next = (n: number): number => { x = (x * 1103515245 + 12345) >>> 0; return (x >>> 8) % n; };
      return Array.from({ length: 1 + next(4) }, () => {
        const op = OPS[next(OPS.length)];
        const rule: Record<string, unknown> = { target, op, name: NAMES[next(NAMES.length)] };
        if (op !== "remove") rule.value = VALUES[next(VALUES.length)];
        if (op !== "remove" && next(3) === 0) rule.keep_empty = true;
        return rule;
      });
    }
    const REQUEST = GET("/", [["x-a", "1"], ["x-rep", "one"], ["content-type", "text/plain"], ["x-rep", "two"]]);
    const ANSWER: HeaderPairs = [[":status", "200"], ["x-rep", "one"], ["content-type", "text/plain"], ["x-rep", "two"], ["x-a", "1"]];

    it.each(["request", "response"])("%s: 200 random rule lists agree with the working copy, with no whole-map call", (target) => {
      for (let seed = 1; seed <= 200; seed++) {
        const list = randomRules(seed, target);
        const direct = rules(...list);
        const copy = rules(...list, { target, ...READS_MAP });
        expect(direct.configured && copy.configured, JSON.stringify(list)).toBe(true);
        const calls = direct.startTranscript([]);
        const got = target === "request" ? request(direct, REQUEST) : response(direct, ANSWER);
        direct.stopTranscript();
        const want = target === "request" ? request(copy, REQUEST) : response(copy, ANSWER);
        expect(got, JSON.stringify(list)).toEqual(want);
        expect(calls.filter((c) => c.name === "proxy_get_header_map_pairs" || c.name === "proxy_set_header_map_pairs"), JSON.stringify(list)).toEqual([]);
        const edits = copy.metric("header_rewrite.edits")?.value ?? 0n;
        expect(direct, JSON.stringify(list)).toHaveMetric("header_rewrite.edits", edits);
      }
    });

    it("a phase that a condition, a formatted value, a pseudo-header or a later phase needs is read whole", () => {
      const whole = (...list: object[]): boolean => {
        const h = rules(...list);
        const calls = h.startTranscript([]);
        response(h, [[":status", "200"]]);
        return calls.some((c) => c.name === "proxy_get_header_map_pairs");
      };
      expect(whole({ op: "set", name: "x-a", value: "1" }, { target: "response", op: "remove", name: "server" })).toBe(false);
      expect(whole({ op: "set", name: "x-a", value: "1", when: { method: "GET" } })).toBe(true);
      expect(whole({ op: "set", name: "x-a", value: "%REQ(host)%" })).toBe(true);
      expect(whole({ op: "set", name: ":path", value: "/x", allow: ["pseudo"] })).toBe(true);
      expect(whole({ op: "set", name: "x-a", value: "1" }, { target: "response", op: "set", name: "x-b", value: "%REQ(x-a)%" })).toBe(true);
      expect(whole({ target: "response", op: "set", name: "x-b", value: "1", when: { status: 200 } })).toBe(true);
      expect(host({ rules: [{ op: "set", name: "x-a", value: "1" }], dry_run: true }).configured).toBe(true);
    });
  });

  describe("guard rails", () => {
    it("pseudo-headers, host and x-envoy-* are refused at configure time unless the rule allows them", () => {
      const refused = (rule: object): string[] => {
        const h = rules(rule);
        expect(h.configured).toBe(false);
        return h.logsAt(LogLevel.error);
      };
      expect(refused({ op: "set", name: ":path", value: "/x" })).toEqual([
        'invalid configuration: field "rules[0].name": pseudo-header ":path" is protected: add "pseudo" to the rule\'s "allow" to change it',
      ]);
      expect(refused({ op: "set", name: "Host", value: "h" })[0]).toContain('"host" is protected');
      expect(refused({ op: "remove", name: "x-envoy-original-path" })[0]).toContain("Envoy-internal header");
      expect(refused({ op: "remove", name: ":path", allow: ["pseudo"] })[0]).toContain("can only be replaced");
      expect(rules({ op: "set", name: ":path", value: "/x", allow: ["pseudo"] }).configured).toBe(true);
      expect(rules({ op: "remove", name: "x-envoy-x", allow: ["envoy"] }).configured).toBe(true);
    });

    it("remove_matching leaves pseudo-headers and protected names alone, and counts them", () => {
      const h = rules({ op: "remove_matching", match: { regex: ".*" } });
      expect(request(h, GET("/", [["x-a", "1"], ["x-envoy-x", "2"], ["host-ish", "3"]]))).toEqual(GET("/", [["x-envoy-x", "2"]]));
      expect(h).toHaveMetric("header_rewrite.refused", 5);
    });

    it("a changed :path, :authority or query asks Envoy to pick the route again (reroute auto); never and always", () => {
      const path = { op: "set", name: ":path", value: "/v2", allow: ["pseudo"] };
      const plain = { op: "set", name: "x-a", value: "1" };
      const clears = (config: Record<string, unknown>): number => {
        const h = host(config);
        request(h, GET());
        return h.routeCacheClears;
      };
      expect(clears({ rules: [path] })).toBe(1);
      expect(clears({ rules: [{ target: "query", op: "set", name: "q", value: "1" }] })).toBe(1);
      expect(clears({ rules: [plain] })).toBe(0);
      expect(clears({ rules: [path], reroute: "never" })).toBe(0);
      expect(clears({ rules: [plain], reroute: "always" })).toBe(1);
      // nothing edited, nothing to re-pick
      expect(clears({ rules: [{ ...path, when: { method: "DELETE" } }], reroute: "always" })).toBe(0);
    });

    it("a host without clear_route_cache: counted, and said once per VM at warning level", () => {
      const h = host({ rules: [{ op: "set", name: ":path", value: "/v2", allow: ["pseudo"] }] });
      h.interceptHostCall("proxy_call_foreign_function", () => WasmResult.NotFound);
      request(h, GET());
      request(h, GET());
      expect(h).toHaveMetric("header_rewrite.reroute_failures", 2);
      expect(h).toHaveMetric("header_rewrite.reroutes", 0);
      expect(h.logsAt(LogLevel.warn)).toEqual([expect.stringMatching(/refused clear_route_cache \(WasmResult 1\): a rewritten request may keep the route/)]);
      const ok = host({ rules: [{ op: "set", name: ":path", value: "/v2", allow: ["pseudo"] }] });
      request(ok, GET());
      expect(ok).toHaveMetric("header_rewrite.reroutes", 1);
      expect(ok.logsAt(LogLevel.warn)).toEqual([]);
    });
  });

  describe("configuration errors", () => {
    it("every problem is one error line naming the rule and the field", () => {
      const h = rules(
        { op: "sett", name: "x-a", value: "1" },
        { op: "set", value: "1" },
        { op: "set", name: "bad name", value: "1" },
        { op: "remove_matching", match: { regex: "(" } },
        { op: "set", name: "x-b", value: "%NOT_A_COMMAND%" },
        { op: "rename", name: "x-c" },
        { op: "set", name: "x-d", value: "v", extra: true },
        { op: "set", name: "x-e", value: "a\r\nb" },
        { op: "set", name: "x-f", value: "1", when: { header: { name: "x", present: true, exact: "y" } } },
      );
      expect(h.configured).toBe(false);
      const lines = h.logsAt(LogLevel.error);
      const fields = lines.map((l) => /field "([^"]+)"/.exec(l)?.[1]);
      expect(fields).toEqual([
        "rules[0].op", "rules[1].name", "rules[2].name", "rules[3].match.regex", "rules[4].value", "rules[5].to", "rules[6].extra", "rules[7].value", "rules[8].when.header",
      ]);
      expect(lines.every((l) => l.startsWith("invalid configuration: field "))).toBe(true);
    });

    it("unknown top-level fields, a bad reroute, nested conditions past the limit", () => {
      let deep: object = { method: "GET" };
      for (let i = 0; i < 20; i++) deep = { not: deep };
      const h = host({ rules: [{ op: "set", name: "x", value: "1", when: deep }], reroute: "sometimes", extra: 1 });
      const lines = h.logsAt(LogLevel.error);
      expect(lines.some((l) => l.includes('field "extra": unknown field'))).toBe(true);
      expect(lines.some((l) => l.includes('field "reroute": expected one of "never", "auto", "always"'))).toBe(true);
      expect(lines.some((l) => l.includes("nest deeper than 16 levels"))).toBe(true);
    });
  });

  it("dry run: edits are logged and counted, not made", () => {
    const h = host({ rules: [{ op: "set", name: "x-a", value: "1" }, { op: "remove", name: "x-b" }], dry_run: true });
    const before = GET("/", [["x-b", "2"]]);
    expect(request(h, before)).toEqual(before);
    expect(h.logsAt(LogLevel.info)).toEqual(["header-rewrite dry run: request: rule 0 (set x-a), rule 1 (remove x-b)"]);
    expect(h).toHaveMetric("header_rewrite.dry_run_edits", 2);
    expect(h).toHaveMetric("header_rewrite.edits", 0);
  });

  it("a request the rules do not touch costs one read and no write", () => {
    const h = rules({ op: "remove", name: "x-none" });
    const s = h.newHttpStream();
    s.sendRequestHeaders(GET(), true);
    const calls = s.callbacks.length;
    expect(calls).toBeGreaterThan(0);
    expect(h).toHaveMetric("header_rewrite.edits", 0);
  });

  // the mock host's fuzz harness: hostile generated traffic, every pattern of the configuration
  // fed what it meets there; zero traps (100,000 requests on the release build, 20,000 on debug)
  it("survives hostile generated traffic without a trap", { timeout: 180_000 }, () => {
    const config = {
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
    const requests = target === "release" ? 100_000 : 20_000;
    const report = fuzzChain({ plugins: [{ wasm, rootId: "header_rewrite", configuration: config }] }, { seed: 10, requests, profile: "hostile" });
    expect(report.traps.map(formatFuzzTrap)).toEqual([]);
    expect(report.requests).toBe(requests);
  });
});
