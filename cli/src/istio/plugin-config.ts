// How Istio hands a WasmPlugin's `pluginConfig` to the filter: the google.protobuf.Struct is
// written back as JSON by golang/protobuf's jsonpb (istio pilot/pkg/model/extensions.go
// buildWasmConfig → pkg/util/protomarshal.ToJSON) — compact, object keys sorted bytewise at every
// level, `<` `>` `&` U+2028 U+2029 escaped as Go's encoding/json escapes them — and the filter's
// onConfigure reads exactly that text. A Struct holds only JSON objects at the top, and its numbers
// are doubles. Knowing the text lets the kit test a filter with what Istio will give it.

/** A value a google.protobuf.Struct can hold. */
export type StructValue = null | boolean | number | string | StructValue[] | { [key: string]: StructValue };

/** Why `value` cannot travel as a Struct unchanged, or null: the path and the reason. */
export function structProblem(value: unknown, path = "pluginConfig"): string | null {
  if (value === null || typeof value === "boolean" || typeof value === "string") return null;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return `${path}: ${value} is not a JSON number`;
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) return `${path}: ${value} is beyond 2^53, and a Struct's numbers are doubles (it would arrive changed)`;
    return null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = structProblem(value[i], `${path}[${i}]`);
      if (p !== null) return p;
    }
    return null;
  }
  if (typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const p = structProblem(v, `${path}.${k}`);
      if (p !== null) return p;
    }
    return null;
  }
  return `${path}: a ${typeof value} is not JSON`;
}

/** Bytewise (UTF-8) order of keys, as Go sorts strings. */
function goCompare(a: string, b: string): number {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return Buffer.compare(x, y);
}

function write(value: StructValue): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(write).join(",")}]`;
  const keys = Object.keys(value).sort(goCompare);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${write(value[k])}`).join(",")}}`;
}

/** The configuration text a filter receives from Istio for `pluginConfig` ("" for none or {}). */
export function istioConfigurationText(pluginConfig: { [key: string]: StructValue } | undefined): string {
  if (pluginConfig === undefined || Object.keys(pluginConfig).length === 0) return "";
  return write(pluginConfig)
    .replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}
