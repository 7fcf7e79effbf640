//! The add-header template filter (filters/add-header) on the proxy-wasm Rust SDK: one configured
//! header added to every response. Same configuration ({"name": ..., "value": ...}), same checks
//! at configure time, same hot path, so `npm run bench:envoy` compares the SDKs, not the filters.

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};
use std::rc::Rc;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Warn);
    proxy_wasm::set_root_context(|_| Box::new(AddHeaderRoot::default()));
}}

#[derive(Default)]
struct AddHeaderRoot {
    header: Rc<(String, String)>,
}

impl Context for AddHeaderRoot {}

/// An RFC 9110 token (no pseudo-header), as the AssemblyScript filter checks it.
fn is_header_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl RootContext for AddHeaderRoot {
    fn on_configure(&mut self, _size: usize) -> bool {
        let bytes = self.get_plugin_configuration().unwrap_or_default();
        let v: serde_json::Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => {
                log::error!("invalid configuration: {}", e);
                return false;
            }
        };
        let name = v.get("name").and_then(|n| n.as_str()).unwrap_or("");
        let value = v.get("value").and_then(|n| n.as_str());
        if !is_header_name(name) {
            log::error!("invalid configuration: field \"name\": expected an HTTP header name");
            return false;
        }
        let Some(value) = value.filter(|x| !x.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0)) else {
            log::error!("invalid configuration: field \"value\": expected a header value without CR, LF or NUL");
            return false;
        };
        self.header = Rc::new((name.to_ascii_lowercase(), value.to_string()));
        true
    }

    fn create_http_context(&self, _id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(AddHeader { header: self.header.clone() }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct AddHeader {
    header: Rc<(String, String)>,
}

impl Context for AddHeader {}

impl HttpContext for AddHeader {
    fn on_http_response_headers(&mut self, _n: usize, _end: bool) -> Action {
        self.add_http_response_header(&self.header.0, &self.header.1);
        Action::Continue
    }
}
