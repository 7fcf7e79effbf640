// The same filter, once on @solo-io/proxy-runtime 0.1.8 (compiled by AssemblyScript 0.14, ABI 0.2.0)
// and once on @filterkit/sdk (AssemblyScript 0.28, ABI 0.2.1), must behave the same on the mock host.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createHost, FilterHeadersStatus, LogLevel, TrapError, type HeaderPairs } from "@filterkit/host-mock";

const here = dirname(fileURLToPath(import.meta.url));
const variants = [
  { name: "proxy-runtime 0.1.8", dir: "legacy", abi: "0.2.0" },
  { name: "@filterkit/sdk", dir: "ported", abi: "0.2.1" },
] as const;

const REQUEST: HeaderPairs = [
  [":method", "GET"], [":path", "/items?id=1"], [":authority", "example.com"],
  ["x-drop-me", "a"], ["accept", "*/*"], ["x-drop-me", "b"],
];
const RESPONSE: HeaderPairs = [[":status", "200"], ["server", "upstream"], ["content-type", "text/plain"]];

/** Drives one request through a build of the filter and returns everything observable. */
function observe(dir: string, target: "release" | "debug", config: string) {
  const host = createHost({ wasm: join(here, dir, "build", `${target}.wasm`), rootId: "add_header", vmId: "compat", pluginConfig: config });
  const s = host.newHttpStream();
  const requestStatus = s.sendRequestHeaders(REQUEST, true);
  const responseStatus = s.sendResponseHeaders(RESPONSE, true);
  s.complete();
  return {
    abi: host.abiVersion,
    configured: host.configured,
    requestStatus,
    responseStatus,
    upstream: s.request.headers,
    downstream: s.response.headers,
    info: host.logsAt(LogLevel.info),
    errors: [...host.logsAt(LogLevel.error), ...host.logsAt(LogLevel.critical)],
  };
}

describe.each(["release", "debug"] as const)("proxy-runtime compatibility (%s builds)", (target) => {
  for (const v of variants) {
    it(`${v.name} runs on the mock host under ABI ${v.abi}`, () => {
      const seen = observe(v.dir, target, "compat");
      expect(seen.abi).toBe(v.abi);
      expect(seen.configured).toBe(true);
      expect(seen.requestStatus).toBe(FilterHeadersStatus.Continue);
      expect(seen.upstream).toEqual([
        [":method", "GET"], [":path", "/items?id=1"], [":authority", "example.com"], ["accept", "*/*"], ["x-seen-by", "compat"],
      ]);
      expect(seen.downstream).toEqual([[":status", "200"], ["content-type", "text/plain"], ["hello", "compat"], ["server", "compat"]]);
      expect(seen.info).toEqual(["request path /items?id=1"]);
      expect(seen.errors).toEqual([]);
    });
  }

  it("both builds behave identically for any non-empty configuration", () => {
    for (const config of ["from-config", '{"json": true}', "ü-utf8"]) {
      const legacy = observe("legacy", target, config);
      const ported = observe("ported", target, config);
      const { abi: _a, ...legacyRest } = legacy;
      const { abi: _b, ...portedRest } = ported;
      expect(portedRest).toEqual(legacyRest);
      expect(ported.downstream).toContainEqual(["hello", config]);
    }
  });

  // proxy-runtime 0.1.8 passes the configuration size where proxy_get_buffer_bytes wants the
  // address of the size out-parameter. With an empty configuration Envoy answers "ptr 0, size 0"
  // (written to address 0), the SDK then reads a stale size and dereferences null: the VM traps in
  // Envoy as it does here. Our SDK reads an empty configuration as "".
  it("an empty configuration traps proxy-runtime 0.1.8 (a bug of that SDK) but not the port", () => {
    let trap: unknown;
    try {
      observe("legacy", target, "");
    } catch (e) {
      trap = e;
    }
    expect(trap).toBeInstanceOf(TrapError);
    expect(String((trap as TrapError).message)).toMatch(/proxy_on_configure/);
    const ported = observe("ported", target, "");
    expect(ported.configured).toBe(true);
    expect(ported.downstream).toContainEqual(["hello", "world!"]);
  });
});

it("porting changed nothing but the two import paths", () => {
  const strip = (file: string) =>
    readFileSync(join(here, file, "assembly", "index.ts"), "utf8")
      .split("\n")
      .filter((line) => !line.startsWith("//"))
      .map((line) => line.replace("@solo-io/proxy-runtime", "@filterkit/sdk"));
  expect(strip("ported")).toEqual(strip("legacy"));
});
