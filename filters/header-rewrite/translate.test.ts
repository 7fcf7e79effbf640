// tools/translate.ts and tools/cli.ts: Envoy header configuration in, header-rewrite configuration
// out — every shape and field, the warnings, and every translation accepted by the filter itself.
// (What the translations *do* is proven against Envoy's own filter in oracle.test.ts.)
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createHost, LogLevel } from "@filterkit/host-mock";
import { BUILDS } from "../../sdk/test/helpers.ts";
import { translateDocument, translateHeaderMutation, translateRouteHeaders, type Json, type Translation } from "./tools/translate.ts";

const here = dirname(fileURLToPath(import.meta.url));
const HM_TYPE = "type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation";
const hv = (key: string, value: string, extra: Record<string, Json> = {}) => ({ append: { header: { key, value }, ...extra } });

/** The filter accepts the translation on the mock host, on both builds; returns the error lines otherwise. */
function accepted(t: Translation): string[] {
  const errors: string[] = [];
  for (const target of BUILDS) {
    const host = createHost({ wasm: join(here, "build", `${target}.wasm`), rootId: "header_rewrite", pluginConfig: t.config });
    if (!host.configured) errors.push(...host.logsAt(LogLevel.error).map((l) => `${target}: ${l}`));
  }
  return errors;
}

describe("translating Envoy's header_mutation", () => {
  const mutations = { request_mutations: [hv("x-a", "1")], response_mutations: [{ remove: "server" }] };

  it("takes the http_filters entry, its typed_config or its mutations alike", () => {
    const expected = translateHeaderMutation(mutations);
    expect(expected.config.rules).toEqual([
      { op: "append", name: "x-a", value: "1" },
      { target: "response", op: "remove", name: "server" },
    ]);
    expect(translateHeaderMutation({ mutations })).toEqual(expected);
    expect(translateHeaderMutation({ "@type": HM_TYPE, mutations })).toEqual(expected);
    expect(translateHeaderMutation({ name: "envoy.filters.http.header_mutation", typed_config: { "@type": HM_TYPE, mutations } })).toEqual(expected);
    expect(expected.warnings).toEqual([]);
  });

  it("each append_action becomes its operation; the default appends; the deprecated bool still counts", () => {
    const t = translateHeaderMutation({ request_mutations: [
      hv("x-1", "v"), hv("x-2", "v", { append_action: "APPEND_IF_EXISTS_OR_ADD" }), hv("x-3", "v", { append_action: "ADD_IF_ABSENT" }),
      hv("x-4", "v", { append_action: "OVERWRITE_IF_EXISTS_OR_ADD" }), hv("x-5", "v", { append_action: "OVERWRITE_IF_EXISTS" }),
      hv("x-6", "v", { append: true }), hv("x-7", "v", { append: false }), hv("x-8", "v", { append: false, append_action: "ADD_IF_ABSENT" }),
    ] });
    expect(t.config.rules.map((r) => `${r.name}:${r.op}`)).toEqual([
      "x-1:append", "x-2:append", "x-3:add", "x-4:set", "x-5:overwrite", "x-6:append", "x-7:set", "x-8:add",
    ]);
    expect(t.warnings).toEqual([]);
  });

  it("keep_empty_value, raw_value (base64), names lower-cased, values passed through with their %COMMANDS%", () => {
    const t = translateHeaderMutation({ request_mutations: [
      hv("X-Empty", "", { keep_empty_value: true }),
      { append: { header: { key: "x-raw", raw_value: Buffer.from("bytes é").toString("base64") } } },
      hv("x-fmt", "%REQ(x-src)% at %START_TIME(%s)%"),
    ] });
    expect(t.config.rules).toEqual([
      { op: "append", name: "x-empty", value: "", keep_empty: true },
      { op: "append", name: "x-raw", value: "bytes é" },
      { op: "append", name: "x-fmt", value: "%REQ(x-src)% at %START_TIME(%s)%" },
    ]);
  });

  it("protected names get their allow switch; pseudo-headers and host are flagged as Envoy refuses them", () => {
    const t = translateHeaderMutation({ request_mutations: [hv("x-envoy-foo", "1"), hv(":path", "/x"), { remove: "host" }] });
    expect(t.config.rules).toEqual([
      { op: "append", name: "x-envoy-foo", value: "1", allow: ["envoy"] },
      { op: "append", name: ":path", value: "/x", allow: ["pseudo"] },
      { op: "remove", name: "host", allow: ["host"] },
    ]);
    expect(t.warnings).toEqual([
      expect.stringMatching(/^request_mutations\[1\]\.append\.header\.key: Envoy refuses to modify ":path"/),
      expect.stringMatching(/^request_mutations\[2\]\.remove: Envoy refuses to modify "host"/),
    ]);
  });

  it("remove_on_match: every StringMatcher kind, safe_regex, ignore_case; x-envoy-* removable as in Envoy", () => {
    const m = (key_matcher: Json) => ({ remove_on_match: { key_matcher } });
    const t = translateHeaderMutation({ response_mutations: [
      m({ prefix: "x-a" }), m({ suffix: "-b" }), m({ exact: "x-c" }), m({ contains: "d" }), m({ safe_regex: { regex: "x-(e|f)" } }),
      m({ prefix: "X-G", ignore_case: true }),
    ] });
    const match = t.config.rules.map((r) => r.match);
    expect(match).toEqual([{ prefix: "x-a" }, { suffix: "-b" }, { exact: "x-c" }, { contains: "d" }, { regex: "x-(e|f)" }, { prefix: "X-G", ignore_case: true }]);
    expect(t.config.rules.every((r) => r.op === "remove_matching" && r.target === "response" && JSON.stringify(r.allow) === '["envoy"]')).toBe(true);
    expect(accepted(t)).toEqual([]);
  });

  it("trailers and query parameters", () => {
    const t = translateHeaderMutation({
      request_trailers_mutations: [hv("x-t", "1")], response_trailers_mutations: [{ remove: "grpc-message" }],
      query_parameter_mutations: [
        { append: { record: { key: "a", value: "1" } } }, { append: { record: { key: "b", value: "2" }, action: "OVERWRITE_IF_EXISTS_OR_ADD" } },
        { append: { record: { key: "c" }, action: "ADD_IF_ABSENT" } }, { remove: "d" },
      ],
    });
    expect(t.config.rules).toEqual([
      { target: "query", op: "append", name: "a", value: "1" }, { target: "query", op: "set", name: "b", value: "2" },
      { target: "query", op: "add", name: "c", value: "" }, { target: "query", op: "remove", name: "d" },
      { target: "request_trailers", op: "append", name: "x-t", value: "1" }, { target: "response_trailers", op: "remove", name: "grpc-message" },
    ]);
    expect(accepted(t)).toEqual([]);
  });

  it("what it cannot translate is a warning naming the field, never dropped silently", () => {
    const t = translateHeaderMutation({
      most_specific_header_mutations_wins: true,
      mutations: {
        request_mutations: [hv("x-a", "1", { append_action: "SOMETIMES" }), { append: { header: { value: "no key" } } }, { rename: "x" }, 7],
        response_mutations: [{ remove_on_match: { key_matcher: { prefix: "a", suffix: "b" } } }],
        query_parameter_mutations: [{ append: { record: { key: "q" }, action: "NOPE" } }, { keep: "x" }],
        request_mutations_typo: [],
      },
    });
    expect(t.warnings).toEqual([
      "most_specific_header_mutations_wins: per-route mutations are not translated",
      'request_mutations[0].append.append_action: unknown action "SOMETIMES"',
      "request_mutations[1].append.header.key: expected a header name",
      'request_mutations[2]: expected "append", "remove" or "remove_on_match"',
      "request_mutations[3]: expected a mutation",
      'query_parameter_mutations[0].append.action: unknown action "NOPE"',
      'query_parameter_mutations[1]: expected "append" (with "record") or "remove"',
      "response_mutations[0].remove_on_match.key_matcher: a StringMatcher with one of exact, prefix, suffix, contains, safe_regex was expected",
      "mutations.request_mutations_typo: not translated",
    ]);
    expect(t.config.rules).toEqual([]);
    expect(translateHeaderMutation("not a filter").warnings).toEqual(["expected a header_mutation filter, its typed_config or its mutations"]);
  });
});

describe("translating route header options", () => {
  it("removals first, then the additions as Envoy's HeaderParser applies them: overwrites before appends", () => {
    const t = translateRouteHeaders({
      request_headers_to_add: [
        { header: { key: "x-a", value: "1" } }, { header: { key: "x-b", value: "2" }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" },
        { header: { key: "x-c", value: "3" }, append_action: "ADD_IF_ABSENT" }, { header: { key: "x-d", value: "4" }, append_action: "OVERWRITE_IF_EXISTS" },
      ],
      request_headers_to_remove: ["X-Gone"],
      response_headers_to_add: [{ header: { key: "x-r", value: "r" } }],
      response_headers_to_remove: ["server"],
    });
    expect(t.config.rules.map((r) => `${r.target ?? "request"} ${r.op} ${r.name}`)).toEqual([
      "request remove x-gone", "request set x-b", "request overwrite x-d", "request append x-a", "request add x-c",
      "response remove server", "response append x-r",
    ]);
    expect(t.warnings).toEqual([]);
    expect(accepted(t)).toEqual([]);
  });

  it("warns where the filter's one-rule-after-another order can still differ from Envoy's", () => {
    const t = translateRouteHeaders({
      request_headers_to_add: [
        { header: { key: "x-a", value: "1" } }, { header: { key: "x-a", value: "2" }, append_action: "ADD_IF_ABSENT" },
        { header: { key: "x-b", value: "%REQ(x-a)%" } },
      ],
      response_headers_to_add: [{ header: { key: "x-r", value: "%RESP(x-r)%!" } }],
    });
    expect(t.warnings).toEqual([
      expect.stringMatching(/^request_headers_to_add: "x-a" occurs more than once/),
      expect.stringMatching(/^request_headers_to_add: "x-b" read headers the list writes/),
      expect.stringMatching(/^response_headers_to_add: "x-r" read headers the list writes/),
    ]);
  });

  it("a whole document: header_mutation and route options together, header_mutation first on the request and last on the response", () => {
    const t = translateDocument({
      request_mutations: [hv("x-hm", "1")], response_mutations: [hv("x-hm", "1")],
      request_headers_to_add: [{ header: { key: "x-route", value: "1" } }], response_headers_to_add: [{ header: { key: "x-route", value: "1" } }],
    });
    expect(typeof t).toBe("object");
    if (typeof t === "string") return;
    expect(t.config.rules.map((r) => `${r.target ?? "request"} ${r.name}`)).toEqual(["request x-hm", "request x-route", "response x-route", "response x-hm"]);
    expect(t.warnings).toEqual([]);
    expect(translateDocument({ virtual_hosts: [] })).toMatch(/found neither a header_mutation configuration .* nor route header options/);
  });
});

describe("npm run translate:header-rewrite", () => {
  const cli = join(here, "tools", "cli.ts");
  const run = (...args: string[]) => spawnSync(process.execPath, ["--conditions=filterkit-source", "--import", "tsx", cli, ...args], { encoding: "utf8", cwd: join(here, "../..") });
  const dir = mkdtempSync(join(tmpdir(), "translate-"));

  it("reads YAML, prints the configuration, warns on stderr; --strict fails on warnings", () => {
    const yaml = join(dir, "hm.yaml");
    writeFileSync(yaml, [
      "name: envoy.filters.http.header_mutation",
      "typed_config:",
      `  "@type": ${HM_TYPE}`,
      "  mutations:",
      "    request_mutations:",
      "    - append: {header: {key: x-env, value: prod}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}",
      "    - append: {header: {key: x-odd, value: v}, append_action: WHENEVER}",
      "",
    ].join("\n"));
    const r = run(yaml);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ rules: [{ op: "set", name: "x-env", value: "prod" }] });
    expect(r.stderr).toContain('warning: request_mutations[1].append.append_action: unknown action "WHENEVER"');
    expect(run(yaml, "--strict").status).toBe(1);
  });

  it("a file it cannot read, or one holding neither kind, is an error that says so", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "clusters: []\n");
    const r = run(bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/found neither a header_mutation configuration/);
    expect(run(join(dir, "missing.yaml")).status).toBe(2);
    expect(run().stderr).toMatch(/^usage: /);
  });
});
