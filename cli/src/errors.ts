// One error style for every command: what went wrong, then what to do next, then an exit code a
// script can branch on. Commands throw CliError; main.ts prints it and exits with its code.

/** Exit codes of `filterkit` (README "Exit codes"). */
export const EXIT = {
  ok: 0,
  /** the work failed: a build error, failing tests, a scenario that could not run, a filter refusing its configuration */
  failed: 1,
  /** usage: unknown command or option, a missing argument, a file that does not exist or does not parse */
  usage: 2,
  /** `scenario --host both`: the mock host and Envoy disagree */
  disagree: 3,
  /** `scenario`: an expectation the scenario states failed */
  expectation: 4,
  /** real Envoy was asked for and no way to run it was found or could be set up */
  noEnvoy: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  override name = "CliError";
  /** `next`: one sentence saying what to do about it */
  constructor(message: string, readonly next: string, readonly exitCode: ExitCode = EXIT.failed) {
    super(message);
  }
}

/** A usage error of `command`, pointing at its --help. */
export function usageError(command: string, message: string): CliError {
  return new CliError(message, `see \`filterkit ${command} --help\``, EXIT.usage);
}

/** The two lines every failure prints on stderr. */
export function formatError(command: string | null, e: CliError): string {
  return `filterkit${command !== null ? ` ${command}` : ""}: error: ${e.message}\n  next: ${e.next}\n`;
}
