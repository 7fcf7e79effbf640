// add-header: adds one configured header to every response.
// The template filter: configuration parsed and validated once, at configure time; the hot path
// only adds a header. Configuration: {"name": "<header name>", "value": "<header value>"}.
export * from "@filterkit/sdk/proxy";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, stream_context, JsonConfig,
  isHeaderName, isSafeHeaderValue, asciiLower,
} from "@filterkit/sdk";

class AddHeaderRoot extends RootContext {
  headerName: string = "";
  headerValue: string = "";

  onConfigure(configuration_size: u32): bool {
    const cfg = JsonConfig.parse(this.readConfiguration());
    // Fields are checked in order so the first error names the first bad field. The offending text
    // is not echoed: it may hold CR/LF, which would forge lines in Envoy's log.
    const name = cfg.requireString("name");
    if (name.length > 0 && !isHeaderName(name)) cfg.fail("name", "expected an HTTP header name (RFC 9110 token characters; no pseudo-header)");
    const value = cfg.requireStringAllowEmpty("value");
    if (!isSafeHeaderValue(value)) cfg.fail("value", "expected a header value without CR, LF or NUL");
    if (!cfg.check()) return false;
    // Envoy lower-cases header names; doing it once here keeps the hot path free of it.
    this.headerName = asciiLower(name);
    this.headerValue = value;
    return true;
  }

  createContext(context_id: u32): Context {
    return new AddHeader(context_id, this);
  }
}

class AddHeader extends Context {
  onResponseHeaders(_headers: u32, _end_of_stream: bool): FilterHeadersStatusValues {
    const root = this.root_context as AddHeaderRoot;
    stream_context.headers.response.add(root.headerName, root.headerValue);
    return FilterHeadersStatusValues.Continue;
  }
}

registerRootContext((context_id: u32) => new AddHeaderRoot(context_id), "add_header");
