// proxy_get_status: the status of the root context's last callout (HTTP / gRPC).

import { WasmResult } from "./abi/enums";
import { proxy_get_status } from "./abi/imports";
import { OUT_PTR, OUT_SIZE, OUT_U32, prepareStringOut, releaseOut, takeString } from "./abi/memory";

/** Code and message of the last callout status. */
export class StatusWithMessage {
  result: WasmResult = WasmResult.Ok;
  status: u32 = 0;
  message: string = "";
}

export function get_status(): StatusWithMessage {
  store<u32>(OUT_U32, 0);
  prepareStringOut();
  const res = new StatusWithMessage();
  res.result = proxy_get_status(OUT_U32, OUT_PTR, OUT_SIZE);
  if (res.result == WasmResult.Ok) {
    res.status = load<u32>(OUT_U32);
    res.message = takeString();
  } else {
    releaseOut();
  }
  return res;
}
