//! A subset of the header-rewrite filter (filters/header-rewrite) on the proxy-wasm Rust SDK: rules
//! `set`, `remove` and `remove_matching` (by name prefix) on request and response headers, in the
//! same configuration format, checked at configure time, and — so that `npm run bench:envoy`
//! compares the SDKs and not two designs — with the same host calls as the AssemblyScript filter:
//! a phase with a `remove_matching` reads its map whole, edits a copy and writes it back once; a
//! phase of named edits makes them one call each on the host's map (a presence check before a
//! remove, as the edit count needs it); the edits are counted in `header_rewrite.edits`.

use proxy_wasm::hostcalls;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel, MetricType};
use std::rc::Rc;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Warn);
    proxy_wasm::set_root_context(|_| Box::new(RewriteRoot::default()));
}}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Set,
    Remove,
    RemoveMatching,
}

struct Rule {
    op: Op,
    /// lower-cased header name, or the prefix of remove_matching
    name: String,
    value: String,
}

#[derive(Default)]
struct Phase {
    rules: Vec<Rule>,
    /// some rule needs the whole map (remove_matching)
    whole: bool,
}

#[derive(Default)]
struct Rules {
    request: Phase,
    response: Phase,
    edits_metric: u32,
}

#[derive(Default)]
struct RewriteRoot {
    rules: Rc<Rules>,
}

impl Context for RewriteRoot {}

/// An RFC 9110 token, as the AssemblyScript filter checks header names.
fn is_header_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn parse(bytes: &[u8]) -> Result<Rules, String> {
    let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {}", e))?;
    let list = v.get("rules").and_then(|r| r.as_array()).ok_or("field \"rules\": expected an array")?;
    let mut out = Rules::default();
    for (i, r) in list.iter().enumerate() {
        let field = |f: &str| format!("field \"rules[{}].{}\"", i, f);
        let target = r.get("target").map(|t| t.as_str().unwrap_or("?")).unwrap_or("request");
        let op = match r.get("op").and_then(|o| o.as_str()) {
            Some("set") => Op::Set,
            Some("remove") => Op::Remove,
            Some("remove_matching") => Op::RemoveMatching,
            _ => return Err(format!("{}: expected \"set\", \"remove\" or \"remove_matching\" (this twin's subset)", field("op"))),
        };
        let name = if op == Op::RemoveMatching {
            r.get("match").and_then(|m| m.get("prefix")).and_then(|p| p.as_str()).ok_or_else(|| format!("{}: expected {{\"prefix\": ...}}", field("match")))?.to_ascii_lowercase()
        } else {
            let n = r.get("name").and_then(|n| n.as_str()).unwrap_or("");
            if !is_header_name(n) {
                return Err(format!("{}: expected an HTTP header name", field("name")));
            }
            n.to_ascii_lowercase()
        };
        let value = if op == Op::Set {
            match r.get("value").and_then(|x| x.as_str()) {
                Some(x) if !x.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) && !x.contains('%') => x.to_string(),
                _ => return Err(format!("{}: expected a literal header value without CR, LF, NUL or '%'", field("value"))),
            }
        } else {
            String::new()
        };
        let phase = match target {
            "request" => &mut out.request,
            "response" => &mut out.response,
            _ => return Err(format!("{}: expected \"request\" or \"response\" (this twin's subset)", field("target"))),
        };
        phase.whole |= op == Op::RemoveMatching;
        phase.rules.push(Rule { op, name, value });
    }
    Ok(out)
}

impl RootContext for RewriteRoot {
    fn on_configure(&mut self, _size: usize) -> bool {
        let bytes = self.get_plugin_configuration().unwrap_or_default();
        match parse(&bytes) {
            Ok(mut rules) => {
                match hostcalls::define_metric(MetricType::Counter, "header_rewrite.edits") {
                    Ok(id) => rules.edits_metric = id,
                    Err(e) => {
                        log::error!("cannot define metric header_rewrite.edits: {:?}", e);
                        return false;
                    }
                }
                self.rules = Rc::new(rules);
                true
            }
            Err(e) => {
                log::error!("invalid configuration: {}", e);
                false
            }
        }
    }

    fn create_http_context(&self, _id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Rewrite { rules: self.rules.clone() }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

/// What the host offers for one map, so both phases share the editing code.
struct MapCalls {
    get_all: fn(&Rewrite) -> Vec<(String, String)>,
    set_all: fn(&Rewrite, Vec<(&str, &str)>),
    get: fn(&Rewrite, &str) -> Option<String>,
    set: fn(&Rewrite, &str, Option<&str>),
}

const REQUEST: MapCalls = MapCalls {
    get_all: |c| c.get_http_request_headers(),
    set_all: |c, h| c.set_http_request_headers(h),
    get: |c, n| c.get_http_request_header(n),
    set: |c, n, v| c.set_http_request_header(n, v),
};

const RESPONSE: MapCalls = MapCalls {
    get_all: |c| c.get_http_response_headers(),
    set_all: |c, h| c.set_http_response_headers(h),
    get: |c, n| c.get_http_response_header(n),
    set: |c, n, v| c.set_http_response_header(n, v),
};

struct Rewrite {
    rules: Rc<Rules>,
}

impl Rewrite {
    fn run(&self, phase: &Phase, calls: &MapCalls) {
        if phase.rules.is_empty() {
            return;
        }
        let mut edits = 0i64;
        if phase.whole {
            let mut map = (calls.get_all)(self);
            for r in &phase.rules {
                let before = map.len();
                match r.op {
                    Op::Set => {
                        map.retain(|(k, _)| *k != r.name);
                        map.push((r.name.clone(), r.value.clone()));
                        edits += 1;
                    }
                    Op::Remove => {
                        map.retain(|(k, _)| *k != r.name);
                        if map.len() != before {
                            edits += 1;
                        }
                    }
                    Op::RemoveMatching => {
                        // pseudo-headers, host and x-envoy-* are never removed by a pattern
                        map.retain(|(k, _)| !k.starts_with(&r.name) || k.starts_with(':') || k == "host" || k.starts_with("x-envoy-"));
                        if map.len() != before {
                            edits += 1;
                        }
                    }
                }
            }
            if edits > 0 {
                (calls.set_all)(self, map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect());
            }
        } else {
            for r in &phase.rules {
                match r.op {
                    Op::Set => {
                        (calls.set)(self, &r.name, Some(&r.value));
                        edits += 1;
                    }
                    _ => {
                        if (calls.get)(self, &r.name).is_some() {
                            (calls.set)(self, &r.name, None);
                            edits += 1;
                        }
                    }
                }
            }
        }
        if edits > 0 {
            let _ = hostcalls::increment_metric(self.rules.edits_metric, edits);
        }
    }
}

impl Context for Rewrite {}

impl HttpContext for Rewrite {
    fn on_http_request_headers(&mut self, _n: usize, _end: bool) -> Action {
        self.run(&self.rules.request, &REQUEST);
        Action::Continue
    }

    fn on_http_response_headers(&mut self, _n: usize, _end: bool) -> Action {
        self.run(&self.rules.response, &RESPONSE);
        Action::Continue
    }
}
