// The ABI exports of a filter: `export * from "@filterkit/sdk/proxy";` in the filter's entry file.
export * from "./assembly/abi/exports";
