// The one check every command that needs real Envoy makes before it starts one: a way to run
// Envoy exists, or is set up (as root on Linux), or the command fails with the no-Envoy exit code
// and what to do about it. (The decision itself is @filterkit/envoy's envoyRuntime(), imported
// here only when asked: it pulls in testcontainers, which commands on the mock host never need.)
import { CliError, EXIT } from "./errors.ts";
import { step } from "./progress.ts";

/**
 * `what` names what asked for Envoy ("--envoy", "--host both"); `otherwise` is the way on without
 * Envoy, added to the advice ("or leave out --envoy to stay on the mock host").
 */
export async function requireEnvoy(what: string, otherwise: string): Promise<void> {
  const { envoyRuntime } = await import("@filterkit/envoy");
  let skip: string | null;
  const s = step("finding a way to run Envoy (a container runtime, or setting one up)");
  try {
    skip = envoyRuntime();
  } catch (e) {
    s.fail();
    throw new CliError(`${what} needs real Envoy: ${(e as Error).message}`,
      `start Docker or Podman (DOCKER_HOST), run \`filterkit setup-envoy\` as root, or set ENVOY_BINARY; ${otherwise}`, EXIT.noEnvoy);
  }
  s.done();
  if (skip !== null) throw new CliError(`${what} needs real Envoy, but ${skip}`, `unset FILTERKIT_SKIP_ENVOY, or ${otherwise}`, EXIT.noEnvoy);
}
