// The README's "Write a filter" example is this fixture, verbatim, and behaves as the README's
// "Test a filter" example says.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createHost, FilterHeadersStatus, LogLevel } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm, fixturesDir, repoRoot } from "./helpers.ts";

it("README shows the readme-example fixture verbatim", () => {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const code = readFileSync(join(fixturesDir, "readme-example", "assembly", "index.ts"), "utf8");
  expect(readme).toContain("```ts\n" + code + "```");
});

describe.each(BUILDS)("the README example (%s build)", (build) => {
  it("the README's test example passes", () => {
    const host = createHost({ wasm: fixtureWasm("readme-example", build), rootId: "my_root", pluginConfig: { header: "x-token" } });
    const s = host.newHttpStream();
    expect(s.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"]], true))
      .toBe(FilterHeadersStatus.StopIteration);
    expect(s.localReply?.status).toBe(403);
    expect(s.response.headers).toContainEqual([":status", "403"]);   // what the client got
    expect(host.logsAt(LogLevel.error)).toEqual([]);

    const ok = host.newHttpStream();
    expect(ok.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"], ["x-token", "t"]], true))
      .toBe(FilterHeadersStatus.Continue);
    expect(ok.localReply).toBeNull();
  });

  it("the README's example refuses a configuration without the header field", () => {
    const host = createHost({ wasm: fixtureWasm("readme-example", build), rootId: "my_root", pluginConfig: { header: 7 } });
    expect(host.configured).toBe(false);
    expect(host.logsAt(LogLevel.error)).toEqual(['invalid configuration: field "header": expected a non-empty string, got number']);
  });
});
