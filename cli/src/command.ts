// The shape of a `filterkit` command: its name, one-line summary and --help text, and the
// function that runs it with the arguments after its name. A command returns its exit code or
// throws a CliError (errors.ts).
import { parseArgs, type ParseArgsConfig } from "node:util";

import { usageError } from "./errors.ts";

export interface Command {
  name: string;
  summary: string;
  /** the full --help text: usage line, what it does, options, exit codes */
  help: string;
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** node:util parseArgs with the kit's error style: an unknown option is a usage error naming it. */
export function parse<O extends Options>(command: string, argv: string[], options: O): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageError(command, (e as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
}

/** An option's value as a positive integer, or a usage error naming the option. */
export function positiveInt(command: string, name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw usageError(command, `--${name} ${value}: expected a positive whole number`);
  return n;
}
