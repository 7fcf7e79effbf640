// `filterkit package [DIR] [--variant compat|oci] [--out DIR] [--tag T] [--push REF]`: the filter's
// release build as an OCI image — Istio's compat variant by default (one gzipped tar layer holding
// plugin.wasm), the two-layer OCI wasm variant on request — written as an OCI image layout and,
// with --push, pushed to a registry over the Distribution API. It prints the MANIFEST digest: what
// a WasmPlugin's sha256 must be for an oci:// url (Istio compares it, not the .wasm's hash).
import { join, relative } from "node:path";
import { readFileSync } from "node:fs";
import { parse, positiveInt, type Command } from "../command.ts";
import { CliError, EXIT, usageError } from "../errors.ts";
import { wasmImage, type Variant } from "../oci/image.ts";
import { writeLayout } from "../oci/layout.ts";
import { formatRef, parseRef } from "../oci/reference.ts";
import { pushImage } from "../oci/registry.ts";
import { step } from "../progress.ts";
import { builtWasm, filterAt } from "../project.ts";
import { buildForCommand } from "./build.ts";

const HELP = `usage: filterkit package [DIR] [--variant compat|oci] [--out DIR] [--tag T] [--push REF] [--insecure]

Packs the release build of the filter in DIR (default the current folder; built first when its
sources changed) as an OCI image for Istio's WasmPlugin and writes it as an OCI image layout
(default DIR/build/oci, tag T, default "latest"). The image is reproducible: the same .wasm gives
the same manifest digest.
  --variant compat   (default) one gzipped tar layer holding plugin.wasm: what Istio, Docker
                     registries and every OCI tool accept
  --variant oci      the wasm image spec's OCI variant: a runtime-config layer and the .wasm as
                     application/vnd.module.wasm.content.layer.v1+wasm (Istio accepts it; some
                     registries and tools do not know its media types)
  --push REF         push it to REF (registry/repository[:tag]) over the Distribution API and check
                     the registry's digest; credentials from FILTERKIT_REGISTRY_USERNAME /
                     FILTERKIT_REGISTRY_PASSWORD or the Docker config (~/.docker/config.json)
  --insecure         allow plain HTTP to a registry that is not on loopback (loopback always may)
  --chunk-size N     upload blobs larger than N bytes in chunks (default 5 MiB)

Prints the manifest digest (sha256:<hex>): a WasmPlugin's sha256 is its hex part.
Then: filterkit istio DIR --image REF

exit codes: 0 packed (and pushed), 1 the build or the push failed, 2 usage`;

export const packageCommand: Command = {
  name: "package",
  summary: "pack the filter as an OCI image for Istio (compat variant), --push it to a registry",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parse("package", argv, {
      variant: { type: "string", default: "compat" }, out: { type: "string" }, tag: { type: "string" },
      push: { type: "string" }, insecure: { type: "boolean" }, "chunk-size": { type: "string" },
    });
    if (positionals.length > 1) throw usageError("package", `one filter folder expected, got ${positionals.length}`);
    const variant = values.variant;
    if (variant !== "compat" && variant !== "oci") throw usageError("package", `--variant ${variant}: expected compat or oci`);
    const ref = values.push !== undefined ? parseRefOrUsage(values.push) : undefined;
    const chunkSize = positiveInt("package", "chunk-size", values["chunk-size"], 5 * 1024 * 1024);
    const filter = filterAt(positionals[0] ?? process.cwd());
    await buildForCommand("package", filter);
    const wasm = readFileSync(builtWasm(filter));
    const image = wasmImage(wasm, variant as Variant, { rootIds: [filter.rootId] });
    const tag = values.tag ?? ref?.tag ?? "latest";
    const out = values.out ?? join(filter.dir, "build", "oci");
    writeLayout(out, image, tag);
    process.stdout.write(`${filter.name}: ${variant} image, ${image.layers.length} layer(s), .wasm ${wasm.length} B\n`);
    process.stdout.write(`  layout   ${relative(process.cwd(), out) || "."} (tag ${tag})\n`);
    process.stdout.write(`  manifest ${image.manifest.digest}\n`);
    if (ref !== undefined) {
      const s = step(`pushing to ${formatRef(ref)}`);
      let pushed: { digest: string; url: string };
      try {
        pushed = await pushImage(ref, image, { insecure: values.insecure === true, chunkSize });
      } catch (e) {
        s.fail();
        if (e instanceof CliError) throw e;
        throw new CliError(`the push to ${formatRef(ref)} failed: ${(e as Error).message}`, "check the registry's address and credentials (FILTERKIT_REGISTRY_USERNAME / _PASSWORD)", EXIT.failed);
      }
      s.done(pushed.digest);
      process.stdout.write(`  pushed   ${pushed.url}\n`);
    }
    process.stdout.write(`\nWasmPlugin sha256: ${image.manifest.digest.replace(/^sha256:/, "")}\n`);
    if (ref !== undefined) process.stdout.write(`next: filterkit istio ${relative(process.cwd(), filter.dir) || "."} --image ${formatRef(ref)}\n`);
    return EXIT.ok;
  },
};

function parseRefOrUsage(s: string): ReturnType<typeof parseRef> {
  try {
    return parseRef(s);
  } catch (e) {
    throw usageError("package", `--push ${s}: ${(e as Error).message}`);
  }
}
