// `filterkit <command> [arguments]`: the kit's command line. Each command is a module of
// commands/; this file finds it, prints --help, and turns a thrown CliError into its two lines on
// stderr and its exit code (errors.ts). Anything else thrown is a bug of the kit: its stack is
// printed, exit code 1.
import type { Command } from "./command.ts";
import { bench } from "./commands/bench.ts";
import { build } from "./commands/build.ts";
import { create } from "./commands/create.ts";
import { istio } from "./commands/istio.ts";
import { packageCommand } from "./commands/package.ts";
import { run } from "./commands/run.ts";
import { scenario } from "./commands/scenario.ts";
import { setupEnvoy } from "./commands/setup-envoy.ts";
import { test } from "./commands/test.ts";
import { CliError, EXIT, formatError } from "./errors.ts";
import { KIT_VERSION } from "./kit.ts";

export const COMMANDS: readonly Command[] = [create, build, test, scenario, bench, run, packageCommand, istio, setupEnvoy];

const version = KIT_VERSION;

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `filterkit ${version}: write, test and run Envoy HTTP filters in WebAssembly (AssemblyScript, proxy-wasm ABI 0.2.1)

usage: filterkit <command> [arguments]      filterkit <command> --help for its options

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

exit codes: 0 ok, 1 the work failed, 2 usage, 3 hosts disagree, 4 an expectation failed, 5 no real Envoy`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${overview()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(`${version}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(formatError(null, new CliError(`unknown command "${name}"`, `one of: ${COMMANDS.map((c) => c.name).join(", ")} (filterkit --help)`, EXIT.usage)));
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${command.help}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(formatError(command.name, e));
      return e.exitCode;
    }
    process.stderr.write(`filterkit ${command.name}: internal error (a bug of the kit; please report it with this output):\n${(e as Error).stack ?? String(e)}\n`);
    return EXIT.failed;
  }
}
