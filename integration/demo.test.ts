// `npm run demo` (the README's first command) keeps working: on the mock host it shows each shipped
// filter editing a request and refusing a bad configuration, and with --envoy the same chain in
// real Envoy. Checked on what it prints, so a demo that stops showing the filters at work fails.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { envoyRuntime } from "@filterkit/envoy";

const repo = fileURLToPath(new URL("..", import.meta.url));
const demo = (...args: string[]) => spawnSync(process.execPath, ["--conditions=filterkit-source", "--import", "tsx", "scripts/demo.ts", ...args], { cwd: repo, encoding: "utf8", timeout: 120_000 });
const skip = envoyRuntime();

describe("npm run demo", () => {
  it("shows header-rewrite, add-header, auth and rate-limit at work on the mock host, and their configuration errors", () => {
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
    const rl = out.slice(out.indexOf("filters/rate-limit (release build"));
    expect(rl).toContain("filters/rate-limit/envoy.yaml on 2 worker VMs -> accepted: true");
    expect(rl).toContain("11 x GET /login from one client, alternating workers: 10 admitted, 1 refused");
    expect(rl).toMatch(/the refusal: 429\n    x-ratelimit-limit: 10\n    x-ratelimit-remaining: 0\n/);
    expect(rl).toMatch(/    retry-after: \d+\n/);
    expect(rl).toContain("100 x GET /items from one client, alternating workers: 90 admitted, 10 refused");
    expect(rl).toContain("60 x GET /items from one client, alternating workers: 50 admitted, 10 refused");
    expect(rl).toContain('error log: invalid configuration: field "limits[0].max_tokens"');
    expect(rl).toContain('error log: invalid configuration: field "limits[0].fill_interval_ms"');
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
    expect(envoyPart).toContain("3 more requests of consumer user-7 (3 a minute each): 200, 200, 429");
    expect(envoyPart).toMatch(/the refusal: 429 "local_rate_limited"\n    x-ratelimit-limit: 3\n    x-ratelimit-remaining: 0\n    x-ratelimit-reset: \d+\n    retry-after: \d+\n/);
    expect(envoyPart).toMatch(/Envoy refuses to start:\n.*wasm log header_rewrite header_rewrite: invalid configuration: field "rules\[0\]\.op"/);
  }, 120_000);
});
