import { describe, expect, it } from "vitest";
import { createHost, LogLevel } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm, prng } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = {
  "config": { debug: fixtureWasm("config", "debug"), release: fixtureWasm("config", "release") },
};

describe.each(BUILDS)("JsonConfig (%s build)", (build) => {
  function configure(config: string | Record<string, unknown>) {
    const host = createHost({ wasm: WASM["config"][build], rootId: "config", pluginConfig: config });
    return host;
  }

  it("reads required, optional, nested and array fields", () => {
    const host = configure({
      name: "svc", limit: 5, enabled: false, ratio: 0.25, prefix: "/api",
      headers: [{ name: "a", value: "b" }, { name: "c" }], tags: ["x", "y"], upstream: { host: "h", port: 80 },
    });
    expect(host.configured).toBe(true);
    expect(host.logsAt(LogLevel.info)).toEqual([
      "config name=svc limit=5 enabled=false ratio=0.25 prefix=/api headers=a:b,c: tags=x,y upstream=h:80",
    ]);
  });

  it("applies defaults for absent optional fields", () => {
    const host = configure({ name: "svc" });
    expect(host.configured).toBe(true);
    expect(host.logsAt(LogLevel.info)).toEqual([
      "config name=svc limit=10 enabled=true ratio=0.5 prefix= headers= tags= upstream=-",
    ]);
  });

  const cases: Array<[string, string]> = [
    ['{"name":"n","headers":[{"name":"a"},{"name":3}]}', 'invalid configuration: field "headers[1].name": expected a non-empty string, got number'],
    ['{"limit":5}', 'invalid configuration: field "name": expected a non-empty string, got nothing (field is missing)'],
    ['{"name":""}', 'invalid configuration: field "name": expected a non-empty string, got string'],
    ['{"name":"n","limit":"5"}', 'invalid configuration: field "limit": expected an integer in [1, 1000], got string'],
    ['{"name":"n","limit":2.5}', 'invalid configuration: field "limit": expected an integer in [1, 1000], got non-integer number'],
    ['{"name":"n","limit":0}', 'invalid configuration: field "limit": expected an integer in [1, 1000], got 0'],
    ['{"name":"n","enabled":"yes"}', 'invalid configuration: field "enabled": expected a boolean, got string'],
    ['{"name":"n","headers":{}}', 'invalid configuration: field "headers": expected an array, got object'],
    ['{"name":"n","headers":[1]}', 'invalid configuration: field "headers[0]": expected an object, got number'],
    ['{"name":"n","tags":["a",null]}', 'invalid configuration: field "tags[1]": expected a non-empty string, got null'],
    ['{"name":"n","upstream":{"host":"h","port":70000}}', 'invalid configuration: field "upstream.port": expected an integer in [1, 65535], got 70000'],
    ['{"name":"n","upstream":{"port":1}}', 'invalid configuration: field "upstream.host": expected a non-empty string, got nothing (field is missing)'],
    ['{"name":"n","upstream":[]}', 'invalid configuration: field "upstream": expected an object, got array'],
    ['{"name":1,"limit":true}', 'invalid configuration: field "name": expected a non-empty string, got number (and 1 more)'],
    ['{"name":"n",}', "invalid configuration: expected a string key at byte 12"],
    ["", "invalid configuration: unexpected end of input at byte 0"],
    ["[1]", "invalid configuration: expected a JSON object, got array"],
  ];
  it.each(cases)("rejects %s naming the field", (config, message) => {
    const host = configure(config);
    expect(host.configured).toBe(false);
    expect(host.logsAt(LogLevel.error)).toEqual([message]);
    expect(host.logsAt(LogLevel.info)).toEqual([]);
  });

  it("can be reconfigured from invalid to valid", () => {
    const host = configure("{");
    expect(host.configured).toBe(false);
    expect(host.configure({ name: "ok" })).toBe(true);
  });

  it("fuzz: mutated configurations never trap and report exactly one error line when rejected", () => {
    const host = configure({ name: "seed" });
    const rnd = prng(99);
    const seed = JSON.stringify({
      name: "svc", limit: 5, enabled: false, ratio: 0.25, prefix: "/api",
      headers: [{ name: "a", value: "b" }, { name: "c" }], tags: ["x", "y"], upstream: { host: "h", port: 80 },
    });
    const alphabet = '{}[]:,"\\ -.e0123456789tfnulr';
    let accepted = 0;
    for (let i = 0; i < 2000; i++) {
      const chars = seed.split("");
      const edits = 1 + Math.floor(rnd() * 3);
      for (let j = 0; j < edits; j++) {
        const pos = Math.floor(rnd() * chars.length);
        const ch = alphabet[Math.floor(rnd() * alphabet.length)];
        if (rnd() < 0.5) chars.splice(pos, 1); else chars[pos] = ch;
      }
      host.clearLogs();
      const ok = host.configure(chars.join(""));
      const errors = host.logsAt(LogLevel.error);
      if (ok) {
        accepted++;
        expect(errors).toEqual([]);
        expect(host.logsAt(LogLevel.info)[0]).toMatch(/^config name=/);
      } else {
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatch(/^invalid configuration: /);
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });
});
