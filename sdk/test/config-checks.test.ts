// JsonConfig's checks for configurations with many fields (sdk/assembly/config.ts): unknown fields
// are errors, enumerations name what they accept, and checkAll logs every problem, one line each.
import { describe, expect, it } from "vitest";
import { createHost, LogLevel } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm } from "./helpers.ts";

const WASM = { debug: fixtureWasm("config-checks", "debug"), release: fixtureWasm("config-checks", "release") };

describe.each(BUILDS)("configuration checks (%s build)", (build) => {
  const host = (config: Record<string, unknown>) => createHost({ wasm: WASM[build], rootId: "config_checks", pluginConfig: config });

  it("accepts a valid configuration", () => {
    const h = host({ mode: "fast", rules: [{ name: "a", kind: "b" }] });
    expect(h.configured).toBe(true);
    expect(h.logsAt(LogLevel.info)).toEqual(["ok mode=fast rules=1"]);
  });

  it("refuses with one error line per problem, each naming its field", () => {
    const h = host({ mode: "slow", extra: 1, rules: [{ name: "a", kind: "c", typo: true }, { kind: 3 }] });
    expect(h.configured).toBe(false);
    expect(h.logsAt(LogLevel.error)).toEqual([
      'invalid configuration: field "extra": unknown field (expected one of: mode, rules)',
      'invalid configuration: field "mode": expected one of "fast", "safe", got "slow"',
      'invalid configuration: field "rules[0].typo": unknown field (expected one of: name, kind)',
      'invalid configuration: field "rules[0].kind": expected one of "a", "b", got "c"',
      'invalid configuration: field "rules[1].name": expected a non-empty string, got nothing (field is missing)',
      'invalid configuration: field "rules[1].kind": expected one of "a", "b", got number',
    ]);
  });

  it("quotes and cuts a refused value (the text lands in Envoy's log)", () => {
    const h = host({ mode: `a\r\nforged log line ${"x".repeat(60)}` });
    const [line] = h.logsAt(LogLevel.error);
    expect(line).toContain('got "a\\r\\nforged log line xxxxxxxxxxxxxxxxxxxxx…"');
    expect(line).not.toContain("\n");
  });
});
