import { describe, expect, it } from "vitest";
import { createHost, LogLevel, MockHost } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm, prng } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = {
  "json": { debug: fixtureWasm("json", "debug"), release: fixtureWasm("json", "release") },
};

// The json fixture parses the plugin configuration on every configure() and logs
// "ok <canonical JSON>" or "error <byte offset> <message>". A trap would throw TrapError.

describe.each(BUILDS)("JSON parser (%s build)", (build) => {
  function parser(): { host: MockHost; parse: (input: string | Uint8Array) => string } {
    const host = createHost({ wasm: WASM["json"][build], rootId: "json", pluginConfig: "null" });
    return {
      host,
      parse(input) {
        host.clearLogs();
        expect(host.configure(input)).toBe(true);
        const logs = host.logsAt(LogLevel.info);
        expect(logs.length).toBe(1);
        return logs[0];
      },
    };
  }

  function hasNonFinite(v: unknown): boolean {
    if (typeof v === "number") return !Number.isFinite(v);
    if (Array.isArray(v)) return v.some(hasNonFinite);
    if (v !== null && typeof v === "object") return Object.values(v).some(hasNonFinite);
    return false;
  }

  it("parses and re-serializes valid documents", () => {
    const { parse } = parser();
    expect(parse('{"a":[1,2.5,-0,1e3,"x\\n\\u00e9\\ud83d\\ude00"],"b":{"c":null,"d":true}}'))
      .toBe('ok {"a":[1,2.5,-0,1000,"x\\né😀"],"b":{"c":null,"d":false}}'.replace("false", "true"));
    expect(parse(" [ ] ")).toBe("ok []");
    expect(parse('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001"')).toBe('ok "\\"\\\\/\\b\\f\\n\\r\\t\\u0001"');
    expect(parse('{"a":1,"a":2}')).toBe('ok {"a":1,"a":2}');
    expect(parse("\ufeff[1]")).toBe("ok [1]");
    expect(parse("[" .repeat(64) + "]".repeat(64))).toBe("ok " + "[".repeat(64) + "]".repeat(64));
    expect(parse("-9007199254740992")).toBe("ok -9007199254740992");
  });

  const invalid: Array<[string, string]> = [
    ["", "error 0 unexpected end of input"],
    ["   ", "error 3 unexpected end of input"],
    ["[", "error 1 unexpected end of input"],
    ['{"a":}', "error 5 unexpected character"],
    ['{"a" 1}', "error 5 expected ':' after key"],
    ["[1,]", "error 3 unexpected character"],
    ["[1 2]", "error 3 expected ',' or ']'"],
    ["{1:2}", "error 1 expected a string key"],
    ["123abc", "error 3 unexpected trailing characters"],
    ["tru", "error 0 invalid literal"],
    ["nul", "error 0 invalid literal"],
    ["-", "error 0 invalid number"],
    ["01", "error 1 unexpected trailing characters"],
    ["1.", "error 0 invalid number"],
    ["1e", "error 0 invalid number"],
    ["1e999", "error 0 number out of range"],
    ["-1e400", "error 0 number out of range"],
    ['"abc', "error 0 unterminated string"],
    ['"\\', "error 0 unterminated string"],
    ['"\\u12"', "error 1 invalid \\u escape"],
    ['"\\u12', "error 1 invalid \\u escape"],
    ['"\\x"', "error 1 invalid escape"],
    ['"\\ud800"', "error 1 unpaired surrogate in \\u escape"],
    ['"\\udc00"', "error 1 unpaired surrogate in \\u escape"],
    ['"\\ud800\\u0041"', "error 1 unpaired surrogate in \\u escape"],
    ['"a\nb"', "error 2 control character in string"],
    ["[".repeat(65) + "]".repeat(65), "error 64 nesting deeper than 64 levels"],
    ["[".repeat(100000), "error 64 nesting deeper than 64 levels"],
    ['{"a":'.repeat(70), "error 320 nesting deeper than 64 levels"],
  ];
  it.each(invalid)("rejects %j with the byte offset", (input, expected) => {
    const { parse } = parser();
    expect(parse(input)).toBe(expected);
  });

  it("rejects invalid UTF-8 inside strings", () => {
    const { parse } = parser();
    const cases: number[][] = [
      [0x22, 0xff, 0x22], [0x22, 0xc0, 0xaf, 0x22], [0x22, 0xed, 0xa0, 0x80, 0x22],
      [0x22, 0xf0, 0x9f, 0x98, 0x22], [0x22, 0xf4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xe2, 0x82],
    ];
    for (const c of cases) expect(parse(new Uint8Array(c))).toBe("error 1 invalid UTF-8");
    expect(parse(new Uint8Array([0x22, 0xf0, 0x9f, 0x98, 0x80, 0x22]))).toBe('ok "😀"');
  });

  it("fuzz: mutated documents never trap and agree with JSON.parse", () => {
    const { host, parse } = parser();
    const rnd = prng(42);
    const seeds = [
      '{"name":"x","list":[1,2,{"k":"v"}],"n":-1.5e3,"t":true,"f":false,"z":null,"s":"a\\"b\\u0041\\n"}',
      '[[[[{"a":[]}]]]]', '"str"', "0", '{"deep":{"er":{"est":[1e-7,2E+3,-0.0]}}}',
    ];
    const alphabet = '{}[]:,"\\ -+.eE0123456789tfnulrsaxu\u00e9\n';
    let disagreements = 0;
    for (let i = 0; i < 4000; i++) {
      const chars = seeds[i % seeds.length].split("");
      const edits = 1 + Math.floor(rnd() * 5);
      for (let j = 0; j < edits; j++) {
        const pos = Math.floor(rnd() * (chars.length + 1));
        const ch = alphabet[Math.floor(rnd() * alphabet.length)];
        const op = rnd();
        if (op < 0.33) chars.splice(pos, 1);
        else if (op < 0.66) chars.splice(pos, 0, ch);
        else chars[pos] = ch;
      }
      const input = chars.join("");
      const out = parse(input);
      let expected: unknown;
      let valid = true;
      try { expected = JSON.parse(input); } catch { valid = false; }
      if (!valid) {
        if (!out.startsWith("error ")) disagreements++;
      } else if (hasNonFinite(expected)) {
        if (out !== "error " + out.slice(6)) disagreements++;
      } else if (!out.startsWith("ok ") || JSON.stringify(JSON.parse(out.slice(3))) !== JSON.stringify(expected)) {
        disagreements++;
      }
    }
    expect(disagreements).toBe(0);
    expect(host.logsAt(LogLevel.critical)).toEqual([]);
  });

  it("numbers convert like JSON.parse (own decimal conversion, no strtod)", () => {
    const { parse } = parser();
    const rnd = prng(11);
    const digits = (k: number) => { let s = ""; for (let i = 0; i < k; i++) s += Math.floor(rnd() * 10); return s; };
    const nz = () => String(1 + Math.floor(rnd() * 9));
    const inputs = [
      "9007199254740992", "-9007199254740991", "0.1", "0.3", "1e22", "1e23", "1e30", "12345e-30",
      "1.7976931348623157e308", "2.2250738585072014e-308", "2.225073858507201e-308", "5e-324",
      "4.9406564584124654e-324", "2e-324", "71e-310", "1e-400", "123456789012345678901234567890",
      "0.000001", "-0.0", "3.14159", "2.5e10", "1e0", "1E+2", "0e999999999999",
    ];
    for (let i = 0; i < 3000; i++) {
      const r = rnd();
      if (r < 0.25) inputs.push(String(rnd() * Math.pow(10, Math.floor(rnd() * 40 - 20))));
      else if (r < 0.5) inputs.push(nz() + digits(Math.floor(rnd() * 25)) + "." + digits(1 + Math.floor(rnd() * 25)));
      else if (r < 0.75) inputs.push(nz() + digits(Math.floor(rnd() * 18)) + "e" + Math.floor(rnd() * 700 - 350));
      else inputs.push(String(Math.floor(rnd() * 2 ** 53)));
    }
    const wrong: string[] = [];
    for (const s of inputs) {
      const want = Number(s);
      const out = parse(s);
      if (!Number.isFinite(want)) { if (out !== "error 0 number out of range") wrong.push(`${s} -> ${out}`); continue; }
      if (!out.startsWith("ok ") || Number(out.slice(3)) !== want) wrong.push(`${s} -> ${out}, want ${want}`);
    }
    expect(wrong).toEqual([]);
  });

  it("fuzz: random bytes never trap", () => {
    const { parse } = parser();
    const rnd = prng(7);
    for (let i = 0; i < 3000; i++) {
      const bytes = new Uint8Array(Math.floor(rnd() * 64));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rnd() * 256);
      expect(parse(bytes)).toMatch(/^(ok|error \d+) /);
    }
  });

  it("fuzz: truncations of a valid document never trap and report an offset inside it", () => {
    const { parse } = parser();
    const doc = '{"a":[1,{"b":"\\u00e9\\ud83d\\ude00x"},true,null,-12.5e-3],"c":"é"}';
    const bytes = new TextEncoder().encode(doc);
    for (let n = 0; n < bytes.length; n++) {
      const out = parse(bytes.slice(0, n));
      const m = /^error (\d+) /.exec(out);
      expect(m, `prefix of ${n} bytes gave ${out}`).not.toBeNull();
      expect(Number(m?.[1])).toBeLessThanOrEqual(n);
    }
    expect(parse(bytes)).toMatch(/^ok /);
  });
});
