// Local replies and stream control (proxy_send_local_response, proxy_continue/close_stream).

import { GrpcStatus, StreamType, WasmResult } from "./abi/enums";
import { proxy_close_stream, proxy_continue_stream, proxy_send_local_response } from "./abi/imports";
import { encodeAt, maxUtf8, scratchReserve } from "./abi/memory";
import { HeaderPair, encodePairsAt, pairsSize } from "./abi/pairs";

/**
 * Sends a local reply (deferred by the host until the current callback returns). `headers` are
 * added to the reply; `grpc_status` -1 (GrpcStatus.InvalidCode) means "unset".
 */
export function send_local_response(
  status_code: u32, details: string, body: ArrayBuffer, headers: Array<HeaderPair>,
  grpc_status: GrpcStatus = GrpcStatus.InvalidCode,
): WasmResult {
  const hs = pairsSize(headers);
  const p = scratchReserve(hs + maxUtf8(details));
  encodePairsAt(headers, p);
  const dl = encodeAt(details, p + hs);
  return proxy_send_local_response(
    status_code, p + hs, dl, changetype<usize>(body), <usize>body.byteLength, p, hs, <i32>grpc_status,
  );
}

/** send_local_response with a text body. */
export function send_local_response_string(
  status_code: u32, details: string, body: string, headers: Array<HeaderPair>,
  grpc_status: GrpcStatus = GrpcStatus.InvalidCode,
): WasmResult {
  const hs = pairsSize(headers);
  const p = scratchReserve(hs + maxUtf8(details) + maxUtf8(body));
  encodePairsAt(headers, p);
  const dl = encodeAt(details, p + hs);
  const bl = encodeAt(body, p + hs + dl);
  return proxy_send_local_response(status_code, p + hs, dl, p + hs + dl, bl, p, hs, <i32>grpc_status);
}

/** Resumes a paused request (after the current callback returns). */
export function continue_request(): WasmResult {
  return proxy_continue_stream(<u32>StreamType.Request);
}

/** Resumes a paused response (after the current callback returns). */
export function continue_response(): WasmResult {
  return proxy_continue_stream(<u32>StreamType.Response);
}

/** Resumes the given stream direction. */
export function continue_stream(stream: StreamType): WasmResult {
  return proxy_continue_stream(<u32>stream);
}

/** Resets the HTTP stream (request/response) or closes a TCP side (downstream/upstream). */
export function close_stream(stream: StreamType): WasmResult {
  return proxy_close_stream(<u32>stream);
}

export function close_request(): WasmResult {
  return proxy_close_stream(<u32>StreamType.Request);
}

export function close_response(): WasmResult {
  return proxy_close_stream(<u32>StreamType.Response);
}
