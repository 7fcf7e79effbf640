import { describe, expect, it } from "vitest";
import { decodePairs, encodePairs } from "../src/pairs.ts";

// §9.1 example: {"a":"1","b":"22"}
const REFERENCE = Uint8Array.from([
  0x02, 0x00, 0x00, 0x00,
  0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
  0x61, 0x00, 0x31, 0x00, 0x62, 0x00, 0x32, 0x32, 0x00,
]);

describe("header pairs codec (§9.1)", () => {
  it("encodes the reference example byte for byte", () => {
    expect(encodePairs([["a", "1"], ["b", "22"]])).toEqual(REFERENCE);
  });

  it("decodes the reference example", () => {
    expect(decodePairs(REFERENCE)).toEqual([["a", "1"], ["b", "22"]]);
  });

  it("keeps repeats, order and UTF-8", () => {
    const pairs: Array<[string, string]> = [["x", "1"], ["x", "2"], ["é", "ü"], ["", ""]];
    expect(decodePairs(encodePairs(pairs))).toEqual(pairs);
  });

  it("accepts N=0, size 0 and a lone 0x00 as empty", () => {
    expect(decodePairs(Uint8Array.of(0, 0, 0, 0))).toEqual([]);
    expect(decodePairs(new Uint8Array(0))).toEqual([]);
    expect(decodePairs(Uint8Array.of(0))).toEqual([]);
    expect(encodePairs([])).toEqual(Uint8Array.of(0, 0, 0, 0));
  });

  it("treats malformed input as empty (cpp-host rules)", () => {
    const trailing = Uint8Array.from([...REFERENCE, 0x00]);
    expect(decodePairs(trailing)).toEqual([]);
    const noNul = REFERENCE.slice();
    noNul[21] = 0x7a; // NUL after "a" replaced
    expect(decodePairs(noNul)).toEqual([]);
    const overrun = REFERENCE.slice();
    overrun[16] = 0x09; // value length of 2nd pair too long
    expect(decodePairs(overrun)).toEqual([]);
    expect(decodePairs(REFERENCE.subarray(0, REFERENCE.length - 1))).toEqual([]);
  });

  it("rejects N > 1024 and inputs over 1 MiB", () => {
    const many = encodePairs(Array.from({ length: 1025 }, (_, i) => [`k${i}`, ""] as [string, string]));
    expect(decodePairs(many)).toEqual([]);
    const ok = encodePairs(Array.from({ length: 1024 }, (_, i) => [`k${i}`, ""] as [string, string]));
    expect(decodePairs(ok)).toHaveLength(1024);
    const big = encodePairs([["k", "v".repeat(1024 * 1024)]]);
    expect(decodePairs(big)).toEqual([]);
  });
});
