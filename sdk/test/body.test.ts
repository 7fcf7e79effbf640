import { describe, expect, it } from "vitest";
import { createHost, FilterDataStatus, LogLevel } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = {
  "body": { debug: fixtureWasm("body", "debug"), release: fixtureWasm("body", "release") },
};

describe.each(BUILDS)("body buffers (%s build)", (build) => {
  function stream(mode: string) {
    const host = createHost({ wasm: WASM["body"][build], rootId: "body" });
    const s = host.newHttpStream();
    s.sendRequestHeaders([[":method", "POST"], [":path", "/"], [":authority", "a"], ["x-mode", mode]], false);
    return { host, s };
  }

  it("reads the chunk as text and replaces it", () => {
    const { host, s } = stream("replace");
    expect(s.sendRequestBody("hello", true)).toBe(FilterDataStatus.Continue);
    expect(host.logsAt(LogLevel.info)).toEqual(["request size=5 eos=1 len=5 text=hello"]);
    expect(s.request.bodyText).toBe("REPLACED(hello)");
  });

  it("appends", () => {
    const { s } = stream("append");
    s.sendRequestBody("hello", true);
    expect(s.request.bodyText).toBe("hello+tail");
  });

  it("prepends", () => {
    const { s } = stream("prepend");
    s.sendRequestBody("hello", true);
    expect(s.request.bodyText).toBe("head+hello");
  });

  it("replaces with an empty body", () => {
    const { s } = stream("empty");
    s.sendRequestBody("hello", true);
    expect(s.request.bodyText).toBe("");
  });

  it("reads raw bytes and ranges, writes binary data", () => {
    const { host, s } = stream("bytes");
    s.sendRequestBody(new Uint8Array([1, 2, 3, 4, 0, 127]), true);
    expect(host.logsAt(LogLevel.info)).toEqual([
      "request size=6 eos=1 len=6 text=\u0001\u0002\u0003\u0004\u0000\u007f",
      "request bytes=6 part=\u0002\u0003\u0004",
    ]);
    expect(Array.from(s.request.body)).toEqual([127, 0, 4, 3, 2, 1]);
    const s2 = stream("bytes").s;
    s2.sendRequestBody(new Uint8Array([0, 128, 255, 254]), true);
    expect(Array.from(s2.request.body)).toEqual([254, 255, 128, 0]);
  });

  it("buffers until end of stream, then sees and rewrites the whole body", () => {
    const { host, s } = stream("buffer");
    expect(s.sendRequestBody("ab", false)).toBe(FilterDataStatus.StopIterationAndBuffer);
    expect(s.sendRequestBody("cd", false)).toBe(FilterDataStatus.StopIterationAndBuffer);
    expect(s.sendRequestBody("ef", true)).toBe(FilterDataStatus.Continue);
    expect(host.logsAt(LogLevel.info)).toEqual([
      "request buffering size=2",
      "request buffering size=4",
      "request size=6 eos=1 len=6 text=abcdef",
    ]);
    expect(s.request.bodyText).toBe("ABCDEF");
  });

  it("works on the response body too", () => {
    const { s } = stream("append");
    s.sendRequestBody("q", true);
    s.sendResponseHeaders([[":status", "200"]], false);
    s.sendResponseBody("resp", true);
    expect(s.response.bodyText).toBe("resp+tail");
  });
});
