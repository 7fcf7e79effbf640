// One VM's gRPC calls and streams in flight (§5.8, §6.9): ids, Envoy's codes for send / cancel /
// close, and delivery of answers to the caller's root context after the calling callback returned.
import { GrpcStatus, WasmResult } from "../../sdk/assembly/abi/enums.ts";
import type { VirtualClock, Timer } from "./clock.ts";
import { GrpcStreamPeer, envoyGrpcStatusMessage, wireGrpcMessage, type GrpcRequest, type GrpcRouter } from "./grpc.ts";
import type { HeaderPairs } from "./pairs.ts";

/** What a gRPC callback may read while it runs: map 4 / map 5 / buffer 5. */
export interface GrpcStaged {
  initialMetadata?: HeaderPairs;
  trailingMetadata?: HeaderPairs;
  message?: Uint8Array;
}

/** The VM services this needs. */
export interface GrpcVmSide {
  readonly clock: VirtualClock;
  readonly router: GrpcRouter;
  /** runs after the current callback returns */
  defer(action: () => void): void;
  /** a problem the test must see, thrown from its current operation */
  testError(e: Error): void;
  /** calls `callback` on root `rootId` with `staged` readable (dropped for a failed VM / deleted root) */
  deliver(rootId: number, callback: string, args: number[], staged: GrpcStaged, status?: { code: number; message: string }): void;
}

interface Pending {
  rootId: number;
  kind: "call" | "stream";
  timer?: Timer;
  peer?: GrpcStreamPeer;
}

const encoder = new TextEncoder();

export class GrpcCalls {
  private nextCallId = 5;
  private nextStreamId = 6;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly vm: GrpcVmSide) {}

  /** proxy_grpc_call after its checks: returns the call id. */
  call(rootId: number, request: Omit<GrpcRequest, "id">): number {
    const id = this.nextCallId;
    this.nextCallId += 4;
    const req: GrpcRequest = { id, ...request };
    const router = this.vm.router;
    router.sent.push(req);
    const entry: Pending = { rootId, kind: "call" };
    this.pending.set(id, entry);
    const answer = router.answer(req);
    if (answer === undefined) {
      this.vm.testError(new Error(`proxy_grpc_call ${id} to cluster "${req.cluster}" (${req.serviceName}/${req.method}) matched no route: add one with host.grpc.route(...)`));
      return id;
    }
    const finish = (a: () => void) => () => {
      if (this.pending.get(id) !== entry) return; // cancelled meanwhile
      this.pending.delete(id);
      a();
    };
    // Measured on Envoy 1.40: the deadline is the router's timeout of the HTTP/2 call, whose local
    // reply reaches the plugin as Unavailable (14) "upstream request timeout{response_timeout}",
    // not DeadlineExceeded (4); the server sees the stream reset.
    const deadline = (): void => this.vm.deliver(rootId, "proxy_on_grpc_close", [rootId, id, GrpcStatus.Unavailable], {},
      { code: GrpcStatus.Unavailable, message: envoyGrpcStatusMessage("upstream request timeout", "response_timeout") });
    const delay = "fail" in answer ? Infinity : answer.delayMs ?? 0;
    const timeout = req.timeoutMs;
    let deliver: () => void;
    if (timeout > 0 && delay >= timeout) {
      deliver = deadline;
    } else if ("fail" in answer) {
      return id; // no deadline: Envoy waits as long as the call lives
    } else if ("status" in answer && answer.status !== GrpcStatus.Ok) {
      // measured on Envoy 1.40: grpc-message as on the wire, then the response code details
      const status = { code: answer.status, message: envoyGrpcStatusMessage(wireGrpcMessage(answer.message ?? ""), "via_upstream") };
      deliver = () => this.vm.deliver(rootId, "proxy_on_grpc_close", [rootId, id, answer.status], {}, status);
    } else {
      const raw = "status" in answer ? answer.message ?? "" : answer.message;
      const message = typeof raw === "string" ? encoder.encode(raw) : raw;
      deliver = () => this.vm.deliver(rootId, "proxy_on_grpc_receive", [rootId, id, message.length], { message }, { code: WasmResult.Ok, message: "" });
    }
    const wait = timeout > 0 && delay >= timeout ? timeout : delay;
    if (wait === 0) this.vm.defer(finish(deliver));
    else entry.timer = this.vm.clock.schedule(wait, finish(deliver));
    return id;
  }

  /**
   * A GrpcService naming a cluster Envoy does not know, measured on Envoy 1.40 for calls (streams
   * take the same path in Envoy's gRPC client): the call returns InternalFailure without writing
   * the id, yet the id is used up, and proxy_on_grpc_close(root, id, Unavailable) with "Cluster not
   * available" follows after the calling callback returned.
   */
  failAtStart(rootId: number, kind: "call" | "stream"): void {
    const id = kind === "call" ? this.nextCallId : this.nextStreamId;
    if (kind === "call") this.nextCallId += 4;
    else this.nextStreamId += 4;
    this.vm.defer(() => this.vm.deliver(rootId, "proxy_on_grpc_close", [rootId, id, GrpcStatus.Unavailable], {},
      { code: GrpcStatus.Unavailable, message: "Cluster not available" }));
  }

  /** Something Envoy 1.40 would not survive: the test fails with this explanation. */
  envoyWouldAbort(message: string): void {
    this.vm.testError(new Error(message));
  }

  /** proxy_grpc_stream after its checks: returns the stream id. */
  stream(rootId: number, request: Omit<GrpcRequest, "id" | "message" | "timeoutMs">): number {
    const id = this.nextStreamId;
    this.nextStreamId += 4;
    const req: GrpcRequest = { id, ...request, message: new Uint8Array(0), timeoutMs: 0 };
    const entry: Pending = { rootId, kind: "stream" };
    const open = (): boolean => this.pending.get(id) === entry;
    const opened = this.vm.clock.monotonicNs();
    const peer = new GrpcStreamPeer(req, {
      elapsedMs: () => Number(this.vm.clock.monotonicNs() - opened) / 1e6,
      initialMetadata: (md) => { if (open()) this.vm.deliver(rootId, "proxy_on_grpc_receive_initial_metadata", [rootId, id, md.length], { initialMetadata: md }); },
      message: (m) => { if (open()) this.vm.deliver(rootId, "proxy_on_grpc_receive", [rootId, id, m.length], { message: m }); },
      trailingMetadata: (md) => { if (open()) this.vm.deliver(rootId, "proxy_on_grpc_receive_trailing_metadata", [rootId, id, md.length], { trailingMetadata: md }); },
      close: (status, message) => {
        if (!open()) return;
        this.pending.delete(id);
        this.vm.deliver(rootId, "proxy_on_grpc_close", [rootId, id, status], {}, { code: status, message });
      },
    });
    entry.peer = peer;
    this.pending.set(id, entry);
    this.vm.router.streams.push(peer);
    const handler = this.vm.router.streamHandler(req);
    if (handler === undefined) {
      this.vm.testError(new Error(`proxy_grpc_stream ${id} to cluster "${req.cluster}" (${req.serviceName}/${req.method}) matched no stream route: add one with host.grpc.onStream(...)`));
    } else {
      this.vm.defer(() => { if (open()) handler(peer); });
    }
    return id;
  }

  /** proxy_grpc_send: streams only (§6.9). */
  send(id: number, message: Uint8Array, endStream: boolean): number {
    if ((id & 3) !== 2) return WasmResult.BadArgument;
    const p = this.pending.get(id);
    if (p === undefined || p.peer === undefined) return WasmResult.NotFound;
    // measured on Envoy 1.40: a send after the plugin's own end of stream is Ok, and the message
    // never reaches the server
    if (p.peer.halfClosed) return WasmResult.Ok;
    p.peer.received.push(message.slice());
    if (endStream) p.peer.halfClosed = true;
    return WasmResult.Ok;
  }

  /** proxy_grpc_cancel: a call is cancelled, a stream reset; no callback follows either. */
  cancel(id: number): number {
    const p = this.lookup(id);
    if (typeof p === "number") return p;
    this.drop(id, p);
    if (p.peer !== undefined) p.peer.cancelled = true;
    return WasmResult.Ok;
  }

  /** proxy_grpc_close: a call is cancelled; a stream is half-closed (the peer may still answer). */
  close(id: number): number {
    const p = this.lookup(id);
    if (typeof p === "number") return p;
    if (p.kind === "call") {
      this.drop(id, p);
      return WasmResult.Ok;
    }
    if (p.peer !== undefined) p.peer.halfClosed = true;
    return WasmResult.Ok;
  }

  private lookup(id: number): Pending | number {
    const kind = id & 3;
    if (kind !== 1 && kind !== 2) return WasmResult.BadArgument;
    return this.pending.get(id) ?? WasmResult.NotFound;
  }

  private drop(id: number, p: Pending): void {
    this.vm.clock.cancel(p.timer);
    this.pending.delete(id);
  }
}
