// One VM's HTTP callouts in flight (§5.7, §6.8, §11.10): call ids, every call recorded in the
// router's `sent`, and how and when its answer reaches the caller's root context — after the calling
// callback returned, or after a virtual delay; the router's 504 once the call's timeout expires
// first; a reset. grpc-calls.ts does the same for gRPC; the scripted upstream is callouts.ts.
import { WasmResult } from "../../sdk/assembly/abi/enums.ts";
import type { VirtualClock } from "./clock.ts";
import { resetResponse, responseOf, timeoutResponse, type CalloutRequest, type CalloutResponse, type CalloutRouter } from "./callouts.ts";

/** The VM services this needs. */
export interface HttpVmSide {
  readonly clock: VirtualClock;
  readonly router: CalloutRouter;
  /** runs after the current callback returns */
  defer(action: () => void): void;
  /** a problem the test must see, thrown from its current operation */
  testError(e: Error): void;
  /**
   * sets root `rootId`'s status and calls `callback` on it with `response` readable (maps 6/7,
   * buffer 4); dropped for a failed VM / deleted root
   */
  deliver(rootId: number, callback: string, args: number[], response: CalloutResponse, status: { code: number; message: string }): void;
}

export class HttpCalls {
  /** HTTP call ids per VM: 4, 8, 12, … (§3: kind 0 in the low two bits). */
  private nextId = 4;

  constructor(private readonly vm: HttpVmSide) {}

  /** proxy_http_call after its checks, issued on root `rootId` (which gets the answer): returns the call id. */
  call(rootId: number, request: Omit<CalloutRequest, "id">): number {
    const id = this.nextId;
    this.nextId += 4;
    const req: CalloutRequest = { id, ...request };
    const router = this.vm.router;
    router.sent.push(req);
    const answer = router.answer(req);
    if (answer === undefined) {
      this.vm.testError(new Error(`proxy_http_call ${id} to cluster "${req.cluster}" (${req.method} ${req.path}) matched no route: add one with host.callouts.route(...)`));
      return id;
    }
    const deliver = (resp: CalloutResponse | "reset") => () => this.deliver(rootId, id, resp);
    const timeout = req.timeoutMs;
    const delay = "fail" in answer && answer.fail === "timeout" ? Infinity : answer.delayMs ?? 0;
    if (timeout > 0 && delay >= timeout) {
      this.vm.clock.schedule(timeout, deliver(timeoutResponse())); // Envoy's router answers 504
    } else if (delay !== Infinity) {
      const resp = "fail" in answer ? (answer.fail === "reset" ? resetResponse() : "reset") : responseOf(answer);
      if (delay === 0) this.vm.defer(deliver(resp)); // after the calling callback returns, never inside it
      else this.vm.clock.schedule(delay, deliver(resp));
    } // a timeout answer without a call timeout: Envoy waits forever
    return id;
  }

  /** proxy_on_http_call_response on the caller's root; "reset": the connection dropped after the response started. */
  private deliver(rootId: number, id: number, resp: CalloutResponse | "reset"): void {
    // a transport failure arrives as zero headers, body and trailers; proxy_get_status then says why
    const r: CalloutResponse = resp === "reset" ? { headers: [], body: new Uint8Array(0), trailers: [] } : resp;
    const status = resp === "reset" ? { code: WasmResult.BrokenConnection, message: "reset" } : { code: WasmResult.Ok, message: "" };
    this.vm.deliver(rootId, "proxy_on_http_call_response", [rootId, id, r.headers.length, r.body.length, r.trailers.length], r, status);
  }
}
