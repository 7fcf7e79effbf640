// The auth filter's contexts. The root holds the configuration and the metrics; each request:
// scrub the identity headers a client may have sent, pick the first rule whose condition holds,
// evaluate its requirement (each method at most once), authorize, then either refuse with 401/403
// or publish the identity, strip the credentials used and let the request go on — all edits in
// one write of the request headers.
import {
  RootContext, Context, FilterHeadersStatusValues, Counter, PairsMatchInput, logDebug,
} from "@filterkit/sdk";
import { Config, Rule, parseConfig } from "./config";
import { Extraction, Found, strip } from "./credential";
import { MethodResult } from "./method";
import { Identity, Kind, Outcome } from "./outcome";
import { refuse } from "./reply";
import { forbidden } from "./authorize";
import { Request } from "./request";
import { redacted } from "./text";
import { MethodRunner, ReqKind, Requirement, evaluate } from "./requirement";
import { authenticateJwt } from "./jwt/method";
import { Provider } from "./jwt/provider";

export class AuthRoot extends RootContext {
  config: Config | null = null;
  allowed: Counter | null = null;
  unauthenticated: Counter | null = null;
  forbidden: Counter | null = null;

  onConfigure(_size: u32): bool {
    const cfg = parseConfig(this.readConfiguration());
    if (cfg === null) return false;
    this.config = cfg;
    if (this.allowed === null) {
      this.allowed = new Counter("auth.allowed");
      this.unauthenticated = new Counter("auth.unauthenticated");
      this.forbidden = new Counter("auth.forbidden");
    }
    return true;
  }

  createContext(context_id: u32): Context {
    return new Auth(context_id, this);
  }
}

/** Runs the methods a requirement names, each once per request, remembering what each used. */
class Runner extends MethodRunner {
  cfg: Config;
  req: Request;
  results: Map<string, MethodResult> = new Map<string, MethodResult>();
  /** every JWT that verified, with its provider (each publishes its own claim headers) */
  jwtProviders: Array<Provider> = new Array<Provider>();
  jwtIdentities: Array<Identity> = new Array<Identity>();

  constructor(cfg: Config, req: Request) {
    super();
    this.cfg = cfg;
    this.req = req;
  }

  run(leaf: Requirement): Outcome {
    const key = leaf.kind.toString() + ":" + leaf.provider.toString() + ":" + leaf.audiences.join(",");
    if (this.results.has(key)) return this.results.get(key).outcome;
    const cfg = this.cfg;
    // a requirement only names configured methods (config.ts refuses others): this stays unused
    let r = new MethodResult(new Extraction());
    const ak = cfg.apiKey;
    const basic = cfg.basic;
    if (leaf.kind == ReqKind.ApiKey && ak !== null) r = ak.authenticate(this.req, cfg.consumers, cfg.duplicatesFirst);
    else if (leaf.kind == ReqKind.Basic && basic !== null) r = basic.authenticate(this.req, cfg.consumers, cfg.duplicatesFirst);
    else if (leaf.kind == ReqKind.Jwt) {
      const p = unchecked(cfg.providers[leaf.provider]);
      r = authenticateJwt(this.req, p, leaf.audiences, cfg.tokenCache, cfg.consumers, cfg.duplicatesFirst);
      const id = r.outcome.identity;
      if (r.outcome.kind == Kind.Ok && id !== null) {
        this.jwtProviders.push(p);
        this.jwtIdentities.push(id);
      }
    }
    r.forward = leaf.kind == ReqKind.ApiKey ? cfg.forwardApiKey : leaf.kind == ReqKind.Basic ? cfg.forwardBasic : leaf.kind == ReqKind.Jwt ? unchecked(cfg.providers[leaf.provider]).forward : false;
    this.results.set(key, r);
    return r.outcome;
  }

  /** The first credential a method looked at, or null. */
  firstUsed(): Found | null {
    const rs = this.results.values();
    for (let i = 0; i < rs.length; i++) {
      const f = unchecked(rs[i]).used;
      if (f !== null) return f;
    }
    return null;
  }

  /** The credentials to take away: every one a method used, unless that method forwards it. */
  toStrip(): Array<Found> {
    const out = new Array<Found>();
    const rs = this.results.values();
    for (let i = 0; i < rs.length; i++) {
      const r = unchecked(rs[i]);
      const f = r.used;
      if (f === null || r.forward) continue;
      let dup = false;
      for (let k = 0; k < out.length; k++) {
        const o = unchecked(out[k]);
        if (o.source.kind == f.source.kind && o.source.name == f.source.name && o.occurrence == f.occurrence) dup = true;
      }
      if (!dup) out.push(f);
    }
    // later header occurrences first, so removing one does not shift the index of another
    out.sort((a: Found, b: Found): i32 => b.occurrence - a.occurrence);
    return out;
  }
}

export class Auth extends Context {
  root: AuthRoot;

  constructor(context_id: u32, root: AuthRoot) {
    super(context_id, root);
    this.root = root;
  }

  onRequestHeaders(_headers: u32, _endOfStream: bool): FilterHeadersStatusValues {
    const cfg = this.root.config;
    if (cfg === null) return FilterHeadersStatusValues.Continue;
    const req = Request.fromHost();
    cfg.identity.scrub(req);
    const rule = firstRule(cfg, req);
    if (rule === null || rule.requires === null || (cfg.bypassCorsPreflight && isPreflight(req))) {
      req.flush();
      return FilterHeadersStatusValues.Continue;
    }
    const runner = new Runner(cfg, req);
    const o = evaluate(changetype<Requirement>(rule.requires), runner);
    if (o.kind != Kind.Ok) return this.deny(o, cfg, req, runner);
    const id = o.identity;
    if (id === null) {
      // let through without an identity (allow_missing…): nobody to authorize
      if (!rule.authz.empty) return this.deny(forbidden(null, rule.authz), cfg, req, runner);
    } else {
      if (!rule.authz.permits(id)) return this.deny(forbidden(id, rule.authz), cfg, req, runner);
      cfg.identity.publish(req, id);
      for (let i = 0; i < runner.jwtProviders.length; i++) cfg.identity.publishJwt(req, unchecked(runner.jwtIdentities[i]), unchecked(runner.jwtProviders[i]));
    }
    const strips = runner.toStrip();
    for (let i = 0; i < strips.length; i++) strip(req, unchecked(strips[i]));
    req.flush();
    const c = this.root.allowed;
    if (c !== null) c.increment(1);
    return FilterHeadersStatusValues.Continue;
  }

  deny(o: Outcome, cfg: Config, req: Request, runner: Runner): FilterHeadersStatusValues {
    const c = o.kind == Kind.Failed && o.status == 403 ? this.root.forbidden : this.root.unauthenticated;
    if (c !== null) c.increment(1);
    // never a credential in a log line: at most 8 hex digits of a salted hash, to tell repeats apart
    const used = runner.firstUsed();
    const cred = used !== null ? " credential " + redacted(used.value, cfg.logSalt) : "";
    logDebug("auth: refused " + (o.kind == Kind.Missing ? "401" : o.status.toString()) + " " + o.details + cred);
    refuse(o, cfg.realm.length > 0 ? cfg.realm : envoyRealm(req));
    return FilterHeadersStatusValues.StopIteration;
  }
}

function firstRule(cfg: Config, req: Request): Rule | null {
  const input = new PairsMatchInput(req.headers);
  for (let i = 0; i < cfg.rules.length; i++) {
    const r = unchecked(cfg.rules[i]);
    if (r.when.evaluate(input)) return r;
  }
  return null;
}

/** A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method (Envoy's bypass_cors_preflight test). */
function isPreflight(req: Request): bool {
  return req.first(":method") == "OPTIONS" && req.values("origin").length > 0 && req.values("access-control-request-method").length > 0;
}

/** The realm Envoy's jwt_authn and basic_auth put in their challenges: the request's URL, at most 256 characters. */
function envoyRealm(req: Request): string {
  const scheme = req.first(":scheme");
  const url = (scheme.length > 0 ? scheme : "http") + "://" + req.first(":authority") + req.first(":path");
  return url.length > 256 ? url.substring(0, 256) : url;
}
