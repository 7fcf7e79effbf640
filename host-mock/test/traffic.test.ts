// The traffic generator (src/traffic/generate.ts): replayable, valid on the wire, and covering what
// it promises — so the differential fuzzer and the fuzz harness test what they claim to test.
import { describe, expect, it } from "vitest";
import { ENVOY_HTTP1_LIMITS, headBytes } from "../src/http1.ts";
import { parseScenario } from "../src/scenario/format.ts";
import { clientWireHead, upstreamWireHead } from "../src/scenario/peers.ts";
import { generateTraffic, isReservedName, TCHAR, traffic, type RequestDoc } from "../src/traffic/generate.ts";

const TOKEN = new RegExp(`^[${TCHAR.replace(/[\]\\^-]/g, "\\$&")}]+$`);
const FIELD_VALUE = /^[^\u0000-\u0008\u000a-\u001f\u007f]*$/; // no control character but HTAB

describe("traffic generator", () => {
  const wire = generateTraffic({ seed: 21, count: 3_000 });
  const hostile = generateTraffic({ seed: 21, count: 3_000, profile: "hostile" });

  it("the same seed gives the same traffic, another seed other traffic; the stream and the array agree", () => {
    expect(JSON.stringify(generateTraffic({ seed: 21, count: 200 }))).toBe(JSON.stringify(wire.slice(0, 200)));
    expect(JSON.stringify(generateTraffic({ seed: 22, count: 200 }))).not.toBe(JSON.stringify(wire.slice(0, 200)));
    expect(JSON.stringify([...traffic({ seed: 21, count: 50, profile: "hostile" })])).toBe(JSON.stringify(hostile.slice(0, 50)));
  });

  // thousands of requests through the schema validator: seconds on a loaded 2-core machine
  it("every request is a valid scenario request, with token names and field values only", { timeout: 30_000 }, () => {
    for (const requests of [wire, hostile]) {
      expect(() => parseScenario({ plugins: [{ wasm: "x.wasm" }], requests }, "/x.json")).not.toThrow();
      for (const r of requests) {
        for (const [k, v] of [...r.headers, ...(r.trailers ?? []), ...(r.upstream?.headers ?? [])]) {
          expect(k, JSON.stringify(k)).toMatch(TOKEN);
          expect(v, JSON.stringify(v).slice(0, 80)).toMatch(FIELD_VALUE);
          expect(isReservedName(k), k).toBe(false);
        }
      }
    }
  });

  it("covers what it promises: OWS, empty values, obs-text, repeats in other case, many headers, chunks, trailers, HEAD, 204, set-cookie", () => {
    const headers = wire.flatMap((r) => r.headers);
    const has = (pred: (r: RequestDoc) => boolean): number => wire.filter(pred).length;
    expect(headers.filter(([, v]) => /^[ \t]|[ \t]$/.test(v)).length).toBeGreaterThan(50);
    expect(headers.filter(([, v]) => v === "").length).toBeGreaterThan(50);
    expect(headers.filter(([, v]) => /[^\u0000-\u007f]/.test(v)).length).toBeGreaterThan(50);
    expect(has((r) => r.headers.some(([k], i) => r.headers.some(([k2], j) => j < i && k2 !== k && k2.toLowerCase() === k.toLowerCase())))).toBeGreaterThan(20);
    expect(has((r) => r.headers.length > 40)).toBeGreaterThan(20);
    expect(has((r) => Array.isArray(r.body))).toBeGreaterThan(50);
    expect(has((r) => (r.trailers ?? []).length > 0)).toBeGreaterThan(20);
    expect(has((r) => r.method === "HEAD")).toBeGreaterThan(50);
    expect(has((r) => r.upstream?.status === 204)).toBeGreaterThan(20);
    expect(has((r) => (r.upstream?.headers ?? []).filter(([k]) => k === "set-cookie").length > 1)).toBeGreaterThan(50);
    expect(has((r) => /%[0-9A-F]{2}/.test(r.path) && r.path.includes("?"))).toBeGreaterThan(50);
  });

  it("probes each of Envoy's header limits exactly at and one past it, both ways, as the peers write the heads", () => {
    const requestBytes = new Set<number>();
    const requestLines = new Set<number>();
    const answerBytes = new Set<number>();
    const answerLines = new Set<number>();
    for (const r of wire) {
      const req = clientWireHead({ method: r.method, path: r.path, authority: r.authority, headers: r.headers, body: "", trailers: [] });
      if (r.note?.startsWith("request head")) requestBytes.add(headBytes(req));
      if (r.note?.startsWith("request header lines")) requestLines.add(req.headers.length);
      const a = r.upstream;
      if (a !== undefined && r.note?.startsWith("response head")) answerBytes.add(headBytes(upstreamWireHead({ ...a, trailers: [] })));
      if (a !== undefined && r.note?.startsWith("response header lines")) answerLines.add(upstreamWireHead({ ...a, trailers: [] }).headers.length);
    }
    const L = ENVOY_HTTP1_LIMITS;
    for (const n of [L.maxRequestHeadersBytes, L.maxRequestHeadersBytes + 1]) expect(requestBytes).toContain(n);
    for (const n of [L.maxResponseHeadersBytes, L.maxResponseHeadersBytes + 1]) expect(answerBytes).toContain(n);
    for (const n of [L.maxHeadersCount, L.maxHeadersCount + 1]) {
      expect(requestLines).toContain(n);
      expect(answerLines).toContain(n);
    }
  });

  it("the hostile profile carries every attack", () => {
    const notes = new Set(hostile.map((r) => r.note ?? "").filter((n) => n.startsWith("hostile")).map((n) => n.replace(/\d+/g, "N")));
    expect([...notes].sort()).toEqual([
      "hostile: N × one header name", "hostile: body in one-byte chunks", "hostile: body of control characters", "hostile: long path with dot and empty segments",
      "hostile: odd header names", "hostile: one huge header", "hostile: query string storm", "hostile: unusual authority",
    ]);
  });
});
