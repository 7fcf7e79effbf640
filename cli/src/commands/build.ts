// `filterkit build [DIR...]`: compiles the filters (release and debug) with the kit's
// AssemblyScript and the SDK's settings (build/compile.ts).
import { relative } from "node:path";
import { buildFilters, errorLines, sizeNote, type BuildReport } from "../compile/compile.ts";
import { parse, type Command } from "../command.ts";
import { CliError, EXIT } from "../errors.ts";
import { formatMs, timed } from "../progress.ts";
import { filterAt, findFilters, projectRoot, type Filter } from "../project.ts";
import { cacheDir } from "../cache.ts";

const HELP = `usage: filterkit build [DIR...] [--force] [--quiet]

Compiles every filter (a folder holding assembly/index.ts) in DIR, default the current folder
and the folders below it, into DIR/build/release.wasm (optimised, what Envoy runs) and
DIR/build/debug.wasm (names and source map, what traps are read from). Up-to-date builds are kept.
Settings: @filterkit/sdk/asconfig.json, or an asconfig.json in the filter's folder.

options:
  --force   rebuild even when the outputs are newer than every input
  --quiet   one summary line (and failures)

exit codes: 0 built, 1 a build failed, 2 usage (no filter found)`;

/** Builds the filters in `dirs` (each a filter or a folder holding filters) and prints what happened. */
export async function buildCommand(dirs: string[], flags: { force?: boolean; quiet?: boolean; cwd?: string }): Promise<BuildReport> {
  const cwd = flags.cwd ?? process.cwd();
  const filters = (dirs.length > 0 ? dirs : [cwd]).flatMap((d) => {
    const found = findFilters(d);
    if (found.length === 0) filterAt(d); // throws the error that says why
    return found;
  });
  const root = projectRoot(filters[0]);
  const options = { root, cacheDir: cacheDir(root), force: flags.force === true };
  const report = await buildFilters(filters, {
    ...options,
    onResult: (r) => {
      const name = relative(cwd, r.entry.dir) || ".";
      if (r.code !== 0) process.stderr.write(`filterkit build: ${name} (${r.target.target}) failed:\n${(errorLines(r.output).length > 0 ? r.output : r.output || "asc printed nothing").trimEnd()}\n`);
      else if (r.note !== "") process.stderr.write(`filterkit build: note: ${name} (${r.target.target}): data section not packed: ${r.note}\n`);
    },
  });
  const built = report.results.length - report.failed;
  if (flags.quiet === true) {
    process.stdout.write(`build: ${built} built, ${report.upToDate} up to date, ${report.failed} failed (${report.entries.length} filters, release + debug each)\n`);
  } else {
    for (const entry of report.entries) {
      const rebuilt = report.results.filter((r) => r.entry === entry);
      const note = rebuilt.length > 0 ? `built in ${formatMs(Math.max(...rebuilt.map((r) => r.ms)))}` : "up to date";
      process.stdout.write(`${(relative(cwd, entry.dir) || ".").padEnd(40)} ${entry.targets.map((t) => sizeNote(t, options)).join(", ").padEnd(52)} ${note}\n`);
    }
  }
  return report;
}

/**
 * Builds one filter for a command that needs it built (bench, run): only what changed, nothing on
 * stdout (that is the command's result), asc's errors on stderr, and a CliError when it fails.
 */
export async function buildForCommand(command: string, filter: Filter): Promise<void> {
  const root = projectRoot(filter.dir);
  const report = await timed(`building ${filter.name}`, () => buildFilters([filter.dir], {
    root,
    cacheDir: cacheDir(root),
    onResult: (r) => {
      if (r.code !== 0) process.stderr.write(`filterkit ${command}: ${filter.name} (${r.target.target}) failed to build:\n${(r.output || "asc printed nothing").trimEnd()}\n`);
    },
  }));
  if (report.failed > 0) throw new CliError(`${filter.name} does not build`, "fix the errors asc printed above (filterkit build shows them too)", EXIT.failed);
}

export const build: Command = {
  name: "build",
  summary: "compile filters to build/release.wasm and build/debug.wasm",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parse("build", argv, { force: { type: "boolean" }, quiet: { type: "boolean" } });
    const report = await buildCommand(positionals, values);
    if (report.failed > 0) throw new CliError(`${report.failed} build(s) failed`, "fix the errors asc printed above and build again", EXIT.failed);
    return EXIT.ok;
  },
};
