// The mock host's fuzz harness on the auth filter, on both builds: hostile generated requests
// (100,000 on the release build, 20,000 on debug), each decorated with credentials aimed at every
// parser the filter has — valid and mangled JWTs of every algorithm, truncated and re-joined
// segments, base64 junk, Basic credentials of random bytes, API keys in headers, queries and
// cookies, duplicates — under a configuration that runs all three methods. Zero traps.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatFuzzTrap, fuzzChain } from "@filterkit/host-mock";
import { BUILDS } from "../../sdk/test/helpers.ts";
import { authFuzzChain, decorateAuth } from "./tools/fuzz-traffic.ts";

const here = dirname(fileURLToPath(import.meta.url));

describe.each(BUILDS)("auth fuzz (%s build)", (target) => {
  it("survives hostile generated traffic with mangled credentials of every kind, without a trap", { timeout: 300_000 }, () => {
    const requests = target === "release" ? 100_000 : 20_000;
    const report = fuzzChain(authFuzzChain(join(here, "build", `${target}.wasm`)), { seed: 21, requests, profile: "hostile", decorate: decorateAuth });
    expect(report.traps.map(formatFuzzTrap)).toEqual([]);
    expect(report.requests).toBe(requests);
    // the credentials were read: every verdict occurs (passed, unauthenticated, forbidden)
    for (const status of [200, 401, 403]) expect(report.statuses[status] ?? 0, `status ${status}`).toBeGreaterThan(requests / 100);
  });
});
