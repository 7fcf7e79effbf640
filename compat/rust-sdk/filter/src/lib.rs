//! An auth-gate filter on the proxy-wasm Rust SDK. It exists to prove that a module built with the
//! Rust SDK runs unchanged on host-mock, so it touches every host feature a typical production
//! filter needs: plugin configuration, header maps, an HTTP callout, shared data with CAS, ticks
//! and a metric. `../rust-sdk.test.ts` asserts each behaviour below.
//!
//! Plugin configuration (JSON):
//!   { "tag": "edge-1",          required, non-empty: written to `x-filter-tag` on every request
//!     "auth_cluster": "auth",   optional, default "auth": the cluster asked before a request passes
//!     "tick_ms": 1000 }         optional, default 1000: tick period, 0 = no ticks

use log::{error, info, warn};
use proxy_wasm::hostcalls;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel, MetricType, Status};
use serde_json::Value;
use std::time::Duration;

/// Shared-data key of the request counter. Shared data is per vm_id and shared by every VM (worker)
/// of the process, so this counts requests across workers, which a plain field could not.
const COUNTER_KEY: &str = "rust_sdk.requests";
/// Another worker may write between our get and set; after this many lost races we give up rather
/// than spin inside a request callback.
const MAX_CAS_RETRIES: usize = 8;
/// How long the auth service gets before Envoy answers the callout with its own 504.
const AUTH_TIMEOUT: Duration = Duration::from_millis(500);

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Trace);
    proxy_wasm::set_root_context(|_| Box::new(GateRoot::default()));
}}

/// What the plugin configuration says. Cloned into every stream: a few short strings per request
/// is cheaper to reason about than sharing the root's state.
#[derive(Clone, Debug)]
struct Config {
    tag: String,
    auth_cluster: String,
    tick_ms: u64,
}

/// Parses and validates the configuration; the error names the offending field, because that line
/// is all an operator sees when Envoy refuses the configuration.
fn parse_config(bytes: Option<Vec<u8>>) -> Result<Config, String> {
    let bytes = bytes.ok_or("configuration is empty (expected a JSON object)")?;
    let json: Value = serde_json::from_slice(&bytes).map_err(|e| format!("not JSON: {e}"))?;
    let obj = json.as_object().ok_or("expected a JSON object")?;
    // An unknown field is almost always a typo of a known one: refuse it instead of ignoring it.
    if let Some(k) = obj.keys().find(|k| !["tag", "auth_cluster", "tick_ms"].contains(&k.as_str())) {
        return Err(format!("unknown field \"{k}\""));
    }
    let tag = match obj.get("tag") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err("field \"tag\" must be a non-empty string".into()),
    };
    let auth_cluster = match obj.get("auth_cluster") {
        None => "auth".to_string(),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err("field \"auth_cluster\" must be a non-empty string".into()),
    };
    let tick_ms = match obj.get("tick_ms") {
        None => 1000,
        Some(v) => v.as_u64().ok_or("field \"tick_ms\" must be a non-negative integer")?,
    };
    Ok(Config { tag, auth_cluster, tick_ms })
}

/// Reads the request counter, defaulting to 0 when absent or unreadable.
fn read_counter(value: Option<Vec<u8>>) -> u64 {
    value.and_then(|v| String::from_utf8(v).ok()).and_then(|s| s.parse().ok()).unwrap_or(0)
}

#[derive(Default)]
struct GateRoot {
    config: Option<Config>,
    ticks_metric: Option<u32>,
    ticks: u64,
}

impl Context for GateRoot {}

impl RootContext for GateRoot {
    fn on_configure(&mut self, _size: usize) -> bool {
        let config = match parse_config(self.get_plugin_configuration()) {
            Ok(c) => c,
            Err(problem) => {
                // Returning false makes Envoy reject the configuration (the listener fails to load).
                error!("invalid configuration: {problem}");
                return false;
            }
        };
        if self.ticks_metric.is_none() {
            // Stats are process-wide in Envoy: every worker's VM increments the same counter.
            self.ticks_metric = hostcalls::define_metric(MetricType::Counter, "rust_sdk_ticks").ok();
        }
        // Last call wins, so a reconfiguration simply re-arms (or with 0 stops) the timer.
        self.set_tick_period(Duration::from_millis(config.tick_ms));
        info!("configured: tag={} auth_cluster={} tick_ms={}", config.tag, config.auth_cluster, config.tick_ms);
        self.config = Some(config);
        true
    }

    fn on_tick(&mut self) {
        // Something observable from outside on each tick: a metric and a log line with the
        // request count that all workers wrote to shared data.
        self.ticks += 1;
        if let Some(id) = self.ticks_metric {
            let _ = hostcalls::increment_metric(id, 1);
        }
        let (value, _) = self.get_shared_data(COUNTER_KEY);
        info!("tick {}: {} requests so far", self.ticks, read_counter(value));
    }

    fn create_http_context(&self, context_id: u32) -> Option<Box<dyn HttpContext>> {
        // on_configure returned false without a config, and Envoy never creates streams then.
        let config = self.config.clone()?;
        Some(Box::new(Gate { context_id, config }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Gate {
    context_id: u32,
    config: Config,
}

impl Gate {
    /// Increments the shared counter with compare-and-swap: get returns the value and its CAS
    /// token, set with that token fails with CasMismatch if anyone wrote in between, and then we
    /// re-read and try again. Returns the new count, or None if we gave up.
    fn count_request(&self) -> Option<u64> {
        for _ in 0..MAX_CAS_RETRIES {
            let (value, cas) = self.get_shared_data(COUNTER_KEY);
            let next = read_counter(value) + 1;
            // cas is None only for a missing key; the SDK passes 0 then, which writes unconditionally.
            match self.set_shared_data(COUNTER_KEY, Some(next.to_string().as_bytes()), cas) {
                Ok(()) => return Some(next),
                Err(Status::CasMismatch) => info!("counter changed under us (CAS mismatch), retrying"),
                Err(other) => {
                    warn!("counter not updated: {other:?}");
                    return None;
                }
            }
        }
        warn!("counter not updated: {MAX_CAS_RETRIES} CAS mismatches in a row");
        None
    }
}

impl Context for Gate {
    // The SDK routes the callout's answer back to this stream (it calls
    // proxy_set_effective_context(context_id) first), so header and local-reply calls here act on
    // the request that is waiting.
    fn on_http_call_response(&mut self, _token: u32, _headers: usize, _body: usize, _trailers: usize) {
        match self.get_http_call_response_header(":status").as_deref() {
            Some("200") => {
                // Pass the identity the auth service vouched for on to the upstream.
                if let Some(user) = self.get_http_call_response_header("x-user") {
                    self.set_http_request_header("x-auth-user", Some(&user));
                }
                self.resume_http_request();
            }
            Some(status) => {
                info!("stream {}: auth answered {status}, denying", self.context_id);
                self.send_http_response(403, vec![("x-denied-by", "rust-sdk")], Some(b"forbidden\n"));
            }
            None => {
                // A reset arrives with no headers at all; proxy_get_status says why. (The SDK only
                // exposes that host call under its gRPC name, but it is the same call.)
                let (code, message) = self.get_grpc_status();
                let message = message.unwrap_or_default();
                warn!("stream {}: auth call failed without a response (status {code} {message})", self.context_id);
                self.send_http_response(503, vec![], Some(b"auth unavailable\n"));
            }
        }
    }
}

impl HttpContext for Gate {
    fn on_http_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        // Header mutations, one of each kind: replace, append, remove.
        self.set_http_request_header("x-filter-tag", Some(&self.config.tag));
        self.add_http_request_header("x-via", "rust-sdk");
        self.remove_http_request_header("x-debug");
        if let Some(n) = self.count_request() {
            self.set_http_request_header("x-request-count", Some(&n.to_string()));
        }

        // Ask the auth service before letting the request go; forward the caller's credentials.
        let authorization = self.get_http_request_header("authorization");
        let mut headers = vec![(":method", "GET"), (":path", "/check"), (":authority", self.config.auth_cluster.as_str())];
        if let Some(a) = authorization.as_deref() {
            headers.push(("authorization", a));
        }
        match self.dispatch_http_call(&self.config.auth_cluster, headers, None, vec![], AUTH_TIMEOUT) {
            Ok(_) => Action::Pause, // on_http_call_response resumes or denies
            Err(status) => {
                // Fail closed: without an answer from auth nothing passes.
                error!("auth callout to \"{}\" not sent: {status:?}", self.config.auth_cluster);
                self.send_http_response(500, vec![], Some(b"auth callout failed\n"));
                Action::Pause
            }
        }
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        self.set_http_response_header("x-served-by", Some("rust-sdk"));
        Action::Continue
    }
}
