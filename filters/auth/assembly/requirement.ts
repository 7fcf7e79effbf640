// Requirements: which methods a route needs, as Envoy's jwt_authn spells them — one method, any
// of several (`requires_any`, with `allow_missing` / `allow_missing_or_failed` among them), all of
// several (`requires_all`). Parsed once; evaluated per request with every method run at most once.
import { JsonConfig, JsonKind, JsonString } from "@filterkit/sdk";
import { Kind, Outcome } from "./outcome";

export enum ReqKind {
  ApiKey = 0,
  Basic = 1,
  Jwt = 2,
  Any = 3,
  All = 4,
  AllowMissing = 5,
  AllowMissingOrFailed = 6,
}

export const MAX_REQUIREMENT_DEPTH = 8;

export class Requirement {
  kind: ReqKind = ReqKind.ApiKey;
  /** provider index (Jwt) */
  provider: i32 = -1;
  providerName: string = "";
  /** audiences overriding the provider's (Envoy's provider_and_audiences), empty = the provider's */
  audiences: Array<string> = new Array<string>();
  children: Array<Requirement> = new Array<Requirement>();

  /**
   * Parses `{"api_key": {}}`, `{"basic": {}}`, `{"jwt": "p"}` / `{"jwt": {"provider": "p", "audiences": [...]}}`,
   * `{"any": [...]}`, `{"all": [...]}`; `{"allow_missing": {}}` and `{"allow_missing_or_failed": {}}` only inside `any`.
   */
  static parse(o: JsonConfig, providers: Array<string>, methods: Array<string>, depth: i32, insideAny: bool): Requirement {
    const r = new Requirement();
    const keys = o.keys();
    if (keys.length != 1) {
      o.fail("", "expected exactly one of \"api_key\", \"basic\", \"jwt\", \"any\", \"all\"" + (insideAny ? ", \"allow_missing\", \"allow_missing_or_failed\"" : ""));
      return r;
    }
    const k = unchecked(keys[0]);
    if (k == "api_key" || k == "basic") {
      r.kind = k == "api_key" ? ReqKind.ApiKey : ReqKind.Basic;
      if (!methods.includes(k)) o.fail(k, "the \"" + k + "\" method is not configured");
      o.requireObject(k).allowOnly([]);
    } else if (k == "jwt") {
      r.kind = ReqKind.Jwt;
      const v = o.get("jwt");
      if (v !== null && v.kind == JsonKind.String) {
        r.providerName = changetype<JsonString>(v).value;
      } else {
        const j = o.requireObject("jwt");
        j.allowOnly(["provider", "audiences"]);
        r.providerName = j.requireString("provider");
        r.audiences = j.optionalStringArray("audiences");
      }
      r.provider = providers.indexOf(r.providerName);
      if (r.provider < 0 && r.providerName.length > 0) o.fail("jwt", "no provider named \"" + r.providerName + "\"");
    } else if (k == "any" || k == "all") {
      r.kind = k == "any" ? ReqKind.Any : ReqKind.All;
      if (depth >= MAX_REQUIREMENT_DEPTH) {
        o.fail(k, "requirements nest deeper than " + MAX_REQUIREMENT_DEPTH.toString() + " levels");
        return r;
      }
      const arr = o.requireArray(k, 1);
      for (let i = 0; i < arr.length; i++) r.children.push(Requirement.parse(arr.object(i), providers, methods, depth + 1, k == "any"));
    } else if ((k == "allow_missing" || k == "allow_missing_or_failed") && insideAny) {
      r.kind = k == "allow_missing" ? ReqKind.AllowMissing : ReqKind.AllowMissingOrFailed;
      o.requireObject(k).allowOnly([]);
    } else {
      o.fail(k, insideAny ? "unknown requirement" : "unknown requirement (allow_missing and allow_missing_or_failed go inside \"any\")");
    }
    return r;
  }
}

/** Runs one method of a requirement leaf; the evaluator caches per request. */
export abstract class MethodRunner {
  abstract run(leaf: Requirement): Outcome;
}

/** A requirement's outcome. A passing `any` without a verified child has no identity. */
export function evaluate(r: Requirement, run: MethodRunner): Outcome {
  switch (r.kind) {
    case ReqKind.Any: {
      let allowMissing = false;
      let allowFailed = false;
      let firstMissing: Outcome | null = null;
      let firstFailed: Outcome | null = null;
      const schemes = new Array<i32>();
      for (let i = 0; i < r.children.length; i++) {
        const c = unchecked(r.children[i]);
        if (c.kind == ReqKind.AllowMissing) { allowMissing = true; continue; }
        if (c.kind == ReqKind.AllowMissingOrFailed) { allowFailed = true; continue; }
        const o = evaluate(c, run);
        if (o.kind == Kind.Ok) return o;
        if (o.kind == Kind.Missing) {
          if (firstMissing === null) firstMissing = o;
          for (let s = 0; s < o.challenges.length; s++) if (!schemes.includes(unchecked(o.challenges[s]))) schemes.push(unchecked(o.challenges[s]));
        } else if (firstFailed === null || (firstFailed.details == "jwt_unknown_issuer" && o.details != "jwt_unknown_issuer")) {
          // as Envoy's jwt_authn: the provider whose issuer the token names reports the failure
          firstFailed = o;
        }
      }
      if (allowFailed || (allowMissing && firstFailed === null)) return Outcome.passed();
      if (firstFailed !== null) return firstFailed;
      const m = firstMissing !== null ? firstMissing : Outcome.passed();
      m.challenges = schemes;
      return m;
    }
    case ReqKind.All: {
      let first: Outcome | null = null;
      let firstMissing: Outcome | null = null;
      for (let i = 0; i < r.children.length; i++) {
        const o = evaluate(unchecked(r.children[i]), run);
        if (o.kind == Kind.Failed) return o;
        if (o.kind == Kind.Missing && firstMissing === null) firstMissing = o;
        if (first === null) first = o;
      }
      if (firstMissing !== null) return firstMissing;
      return first !== null ? first : Outcome.passed();
    }
    default:
      return run.run(r);
  }
}
