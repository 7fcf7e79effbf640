// add-header: adds one configured header to every response.
// The template filter: configuration parsed and validated once, at configure time; the hot path
// only adds a header. Configuration: {"name": "<header name>", "value": "<header value>"}.
export * from "@filterkit/sdk/proxy";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, stream_context, JsonConfig,
} from "@filterkit/sdk";

/** RFC 9110 token characters, the only ones allowed in a header name: bit c of the 128-bit set
 * (low word: c < 64) says whether ASCII character c is one (digits, letters, !#$%&'*+-.^_`|~). */
const TOKEN_LO: u64 = 0x03FF6CFA00000000;
const TOKEN_HI: u64 = 0x57FFFFFFC7FFFFFE;

function isToken(name: string): bool {
  if (name.length == 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = <u64>name.charCodeAt(i);
    if (c >= 128 || (((c < 64 ? TOKEN_LO : TOKEN_HI) >> (c & 63)) & 1) == 0) return false;
  }
  return true;
}

/** ASCII lower-casing: a token is ASCII, and String#toLowerCase would pull in Unicode tables. */
function asciiLower(name: string): string {
  let out = "";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    out += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 32 : c);
  }
  return out;
}

/** A header value must not smuggle a line break or a NUL into the response. */
function isSafeValue(value: string): bool {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c == 0x0d || c == 0x0a || c == 0x00) return false;
  }
  return true;
}

class AddHeaderRoot extends RootContext {
  headerName: string = "";
  headerValue: string = "";

  onConfigure(configuration_size: u32): bool {
    const cfg = JsonConfig.parse(this.readConfiguration());
    // Fields are checked in order so the first error names the first bad field. The offending text
    // is not echoed: it may hold CR/LF, which would forge lines in Envoy's log.
    const name = cfg.requireString("name");
    if (name.length > 0 && !isToken(name)) cfg.fail("name", "expected an HTTP header name (RFC 9110 token characters; no pseudo-header)");
    const value = cfg.requireStringAllowEmpty("value");
    if (!isSafeValue(value)) cfg.fail("value", "expected a header value without CR, LF or NUL");
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
