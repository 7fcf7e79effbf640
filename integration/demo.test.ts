// `npm run demo` (the README's first command) keeps working: on the mock host it shows each shipped
// filter editing a request and refusing a bad configuration, and with --envoy the same chain in
// real Envoy. Checked on what it prints, so a demo that stops showing the filters at work fails.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { envoyRuntime } from "./src/runtime.ts";

const repo = fileURLToPath(new URL("..", import.meta.url));
const demo = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "scripts/demo.ts", ...args], { cwd: repo, encoding: "utf8", timeout: 120_000 });
const skip = envoyRuntime();

describe("npm run demo", () => {
  it("shows header-rewrite, add-header and auth at work on the mock host, and their configuration errors", () => {
    const r = demo();
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/filters\/header-rewrite \(release build, \d+ bytes\) on the mock host/);
    expect(out).toContain("    :path: /v2/items?page=2");
    expect(out).not.toContain("x-auth-user");
    expect(out).toContain("    x-served-path: /v2/items?page=2");
    expect(out).toContain('error log: invalid configuration: field "rules[0].op"');
    expect(out).toContain("    x-powered-by: filterkit");
    expect(out).toContain('error log: invalid configuration: field "name"');
    const auth = out.slice(out.indexOf("filters/auth (release build"));
    expect(auth).toMatch(/GET \/items with no credential\n  refused 401 "Jwt is missing"/);
    expect(auth).toContain('    www-authenticate: Basic realm="http://shop.example/items", charset="UTF-8"');
    expect(auth).toMatch(/GET \/admin\/items with an API key\n  upstream received:\n    :path: \/admin\/items\n    x-consumer: alice\n/);
    expect(auth).not.toContain("admin (spoofed)");
    expect(auth).toContain("    x-jwt-sub: user-7");
    expect(auth).toContain('error log: invalid configuration: field "api_key.keys[0].sha256"');
  });

  it.skipIf(skip !== null)(`--envoy runs the chain in real Envoy${skip !== null ? ` — not run: ${skip}` : ""}`, () => {
    const r = demo("--envoy");
    expect(r.status, r.stderr).toBe(0);
    const envoyPart = r.stdout.slice(r.stdout.indexOf("in real Envoy"));
    expect(envoyPart).toContain("    :path: /v2/items?page=2");
    expect(envoyPart).toContain("    x-powered-by: filterkit");
    expect(envoyPart).toContain("    x-served-path: /v2/items?page=2");
    expect(envoyPart).toContain('GET /v1/items?page=2 without a credential: 401 "Jwt is missing"');
    expect(envoyPart).toContain("    x-jwt-sub: user-7");
    expect(envoyPart).toMatch(/Envoy refuses to start:\n.*wasm log header_rewrite header_rewrite: invalid configuration: field "rules\[0\]\.op"/);
  }, 120_000);
});
