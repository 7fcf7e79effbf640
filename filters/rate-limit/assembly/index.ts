// The rate-limit filter (see ../README.md): limits over request keys, checked together, charged
// only when all allow, on state shared by every worker of the Envoy process.
export * from "@filterkit/sdk/proxy";
import { registerRootContext } from "@filterkit/sdk";
import { RateLimitRoot } from "./filter";

registerRootContext((context_id: u32) => new RateLimitRoot(context_id), "rate_limit");
