#!/usr/bin/env node
// The `filterkit` command. It loads the CLI through the package's own exports map: the compiled
// dist/ when installed, the TypeScript sources in the kit's repository (node --conditions=filterkit-source
// --import tsx), one entry either way.
const { main } = await import("@filterkit/cli/main");
const code = await main(process.argv.slice(2));
// let stdout drain (a pipe takes 64 KiB at a time) before exiting with the command's code
process.stdout.write("", () => process.exit(code));
