// The header-rewrite filter's contexts: the root holds the configuration and the metrics; each
// stream runs the rules of each phase on a working copy of that phase's map and writes it back
// once. Request rules (headers and query parameters) run in onRequestHeaders, response rules in
// onResponseHeaders — also for local replies that pass back through the filter —, trailer rules in
// the trailer callbacks (a message without trailers has none to edit, as in Envoy).
import {
  RootContext, Context, FilterHeadersStatusValues, FilterTrailersStatusValues, HeaderMapType, HeaderPair, Headers, Counter,
  FormatPhase, PairsMatchInput, WasmResult, clear_route_cache, logInfo, logWarn,
} from "@filterkit/sdk";
import { Config, Reroute, Rule, Target, parseConfig } from "./config";
import { HeaderList } from "./header-list";
import { allDirect, runDirect } from "./direct";
import { Outcome, runRules } from "./rewrite";
import { RuleValues } from "./values";

export class RewriteRoot extends RootContext {
  config: Config | null = null;
  /** request headers and query rules, in configuration order (both edit the request headers) */
  requestRules: Array<Rule> = new Array<Rule>();
  /** per target: its rules are applied on Envoy's map without reading it (direct.ts) */
  direct: Array<bool> = [false, false, false, false, false];
  edits: Counter | null = null;
  refused: Counter | null = null;
  dryRunEdits: Counter | null = null;
  reroutes: Counter | null = null;
  rerouteFailures: Counter | null = null;
  /** the host refused clear_route_cache once already (it is said once per VM, not per request) */
  rerouteWarned: bool = false;

  onConfigure(_size: u32): bool {
    const cfg = parseConfig(this.readConfiguration());
    if (cfg === null) return false;
    this.config = cfg;
    this.requestRules = new Array<Rule>();
    for (let i = 0; i < cfg.rules.length; i++) {
      const r = unchecked(cfg.rules[i]);
      if (r.target == Target.RequestHeaders || r.target == Target.Query) this.requestRules.push(r);
    }
    // a map some later phase reads (keepRequest / keepResponse) is read whole; dry runs only describe
    for (let t = 0; t < this.direct.length; t++) {
      const rules = t == <i32>Target.RequestHeaders ? this.requestRules : unchecked(cfg.byTarget[t]);
      const kept = (t == <i32>Target.RequestHeaders && cfg.keepRequest) || (t == <i32>Target.ResponseHeaders && cfg.keepResponse);
      this.direct[t] = !cfg.dryRun && !kept && t != <i32>Target.Query && allDirect(rules);
    }
    if (this.edits === null) {
      this.edits = new Counter("header_rewrite.edits");
      this.refused = new Counter("header_rewrite.refused");
      this.dryRunEdits = new Counter("header_rewrite.dry_run_edits");
      this.reroutes = new Counter("header_rewrite.reroutes");
      this.rerouteFailures = new Counter("header_rewrite.reroute_failures");
    }
    return true;
  }

  createContext(context_id: u32): Context {
    return new Rewrite(context_id, this);
  }

  /** Asks the host to pick the route again (Envoy's clear_route_cache foreign function). */
  reroute(): void {
    const r = clear_route_cache();
    const c = r == WasmResult.Ok ? this.reroutes : this.rerouteFailures;
    if (c !== null) c.increment(1);
    if (r != WasmResult.Ok && !this.rerouteWarned) {
      this.rerouteWarned = true;
      logWarn("header-rewrite: the host refused clear_route_cache (WasmResult " + (<i32>r).toString() + "): a rewritten request may keep the route chosen before the rewrite");
    }
  }

  /** Counts a phase's outcome (and logs it in dry-run mode). */
  account(out: Outcome, phase: string, dryRun: bool): void {
    if (out.refused > 0) {
      const c = this.refused;
      if (c !== null) c.increment(<u32>out.refused);
    }
    if (out.edits == 0) return;
    if (dryRun) {
      const c = this.dryRunEdits;
      if (c !== null) c.increment(<u32>out.edits);
      logInfo("header-rewrite dry run: " + phase + ": " + out.described.join(", "));
    } else {
      const c = this.edits;
      if (c !== null) c.increment(<u32>out.edits);
    }
  }
}

export class Rewrite extends Context {
  /** the request as the request rules left it, for later phases' conditions and %REQ()% */
  request: Headers | null = null;
  /** the response headers as the response rules left them, for response-trailer rules */
  response: Headers | null = null;

  private cfg(): Config | null {
    return (this.root_context as RewriteRoot).config;
  }

  onRequestHeaders(_headers: u32, _end_of_stream: bool): FilterHeadersStatusValues {
    const cfg = this.cfg();
    const root = this.root_context as RewriteRoot;
    if (cfg === null) return FilterHeadersStatusValues.Continue;
    const rules = root.requestRules;
    if (rules.length == 0 && !cfg.keepRequest) return FilterHeadersStatusValues.Continue;
    if (unchecked(root.direct[<i32>Target.RequestHeaders])) {
      const out = runDirect(rules, HeaderMapType.RequestHeaders);
      if (out.edits > 0 && cfg.reroute == Reroute.Always) root.reroute();
      root.account(out, "request", false);
      return FilterHeadersStatusValues.Continue;
    }
    const list = HeaderList.read(HeaderMapType.RequestHeaders);
    if (rules.length > 0) {
      const input = new PairsMatchInput(list.pairs, null);
      const values = new RuleValues(FormatPhase.Request, list.pairs, null);
      const out = runRules(rules, list, list, input, values, cfg.dryRun);
      if (!cfg.dryRun) {
        list.flush();
        if (out.edits > 0 && (cfg.reroute == Reroute.Always || (cfg.reroute == Reroute.Auto && out.routing))) root.reroute();
      }
      root.account(out, "request", cfg.dryRun);
    }
    if (cfg.keepRequest) this.request = list.pairs;
    return FilterHeadersStatusValues.Continue;
  }

  onRequestTrailers(_trailers: u32): FilterTrailersStatusValues {
    this.phase(Target.RequestTrailers, HeaderMapType.RequestTrailers, FormatPhase.Request, "request trailers");
    return FilterTrailersStatusValues.Continue;
  }

  onResponseHeaders(_headers: u32, _end_of_stream: bool): FilterHeadersStatusValues {
    const list = this.phase(Target.ResponseHeaders, HeaderMapType.ResponseHeaders, FormatPhase.Response, "response");
    const cfg = this.cfg();
    if (cfg !== null && cfg.keepResponse) this.response = list !== null ? list.pairs : HeaderList.read(HeaderMapType.ResponseHeaders).pairs;
    return FilterHeadersStatusValues.Continue;
  }

  onResponseTrailers(_trailers: u32): FilterTrailersStatusValues {
    this.phase(Target.ResponseTrailers, HeaderMapType.ResponseTrailers, FormatPhase.Response, "response trailers");
    return FilterTrailersStatusValues.Continue;
  }

  /** Runs one target's rules on its map (null when the target has no rules). */
  private phase(target: Target, map: HeaderMapType, formatPhase: FormatPhase, name: string): HeaderList | null {
    const cfg = this.cfg();
    if (cfg === null) return null;
    const rules = unchecked(cfg.byTarget[<i32>target]);
    if (rules.length == 0) return null;
    const root = this.root_context as RewriteRoot;
    if (unchecked(root.direct[<i32>target])) {
      root.account(runDirect(rules, map), name, false);
      return null;
    }
    const list = HeaderList.read(map);
    const request = this.request;
    let response: Headers | null = this.response;
    if (target == Target.ResponseHeaders) response = list.pairs;
    const input = new PairsMatchInput(request !== null ? request : new Array<HeaderPair>(), response);
    const values = new RuleValues(formatPhase, request, response);
    const out = runRules(rules, list, null, input, values, cfg.dryRun);
    if (!cfg.dryRun) list.flush();
    (this.root_context as RewriteRoot).account(out, name, cfg.dryRun);
    return list;
  }
}
