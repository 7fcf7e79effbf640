// Local replies and stream control (proxy_send_local_response, proxy_continue/close_stream).

import { GrpcStatus, StreamType, WasmResult } from "./abi/enums";
import { proxy_close_stream, proxy_continue_stream, proxy_send_local_response } from "./abi/imports";
import { encodeAt, maxUtf8, scratchReserve } from "./abi/memory";
import { HeaderPair, encodePairsAt, pairsSize } from "./abi/pairs";
import { countRefusedHeaderWrite, refusesHeaderBytes } from "./header-safety";

/**
 * The reply's headers without any whose name or value holds CR, LF or NUL (each dropped one is
 * counted as a refused header write): the reply still goes out, without the header that would
 * have split it (header-safety.ts).
 */
function safeReplyHeaders(headers: Array<HeaderPair>): Array<HeaderPair> {
  let bad = 0;
  for (let i = 0; i < headers.length; i++) {
    const h = unchecked(headers[i]);
    if (refusesHeaderBytes(changetype<usize>(h.key), <usize>h.key.byteLength) || refusesHeaderBytes(changetype<usize>(h.value), <usize>h.value.byteLength)) bad++;
  }
  if (bad == 0) return headers;
  const out = new Array<HeaderPair>();
  for (let i = 0; i < headers.length; i++) {
    const h = unchecked(headers[i]);
    if (refusesHeaderBytes(changetype<usize>(h.key), <usize>h.key.byteLength) || refusesHeaderBytes(changetype<usize>(h.value), <usize>h.value.byteLength)) {
      countRefusedHeaderWrite();
    } else {
      out.push(h);
    }
  }
  return out;
}

/**
 * Sends a local reply (deferred by the host until the current callback returns). `headers` are
 * added to the reply, except any holding CR, LF or NUL (dropped and counted: header-safety.ts);
 * `grpc_status` -1 (GrpcStatus.InvalidCode) means "unset".
 */
export function send_local_response(
  status_code: u32, details: string, body: ArrayBuffer, given: Array<HeaderPair>,
  grpc_status: GrpcStatus = GrpcStatus.InvalidCode,
): WasmResult {
  const headers = safeReplyHeaders(given);
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
  status_code: u32, details: string, body: string, given: Array<HeaderPair>,
  grpc_status: GrpcStatus = GrpcStatus.InvalidCode,
): WasmResult {
  const headers = safeReplyHeaders(given);
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
