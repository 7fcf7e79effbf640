// Applying the rules of one phase to its working copies (header-list.ts). A rule runs when its
// condition holds on the current state; its edit goes to the working copy at once, so the next rule
// sees it. What each operation does is written once here (README: the operation table):
//   set       every occurrence removed, one added at the end (a pseudo-header: its value replaced)
//   add       added only when the name is absent
//   append    one more occurrence at the end
//   overwrite as set, only when the name is present
//   remove    every occurrence
//   remove_matching  every occurrence whose name (and value, with value_match) matches
//   rename    every occurrence renamed where it stands
//   copy      every value appended again under the new name
// A rendered value that is empty is dropped unless keep_empty (Envoy's keep_empty_value); one
// holding CR, LF or NUL (from request data) is refused and counted, never written.
import { HeaderPair, isSafeHeaderValue, PairsMatchInput, QueryParam, buildQuery, parseQuery, percentEncode, splitPathAndQuery } from "@filterkit/sdk";
import { Op, Rule, Target } from "./config";
import { HeaderList, sameBytes } from "./header-list";
import { RuleValues } from "./values";

/** What a phase did, for metrics and the dry-run log. */
export class Outcome {
  edits: i32 = 0;
  refused: i32 = 0;
  /** a rule changed :path, :authority or the query string */
  routing: bool = false;
  /** "rule 2 (set x-a)" per edit, kept only in dry-run mode */
  described: Array<string> = new Array<string>();
}

const OP_NAMES = ["set", "add", "append", "overwrite", "remove", "remove_matching", "rename", "copy"];

function describe(rule: Rule): string {
  const what = rule.op == Op.RemoveMatching ? "remove_matching" : OP_NAMES[<i32>rule.op] + " " + rule.name;
  return "rule " + rule.index.toString() + " (" + what + ")";
}

function edited(rule: Rule, out: Outcome, dryRun: bool): void {
  out.edits++;
  if (rule.routing()) out.routing = true;
  if (dryRun) out.described.push(describe(rule));
}

/** The rule's rendered value, or null when it must not be written (empty without keep_empty, or unsafe). */
function valueOf(rule: Rule, values: RuleValues, out: Outcome): string | null {
  const v = values.render(rule);
  if (v.length == 0 && !rule.keepEmpty) return null;
  if (!isSafeHeaderValue(v)) {
    out.refused++;
    return null;
  }
  return v;
}

/** Sets a pseudo-header's value where it stands (it occurs once; Envoy keeps pseudo-headers first). */
function replacePseudo(list: HeaderList, name: ArrayBuffer, value: string): void {
  const pairs = list.pairs.slice(0);
  for (let i = 0; i < pairs.length; i++) {
    if (sameBytes(unchecked(pairs[i]).key, name)) {
      pairs[i] = new HeaderPair(name, String.UTF8.encode(value));
      list.replaceAll(pairs);
      return;
    }
  }
}

/** Applies a header rule (request/response headers or trailers) to `list`. */
export function applyHeaderRule(rule: Rule, list: HeaderList, values: RuleValues, out: Outcome, dryRun: bool): void {
  const name = rule.nameBytes;
  switch (rule.op) {
    case Op.Set:
    case Op.Overwrite: {
      const present = list.has(name);
      if (rule.op == Op.Overwrite && !present) return;
      let v = valueOf(rule, values, out);
      if (v === null) return;
      if (rule.name.startsWith(":")) {
        if (!present) return; // a pseudo-header is never added
        if (rule.keepQuery && !v.includes("?")) {
          const current = list.first(name);
          const was = splitPathAndQuery(current !== null ? current : "");
          if (was.hasQuery) v = v + "?" + was.query;
        }
        replacePseudo(list, name, v);
      } else {
        list.set(name, v);
      }
      edited(rule, out, dryRun);
      return;
    }
    case Op.Add: {
      if (list.has(name)) return;
      const v = valueOf(rule, values, out);
      if (v === null) return;
      list.append(name, v);
      edited(rule, out, dryRun);
      return;
    }
    case Op.Append: {
      const v = valueOf(rule, values, out);
      if (v === null) return;
      list.append(name, v);
      edited(rule, out, dryRun);
      return;
    }
    case Op.Remove:
      if (list.remove(name) > 0) edited(rule, out, dryRun);
      return;
    case Op.RemoveMatching: {
      const kept = new Array<HeaderPair>();
      let removed = 0;
      const nm = rule.nameMatch;
      const vm = rule.valueMatch;
      for (let i = 0; i < list.pairs.length; i++) {
        const p = unchecked(list.pairs[i]);
        // names compared as bytes where that is exact (StringMatcher.matchesBytes): no string per header
        const hit = nm !== null && nm.matchesBytes(p.key) && (vm === null || vm.matches(p.valueString()));
        if (!hit) {
          kept.push(p);
          continue;
        }
        const key = p.keyString();
        if (key.startsWith(":") || !rule.mayTouch(key)) {
          kept.push(p); // pseudo-headers are never removed; protected ones need their allow switch
          out.refused++;
        } else {
          removed++;
        }
      }
      if (removed > 0) {
        list.replaceAll(kept);
        edited(rule, out, dryRun);
      }
      return;
    }
    case Op.Rename: {
      if (!list.has(name)) return;
      const pairs = new Array<HeaderPair>();
      for (let i = 0; i < list.pairs.length; i++) {
        const p = unchecked(list.pairs[i]);
        pairs.push(sameBytes(p.key, name) ? new HeaderPair(rule.toBytes, p.value) : p);
      }
      list.replaceAll(pairs);
      edited(rule, out, dryRun);
      return;
    }
    default: { // Copy
      const vs = list.values(name);
      if (vs.length == 0) return;
      for (let i = 0; i < vs.length; i++) list.append(rule.toBytes, unchecked(vs[i]));
      edited(rule, out, dryRun);
    }
  }
}

/** Applies a query-parameter rule to the request's `:path` in `request`. Names compare decoded. */
export function applyQueryRule(rule: Rule, request: HeaderList, values: RuleValues, out: Outcome, dryRun: bool): void {
  const pathName = String.UTF8.encode(":path");
  const full = request.first(pathName);
  if (full === null) return;
  const split = splitPathAndQuery(full);
  const params = parseQuery(split.query);
  let changed = false;
  let kept = new Array<QueryParam>();
  switch (rule.op) {
    case Op.Set:
    case Op.Overwrite:
    case Op.Add:
    case Op.Append: {
      let present = false;
      for (let i = 0; i < params.length; i++) if (unchecked(params[i]).name() == rule.name) present = true;
      if (rule.op == Op.Overwrite && !present) return;
      if (rule.op == Op.Add && present) return;
      const v = valueOf(rule, values, out);
      if (v === null) return;
      for (let i = 0; i < params.length; i++) {
        const p = unchecked(params[i]);
        if (rule.op == Op.Append || rule.op == Op.Add || p.name() != rule.name) kept.push(p);
      }
      kept.push(new QueryParam(percentEncode(rule.name), percentEncode(v), true));
      changed = true;
      break;
    }
    case Op.Remove:
    case Op.RemoveMatching: {
      for (let i = 0; i < params.length; i++) {
        const p = unchecked(params[i]);
        let hit: bool;
        if (rule.op == Op.Remove) hit = p.name() == rule.name;
        else {
          const nm = rule.nameMatch;
          const vm = rule.valueMatch;
          hit = nm !== null && nm.matches(p.name()) && (vm === null || vm.matches(p.value()));
        }
        if (hit) changed = true;
        else kept.push(p);
      }
      break;
    }
    case Op.Rename: {
      for (let i = 0; i < params.length; i++) {
        const p = unchecked(params[i]);
        if (p.name() == rule.name) {
          kept.push(new QueryParam(percentEncode(rule.to), p.rawValue, p.hasValue));
          changed = true;
        } else {
          kept.push(p);
        }
      }
      break;
    }
    default: { // Copy
      kept = params.slice(0);
      for (let i = 0; i < params.length; i++) {
        const p = unchecked(params[i]);
        if (p.name() == rule.name) {
          kept.push(new QueryParam(percentEncode(rule.to), p.rawValue, p.hasValue));
          changed = true;
        }
      }
    }
  }
  if (!changed) return;
  const query = buildQuery(kept);
  replacePseudo(request, pathName, kept.length > 0 ? split.path + "?" + query : split.path);
  edited(rule, out, dryRun);
}

/** Runs the rules of one target on the phase's working copies, each when its condition holds. */
export function runRules(rules: Array<Rule>, target: HeaderList, request: HeaderList | null, input: PairsMatchInput, values: RuleValues, dryRun: bool): Outcome {
  const out = new Outcome();
  for (let i = 0; i < rules.length; i++) {
    const rule = unchecked(rules[i]);
    if (!rule.when.evaluate(input)) continue;
    values.captures = rule.when.captures;
    values.captureNames = rule.when.captureNames;
    if (rule.target == Target.Query) {
      if (request !== null) applyQueryRule(rule, request, values, out, dryRun);
    } else {
      applyHeaderRule(rule, target, values, out, dryRun);
    }
    // conditions and values follow the working copies (an edit may have replaced the list)
    if (request !== null) {
      input.request = request.pairs;
      values.request = request.pairs;
    }
    if (rule.target == Target.ResponseHeaders) {
      input.response = target.pairs;
      values.response = target.pairs;
    }
  }
  return out;
}
