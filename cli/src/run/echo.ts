// The echo upstream that `filterkit run` puts behind the filter: it answers 200 with the request
// it received as JSON (method, path, headers as [name, value] pairs, body). One function
// (`echoAnswer`) makes that answer for both hosts: the mock chain calls it as its upstream
// (`echoUpstream`, no socket needed) and Envoy reaches it through a node:http server of this
// process (`startEchoServer`), so both modes answer alike apart from what Envoy itself adds.
import { createServer, type Server } from "node:http";
import type { Received, UpstreamAnswer } from "@filterkit/host-mock";
import { listen } from "./listen.ts";
import { rawPairs, readBody, toWire } from "./wire.ts";

/** A request as the upstream received it: header names lower-cased, order and repeats kept. */
export interface EchoRequest {
  method: string;
  path: string;
  headers: Array<[string, string]>;
  body: string;
}

export interface EchoAnswer {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

/** The echo upstream's answer: 200, the request it received as JSON (pretty: it is read in a terminal). */
export function echoAnswer(r: EchoRequest): EchoAnswer {
  // JSON laid out for a terminal: one line per header pair
  const pairs = r.headers.map((p) => `    ${JSON.stringify(p).replace('","', '", "')}`).join(",\n");
  const body = `{\n  "method": ${JSON.stringify(r.method)},\n  "path": ${JSON.stringify(r.path)},\n  "headers": [${pairs !== "" ? `\n${pairs}\n  ` : ""}],\n  "body": ${JSON.stringify(r.body)}\n}\n`;
  return { status: 200, headers: [["content-type", "application/json"], ["content-length", String(Buffer.byteLength(body))]], body };
}

/** The echo as the mock chain's upstream: the request as an HTTP/1 upstream would get it (Host, no pseudo-headers). */
export function echoUpstream(received: Received): UpstreamAnswer {
  const pseudo = (name: string): string => received.headers.find(([k]) => k === name)?.[1] ?? "";
  const headers: Array<[string, string]> = [["host", pseudo(":authority")], ...received.headers.filter(([k]) => !k.startsWith(":")).map(([k, v]): [string, string] => [k, v])];
  const a = echoAnswer({ method: pseudo(":method"), path: pseudo(":path"), headers, body: received.bodyText });
  return { headers: [[":status", String(a.status)], ...a.headers], body: a.body };
}

/** The echo upstream for Envoy: a server of this process on a free port. */
export async function startEchoServer(host: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const a = echoAnswer({ method: req.method ?? "", path: req.url ?? "", headers: rawPairs(req.rawHeaders), body: body.toString("utf8") });
      res.writeHead(a.status, a.headers.flatMap(([k, v]) => [k, toWire(v)]));
      res.end(a.body);
    }, () => req.socket.destroy());
  });
  const port = await listen(server, 0, host);
  return { server, port };
}
