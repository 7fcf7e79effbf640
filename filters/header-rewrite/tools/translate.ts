// Envoy header configuration → header-rewrite configuration, so an Envoy user ports what they have:
//   - the `envoy.filters.http.header_mutation` filter (HeaderMutation: request / response / trailer
//     mutations and query_parameter_mutations), as the filter entry or its typed_config;
//   - route-level options of a Route, VirtualHost or RouteConfiguration: request_headers_to_add,
//     request_headers_to_remove, response_headers_to_add, response_headers_to_remove.
// Each HeaderValueOption becomes the operation its append_action (or the deprecated `append` bool)
// stands for; `keep_empty_value` becomes `keep_empty`; remove_on_match's StringMatcher becomes a
// `remove_matching` name matcher. Values pass unchanged: the filter speaks Envoy's %COMMAND% syntax.
// What has no counterpart is reported in `warnings`, never dropped silently.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

export interface Translation {
  config: { rules: Obj[] };
  warnings: string[];
}

const ACTIONS: Record<string, string> = {
  APPEND_IF_EXISTS_OR_ADD: "append",
  ADD_IF_ABSENT: "add",
  OVERWRITE_IF_EXISTS_OR_ADD: "set",
  OVERWRITE_IF_EXISTS: "overwrite",
};

const isObj = (v: Json | undefined): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);

/** Protected names need the rule's allow switch, as the filter refuses them otherwise. */
function allowFor(name: string): string[] {
  const n = name.toLowerCase();
  if (n.startsWith(":")) return ["pseudo"];
  if (n === "host") return ["host"];
  if (n.startsWith("x-envoy-")) return ["envoy"];
  return [];
}

/** An Envoy StringMatcher as the filter's matcher. */
function matcher(m: Json | undefined, where: string, warnings: string[]): Obj | null {
  if (!isObj(m)) {
    warnings.push(`${where}: expected a StringMatcher`);
    return null;
  }
  const out: Obj = {};
  for (const k of ["exact", "prefix", "suffix", "contains"]) if (typeof m[k] === "string") out[k] = m[k];
  const sr = m.safe_regex;
  if (isObj(sr) && typeof sr.regex === "string") out.regex = sr.regex;
  if (m.ignore_case === true) out.ignore_case = true;
  if (Object.keys(out).filter((k) => k !== "ignore_case").length !== 1) {
    warnings.push(`${where}: a StringMatcher with one of exact, prefix, suffix, contains, safe_regex was expected`);
    return null;
  }
  return out;
}

/**
 * Envoy refuses to load a header_mutation or route header option that changes a pseudo-header or
 * host (measured in 1.40: ":-prefixed or host headers may not be modified"); the translation keeps
 * the rule (with its allow switch) and says the source could not have run.
 */
function refusedByEnvoy(name: string, where: string, warnings: string[]): void {
  const n = name.toLowerCase();
  if (n.startsWith(":") || n === "host") warnings.push(`${where}: Envoy refuses to modify ${JSON.stringify(n)} here (":-prefixed or host headers may not be modified"); translated with the allow switch the filter requires`);
}

/** A HeaderValueOption as a rule on `target`. */
function fromOption(o: Json, target: string, where: string, warnings: string[]): Obj | null {
  if (!isObj(o) || !isObj(o.header)) {
    warnings.push(`${where}: expected a HeaderValueOption with "header"`);
    return null;
  }
  const key = o.header.key;
  if (typeof key !== "string" || key === "") {
    warnings.push(`${where}.header.key: expected a header name`);
    return null;
  }
  let value: string;
  if (typeof o.header.value === "string") value = o.header.value;
  else if (typeof o.header.raw_value === "string") value = Buffer.from(o.header.raw_value, "base64").toString("utf8");
  else value = "";
  let action = typeof o.append_action === "string" ? o.append_action : "APPEND_IF_EXISTS_OR_ADD";
  if (typeof o.append === "boolean" && o.append_action === undefined) {
    // the deprecated bool: true appends, false overwrites
    action = o.append ? "APPEND_IF_EXISTS_OR_ADD" : "OVERWRITE_IF_EXISTS_OR_ADD";
  }
  const op = ACTIONS[action];
  if (op === undefined) {
    warnings.push(`${where}.append_action: unknown action ${JSON.stringify(action)}`);
    return null;
  }
  const rule: Obj = { ...(target !== "request" ? { target } : {}), op, name: key.toLowerCase(), value };
  if (o.keep_empty_value === true) rule.keep_empty = true;
  refusedByEnvoy(key, `${where}.header.key`, warnings);
  const allow = allowFor(key);
  if (allow.length > 0) rule.allow = allow;
  return rule;
}

/** Header mutations (config.common.mutation_rules.v3.HeaderMutation) of one target. */
function fromMutations(ms: Json | undefined, target: string, where: string, warnings: string[]): Obj[] {
  const out: Obj[] = [];
  list(ms).forEach((m, i) => {
    const at = `${where}[${i}]`;
    if (!isObj(m)) {
      warnings.push(`${at}: expected a mutation`);
      return;
    }
    if (m.append !== undefined) {
      const r = fromOption(m.append, target, `${at}.append`, warnings);
      if (r !== null) out.push(r);
    } else if (typeof m.remove === "string") {
      refusedByEnvoy(m.remove, `${at}.remove`, warnings);
      const allow = allowFor(m.remove);
      out.push({ ...(target !== "request" ? { target } : {}), op: "remove", name: m.remove.toLowerCase(), ...(allow.length > 0 ? { allow } : {}) });
    } else if (isObj(m.remove_on_match)) {
      const km = matcher(m.remove_on_match.key_matcher, `${at}.remove_on_match.key_matcher`, warnings);
      // Envoy removes whatever matches, x-envoy-* included (pseudo-headers and host it never removes, nor does the filter)
      if (km !== null) out.push({ ...(target !== "request" ? { target } : {}), op: "remove_matching", match: km, allow: ["envoy"] });
    } else {
      warnings.push(`${at}: expected "append", "remove" or "remove_on_match"`);
    }
  });
  return out;
}

/** query_parameter_mutations (KeyValueMutation). */
function fromQueryMutations(ms: Json | undefined, warnings: string[]): Obj[] {
  const out: Obj[] = [];
  list(ms).forEach((m, i) => {
    const at = `query_parameter_mutations[${i}]`;
    if (isObj(m) && typeof m.remove === "string") {
      out.push({ target: "query", op: "remove", name: m.remove });
    } else if (isObj(m) && isObj(m.append) && isObj(m.append.record) && typeof m.append.record.key === "string") {
      const action = typeof m.append.action === "string" ? m.append.action : "APPEND_IF_EXISTS_OR_ADD";
      const op = ACTIONS[action];
      if (op === undefined) warnings.push(`${at}.append.action: unknown action ${JSON.stringify(action)}`);
      else out.push({ target: "query", op, name: m.append.record.key, value: typeof m.append.record.value === "string" ? m.append.record.value : "" });
    } else {
      warnings.push(`${at}: expected "append" (with "record") or "remove"`);
    }
  });
  return out;
}

/**
 * An `envoy.filters.http.header_mutation` configuration: the filter entry ({name, typed_config}),
 * its typed_config (HeaderMutation), or HeaderMutation's `mutations` itself.
 */
export function translateHeaderMutation(doc: Json): Translation {
  const warnings: string[] = [];
  let hm: Json = doc;
  if (isObj(hm) && isObj(hm.typed_config)) hm = hm.typed_config;
  const mutations = isObj(hm) && isObj(hm.mutations) ? hm.mutations : hm;
  if (!isObj(mutations)) return { config: { rules: [] }, warnings: ["expected a header_mutation filter, its typed_config or its mutations"] };
  if (isObj(hm) && hm.most_specific_header_mutations_wins !== undefined) warnings.push("most_specific_header_mutations_wins: per-route mutations are not translated");
  const rules = [
    ...fromMutations(mutations.request_mutations, "request", "request_mutations", warnings),
    ...fromQueryMutations(mutations.query_parameter_mutations, warnings),
    ...fromMutations(mutations.response_mutations, "response", "response_mutations", warnings),
    ...fromMutations(mutations.request_trailers_mutations, "request_trailers", "request_trailers_mutations", warnings),
    ...fromMutations(mutations.response_trailers_mutations, "response_trailers", "response_trailers_mutations", warnings),
  ];
  for (const k of Object.keys(mutations)) {
    if (!["request_mutations", "response_mutations", "request_trailers_mutations", "response_trailers_mutations", "query_parameter_mutations"].includes(k)) {
      warnings.push(`mutations.${k}: not translated`);
    }
  }
  return { config: { rules }, warnings };
}

/**
 * A `*_headers_to_add` list as Envoy's HeaderParser applies it (measured in Envoy 1.40, oracle/
 * route-options.json): every value is rendered and every ADD_IF_ABSENT / OVERWRITE_IF_EXISTS test
 * made against the headers before the list, then all overwrites are applied, then all appends. The
 * filter's rules run one after another, so the overwrites go first; the two orders agree unless a
 * name occurs twice in the list or a value reads a header the list writes — those are warned about.
 */
function orderLikeHeaderParser(rules: Obj[], key: string, command: string, warnings: string[]): Obj[] {
  const overwrites = rules.filter((r) => r.op === "set" || r.op === "overwrite");
  const appends = rules.filter((r) => r.op !== "set" && r.op !== "overwrite");
  const names = rules.map((r) => r.name as string);
  const repeated = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (repeated.length > 0) {
    warnings.push(`${key}: ${repeated.map((n) => JSON.stringify(n)).join(", ")} occurs more than once; Envoy tests and renders every entry against the headers before the list, the rules see each other's edits`);
  }
  const reads = new RegExp(`%${command}\\(([^)?]*)`, "gi");
  const readsWritten = rules.filter((r) => [...String(r.value).matchAll(reads)].some((m) => names.includes(m[1].toLowerCase())));
  if (readsWritten.length > 0) {
    warnings.push(`${key}: ${readsWritten.map((r) => JSON.stringify(r.name)).join(", ")} read headers the list writes; Envoy renders them before the list, the rules after the edits before them`);
  }
  return [...overwrites, ...appends];
}

/**
 * Route-level header options (a Route, a VirtualHost or a RouteConfiguration). Envoy removes the
 * `*_headers_to_remove` before it adds the `*_headers_to_add`, so the rules keep that order.
 */
export function translateRouteHeaders(route: Json): Translation {
  const warnings: string[] = [];
  if (!isObj(route)) return { config: { rules: [] }, warnings: ["expected a Route, VirtualHost or RouteConfiguration"] };
  const removes = (key: string, target: string): Obj[] => list(route[key]).flatMap((n, i) => {
    if (typeof n !== "string") {
      warnings.push(`${key}[${i}]: expected a header name`);
      return [];
    }
    refusedByEnvoy(n, `${key}[${i}]`, warnings);
    return [{ ...(target !== "request" ? { target } : {}), op: "remove", name: n.toLowerCase() }];
  });
  const adds = (key: string, target: string): Obj[] => orderLikeHeaderParser(list(route[key]).flatMap((o, i) => {
    const r = fromOption(o, target, `${key}[${i}]`, warnings);
    return r === null ? [] : [r];
  }), key, target === "request" ? "REQ" : "RESP", warnings);
  const rules = [
    ...removes("request_headers_to_remove", "request"), ...adds("request_headers_to_add", "request"),
    ...removes("response_headers_to_remove", "response"), ...adds("response_headers_to_add", "response"),
  ];
  return { config: { rules }, warnings };
}

/**
 * A whole document (what tools/cli.ts reads): header_mutation keys, route header option keys, or
 * both — header_mutation first on the request and last on the response, as Envoy runs them (the
 * route's options apply at the router). An error message when it holds neither.
 */
const ROUTE_KEYS = ["request_headers_to_add", "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove"];
const MUTATION_KEYS = ["typed_config", "mutations", "request_mutations", "response_mutations", "query_parameter_mutations", "request_trailers_mutations", "response_trailers_mutations"];

/** The translation of one document, or an error message when it holds neither kind. */
export function translateDocument(doc: Json): Translation | string {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return "expected a YAML or JSON object";
  const keys = Object.keys(doc);
  const hasRoute = keys.some((k) => ROUTE_KEYS.includes(k));
  const hasMutation = keys.some((k) => MUTATION_KEYS.includes(k));
  if (!hasRoute && !hasMutation) {
    return `found neither a header_mutation configuration (${MUTATION_KEYS.join(", ")}) nor route header options (${ROUTE_KEYS.join(", ")}) at the top level`;
  }
  const routeDoc: Record<string, Json> = {};
  for (const k of ROUTE_KEYS) if (k in doc) routeDoc[k] = doc[k];
  const hm = hasMutation ? translateHeaderMutation(doc) : { config: { rules: [] }, warnings: [] };
  const rt = hasRoute ? translateRouteHeaders(routeDoc) : { config: { rules: [] }, warnings: [] };
  const requestSide = (r: Record<string, Json>) => r.target === undefined || r.target === "request" || r.target === "query" || r.target === "request_trailers";
  // keys the mutation translator does not know are the route's when the file holds route options
  const hmWarnings = hm.warnings.filter((w) => !ROUTE_KEYS.some((k) => w.startsWith(`mutations.${k}:`)));
  return {
    config: {
      rules: [
        ...hm.config.rules.filter(requestSide), ...rt.config.rules.filter(requestSide),
        ...rt.config.rules.filter((r) => !requestSide(r)), ...hm.config.rules.filter((r) => !requestSide(r)),
      ],
    },
    warnings: [...hmWarnings, ...rt.warnings],
  };
}

