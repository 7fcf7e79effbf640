// Starting and stopping this process's node:http servers (the echo upstream, the mock host's
// listener): listening with the port actually bound (--port 0 picks one), closing without waiting
// on idle keep-alive connections, and the one bind failure a user can fix themselves, a port in
// use, turned into an error that says how.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CliError, EXIT } from "../errors.ts";

/** Listens on `port` (0: a free one) and resolves with the port bound; rejects on a bind error. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const failed = (e: Error): void => reject(e);
    server.once("error", failed);
    server.listen(port, host, () => {
      server.off("error", failed);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

export async function closeServer(server: Server): Promise<void> {
  // keep-alive connections (curl -i reuses none, browsers and undici do) would hold close() open
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}

/** The CliError for a bind that failed because the port is taken; null for any other failure. */
export function portInUse(port: number, e: unknown): CliError | null {
  if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE") return null;
  return new CliError(`port ${port} on 127.0.0.1 is in use`, "stop what listens there, or pick another port: --port N (--port 0 for a free one)", EXIT.failed);
}
