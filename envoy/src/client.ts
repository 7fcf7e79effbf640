// The client side of a scenario request against real Envoy, over undici: headers sent in the given
// order, a body sent chunk by chunk (with a pause between chunks so Envoy sees them as separate
// reads), and the answer read with its raw header order, repeats and trailers kept.
import { request as httpRequest } from "node:http";
import { Readable } from "node:stream";
import { Client } from "undici";
import { MAX_HEADER_BYTES, type Pairs } from "./servers.ts";
import { flatWire, pairsFromWire, toWire } from "./wire.ts";

export interface ClientRequest {
  method: string;
  path: string;
  /** including `host`; names as the client writes them */
  headers: Pairs;
  chunks: string[];
  /** request trailers: sent after the body in chunked encoding (see sendWithTrailers) */
  trailers?: Pairs;
}

export interface ClientResponse {
  status: number;
  /** names lower-cased, order and repeats kept */
  headers: Pairs;
  body: string;
  trailers: Pairs;
  /** the connection or stream broke instead of completing */
  reset: boolean;
}

/**
 * Pause between body chunks: long enough for Envoy to read each chunk on its own. A body of many
 * chunks (generated traffic: hundreds of one-byte chunks) goes with short pauses, where Envoy may
 * read several chunks at once — what a filter sees then depends on timing, not on the scenario.
 */
const CHUNK_GAP_MS = 30;
const LONG_RUN_CHUNKS = 8;
const LONG_RUN_GAP_MS = 3;


async function* paced(chunks: string[]): AsyncGenerator<Buffer> {
  for (let i = 0; i < chunks.length; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, chunks.length > LONG_RUN_CHUNKS ? LONG_RUN_GAP_MS : CHUNK_GAP_MS));
    yield Buffer.from(chunks[i]);
  }
}

export function send(client: Client, req: ClientRequest): Promise<ClientResponse> {
  const flat = flatWire(req.headers);
  const body = req.chunks.length === 0 ? null : req.chunks.length === 1 ? Buffer.from(req.chunks[0]) : Readable.from(paced(req.chunks));
  return new Promise((resolve) => {
    let status = 0;
    let headers: Pairs = [];
    const data: Buffer[] = [];
    const broke = (): void => resolve({ status: 0, headers: [], body: "", trailers: [], reset: true });
    client.dispatch({ method: req.method, path: req.path, headers: flat, body }, {
      onConnect: () => {},
      onHeaders: (statusCode: number, raw: Buffer[]) => {
        status = statusCode;
        headers = pairsFromWire(raw);
        return true;
      },
      onData: (chunk: Buffer) => {
        data.push(chunk);
        return true;
      },
      onComplete: (trailers: Array<Buffer | string> | null) => {
        resolve({ status, headers, body: Buffer.concat(data).toString("utf8"), trailers: pairsFromWire(trailers), reset: false });
      },
      onError: () => broke(),
    });
  });
}

export function connect(url: string): Client {
  // one request at a time on one connection: a scenario's requests meet the same worker VM
  return new Client(url, { pipelining: 1, keepAliveTimeout: 60_000, maxHeaderSize: MAX_HEADER_BYTES });
}

/**
 * A request with trailers. undici does not send request trailers, so this one goes through
 * node:http on a connection of its own: chunked encoding, the body chunk by chunk, then the
 * trailers; the answer is read with its raw header order and its trailers.
 */
export function sendWithTrailers(url: string, req: ClientRequest): Promise<ClientResponse> {
  const target = new URL(url);
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: ClientResponse): void => {
      if (!done) { done = true; resolve(r); }
    };
    const flat = flatWire(req.headers);
    const out = httpRequest({ host: target.hostname, port: Number(target.port), method: req.method, path: req.path, headers: flat, agent: false, setHost: false, maxHeaderSize: MAX_HEADER_BYTES }, (res) => {
      const data: Buffer[] = [];
      res.on("data", (c: Buffer) => data.push(c));
      res.on("end", () => finish({
        status: res.statusCode ?? 0, headers: pairsFromWire(res.rawHeaders), body: Buffer.concat(data).toString("utf8"), trailers: pairsFromWire(res.rawTrailers), reset: false,
      }));
      res.on("error", () => finish({ status: 0, headers: [], body: "", trailers: [], reset: true }));
    });
    out.on("error", () => finish({ status: 0, headers: [], body: "", trailers: [], reset: true }));
    void (async () => {
      for await (const chunk of paced(req.chunks)) out.write(chunk);
      const t: Array<[string, string]> = (req.trailers ?? []).map(([k, v]) => [toWire(k), toWire(v)]);
      out.addTrailers(t);
      out.end();
    })();
  });
}
