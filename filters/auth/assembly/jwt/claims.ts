// Reading claims of a verified payload: by a dotted path into nested objects ("realm.roles"), and
// rendered for a request header — strings as they are, integers without a fraction, booleans as
// true/false, arrays of those joined with "," (Envoy's claim_to_headers skips arrays: envoy#30072).
import { JsonArray, JsonBool, JsonKind, JsonNumber, JsonObject, JsonString, JsonValue, jsonNumber } from "@filterkit/sdk";

/** The claim at a dotted path, or null (a path through a non-object finds nothing). */
export function claimAt(payload: JsonObject, path: string): JsonValue | null {
  let cur: JsonValue = payload;
  let start = 0;
  for (;;) {
    let end = path.indexOf(".", start);
    if (end < 0) end = path.length;
    if (cur.kind != JsonKind.Object) return null;
    const next = changetype<JsonObject>(cur).get(path.substring(start, end));
    if (next === null) return null;
    cur = next;
    if (end >= path.length) return cur;
    start = end + 1;
  }
  return null; // not reached: the loop returns
}

function scalar(v: JsonValue): string | null {
  switch (v.kind) {
    case JsonKind.String: return changetype<JsonString>(v).value;
    case JsonKind.Bool: return changetype<JsonBool>(v).value ? "true" : "false";
    case JsonKind.Number: return jsonNumber(changetype<JsonNumber>(v).value);
    default: return null;
  }
}

/** A header value for a claim, or null when the claim has none (an object, null, an array of objects). */
export function renderClaim(v: JsonValue): string | null {
  if (v.kind != JsonKind.Array) return scalar(v);
  const items = changetype<JsonArray>(v).items;
  const parts = new Array<string>();
  for (let i = 0; i < items.length; i++) {
    const s = scalar(unchecked(items[i]));
    if (s === null) return null;
    parts.push(s);
  }
  return parts.join(",");
}

/** The strings a claim holds: one string, a space-delimited list (split when `spaces`), or an array of strings. */
export function claimStrings(v: JsonValue | null, spaces: bool): Array<string> {
  const out = new Array<string>();
  if (v === null) return out;
  if (v.kind == JsonKind.String) {
    const s = changetype<JsonString>(v).value;
    if (!spaces) {
      out.push(s);
      return out;
    }
    const parts = s.split(" ");
    for (let i = 0; i < parts.length; i++) if (unchecked(parts[i]).length > 0) out.push(unchecked(parts[i]));
  } else if (v.kind == JsonKind.Array) {
    const items = changetype<JsonArray>(v).items;
    for (let i = 0; i < items.length; i++) {
      const it = unchecked(items[i]);
      if (it.kind == JsonKind.String) out.push(changetype<JsonString>(it).value);
    }
  }
  return out;
}

/** A NumericDate claim (RFC 7519 §2) in whole seconds, or `absent` when missing; NaN-free: a non-number is `invalid`. */
export function numericDate(payload: JsonObject, name: string, absent: i64, invalid: i64): i64 {
  const v = payload.get(name);
  if (v === null) return absent;
  if (v.kind != JsonKind.Number) return invalid;
  const f = changetype<JsonNumber>(v).value;
  if (!isFinite<f64>(f) || f < 0 || f > 1e15) return invalid;
  return <i64>Math.floor(f);
}
