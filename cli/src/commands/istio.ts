// `filterkit istio [DIR] --image REF`: the WasmPlugin that deploys the filter from its OCI image,
// with sha256 = the manifest digest READ FROM THE REGISTRY (what Istio compares; checked against
// the image this build of the filter packs to, so a stale push is caught here and not in the mesh),
// pluginConfig = the filter's configuration. `--remote URL` prints instead, for Envoy without
// Istio, the Wasm HTTP filter whose code Envoy downloads from URL (sha256 = the .wasm file's).
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { stringify } from "yaml";
import { parse, type Command } from "../command.ts";
import { CliError, EXIT, usageError } from "../errors.ts";
import { istioConfigurationText, type StructValue } from "../istio/plugin-config.ts";
import {
  FAIL_STRATEGIES, parseTargetRef, PHASES, PULL_POLICIES, remoteCluster, remoteWasmFilter, TARGET_KINDS, wasmPlugin,
  type FailStrategy, type Phase, type PullPolicy, type TargetRef,
} from "../istio/wasm-plugin.ts";
import { wasmImage } from "../oci/image.ts";
import { formatRef, parseRef } from "../oci/reference.ts";
import { extractWasm } from "../oci/extract.ts";
import { fetchBlob, fetchManifest } from "../oci/registry.ts";
import { step } from "../progress.ts";
import { builtWasm, filterAt, pluginConfiguration } from "../project.ts";
import { buildForCommand } from "./build.ts";

const HELP = `usage: filterkit istio [DIR] --image REF [options]       (Istio: a WasmPlugin)
       filterkit istio [DIR] --remote URL [options]      (Envoy without Istio: the Wasm filter)

Prints (or writes with --out FILE) the resource that deploys the filter in DIR (default the current
folder), its configuration from --config FILE, else DIR/config.json.

With --image REF (as pushed by \`filterkit package --push REF\`): a WasmPlugin
(extensions.istio.io/v1alpha1) with url oci://REF and sha256 = the manifest digest the registry
holds for REF — checked against this build (the module inside the image must be this build's
.wasm), so a stale push is an error here, not a failed pull in the mesh.
  --name N            metadata.name (default: the filter's folder name)
  --namespace NS      metadata.namespace
  --phase P           AUTHN | AUTHZ | STATS | UNSPECIFIED_PHASE (Istio: AUTHN plugins run before
                      Istio's authentication, AUTHZ before its authorization, STATS before its
                      telemetry; unspecified after those)
  --priority N        order within the phase: higher first
  --fail-strategy S   FAIL_CLOSE (default: a filter that cannot load answers 503) | FAIL_OPEN | FAIL_RELOAD
  --pull-policy P     IfNotPresent | Always
  --pull-secret NAME  a kubernetes.io/dockerconfigjson Secret in the namespace
  --selector k=v,...  workloads by label (matchLabels)
  --target-ref REF    [group/]Kind/name, repeatable; Kind Service, ServiceEntry, Gateway or
                      GatewayClass (the group follows from it); not with --selector
  --insecure          plain HTTP to a registry off loopback
  --sha256 HEX        use this manifest digest instead of reading the registry (offline)

With --remote URL: the envoy.filters.http.wasm entry with vm_config.code.remote (URL, sha256 of the
.wasm file) and the cluster for URL's host (--cluster NAME, default wasm_source).

exit codes: 0 printed, 1 the build failed or the registry holds another image, 2 usage`;

function listOf(values: string | string[] | undefined): string[] {
  return values === undefined ? [] : Array.isArray(values) ? values : [values];
}

function selectorOf(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw usageError("istio", `--selector ${s}: expected key=value[,key=value]`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

function targetRefOf(s: string): TargetRef {
  const ref = parseTargetRef(s);
  if (ref === null) throw usageError("istio", `--target-ref ${s}: expected [group/]Kind/name, Kind one of ${Object.keys(TARGET_KINDS).join(", ")}`);
  return ref;
}

function oneOf<T extends string>(option: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw usageError("istio", `--${option} ${value}: expected ${allowed.join(", ")}`);
  return value as T;
}

export const istio: Command = {
  name: "istio",
  summary: "print the WasmPlugin for the filter's pushed image (or the Envoy filter fetching it over HTTP)",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parse("istio", argv, {
      image: { type: "string" }, remote: { type: "string" }, cluster: { type: "string", default: "wasm_source" },
      config: { type: "string" }, out: { type: "string" }, name: { type: "string" }, namespace: { type: "string" },
      phase: { type: "string" }, priority: { type: "string" }, "fail-strategy": { type: "string" }, "pull-policy": { type: "string" },
      "pull-secret": { type: "string" }, selector: { type: "string" }, "target-ref": { type: "string", multiple: true },
      insecure: { type: "boolean" }, sha256: { type: "string" },
    });
    if (positionals.length > 1) throw usageError("istio", `one filter folder expected, got ${positionals.length}`);
    if ((values.image === undefined) === (values.remote === undefined)) throw usageError("istio", "give --image REF (a WasmPlugin) or --remote URL (Envoy without Istio)");
    const filter = filterAt(positionals[0] ?? process.cwd());
    const config = pluginConfiguration(filter, values.config);
    await buildForCommand("istio", filter);
    const wasm = readFileSync(builtWasm(filter));
    let doc: unknown;

    if (values.remote !== undefined) {
      const sha256 = createHash("sha256").update(wasm).digest("hex");
      doc = {
        http_filters: [remoteWasmFilter({ name: filter.rootId, rootId: filter.rootId, configuration: config.text, uri: values.remote, cluster: values.cluster, sha256 })],
        clusters: [remoteCluster(values.cluster, values.remote)],
      };
    } else {
      const image = values.image as string;
      let ref: ReturnType<typeof parseRef>;
      try {
        ref = parseRef(image.replace(/^oci:\/\//, ""));
      } catch (e) {
        throw usageError("istio", `--image ${image}: ${(e as Error).message}`);
      }
      // this build's images in both variants: a registry digest equal to one of them is this build
      const local = new Set((["compat", "oci"] as const).map((v) => wasmImage(wasm, v, { rootIds: [filter.rootId] }).manifest.digest));
      let digest: string;
      if (values.sha256 !== undefined) {
        if (!/^[a-f0-9]{64}$/.test(values.sha256)) throw usageError("istio", "--sha256: expected the manifest digest's 64 lower-case hex digits");
        digest = `sha256:${values.sha256}`;
      } else {
        const options = { insecure: values.insecure === true };
        const s = step(`reading ${formatRef(ref)} from the registry`);
        let held: Uint8Array | null = null;
        try {
          const manifest = await fetchManifest(ref, options);
          digest = manifest.digest;
          // the same digest is the same image; otherwise compare the module inside: the same .wasm
          // gzipped by another zlib build (another Node) is another digest but the same filter
          if (!local.has(digest)) held = await extractWasm(manifest.bytes, (d) => fetchBlob(ref, d, options));
        } catch (e) {
          s.fail();
          throw new CliError(`could not read ${formatRef(ref)} from the registry: ${(e as Error).message}`, "push it first (filterkit package --push REF), or give --sha256 to write the resource offline", EXIT.failed);
        }
        s.done(digest);
        if (held !== null && !Buffer.from(held).equals(wasm)) {
          throw new CliError(`the registry's ${formatRef(ref)} (${digest}) holds another module than this build of ${filter.name}`,
            `push this build (filterkit package --push ${formatRef(ref)}), then run this again`, EXIT.failed);
        }
      }
      let pluginConfig: { [key: string]: StructValue } | undefined;
      if (config.text.trim() !== "") {
        const parsed = JSON.parse(config.text) as unknown;
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw usageError("istio", `${config.from}: Istio's pluginConfig is a Struct, so the configuration must be a JSON object`);
        pluginConfig = parsed as { [key: string]: StructValue };
      }
      const priority = values.priority !== undefined ? Number(values.priority) : undefined;
      const targetRefs = listOf(values["target-ref"]).map(targetRefOf);
      doc = wasmPlugin({
        name: values.name ?? filter.name,
        ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
        url: `oci://${formatRef(ref)}`,
        sha256: digest.replace(/^sha256:/, ""),
        pluginName: filter.rootId,
        ...(pluginConfig !== undefined ? { pluginConfig } : {}),
        ...(values.phase !== undefined ? { phase: oneOf<Phase>("phase", values.phase, PHASES) } : {}),
        ...(priority !== undefined ? { priority } : {}),
        ...(values["fail-strategy"] !== undefined ? { failStrategy: oneOf<FailStrategy>("fail-strategy", values["fail-strategy"], FAIL_STRATEGIES) } : {}),
        ...(values["pull-policy"] !== undefined ? { imagePullPolicy: oneOf<PullPolicy>("pull-policy", values["pull-policy"], PULL_POLICIES) } : {}),
        ...(values["pull-secret"] !== undefined ? { imagePullSecret: values["pull-secret"] } : {}),
        ...(values.selector !== undefined ? { selector: selectorOf(values.selector) } : {}),
        ...(targetRefs.length > 0 ? { targetRefs } : {}),
      });
      // what the filter will receive from Istio ("" for an empty configuration: Istio sends none),
      // checked to still parse as JSON after Istio's re-encoding
      const handed = istioConfigurationText(pluginConfig);
      if (handed !== "") JSON.parse(handed);
    }
    const text = stringify(doc, { lineWidth: 0 });
    if (values.out !== undefined) {
      writeFileSync(values.out, text);
      process.stderr.write(`filterkit istio: wrote ${values.out}\n`);
    } else {
      process.stdout.write(text);
    }
    return EXIT.ok;
  },
};
