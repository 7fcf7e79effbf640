// A phase made of plain edits, done on Envoy's map directly. When every rule of a phase is an
// unconditional set / add / append / overwrite / remove of one named, non-pseudo header with a
// literal value, and nothing later reads the phase's map (no response-side condition or %REQ()%
// needs the request, no trailer condition the response), each rule becomes one host call — plus a
// presence check (get_header_map_value) where the operation depends on it — instead of reading the
// whole map, editing a copy and writing it back. Same result, rule for rule: Envoy's replace is
// "remove every occurrence, add one at the end" (our set), its add appends one occurrence, its
// remove takes every occurrence. Why: in Envoy 1.40 reading a map whole and decoding it costs
// several microseconds per request, one host call a fraction of that (README, "Where the time goes").
import {
  HeaderMapType, add_header_map_value_string, get_header_map_value_or_null, remove_header_map_value_string,
  replace_header_map_value_string,
} from "@filterkit/sdk";
import { Op, Rule, Target } from "./config";
import { Outcome } from "./rewrite";

/** Whether `rule` can be applied without reading its map. */
export function isDirect(rule: Rule): bool {
  if (rule.target == Target.Query || !rule.when.isAlways() || rule.name.startsWith(":") || rule.routing()) return false;
  const v = rule.value;
  switch (rule.op) {
    case Op.Remove:
      return true;
    case Op.Set:
    case Op.Add:
    case Op.Append:
    case Op.Overwrite:
      return v === null || v.isLiteral;
    default:
      return false; // remove_matching, rename, copy read the map
  }
}

/** Whether a phase's rules can all be applied directly (see the file's comment). */
export function allDirect(rules: Array<Rule>): bool {
  if (rules.length == 0) return false;
  for (let i = 0; i < rules.length; i++) if (!isDirect(unchecked(rules[i]))) return false;
  return true;
}

/** The rules of a direct phase applied to Envoy's `map`, in order; counted as runRules counts them. */
export function runDirect(rules: Array<Rule>, map: HeaderMapType): Outcome {
  const out = new Outcome();
  for (let i = 0; i < rules.length; i++) {
    const rule = unchecked(rules[i]);
    const name = rule.name;
    if (rule.op == Op.Remove) {
      if (get_header_map_value_or_null(map, name) === null) continue;
      remove_header_map_value_string(map, name);
      out.edits++;
      continue;
    }
    if (rule.op == Op.Add || rule.op == Op.Overwrite) {
      const present = get_header_map_value_or_null(map, name) !== null;
      if (present != (rule.op == Op.Overwrite)) continue;
    }
    const t = rule.value;
    const v = t === null ? "" : t.literal;
    if (v.length == 0 && !rule.keepEmpty) continue;
    // literal values were checked for CR, LF and NUL when the configuration was parsed
    if (rule.op == Op.Append || rule.op == Op.Add) add_header_map_value_string(map, name, v);
    else replace_header_map_value_string(map, name, v);
    out.edits++;
  }
  return out;
}
