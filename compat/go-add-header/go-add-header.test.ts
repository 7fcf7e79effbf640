// The add-header template filter on the proxy-wasm Go SDK (built by standard Go) does what
// filters/add-header does on the mock host (the checks: compat/add-header-twin.ts).
import { describeAddHeaderTwin } from "../add-header-twin.ts";

describeAddHeaderTwin("go-add-header", "Go SDK", "needs Go 1.24 or newer and the Go module proxy");
