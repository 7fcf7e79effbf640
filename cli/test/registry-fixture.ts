// A real OCI registry for the push client's tests: Debian's `docker-registry` (CNCF Distribution
// 2.8.2) run as `docker-registry serve CONFIG` on 127.0.0.1 and a free port, storage in a temporary
// folder, in three modes: anonymous; htpasswd Basic auth; token auth, with a token server in this
// process that signs ES256 JWTs carrying an `x5c` header (the self-signed certificate made by
// `openssl req -x509`, which is also the registry's rootcertbundle; distribution 2.8's
// registry/auth/token checks iss, aud, exp/nbf and the access claim, and takes the signing key
// from the x5c chain). Real processes instead of a fake, because docker-registry's quirks (absolute
// Locations with _state, Accept rules, PATCH Content-Type) are what the client must survive.
//
// registryTools() decides whether the tests can run: the tools present → run; missing and root →
// scripts/setup-registry.sh installs them; otherwise an error under CI, a skip reason elsewhere.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createPrivateKey, randomBytes, randomUUID, sign, X509Certificate, type KeyObject } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";

export type RegistryMode = "anonymous" | "basic" | "token";

export interface RegistryFixture {
  mode: RegistryMode;
  /** "127.0.0.1:PORT": the registry part of references */
  host: string;
  port: number;
  /** the account of the basic and token modes */
  username: string;
  password: string;
  /** the temporary folder holding config, storage, htpasswd, key and certificate */
  dir: string;
  /** token mode: every request to the token server, in order */
  tokenRequests: Array<{ scopes: string[]; user: string | null; granted: boolean }>;
  /** what docker-registry printed (its log), for failure messages */
  log(): string;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL("../../scripts/setup-registry.sh", import.meta.url));
const TOOLS = ["docker-registry", "skopeo", "htpasswd", "openssl"];
const SERVICE = "filterkit-test-registry";
const ISSUER = "filterkit-test-token-server";
/**
 * The realm of the Basic challenges (htpasswd mode, and the token server's 401): an https URL,
 * because Istio's fetcher refuses a WWW-Authenticate whose realm is not an http(s) URL, even for
 * Basic ("rejected unsafe bearer realm: realm scheme \"\" not allowed"), and the kit pulls through
 * it from this fixture. Nothing fetches it.
 */
const BASIC_REALM = "https://registry.filterkit.test";

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((d) => d !== "" && existsSync(join(d, cmd)));
}

/** null when the registry tests can run; a skip reason outside CI; throws under CI or when setup fails. */
export function registryTools(): string | null {
  let missing = TOOLS.filter((t) => !onPath(t));
  if (missing.length === 0) return null;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (process.platform === "linux" && root && existsSync(SCRIPT)) {
    try {
      execFileSync("bash", [SCRIPT], { stdio: ["ignore", "ignore", "inherit"], timeout: 300_000 });
    } catch (e) {
      throw new Error(`${SCRIPT} failed, so the registry tests cannot run: ${(e as Error).message}`);
    }
    missing = TOOLS.filter((t) => !onPath(t));
    if (missing.length === 0) return null;
    throw new Error(`${SCRIPT} ran but ${missing.join(", ")} still not on PATH`);
  }
  const why = `${missing.join(", ")} not installed (sudo scripts/setup-registry.sh installs Debian's docker-registry, skopeo, apache2-utils and openssl)`;
  const ci = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false";
  if (ci) throw new Error(`the registry tests must run under CI, but ${why}`);
  return why;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString("base64url");

/** An ES256 JWT as distribution 2.8 accepts it: x5c header, iss/aud/exp/nbf, access claim. */
function signToken(key: KeyObject, certDerB64: string, user: string, access: Array<{ type: string; name: string; actions: string[] }>): string {
  const now = Math.floor(Date.now() / 1000);
  const head = { typ: "JWT", alg: "ES256", x5c: [certDerB64] };
  const claims = { iss: ISSUER, sub: user, aud: SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access };
  const input = `${b64url(JSON.stringify(head))}.${b64url(JSON.stringify(claims))}`;
  // JWS ES256 signatures are r||s (IEEE P1363), not DER
  const sig = sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
  return `${input}.${b64url(sig)}`;
}

/** The token server: Basic credentials checked, every requested action granted to the account. */
function startTokenServer(dir: string, username: string, password: string, log: RegistryFixture["tokenRequests"]): Promise<{ server: Server; realm: string; cert: string }> {
  const keyPath = join(dir, "token-key.pem");
  const certPath = join(dir, "token-cert.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyPath, "-out", certPath, "-days", "2", "-subj", "/CN=filterkit-test-token-signer"], { stdio: ["ignore", "ignore", "pipe"] });
  const key = createPrivateKey(readFileSync(keyPath));
  const certDer = new X509Certificate(readFileSync(certPath)).raw.toString("base64");
  const server = createHttpServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://token");
    if (u.pathname !== "/token") {
      res.writeHead(404).end();
      return;
    }
    const scopes = u.searchParams.getAll("scope");
    const auth = req.headers.authorization ?? "";
    const plain = auth.startsWith("Basic ") ? Buffer.from(auth.slice(6), "base64").toString("utf8") : null;
    const user = plain === null ? null : plain.slice(0, Math.max(plain.indexOf(":"), 0));
    const granted = plain === `${username}:${password}` && u.searchParams.get("service") === SERVICE;
    log.push({ scopes, user, granted });
    if (!granted) {
      res.writeHead(401, { "content-type": "application/json", "www-authenticate": `Basic realm="${BASIC_REALM}"` });
      res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
      return;
    }
    const access = scopes.flatMap((s) => {
      const [type, ...rest] = s.split(":");
      const actions = rest.pop();
      return type !== undefined && actions !== undefined ? [{ type, name: rest.join(":"), actions: actions.split(",") }] : [];
    });
    const token = signToken(key, certDer, username, access);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, realm: `http://127.0.0.1:${port}/token`, cert: certPath });
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await request(url, { method: "GET", headersTimeout: 1000, bodyTimeout: 1000 });
    await res.body.dump();
    return res.statusCode === 200 || res.statusCode === 401;
  } catch {
    return false;
  }
}

/** Starts docker-registry in `mode`; resolves once GET /v2/ answers (200, or 401 with auth). */
export async function startRegistry(options: { mode: RegistryMode; relativeUrls?: boolean }): Promise<RegistryFixture> {
  const { mode } = options;
  const dir = mkdtempSync(join(tmpdir(), `filterkit-registry-${mode}-`));
  const username = "filterkit";
  const password = `pw-${randomBytes(6).toString("hex")}`;
  const tokenRequests: RegistryFixture["tokenRequests"] = [];
  let tokenServer: Server | undefined;
  let child: ChildProcess | undefined;
  let output = "";
  const cleanup = async (): Promise<void> => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const c = child;
      const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
      c.kill("SIGTERM");
      const timer = setTimeout(() => c.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (tokenServer !== undefined) {
      const s = tokenServer;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeAllConnections(); // undici keeps connections alive; close() alone would wait for them
      await closed;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    let auth: Record<string, unknown> | undefined;
    if (mode === "basic") {
      const line = execFileSync("htpasswd", ["-Bbn", username, password], { encoding: "utf8" });
      writeFileSync(join(dir, "htpasswd"), line);
      auth = { htpasswd: { realm: BASIC_REALM, path: join(dir, "htpasswd") } };
    } else if (mode === "token") {
      const t = await startTokenServer(dir, username, password, tokenRequests);
      tokenServer = t.server;
      auth = { token: { realm: t.realm, service: SERVICE, issuer: ISSUER, rootcertbundle: t.cert } };
    }
    // docker-registry reads REGISTRY_* variables as configuration overrides: keep the caller's out
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("REGISTRY_")));
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const config = {
        version: "0.1",
        log: { level: "info", accesslog: { disabled: true } },
        storage: { filesystem: { rootdirectory: join(dir, "storage") }, delete: { enabled: true } },
        http: { addr: `127.0.0.1:${port}`, secret: randomBytes(16).toString("hex"), relativeurls: options.relativeUrls === true },
        ...(auth !== undefined ? { auth } : {}),
      };
      const configPath = join(dir, "config.yml");
      writeFileSync(configPath, JSON.stringify(config, null, 2)); // JSON is YAML
      output = "";
      const c = spawn("docker-registry", ["serve", configPath], { stdio: ["ignore", "pipe", "pipe"], env });
      child = c;
      const keep = (d: Buffer): void => { output = (output + d.toString("utf8")).slice(-200_000); };
      c.stdout?.on("data", keep);
      c.stderr?.on("data", keep);
      const started = Date.now();
      let up = false;
      while (!up && c.exitCode === null && c.signalCode === null && Date.now() - started < 20_000) {
        up = await answers(`http://127.0.0.1:${port}/v2/`);
        if (!up) await new Promise((r) => setTimeout(r, 50));
      }
      if (up) {
        const fixture: RegistryFixture = {
          mode, host: `127.0.0.1:${port}`, port, username, password, dir, tokenRequests,
          log: () => output,
          stop: cleanup,
        };
        return fixture;
      }
      const exited = c.exitCode !== null || c.signalCode !== null;
      if (!exited) c.kill("SIGKILL");
      if (exited && /address already in use/.test(output) && attempt < 3) continue; // lost the port race
      throw new Error(`docker-registry (${mode}) did not answer on 127.0.0.1:${port} ${exited ? `and exited (${c.exitCode ?? c.signalCode})` : "within 20 s"}:\n${output.slice(-4000)}`);
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
}
