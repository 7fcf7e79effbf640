// The README's configurations are real: every JSON example is accepted by the filter, the Envoy
// example translates to exactly the JSON shown under it, and the Kong and Higress examples do on the
// mock host what the source plugin's documentation says they do.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createHost, LogLevel, type HeaderPairs, type MockHost } from "@filterkit/host-mock";
import { BUILDS } from "../../sdk/test/helpers.ts";
import { translateDocument, type Json } from "./tools/translate.ts";

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, "README.md"), "utf8");

/** The fenced blocks of the README in order: language and text. */
const blocks = [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));
const configs = blocks.filter((b) => b.lang === "json").map((b) => JSON.parse(b.text) as { rules: unknown[] });

/** The JSON block that follows the YAML block whose text includes `marker`. */
function pairAfter(marker: string): { yaml: Json; json: Json } {
  const i = blocks.findIndex((b) => b.lang === "yaml" && b.text.includes(marker));
  expect(i, `a yaml block with ${marker}`).toBeGreaterThanOrEqual(0);
  const j = blocks.findIndex((b, k) => k > i && b.lang === "json");
  return { yaml: parse(blocks[i].text) as Json, json: JSON.parse(blocks[j].text) as Json };
}

describe.each(BUILDS)("header-rewrite README (%s build)", (target) => {
  function host(config: unknown): MockHost {
    const h = createHost({ wasm: join(here, "build", `${target}.wasm`), rootId: "header_rewrite", pluginConfig: config as Record<string, unknown> });
    expect(h.configured, h.logsAt(LogLevel.error).join("\n")).toBe(true);
    return h;
  }

  function through(h: MockHost, path: string, headers: HeaderPairs, authority = "example.com"): { request: HeaderPairs; response: HeaderPairs } {
    const s = h.newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", path], [":authority", authority], ...headers], true);
    s.sendResponseHeaders([[":status", "200"], ["x-powered-by", "php"], ["x-backend-host", "10.0.0.7"]], true);
    return { request: s.request.headers, response: s.response.headers };
  }

  const value = (pairs: HeaderPairs, name: string): string[] => pairs.filter(([k]) => k === name).map(([, v]) => v);

  describe("header-rewrite README", () => {
    it("every JSON configuration in it is accepted by the filter", () => {
      expect(configs.length).toBeGreaterThanOrEqual(4);
      for (const c of configs) host(c);
    });

    it("the header_mutation example translates to the JSON shown under it", () => {
      const { yaml, json } = pairAfter("envoy.filters.http.header_mutation");
      const t = translateDocument(yaml);
      expect(t).toEqual({ config: json, warnings: [] });
    });

    it("the Kong example does what Kong's request-transformer would", () => {
      const { json } = pairAfter("request-transformer");
      const h = host(json);
      const r = through(h, "/p?debug=1&id=7", [["x-internal-token", "t"], ["x-user", "ann"], ["x-env", "dev"], ["x-source", "client"], ["x-trace", "c"]]);
      expect(value(r.request, ":path")).toEqual(["/p?id=7&via=gateway"]);
      expect(value(r.request, "x-internal-token")).toEqual([]);
      expect(value(r.request, "x-user")).toEqual([]);
      expect(value(r.request, "x-forwarded-user")).toEqual(["ann"]);
      expect(value(r.request, "x-env")).toEqual(["prod"]); // replace: present
      expect(value(r.request, "x-source")).toEqual(["client"]); // add: only when absent
      expect(value(r.request, "x-trace")).toEqual(["c", "gw"]);
      const bare = through(h, "/p", []);
      expect(value(bare.request, "x-env")).toEqual([]); // replace never adds
      expect(value(bare.request, "x-source")).toEqual(["kong"]);
    });

    it("the Higress example does what Higress's transformer would", () => {
      const { json } = pairAfter("reqRules");
      const h = host(json);
      const r = through(h, "/orders/7", [], "acme.api.example.com");
      expect(value(r.request, "x-tenant")).toEqual(["acme"]);
      expect(value(r.request, "x-path-seen")).toEqual(["path-orders/7"]);
      expect(value(r.response, "x-powered-by")).toEqual([]);
      expect(value(through(h, "/", [], "other.org").request, "x-tenant")).toEqual([]);
    });

    it("the opening example edits what it says", () => {
      const h = host(configs[0]);
      const r = through(h, "/v1/items?x=1", [["x-internal-user", "eve"], ["cookie", "a=1"]]);
      expect(value(r.request, ":path")).toEqual(["/v2/items?x=1"]);
      expect(value(r.request, "x-internal-user")).toEqual([]);
      expect(value(r.request, "x-request-start")[0]).toMatch(/^t=\d{13}$/);
      expect(value(r.response, "set-cookie")).toEqual(["seen=1; Path=/; HttpOnly"]);
      expect(value(through(h, "/", [["cookie", "seen=1"]]).response, "set-cookie")).toEqual([]);
    });
  });
});
