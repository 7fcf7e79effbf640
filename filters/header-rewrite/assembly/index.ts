// header-rewrite: an ordered list of rules that set, add, append, overwrite, remove, rename and copy
// request and response headers, trailers and query parameters, with Envoy's %COMMAND% values and
// conditions (README.md: the configuration reference). The contexts are in filter.ts.
export * from "@filterkit/sdk/proxy";
import { registerRootContext } from "@filterkit/sdk";
import { RewriteRoot } from "./filter";

registerRootContext((context_id: u32) => new RewriteRoot(context_id), "header_rewrite");
