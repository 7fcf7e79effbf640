// What `filterkit run` prints once it has started (serving, or with --watch waiting for a first
// good build): the filter, the URL it listens on, the host, the
// configuration it loaded, what is upstream, what --watch watches, and curl lines to try it with,
// so that a user can start requesting at once without reading the help.
import { join, relative } from "node:path";
import type { Filter } from "../project.ts";
import type { Backend, Output } from "./backend.ts";

export function printBanner(output: Output, filter: Filter, backend: Backend, configFrom: string, watching: boolean, configPath: string): void {
  const url = backend.url();
  const rel = (p: string): string => relative(process.cwd(), p) || ".";
  const lines = [
    `filterkit run: ${filter.name} (root id ${filter.rootId})`,
    `  url      ${url ?? "(none yet: nothing loaded; waiting for a change)"}`,
    `  host     ${backend.label()}`,
    `  config   ${configFrom === "" ? "(not loaded)" : configFrom.startsWith("/") ? rel(configFrom) : configFrom}`,
    "  upstream an echo: 200 with the request it received as JSON",
  ];
  if (watching) lines.push(`  watching ${rel(join(filter.dir, "assembly"))}/ and ${rel(configPath)}: every change rebuilds and reloads`);
  if (url !== null) {
    lines.push("", "try:",
      `  curl -i ${url}/`,
      `  curl -i -H 'x-hello: world' '${url}/hello?name=filterkit'`,
      `  curl -i -X POST -H 'content-type: application/json' --data '{"ping":1}' ${url}/echo`);
  }
  lines.push("", "Ctrl-C stops.");
  output.out(`${lines.join("\n")}\n`);
}
