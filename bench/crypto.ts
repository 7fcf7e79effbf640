// The SDK's hashes on the release build of their fixture (sdk/test/fixtures/crypto-hash) in the
// mock host: SHA-256 and SHA-512 throughput over 1 MiB, PBKDF2-SHA256 with 10,000 iterations (what
// a Basic user's first request costs). Signature checks are timed through the auth filter
// (bench/auth.ts), one per algorithm. The fixture's bench mode runs the operation inside one
// configure(): guest time plus one configure() per round.
import { join } from "node:path";
import { createHost, LogLevel, type MockHost } from "@filterkit/host-mock";
import { median, timeOps } from "./stats.ts";

export type CryptoRow = { name: string; value: number; unit: string; note?: string };

function nsPer(host: MockHost, bench: Record<string, unknown>, per: number): number {
  return timeOps(1, () => {
    host.clearLogs();
    if (!host.configure({ bench }) || !(host.logsAt(LogLevel.info)[0] ?? "").startsWith("bench ")) throw new Error(`crypto bench failed: ${JSON.stringify(bench)}`);
  }) / per;
}

export function cryptoRows(root: string, rounds: number): CryptoRow[] {
  const host = createHost({ wasm: join(root, "sdk/test/fixtures/crypto-hash/build/release.wasm"), rootId: "crypto_hash", pluginConfig: { cases: [] } });
  const size = 1 << 20;
  const pbkdf2 = { op: "pbkdf2", alg: "SHA256", password: Buffer.from("correct horse").toString("hex"), salt: Buffer.from("NaCl").toString("hex"), iterations: 10_000, length: 32 };
  const jobs: Array<[Record<string, unknown>, number]> = [[{ op: "sha256", size, iters: 4 }, 4 * size], [{ op: "sha512", size, iters: 4 }, 4 * size], [pbkdf2, 1]];
  for (const [b, per] of jobs) nsPer(host, b, per); // warm-up (tier-up)
  const t: number[][] = jobs.map(() => []);
  for (let r = 0; r < Math.max(rounds, 3); r++) jobs.forEach(([b, per], i) => t[i].push(nsPer(host, b, per)));
  const [sha256, sha512, kdf] = t.map(median);
  return [
    { name: "SDK SHA-256, 1 MiB", value: 1e3 / sha256, unit: "MB/s" },
    { name: "SDK SHA-512, 1 MiB", value: 1e3 / sha512, unit: "MB/s" },
    { name: "SDK PBKDF2-SHA256, 10,000 iterations", value: kdf / 1e6, unit: "ms" },
  ];
}
