// The SDK's query-string and cookie helpers (sdk/assembly/http/), on both builds, against a
// reference written here in TypeScript from RFC 3986 / RFC 6265 (and fuzzed against it).
import { isIP } from "node:net";
import { describe, expect, it } from "vitest";
import { createHost, LogLevel } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm, prng } from "./helpers.ts";

const WASM = { debug: fixtureWasm("http-utils", "debug"), release: fixtureWasm("http-utils", "release") };

function run(build: "debug" | "release", config: Record<string, unknown>): string[] {
  const host = createHost({ wasm: WASM[build], rootId: "http_utils", pluginConfig: config });
  expect(host.configured).toBe(true);
  return host.logsAt(LogLevel.info);
}

/** Reference percent-decoding: %XX with two hex digits decodes, anything else stays; bytes read as UTF-8. */
function refDecode(s: string): string {
  const bytes: number[] = [];
  const src = Buffer.from(s, "utf8");
  for (let i = 0; i < src.length; i++) {
    if (src[i] === 0x25 && i + 2 < src.length && /^[0-9a-fA-F]{2}$/.test(String.fromCharCode(src[i + 1], src[i + 2]))) {
      bytes.push(parseInt(String.fromCharCode(src[i + 1], src[i + 2]), 16));
      i += 2;
    } else bytes.push(src[i]);
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Canonical text of an address as WHATWG's URL parser prints it (IPv6: RFC 5952 compression), or null. */
function refIp(text: string): string | null {
  const kind = isIP(text);
  if (kind === 4) return /^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/.test(text) ? text : null;
  if (kind === 6 && !text.includes("%")) return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  return null;
}

/** The address with all but the first `bits` bits cleared (reference, BigInt). */
function refMask(text: string, bits: number): string {
  const v4 = isIP(text) === 4;
  const width = v4 ? 32 : 128;
  let n = v4 ? text.split(".").reduce((a, p) => (a << 8n) | BigInt(Number(p)), 0n) : BigInt(`0x${expand6(text)}`);
  const keep = BigInt(Math.max(0, Math.min(width, bits)));
  n &= ((1n << keep) - 1n) << (BigInt(width) - keep);
  if (v4) return [24n, 16n, 8n, 0n].map((sh) => String((n >> sh) & 255n)).join(".");
  const hexText = n.toString(16).padStart(32, "0");
  return new URL(`http://[${hexText.match(/.{4}/g)?.join(":")}]/`).hostname.slice(1, -1);
}

/** 32 hex digits of an IPv6 address (via Node's canonical form). */
function expand6(text: string): string {
  const canon = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const [head, tail = ""] = canon.split("::");
  const hs = head === "" ? [] : head.split(":");
  const ts = tail === "" ? [] : tail.split(":");
  const fill = canon.includes("::") ? Array(8 - hs.length - ts.length).fill("0") : [];
  return [...hs, ...fill, ...ts].map((g) => g.padStart(4, "0")).join("");
}

describe.each(BUILDS)("query strings and cookies (%s build)", (build) => {
  it("splits :path at the first '?', keeps every parameter as written, decodes names and values", () => {
    expect(run(build, { queries: ["/a/b?x=1&y=%41%2f&z&&w=a=b", "/no-query", "/empty?", "/?%zz=%4"] })).toEqual([
      "q /a/b ? x=1|y=A/|z=(novalue)|=(novalue)|w=a=b rebuilt=x=1&y=%41%2f&z&&w=a=b",
      "q /no-query -  rebuilt=",
      "q /empty ?  rebuilt=",
      "q / ? %zz=%4 rebuilt=%zz=%4",
    ]);
  });

  it("percent-decodes leniently and encodes everything but unreserved characters", () => {
    expect(run(build, { decode: ["%41%62c", "100%", "%E2%82%AC", "%e2%82%ac", "%C3", "a+b", "%%41"], encode: ["a b/c?d=e&f", "€", "-._~", "%"] })).toEqual([
      "d Abc", "d 100%", "d €", "d €", "d \ufffd", "d a+b", "d %A",
      "e a%20b%2Fc%3Fd%3De%26f", "e %E2%82%AC", "e -._~", "e %25",
    ]);
  });

  it("finds a cookie across cookie headers as Envoy does: first one wins, quotes dropped, names exact", () => {
    expect(run(build, { cookies: [
      { headers: ["a=1; b=2", "c=3"], name: "c" }, { headers: ["a=1; a=2"], name: "a" }, { headers: ["s=\"quoted\""], name: "s" },
      { headers: ["x=1"], name: "y" }, { headers: [" sp = v ; t=1"], name: "sp" }, { headers: [";;=;"], name: "" },
      // as Envoy's parseCookieValue: spaces before the name skipped, nothing trimmed after it or from the value
      { headers: ["  sp=v ;t=1"], name: "sp" }, { headers: ["a=1;t=1"], name: "t" }, { headers: ["\tk=1"], name: "k" },
    ] }).map((l) => l.split(" all=")[0])).toEqual(["c 3", "c 1", "c quoted", "c (null)", "c (null)", "c (null)", "c v ", "c 1", "c (null)"]);
  });

  it("every value of a cookie (a credential sent twice is a duplicate), and a header without it (the others as written)", () => {
    expect(run(build, { cookies: [
      { headers: ["a=1; b=2; a=\"3\"", "a=4"], name: "a" },
      { headers: ["x=1;a=2; y=3", "a=9", "b=1"], name: "a" },
      { headers: ["ab=1; a=2"], name: "a" },
      { headers: ["noequals; a"], name: "a" },
    ] }).map((l) => l.slice(l.indexOf(" all=") + 1))).toEqual([
      `all=["1","3","4"] without=["b=2",""]`,
      `all=["2","9"] without=["x=1; y=3","","b=1"]`,
      `all=["2"] without=["ab=1"]`,
      `all=[] without=["noequals; a"]`,
    ]);
  });

  it("addresses: IPv4 and IPv6 parsed strictly and printed canonically (as Node's URL does), masked as BigInt says", () => {
    const texts = ["10.1.2.3", "0.0.0.0", "255.255.255.255", "1.2.3.256", "01.2.3.4", "1.2.3", "1.2.3.4.5", " 1.2.3.4", "1.2.3.4 ",
      "::", "::1", "1::", "2001:db8::1", "2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8:0:0:1:0:0:1", "fe80::1:0:0:0",
      "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1::", "1:", "12345::", "g::", "::1.2.3", "[::1]", "fe80::1%eth0", "", "x"];
    const rnd = prng(8);
    for (let i = 0; i < 300; i++) {
      const g = Array.from({ length: 8 }, () => (rnd() < 0.4 ? 0 : Math.floor(rnd() * 65536)).toString(16));
      texts.push(g.join(":"), Array.from({ length: 4 }, () => String(Math.floor(rnd() * 256))).join("."));
    }
    const masks = texts.map((_, i) => [0, 1, 7, 8, 9, 16, 24, 31, 32, 48, 64, 127, 128][i % 13]);
    const out = run(build, { ips: texts.map((ip, i) => ({ ip, mask: masks[i] })) });
    expect(out).toEqual(texts.map((t, i) => {
      const r = refIp(t);
      return `i ${r ?? "(null)"} ${r === null ? "-" : refMask(t, masks[i])}`;
    }));
  });

  it("source.address without its port, and the client from X-Forwarded-For by trusted hops (never the leftmost entry)", () => {
    expect(run(build, { sources: ["10.0.0.1:52314", "[2001:db8::1]:443", "[::1]", "10.0.0.1", "::1", "10.0.0.1:", "10.0.0.1:99999", "[::1]x", "host:80"] }))
      .toEqual(["s 10.0.0.1", "s 2001:db8::1", "s ::1", "s 10.0.0.1", "s ::1", "s (null)", "s (null)", "s (null)", "s (null)"]);
    expect(run(build, { xff: [
      { values: ["6.6.6.6, 1.1.1.1, 2.2.2.2"], hops: 1 }, { values: ["6.6.6.6, 1.1.1.1, 2.2.2.2"], hops: 2 },
      { values: ["6.6.6.6", "1.1.1.1,2.2.2.2"], hops: 3 }, { values: ["1.1.1.1"], hops: 2 }, { values: ["1.1.1.1, junk"], hops: 1 },
      { values: ["[2001:db8::7]:80, 10.0.0.9"], hops: 2 }, { values: ["1.1.1.1"], hops: 0 }, { values: [], hops: 1 },
    ] })).toEqual(["x 2.2.2.2", "x 1.1.1.1", "x 6.6.6.6", "x (null)", "x (null)", "x 2001:db8::7", "x (null)", "x (null)"]);
  });

  it("invalid UTF-8 after decoding becomes U+FFFD per maximal subpart (WHATWG), never an overlong ASCII", () => {
    expect(run(build, { decode: ["%C3", "%FF%FEa", "a%C3b", "%ED%A0%80x", "%C0%AF", "%F4%90%80%80", "%E2%82%AC%E2"] }))
      .toEqual(["d \ufffd", "d \ufffd\ufffda", "d a\ufffdb", "d \ufffd\ufffd\ufffdx", "d \ufffd\ufffd", "d \ufffd\ufffd\ufffd\ufffd", "d €\ufffd"]);
  });

  it("fuzz: decoding agrees with the reference (Node's UTF-8 decoder) and never traps", () => {
    const rnd = prng(5);
    const alphabet = "%aZ09fF+=&/é€\u0000 ";
    const byte = (): string => `%${Math.floor(rnd() * 256).toString(16).padStart(2, "0")}`;
    const piece = (): string => (rnd() < 0.5 ? byte() : alphabet[Math.floor(rnd() * alphabet.length)]);
    const inputs = Array.from({ length: 600 }, () => Array.from({ length: Math.floor(rnd() * 12) }, piece).join(""));
    const logs = run(build, { decode: inputs.map((s) => s || "x") });
    expect(logs).toEqual(inputs.map((s) => `d ${refDecode(s || "x")}`));
  });
});
