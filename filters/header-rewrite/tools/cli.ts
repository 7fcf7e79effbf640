// npm run translate:header-rewrite -- <envoy.yaml|.json> [--strict]
//
// Reads an Envoy header configuration — a header_mutation filter (the http_filters entry, its
// typed_config, or its `mutations`) or route-level header options (a Route, VirtualHost or
// RouteConfiguration with request_headers_to_add / _remove, response_headers_to_add / _remove) —
// in YAML or JSON, and prints the header-rewrite configuration for it on stdout. Warnings (what the
// filter cannot do the same way, what Envoy itself would refuse) go to stderr; with --strict any
// warning makes the exit status 1. A file holding both kinds is translated as both, header_mutation
// first on the request and last on the response, as Envoy runs them.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { translateDocument, type Json } from "./translate.ts";

function main(argv: string[]): number {
  const strict = argv.includes("--strict");
  const files = argv.filter((a) => a !== "--strict");
  if (files.length !== 1) {
    process.stderr.write("usage: npm run translate:header-rewrite -- <envoy.yaml|envoy.json> [--strict]\n");
    return 2;
  }
  let doc: Json;
  try {
    doc = parse(readFileSync(files[0], "utf8")) as Json;
  } catch (e) {
    process.stderr.write(`${files[0]}: ${(e as Error).message}\n`);
    return 2;
  }
  const t = translateDocument(doc);
  if (typeof t === "string") {
    process.stderr.write(`${files[0]}: ${t}\n`);
    return 2;
  }
  process.stdout.write(`${JSON.stringify(t.config, null, 2)}\n`);
  for (const w of t.warnings) process.stderr.write(`warning: ${w}\n`);
  return strict && t.warnings.length > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
