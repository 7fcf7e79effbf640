// The auth filter: API keys, Basic and JWT verified inside the filter (see ../README.md).
export * from "@filterkit/sdk/proxy";
import { registerRootContext } from "@filterkit/sdk";
import { AuthRoot } from "./filter";

registerRootContext((context_id: u32) => new AuthRoot(context_id), "auth");
