// The header-rewrite configuration: an ordered list of rules, parsed and checked once at configure
// time. Every problem is recorded with the field that holds it (`rules[3].name`), and all of them
// are logged, one line each, before the configuration is refused: an operator fixes them in one go.
//
//   {"rules": [{"op": "set", "name": "x-env", "value": "prod"},
//              {"target": "response", "op": "remove_matching", "match": {"prefix": "x-internal-"}},
//              {"op": "set", "name": ":path", "value": "/v2%REQ(:path)%", "allow": ["pseudo"],
//               "when": {"path": {"prefix": "/v1/"}}}],
//    "reroute": "auto", "dry_run": false}
import { JsonConfig, Condition, StringMatcher, Template, asciiLower, isHeaderName, isSafeHeaderValue } from "@filterkit/sdk";

export enum Target {
  RequestHeaders = 0,
  ResponseHeaders = 1,
  RequestTrailers = 2,
  ResponseTrailers = 3,
  Query = 4,
}

/** The operations, and the Envoy append_action each stands for (README: the mapping table). */
export enum Op {
  /** OVERWRITE_IF_EXISTS_OR_ADD: every occurrence removed, one added */
  Set = 0,
  /** ADD_IF_ABSENT */
  Add = 1,
  /** APPEND_IF_EXISTS_OR_ADD (Envoy's default) */
  Append = 2,
  /** OVERWRITE_IF_EXISTS */
  Overwrite = 3,
  /** header_mutation `remove` */
  Remove = 4,
  /** header_mutation `remove_on_match`, plus an optional value matcher */
  RemoveMatching = 5,
  /** every occurrence renamed in place */
  Rename = 6,
  /** every value copied to another name (appended) */
  Copy = 7,
}

export enum Reroute {
  Never = 0,
  /** only when a rule changed :path, :authority or the query string */
  Auto = 1,
  Always = 2,
}

const TARGETS = ["request", "response", "request_trailers", "response_trailers", "query"];
const OPS = ["set", "add", "append", "overwrite", "remove", "remove_matching", "rename", "copy"];
const RULE_KEYS = ["target", "op", "name", "value", "keep_empty", "keep_query", "to", "match", "value_match", "when", "allow"];
const ALLOW = ["pseudo", "host", "envoy"];

export class Rule {
  index: i32;
  target: Target = Target.RequestHeaders;
  op: Op = Op.Set;
  /** lower-cased for header targets; as written for query parameters */
  name: string = "";
  nameBytes: ArrayBuffer = new ArrayBuffer(0);
  to: string = "";
  toBytes: ArrayBuffer = new ArrayBuffer(0);
  value: Template | null = null;
  keepEmpty: bool = false;
  /** a `:path` set whose value has no query string keeps the request's (as a route's prefix_rewrite does) */
  keepQuery: bool = false;
  nameMatch: StringMatcher | null = null;
  valueMatch: StringMatcher | null = null;
  when: Condition = Condition.always();
  allowPseudo: bool = false;
  allowHost: bool = false;
  allowEnvoy: bool = false;

  constructor(index: i32) {
    this.index = index;
  }

  /** Whether the rule can write `name` (a header name: protected ones need their allow switch). */
  mayTouch(name: string): bool {
    if (this.target == Target.Query) return true;
    if (name.startsWith(":")) return this.allowPseudo;
    if (name == "host") return this.allowHost;
    if (name.startsWith("x-envoy-")) return this.allowEnvoy;
    return true;
  }

  /** Whether a request rule writing `name` makes the route worth picking again. */
  routing(): bool {
    if (this.target == Target.Query) return true;
    if (this.target != Target.RequestHeaders) return false;
    if (this.op == Op.RemoveMatching) return false; // pseudo-headers are never removed
    return this.name == ":path" || this.name == ":authority" || this.name == "host" || this.to == ":authority" || this.to == ":path";
  }
}

export class Config {
  rules: Array<Rule> = new Array<Rule>();
  /** per target, in order */
  byTarget: Array<Array<Rule>> = [new Array<Rule>(), new Array<Rule>(), new Array<Rule>(), new Array<Rule>(), new Array<Rule>()];
  reroute: Reroute = Reroute.Auto;
  dryRun: bool = false;
  /** later phases read the request (conditions, %REQ()%): the request phase keeps its headers */
  keepRequest: bool = false;
  /** response-trailer rules read the response headers: the response phase keeps them */
  keepResponse: bool = false;
}

/** Names a value-writing op may not target at all: pseudo-headers cannot be added or removed. */
function pseudoProblem(op: Op): string | null {
  if (op == Op.Set || op == Op.Overwrite) return null;
  return "a pseudo-header can only be replaced (\"set\" or \"overwrite\"): it cannot be added, removed, renamed or copied";
}

function checkName(cfg: JsonConfig, key: string, name: string, rule: Rule): void {
  if (rule.target == Target.Query) return;
  const pseudo = name.startsWith(":");
  if (!pseudo && !isHeaderName(name)) {
    cfg.fail(key, "expected an HTTP header name (RFC 9110 token characters) or a pseudo-header");
    return;
  }
  if (pseudo) {
    const problem = pseudoProblem(rule.op);
    if (problem !== null || key == "to") {
      cfg.fail(key, problem !== null ? problem : "a pseudo-header cannot be a rename or copy target");
      return;
    }
    if (!rule.allowPseudo) cfg.fail(key, "pseudo-header \"" + name + "\" is protected: add \"pseudo\" to the rule's \"allow\" to change it");
  } else if (name == "host" && !rule.allowHost) {
    cfg.fail(key, "\"host\" is protected: add \"host\" to the rule's \"allow\" to change it (or set \":authority\")");
  } else if (name.startsWith("x-envoy-") && !rule.allowEnvoy) {
    cfg.fail(key, "\"" + name + "\" is an Envoy-internal header: add \"envoy\" to the rule's \"allow\" to change it");
  }
}

function parseRule(r: JsonConfig, index: i32): Rule {
  const rule = new Rule(index);
  r.allowOnly(RULE_KEYS);
  rule.target = <Target>TARGETS.indexOf(r.optionalEnum("target", TARGETS, "request"));
  const opName = r.optionalEnum("op", OPS, "");
  if (!r.has("op")) r.fail("op", "required: one of \"" + OPS.join("\", \"") + "\"");
  rule.op = <Op>max(0, OPS.indexOf(opName));
  const allow = r.optionalStringArray("allow");
  for (let i = 0; i < allow.length; i++) {
    const a = unchecked(allow[i]);
    if (a == "pseudo") rule.allowPseudo = true;
    else if (a == "host") rule.allowHost = true;
    else if (a == "envoy") rule.allowEnvoy = true;
    else r.fail("allow[" + i.toString() + "]", "expected one of \"" + ALLOW.join("\", \"") + "\"");
  }
  const writesValue = rule.op == Op.Set || rule.op == Op.Add || rule.op == Op.Append || rule.op == Op.Overwrite;
  const named = rule.op != Op.RemoveMatching;
  const header = rule.target != Target.Query;
  if (named) {
    const raw = r.requireString("name");
    rule.name = header ? asciiLower(raw) : raw;
    if (raw.length > 0) checkName(r, "name", rule.name, rule);
  } else if (r.has("name")) {
    r.fail("name", "\"remove_matching\" takes \"match\" (a name matcher), not \"name\"");
  }
  if (rule.op == Op.Rename || rule.op == Op.Copy) {
    const raw = r.requireString("to");
    rule.to = header ? asciiLower(raw) : raw;
    if (raw.length > 0) checkName(r, "to", rule.to, rule);
  } else if (r.has("to")) {
    r.fail("to", "only \"rename\" and \"copy\" take \"to\"");
  }
  if (writesValue) {
    const text = r.requireStringAllowEmpty("value");
    if (!isSafeHeaderValue(text)) r.fail("value", "expected a value without CR, LF or NUL");
    const t = Template.compile(text);
    if (!t.ok) r.fail("value", t.error);
    else rule.value = t.template;
    rule.keepEmpty = r.optionalBool("keep_empty", false);
    rule.keepQuery = r.optionalBool("keep_query", false);
    if (r.has("keep_query") && (rule.name != ":path" || rule.target != Target.RequestHeaders)) {
      r.fail("keep_query", "only a request rule on \":path\" takes \"keep_query\"");
    }
  } else {
    if (r.has("value")) r.fail("value", "\"" + opName + "\" takes no \"value\"");
    if (r.has("keep_empty")) r.fail("keep_empty", "only value-writing operations take \"keep_empty\"");
    if (r.has("keep_query")) r.fail("keep_query", "only a request rule on \":path\" takes \"keep_query\"");
  }
  if (rule.op == Op.RemoveMatching) {
    rule.nameMatch = StringMatcher.parse(r.requireObject("match"));
    const vm = r.optionalObject("value_match");
    if (vm !== null) rule.valueMatch = StringMatcher.parse(vm);
  } else {
    if (r.has("match")) r.fail("match", "only \"remove_matching\" takes \"match\"");
    if (r.has("value_match")) r.fail("value_match", "only \"remove_matching\" takes \"value_match\"");
  }
  const when = r.optionalObject("when");
  if (when !== null) rule.when = Condition.parse(when);
  if (rule.when.readsResponse() && (rule.target == Target.RequestHeaders || rule.target == Target.RequestTrailers || rule.target == Target.Query)) {
    r.fail("when", "a request rule cannot depend on the response (status, response_header)");
  }
  rule.nameBytes = String.UTF8.encode(rule.name);
  rule.toBytes = String.UTF8.encode(rule.to);
  return rule;
}

/** The configuration, or null after logging every problem (one line each). */
export function parseConfig(text: string): Config | null {
  const cfg = JsonConfig.parse(text);
  const out = new Config();
  cfg.allowOnly(["rules", "reroute", "dry_run"]);
  const rules = cfg.requireArray("rules");
  for (let i = 0; i < rules.length; i++) {
    const rule = parseRule(rules.object(i), i);
    out.rules.push(rule);
    unchecked(out.byTarget[<i32>rule.target]).push(rule);
    if (rule.target != Target.RequestHeaders && rule.target != Target.Query) {
      const v = rule.value;
      if (!rule.when.isAlways() || (v !== null && v.requestHeadersUsed().length > 0)) out.keepRequest = true;
    }
    if (rule.target == Target.ResponseTrailers && !rule.when.isAlways()) out.keepResponse = true;
  }
  const reroute = cfg.optionalEnum("reroute", ["never", "auto", "always"], "auto");
  out.reroute = reroute == "never" ? Reroute.Never : reroute == "always" ? Reroute.Always : Reroute.Auto;
  out.dryRun = cfg.optionalBool("dry_run", false);
  if (!cfg.checkAll()) return null;
  return out;
}
