// Pins every enum of sdk/assembly/abi/enums.ts twice: against a literal table kept here, and
// against the tables of the ABI reference §8 (../shared/reference/proxy-wasm-abi.md, resolved from
// the repo root). Either drifting fails the test. Without the reference file (and without CI) only
// the literal half runs.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as E from "../../sdk/assembly/abi/enums.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const REFERENCE = join(REPO, "../shared/reference/proxy-wasm-abi.md");

type Table = Record<string, number>;

/** numeric members of a TS enum (drops the reverse mapping) */
function members(e: object): Table {
  const out: Table = {};
  for (const [k, v] of Object.entries(e)) if (typeof v === "number") out[k] = v;
  return out;
}

const EXPECTED: Record<string, Table> = {
  WasmResult: {
    Ok: 0, NotFound: 1, BadArgument: 2, SerializationFailure: 3, ParseFailure: 4, BadExpression: 5, InvalidMemoryAccess: 6,
    Empty: 7, CasMismatch: 8, ResultMismatch: 9, InternalFailure: 10, BrokenConnection: 11, Unimplemented: 12,
  },
  LogLevel: { trace: 0, debug: 1, info: 2, warn: 3, error: 4, critical: 5, off: 6 },
  FilterHeadersStatus: { Continue: 0, StopIteration: 1, ContinueAndEndStream: 2, StopAllIterationAndBuffer: 3, StopAllIterationAndWatermark: 4 },
  FilterDataStatus: { Continue: 0, StopIterationAndBuffer: 1, StopIterationAndWatermark: 2, StopIterationNoBuffer: 3 },
  FilterTrailersStatus: { Continue: 0, StopIteration: 1 },
  FilterMetadataStatus: { Continue: 0 },
  FilterStatus: { Continue: 0, StopIteration: 1 },
  HeaderMapType: {
    RequestHeaders: 0, RequestTrailers: 1, ResponseHeaders: 2, ResponseTrailers: 3, GrpcReceiveInitialMetadata: 4,
    GrpcReceiveTrailingMetadata: 5, HttpCallResponseHeaders: 6, HttpCallResponseTrailers: 7,
  },
  BufferType: {
    HttpRequestBody: 0, HttpResponseBody: 1, NetworkDownstreamData: 2, NetworkUpstreamData: 3, HttpCallResponseBody: 4,
    GrpcReceiveBuffer: 5, VmConfiguration: 6, PluginConfiguration: 7, CallData: 8,
  },
  BufferFlags: { EndOfStream: 1 },
  StreamType: { Request: 0, Response: 1, Downstream: 2, Upstream: 3 },
  PeerType: { Unknown: 0, Local: 1, Remote: 2 },
  MetricType: { Counter: 0, Gauge: 1, Histogram: 2 },
  GrpcStatus: {
    Ok: 0, Canceled: 1, Unknown: 2, InvalidArgument: 3, DeadlineExceeded: 4, NotFound: 5, AlreadyExists: 6, PermissionDenied: 7,
    ResourceExhausted: 8, FailedPrecondition: 9, Aborted: 10, OutOfRange: 11, Unimplemented: 12, Internal: 13, Unavailable: 14,
    DataLoss: 15, Unauthenticated: 16, InvalidCode: -1,
  },
};

const ENUMS: Record<string, object> = {
  WasmResult: E.WasmResult, LogLevel: E.LogLevel, FilterHeadersStatus: E.FilterHeadersStatus, FilterDataStatus: E.FilterDataStatus,
  FilterTrailersStatus: E.FilterTrailersStatus, FilterMetadataStatus: E.FilterMetadataStatus, FilterStatus: E.FilterStatus,
  HeaderMapType: E.HeaderMapType, BufferType: E.BufferType, BufferFlags: E.BufferFlags, StreamType: E.StreamType,
  PeerType: E.PeerType, MetricType: E.MetricType, GrpcStatus: E.GrpcStatus,
};

describe("ABI enums: literal table", () => {
  it("covers exactly the enums the file exports", () => {
    expect(Object.keys(E).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
  for (const [name, table] of Object.entries(EXPECTED)) {
    it(name, () => expect(members(ENUMS[name])).toEqual(table));
  }
});

// ---- the reference §8 -----------------------------------------------------------------------

function section(md: string, heading: string): string {
  const start = md.indexOf(`\n${heading}`);
  if (start < 0) throw new Error(`reference lacks section "${heading}"`);
  const next = md.indexOf("\n#", start + 1);
  return md.slice(start, next < 0 ? undefined : next);
}

/** `| 0 | Ok |` rows (value first) */
function valueNameRows(text: string): Array<[string, number]> {
  return [...text.matchAll(/^\|\s*(-?\d+)\s*\|\s*([^|]+?)\s*\|\s*$/gm)].map((m) => [m[2], Number(m[1])]);
}

/** "Name 0, Other Name 1" lists */
function nameValueList(text: string): Array<[string, number]> {
  return [...text.matchAll(/([A-Za-z][A-Za-z /-]*?)\s+(-?\d+)(?=\s*(?:[,.;|(]|$))/gm)].map((m) => [m[1].trim(), Number(m[2])]);
}

/** reference labels that are not the enum member name */
const ALIASES: Record<string, Record<string, string>> = {
  HeaderMapType: {
    "HTTP request headers": "RequestHeaders", "HTTP request trailers": "RequestTrailers", "HTTP response headers": "ResponseHeaders",
    "HTTP response trailers": "ResponseTrailers", "gRPC call received initial metadata": "GrpcReceiveInitialMetadata",
    "gRPC call received trailing metadata": "GrpcReceiveTrailingMetadata", "HTTP call response headers": "HttpCallResponseHeaders",
    "HTTP call response trailers": "HttpCallResponseTrailers",
  },
  BufferType: {
    "HTTP request body": "HttpRequestBody", "HTTP response body": "HttpResponseBody", "downstream data": "NetworkDownstreamData",
    "upstream data": "NetworkUpstreamData", "HTTP call response\nbody": "HttpCallResponseBody", "HTTP call response body": "HttpCallResponseBody",
    "gRPC received message": "GrpcReceiveBuffer", "VM configuration": "VmConfiguration", "plugin configuration": "PluginConfiguration",
    "call data / foreign function arguments": "CallData",
  },
  StreamType: { "HTTP request": "Request", "HTTP response": "Response", downstream: "Downstream", upstream: "Upstream" },
};

function mapNames(kind: string, pairs: Array<[string, number]>): Table {
  const out: Table = {};
  for (const [label, v] of pairs) out[ALIASES[kind]?.[label] ?? label] = v;
  return out;
}

function referenceTables(md: string): Record<string, Table> {
  const s81 = section(md, "### 8.1");
  const s82 = section(md, "### 8.2");
  const s83 = section(md, "### 8.3");
  const s84 = section(md, "### 8.4");
  const s85 = section(md, "### 8.5");
  const s86 = section(md, "### 8.6");
  const s87 = section(md, "### 8.7");
  const row83 = (name: string): Table => {
    const line = s83.split("\n").find((l) => l.startsWith(`| ${name} |`));
    if (line === undefined) throw new Error(`§8.3 lacks ${name}`);
    return mapNames(name, nameValueList(line.split("|")[2]));
  };
  const bullet84 = (prefix: string): string => {
    const line = s84.split("\n").find((l) => l.startsWith(`* ${prefix}`));
    if (line === undefined) throw new Error(`§8.4 lacks ${prefix}`);
    return line.slice(line.indexOf(":") + 1);
  };
  const levels = s82.split("\n").find((l) => /^trace 0/.test(l)) ?? "";
  const logLevel = mapNames("LogLevel", nameValueList(levels.replace(/\(`Max` = 5\)\./, ",")).filter(([n]) => n !== "Max"));
  const off = /may also\s+return (\d+)/.exec(s82);
  if (off !== null) logLevel.off = Number(off[1]);
  const s86text = s86.split("Buffer flag")[0].replace(/\n/g, " ");
  const flag = /Buffer flag `EndOfStream` = (\d+)/.exec(s86);
  const grpcText = s87.split("\n").filter((l) => !l.startsWith("#")).join(" ");
  const grpc = mapNames("GrpcStatus", nameValueList(grpcText.split(";")[0]));
  const unset = /"unset" = (-?\d+)/.exec(grpcText);
  if (unset !== null) grpc.InvalidCode = Number(unset[1]);
  return {
    WasmResult: mapNames("WasmResult", valueNameRows(s81)),
    LogLevel: logLevel,
    FilterHeadersStatus: row83("FilterHeadersStatus"),
    FilterDataStatus: row83("FilterDataStatus"),
    FilterTrailersStatus: row83("FilterTrailersStatus"),
    FilterMetadataStatus: mapNames("FilterMetadataStatus", nameValueList(row83Raw(s83, "FilterMetadataStatus").replace(/\(only value\)/, ""))),
    FilterStatus: mapNames("FilterStatus", nameValueList(row83Raw(s83, "FilterStatus (TCP)"))),
    HeaderMapType: mapNames("HeaderMapType", valueNameRows(s85)),
    BufferType: mapNames("BufferType", nameValueList(s86text.replace(/^[\s\S]*?proxy_buffer_type_t\s*/, ""))),
    BufferFlags: flag === null ? {} : { EndOfStream: Number(flag[1]) },
    StreamType: mapNames("StreamType", nameValueList(bullet84("WasmStreamType"))),
    PeerType: mapNames("PeerType", nameValueList(bullet84("PeerType"))),
    MetricType: mapNames("MetricType", nameValueList(bullet84("MetricType"))),
    GrpcStatus: grpc,
  };
}

function row83Raw(s83: string, name: string): string {
  const line = s83.split("\n").find((l) => l.startsWith(`| ${name} |`));
  if (line === undefined) throw new Error(`§8.3 lacks ${name}`);
  return line.split("|")[2];
}

const haveReference = existsSync(REFERENCE);
const runReference = haveReference || process.env.CI !== undefined;

describe.skipIf(!runReference)("ABI enums: the reference §8", () => {
  it("the reference file is present (required in CI)", () => {
    expect(existsSync(REFERENCE), `${REFERENCE} missing`).toBe(true);
  });
  const tables = haveReference ? referenceTables(readFileSync(REFERENCE, "utf8")) : {};
  for (const name of Object.keys(EXPECTED)) {
    it(`${name} matches the reference`, () => {
      expect(tables[name]).toEqual(members(ENUMS[name]));
    });
  }
});
