// The add-header template filter on the proxy-wasm Rust SDK does what filters/add-header does on
// the mock host (the checks: compat/add-header-twin.ts).
import { describeAddHeaderTwin } from "../add-header-twin.ts";

describeAddHeaderTwin("rust-add-header", "Rust SDK", "needs cargo and the wasm32-wasip1 target");
