// The README's configuration is real: the example is accepted by the filter and does what the
// README says (an open path, an admin path behind an API key of the admin group, JWT or key
// elsewhere), and `npm run auth:hash` prints the entry the example holds.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createHost, LogLevel, type HeaderPairs, type MockHost } from "@filterkit/host-mock";
import { BUILDS, repoRoot } from "../../sdk/test/helpers.ts";

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, "README.md"), "utf8");
const example = JSON.parse([...readme.matchAll(/```json\n([\s\S]*?)```/g)][0][1]) as Record<string, unknown>;

describe.each(BUILDS)("auth README (%s build)", (target) => {
  const host = (): MockHost => {
    const h = createHost({ wasm: join(here, "build", `${target}.wasm`), rootId: "auth", pluginConfig: example });
    expect(h.configured, h.logsAt(LogLevel.error).join("\n")).toBe(true);
    return h;
  };
  const status = (h: MockHost, path: string, headers: HeaderPairs = []): number => {
    const s = h.newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", path], [":authority", "a"], ...headers], true);
    return s.localReply?.status ?? 200;
  };

  it("the example: /health open, /admin/ for admins by API key, the rest by JWT or key", () => {
    const h = host();
    expect(status(h, "/health")).toBe(200);
    expect(status(h, "/admin/x")).toBe(401);
    expect(status(h, "/admin/x", [["x-api-key", "alice-secret-key"]])).toBe(200);
    expect(status(h, "/data", [["x-api-key", "alice-secret-key"]])).toBe(200);
    expect(status(h, "/data", [["authorization", "Bearer a.b.c"]])).toBe(401);
  });
});

describe("npm run auth:hash", () => {
  // two npm processes: seconds on a loaded 2-core machine
  it("prints the API key entry the README's example holds, and refuses what the filter would", { timeout: 60_000 }, () => {
    const run = (...args: string[]) => spawnSync("npm", ["run", "-s", "auth:hash", "--", ...args], { cwd: repoRoot, encoding: "utf8" });
    const r = run("api-key", "--salt", "k3y-pepper", "--id", "k1", "--consumer", "alice", "alice-secret-key");
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual((example.api_key as { keys: unknown[] }).keys[0]);
    expect(run("api-key", "--salt", "s", "--id", "k", "--consumer", "c", "has space").status).toBe(2);
    const b = run("basic", "--pbkdf2", "--rounds", "1000", "bob", "pw");
    expect(b.status, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout).hash).toMatch(/^\$pbkdf2-sha256\$1000\$[A-Za-z0-9./]+\$[A-Za-z0-9./]{43}$/);
    expect(run("basic", "a:b", "pw").status).toBe(2);
  });
});
