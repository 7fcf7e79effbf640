// The README is real: its example is accepted and does what the text under it says (100 at once per
// client behind one trusted proxy, 5 logins a minute per /24, a Retry-After on refusals), and its
// configuration reference names exactly the fields the filter accepts — a field added to the parser
// and not documented, or documented and not parsed, fails here.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createHost, LogLevel, type HeaderPairs, type MockHost } from "@filterkit/host-mock";
import { BUILDS } from "../../sdk/test/helpers.ts";

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, "README.md"), "utf8");
const example = JSON.parse([...readme.matchAll(/```json\n([\s\S]*?)```/g)][0][1]) as Record<string, unknown>;

/** The first-column field names of the README table that follows `heading` (a line of text). */
function documentedFields(after: string): string[] {
  const start = readme.indexOf(after);
  expect(start, `README has "${after}"`).toBeGreaterThan(0);
  const rows = readme.slice(start).split("\n").slice(1);
  const table = rows.slice(rows.findIndex((l) => l.startsWith("|")));
  const body = table.slice(2, table.findIndex((l) => !l.startsWith("|")));
  return body.flatMap((l) => [...l.split("|")[1].matchAll(/`([a-z_]+)`/g)].map((m) => m[1]));
}

/** The field lists the parser accepts (its allowOnly calls), by the order they appear in config.ts / keys.ts. */
function parsedFields(file: string): string[][] {
  const src = readFileSync(join(here, "assembly", file), "utf8");
  return [...src.matchAll(/allowOnly\(\[([\s\S]*?)\]\)/g)].map((m) => [...m[1].matchAll(/"([a-z_0-9]+)"/g)].map((x) => x[1]));
}

describe("rate-limit README's configuration reference", () => {
  it("documents exactly the fields the parser accepts", () => {
    const [limitFields, topFields, tableFields] = parsedFields("config.ts");
    expect(documentedFields("## Configuration").sort()).toEqual([...topFields].sort());
    expect(documentedFields("A limit:").sort()).toEqual([...limitFields].sort());
    expect(readme).toMatch(new RegExp(`\`\\{${tableFields.join(", ")}\\}\``));
    const partNames = documentedFields("Key parts");
    const keysSrc = readFileSync(join(here, "assembly", "keys.ts"), "utf8");
    const sources = [...keysSrc.match(/function sources\(\)[^[]*\[([^\]]*)\]/)![1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
    // each row: the part, then Envoy's action name in brackets (not a field of ours)
    expect(partNames.filter((n) => sources.includes(n)).sort()).toEqual([...sources].sort());
    const partFields = new Set(parsedFields("keys.ts").flat());
    const documented = new Set(readme.slice(readme.indexOf("Key parts")).split("\n## ")[0].split("\n").filter((l) => l.startsWith("| `")).flatMap((l) => [...l.split("|")[2].matchAll(/`([a-z_0-9]+)`/g)].map((m) => m[1])));
    expect([...documented].sort()).toEqual([...partFields].sort());
  });
});

describe.each(BUILDS)("rate-limit README's example (%s build)", (target) => {
  const host = (): MockHost => {
    const h = createHost({ wasm: join(here, "build", `${target}.wasm`), rootId: "rate_limit", pluginConfig: example, now: 1_800_000_000_000_000_000n });
    expect(h.configured, h.logsAt(LogLevel.error).join("\n")).toBe(true);
    return h;
  };
  const send = (h: MockHost, path: string, xff: string): { status: number; headers: HeaderPairs } => {
    const s = h.newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", path], [":authority", "a"], ["x-forwarded-for", xff]], true);
    const r = s.localReply;
    if (r !== null) return { status: r.status, headers: r.headers };
    s.sendResponseHeaders([[":status", "200"]], true);
    s.complete();
    return { status: 200, headers: s.response.headers };
  };

  it("100 at once per client (the address the trusted proxy appended), 10 more a second", () => {
    const h = host();
    const burst = Array.from({ length: 101 }, () => send(h, "/", "6.6.6.6, 198.51.100.1").status);
    expect(burst.filter((s) => s === 200)).toHaveLength(100);
    expect(burst[100]).toBe(429);
    // the client-chosen leftmost entry changes nothing: the same client
    expect(send(h, "/", "1.2.3.4, 198.51.100.1").status).toBe(429);
    expect(send(h, "/", "198.51.100.2").status).toBe(200);
    h.advance(1000);
    expect(Array.from({ length: 11 }, () => send(h, "/", "198.51.100.1").status).filter((s) => s === 200)).toHaveLength(10);
  });

  it("/login: 5 a minute per /24 network, refused with Retry-After", () => {
    const h = host();
    for (let i = 0; i < 5; i++) expect(send(h, "/login", `203.0.113.${i + 1}`).status).toBe(200);
    const refused = send(h, "/login", "203.0.113.200");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.find(([k]) => k === "retry-after")?.[1])).toBeGreaterThanOrEqual(1);
    expect(send(h, "/login", "203.0.114.1").status).toBe(200);
  });
});
