// The value formatter: Envoy's substitution format strings (%REQ(x)%, %START_TIME(%s)%, ...) for
// header values, compiled once and rendered per request. See sdk/README.md, "Value formatter".
export { Template, TemplateResult } from "./template";
export { FormatContext, FormatPhase, StreamFormatContext, HeaderStash } from "./context";
