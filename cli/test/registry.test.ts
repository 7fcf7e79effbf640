// The push client (cli/src/oci/registry.ts) against a real docker-registry 2.8 in each of its
// auth modes (anonymous, htpasswd Basic, token with an in-process token server): an add-header
// image pushed monolithically and in 1000-byte chunks comes back byte-equal through the client's
// own reads and through skopeo (an independent client); a second push skips the blobs; a wrong
// password is a 401 naming the step and what to set, without the password; relative Locations and
// a cross-host redirect of the uploads work. Without a registry: plain HTTP to a non-loopback
// registry is refused before any request, and parseRef's cases.
//
// The images are built here (a compat image: one gzipped tar holding plugin.wasm; an oci-variant
// image: a runtime-config layer and the raw .wasm) so these tests do not depend on the packager.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { MockAgent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Blob, WasmImage } from "../src/oci/image.ts";
import { formatRef, isLoopback, parseRef } from "../src/oci/reference.ts";
import { fetchBlob, fetchManifest, findCredentials, parseChallenges, pushImage, RegistryError, sha256Digest, type PushOptions } from "../src/oci/registry.ts";
import { registryTools, startRegistry, type RegistryFixture, type RegistryMode } from "./registry-fixture.ts";

const execFileP = promisify(execFile);
const REPO = fileURLToPath(new URL("../..", import.meta.url));
const skip = registryTools();

// ---------------------------------------------------------------------------------------------
// images of the shape cli/src/oci/image.ts makes (its WasmImage type, built here on purpose: these
// tests are about the registry, and must not change when the packager's output does)

type TestImage = WasmImage;

function blob(mediaType: string, bytes: Uint8Array): Blob {
  return { mediaType, digest: sha256Digest(bytes), size: bytes.length, bytes };
}

/** A POSIX ustar archive holding one file (mode 0644, mtime 0): what a compat layer is before gzip. */
function tarOne(name: string, data: Uint8Array): Uint8Array {
  const h = Buffer.alloc(512);
  const field = (at: number, len: number, text: string): void => { h.write(text, at, len, "ascii"); };
  field(0, 100, name);
  field(100, 8, "0000644\0");
  field(108, 8, "0000000\0");
  field(116, 8, "0000000\0");
  field(124, 12, `${data.length.toString(8).padStart(11, "0")}\0`);
  field(136, 12, "00000000000\0");
  field(148, 8, "        ");
  field(156, 1, "0");
  field(257, 6, "ustar\0");
  field(263, 2, "00");
  let sum = 0;
  for (const b of h) sum += b;
  field(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  const pad = (512 - (data.length % 512)) % 512;
  return Buffer.concat([h, data, Buffer.alloc(pad), Buffer.alloc(1024)]);
}

function manifestOf(config: Blob, layers: Blob[], annotations?: Record<string, string>): Blob {
  const d = (b: Blob, extra?: Record<string, unknown>): Record<string, unknown> => ({ mediaType: b.mediaType, digest: b.digest, size: b.size, ...extra });
  const m = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: d(config),
    layers: layers.map((l) => d(l)),
    ...(annotations !== undefined ? { annotations } : {}),
  };
  return blob("application/vnd.oci.image.manifest.v1+json", Buffer.from(JSON.stringify(m)));
}

function compatImage(wasm: Uint8Array): TestImage {
  const tar = tarOne("plugin.wasm", wasm);
  const layer = blob("application/vnd.oci.image.layer.v1.tar+gzip", gzipSync(tar));
  const config = blob("application/vnd.oci.image.config.v1+json", Buffer.from(JSON.stringify({
    architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [sha256Digest(tar)] }, config: {},
  })));
  return { variant: "compat", manifest: manifestOf(config, [layer], { "module.wasm.image/variant": "compat" }), config, layers: [layer] };
}

function ociImage(wasm: Uint8Array): TestImage {
  const runtime = Buffer.from(JSON.stringify({ type: "envoy_proxy", abi_version: "v0-4689a30309abf31aee9ae36e73d34b1bb182685f", config: { root_ids: ["add_header"] } }));
  const config = blob("application/vnd.module.wasm.config.v1+json", runtime);
  const layers = [blob("application/vnd.module.wasm.config.v1+json", runtime), blob("application/vnd.module.wasm.content.layer.v1+wasm", wasm)];
  return { variant: "oci", manifest: manifestOf(config, layers), config, layers };
}

const WASM = readFileSync(join(REPO, "filters/add-header/build/release.wasm"));
const IMAGE = compatImage(WASM);
const blobsOf = (img: TestImage): Blob[] => [img.config, ...img.layers];

/** A HOME with no Docker config: the machine's own credentials never leak into a test. */
const HOME = mkdtempSync(join(tmpdir(), "filterkit-registry-home-"));
const ISOLATED = { HOME };
afterAll(() => rmSync(HOME, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// reading back

async function expectReadBack(ref: string, img: TestImage, options: PushOptions): Promise<void> {
  const m = await fetchManifest(ref, options);
  expect(m.digest).toBe(img.manifest.digest);
  expect(m.mediaType).toBe(img.manifest.mediaType);
  expect(Buffer.from(m.bytes).equals(Buffer.from(img.manifest.bytes))).toBe(true);
  for (const b of blobsOf(img)) {
    const bytes = await fetchBlob(ref, b.digest, options);
    expect(Buffer.from(bytes).equals(Buffer.from(b.bytes)), b.digest).toBe(true);
  }
}

/** skopeo copy docker://… oci:DIR:tag, then the layout's manifest and blobs compared byte for byte. */
async function expectSkopeoReadBack(reg: RegistryFixture, repo: string, tag: string, img: TestImage): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "filterkit-skopeo-"));
  try {
    const policy = join(dir, "policy.json");
    writeFileSync(policy, JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
    const layout = join(dir, "layout");
    mkdirSync(layout);
    const creds = reg.mode === "anonymous" ? [] : ["--src-creds", `${reg.username}:${reg.password}`];
    // async: the token server answering skopeo runs in this process
    await execFileP("skopeo", ["--policy", policy, "copy", "--quiet", "--src-tls-verify=false", "--preserve-digests", ...creds,
      `docker://${reg.host}/${repo}:${tag}`, `oci:${layout}:${tag}`], { timeout: 60_000, env: { ...process.env, HOME } });
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as { manifests: Array<{ digest: string }> };
    expect(index.manifests.map((m) => m.digest)).toEqual([img.manifest.digest]);
    const read = (d: string): Buffer => readFileSync(join(layout, "blobs/sha256", d.slice("sha256:".length)));
    expect(read(img.manifest.digest).equals(Buffer.from(img.manifest.bytes))).toBe(true);
    for (const b of blobsOf(img)) expect(read(b.digest).equals(Buffer.from(b.bytes)), b.digest).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Logged { method: string; path: string; status: number }
function requestLog(): { log: Logged[]; onRequest: NonNullable<PushOptions["onRequest"]> } {
  const log: Logged[] = [];
  return { log, onRequest: (e) => { log.push({ method: e.method, path: new URL(e.url).pathname, status: e.status }); } };
}

/** The caught error of a promise that must fail. */
async function failure(p: Promise<unknown>): Promise<RegistryError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RegistryError) return e;
    throw e;
  }
  throw new Error("expected a RegistryError");
}

// ---------------------------------------------------------------------------------------------

describe.skipIf(skip !== null)(`push to a real docker-registry 2.8${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 60_000 }, () => {
  for (const mode of ["anonymous", "basic", "token"] satisfies RegistryMode[]) {
    describe(`${mode} mode`, () => {
      let reg: RegistryFixture;
      const ref = (repo: string, tag = "1.0"): string => `${reg.host}/${repo}:${tag}`;
      const opts = (extra: PushOptions = {}): PushOptions => ({
        env: ISOLATED,
        ...(mode === "anonymous" ? {} : { username: reg.username, password: reg.password }),
        ...extra,
      });
      beforeAll(async () => { reg = await startRegistry({ mode }); });
      afterAll(async () => { await reg?.stop(); });

      it("pushes the compat image: the digest and every blob come back byte-equal, through fetchManifest/fetchBlob and skopeo", async () => {
        const warnings: string[] = [];
        const steps: string[] = [];
        const tokensBefore = reg.tokenRequests.length;
        const result = await pushImage(ref("filters/add-header"), IMAGE, opts({ onWarning: (w) => warnings.push(w), onProgress: (s) => steps.push(s) }));
        expect(result.digest).toBe(sha256Digest(IMAGE.manifest.bytes));
        expect(result.url).toBe(`oci://${reg.host}/filters/add-header:1.0`);
        expect(result.uploaded).toEqual(blobsOf(IMAGE).map((b) => b.digest));
        expect(result.skipped).toEqual([]);
        expect(warnings.join("\n")).toContain(`plain HTTP to ${reg.host} (a loopback address)`);
        expect(steps).toContain("push the manifest");
        if (mode === "token") {
          // one token (pull,push) for the whole push: cached per scope
          expect(reg.tokenRequests.slice(tokensBefore)).toEqual([{ scopes: ["repository:filters/add-header:pull,push"], user: reg.username, granted: true }]);
        }
        await expectReadBack(ref("filters/add-header"), IMAGE, opts());
        await expectSkopeoReadBack(reg, "filters/add-header", "1.0", IMAGE);
      });

      it("a chunked upload (1000-byte chunks) gives the same result", async () => {
        const { log, onRequest } = requestLog();
        const result = await pushImage(ref("chunked/add-header"), IMAGE, opts({ chunkSize: 1000, onRequest }));
        expect(result.digest).toBe(IMAGE.manifest.digest);
        const patches = log.filter((l) => l.method === "PATCH" && l.status === 202).length;
        // the config is under 1000 bytes (one monolithic PUT); the layer goes up in ceil(size/1000) PATCHes
        expect(IMAGE.config.size).toBeLessThanOrEqual(1000);
        expect(patches).toBe(Math.ceil(IMAGE.layers[0].size / 1000));
        await expectReadBack(ref("chunked/add-header"), IMAGE, opts());
        await expectSkopeoReadBack(reg, "chunked/add-header", "1.0", IMAGE);
      });

      it("a second push skips the blobs already there", async () => {
        const { log, onRequest } = requestLog();
        const steps: string[] = [];
        const result = await pushImage(ref("filters/add-header", "1.0-again"), IMAGE, opts({ onRequest, onProgress: (s) => steps.push(s) }));
        expect(result.skipped).toEqual(blobsOf(IMAGE).map((b) => b.digest));
        expect(result.uploaded).toEqual([]);
        const answered = log.filter((l) => l.status !== 401 && l.path.startsWith("/v2/")).map((l) => `${l.method} ${l.path.replace(/sha256:[0-9a-f]{64}/, "<digest>")} ${l.status}`);
        expect(answered).toEqual([
          "HEAD /v2/filters/add-header/blobs/<digest> 200",
          "HEAD /v2/filters/add-header/blobs/<digest> 200",
          "PUT /v2/filters/add-header/manifests/1.0-again 201",
          "HEAD /v2/filters/add-header/manifests/1.0-again 200",
        ]);
        expect(steps.filter((s) => s.startsWith("skip blob"))).toHaveLength(2);
      });

      if (mode === "anonymous") {
        it("pushes the oci-variant image (a runtime-config layer and the raw .wasm) and reads it back", async () => {
          const img = ociImage(WASM);
          const result = await pushImage(ref("filters/add-header-oci"), img, opts());
          expect(result.digest).toBe(img.manifest.digest);
          await expectReadBack(ref("filters/add-header-oci"), img, opts());
        });

        it("docker-registry 2.8 hides an OCI manifest from a HEAD without Accept (why the client sends one)", async () => {
          const url = `http://${reg.host}/v2/filters/add-header/manifests/1.0`;
          const bare = await request(url, { method: "HEAD" });
          await bare.body.dump();
          expect(bare.statusCode).toBe(404);
          const accepted = await request(url, { method: "HEAD", headers: { accept: "application/vnd.oci.image.manifest.v1+json" } });
          await accepted.body.dump();
          expect(accepted.statusCode).toBe(200);
          expect(accepted.headers["docker-content-digest"]).toBe(IMAGE.manifest.digest);
        });

        it("docker-registry 2.8 refuses a manifest whose blobs the repository lacks (why blobs go first)", async () => {
          const res = await request(`http://${reg.host}/v2/other/repo/manifests/x`, { method: "PUT", headers: { "content-type": IMAGE.manifest.mediaType }, body: Buffer.from(IMAGE.manifest.bytes) });
          expect(res.statusCode).toBe(400);
          expect(await res.body.text()).toContain("MANIFEST_BLOB_UNKNOWN");
        });
      } else {
        it("a wrong password is a 401 that names the step and what to set, and never shows the password", async () => {
          const wrong = "wrong-Passw0rd-xyz";
          const e = await failure(pushImage(ref("filters/add-header", "2.0"), IMAGE, opts({ password: wrong })));
          const text = `${e.message}\n${e.next}`;
          expect(e.status).toBe(401);
          if (mode === "basic") {
            expect(e.step).toMatch(/^check blob sha256:[0-9a-f]{12} \(config\)$/);
            expect(e.message).toContain(`HEAD http://${reg.host}/v2/filters/add-header/blobs/sha256:`);
          } else {
            expect(e.step).toMatch(/^get a token \(for check blob sha256:[0-9a-f]{12} \(config\)\)$/);
            expect(e.message).toContain("GET http://127.0.0.1:");
          }
          expect(e.message).toContain("401 Unauthorized");
          expect(e.next).toContain(`refused the credentials from the username/password options (user "${reg.username}")`);
          expect(e.next).toContain("FILTERKIT_REGISTRY_PASSWORD");
          expect(text).not.toContain(wrong);
          expect(text).not.toContain(Buffer.from(`${reg.username}:${wrong}`).toString("base64"));
        });

        it("no credentials at all: a 401 that says what to set", async () => {
          const e = await failure(pushImage(ref("filters/add-header", "2.0"), IMAGE, { env: ISOLATED }));
          expect(e.status).toBe(401);
          expect(e.next).toContain(`${reg.host} wants credentials and none were found: set FILTERKIT_REGISTRY_USERNAME and FILTERKIT_REGISTRY_PASSWORD`);
        });

        it("takes the credentials from FILTERKIT_REGISTRY_* and from the Docker config's auths", async () => {
          const env = { ...ISOLATED, FILTERKIT_REGISTRY_USERNAME: reg.username, FILTERKIT_REGISTRY_PASSWORD: reg.password };
          expect((await pushImage(ref("env/add-header"), IMAGE, { env })).digest).toBe(IMAGE.manifest.digest);
          const dockerConfig = mkdtempSync(join(tmpdir(), "filterkit-docker-config-"));
          try {
            writeFileSync(join(dockerConfig, "config.json"), JSON.stringify({ auths: { [`http://${reg.host}`]: { auth: Buffer.from(`${reg.username}:${reg.password}`).toString("base64") } } }));
            const found = findCredentials(reg.host, { env: { ...ISOLATED, DOCKER_CONFIG: dockerConfig } });
            expect(found.credentials?.source).toBe(`${join(dockerConfig, "config.json")} (auths["http://${reg.host}"])`);
            const m = await fetchManifest(ref("env/add-header"), { env: { ...ISOLATED, DOCKER_CONFIG: dockerConfig } });
            expect(m.digest).toBe(IMAGE.manifest.digest);
            // a credential helper is not run: the error says so and what to set instead
            writeFileSync(join(dockerConfig, "config.json"), JSON.stringify({ credHelpers: { [reg.host]: "pass" } }));
            const warnings: string[] = [];
            const e = await failure(fetchManifest(ref("env/add-header"), { env: { ...ISOLATED, DOCKER_CONFIG: dockerConfig }, onWarning: (w) => warnings.push(w) }));
            expect(e.status).toBe(401);
            expect(e.next).toContain("docker-credential-pass");
            expect(warnings.join("\n")).toContain("filterkit does not run credential helpers");
          } finally {
            rmSync(dockerConfig, { recursive: true, force: true });
          }
        });
      }
    });
  }

  describe("relative Locations (http.relativeurls) and uploads redirected to another host", () => {
    let reg: RegistryFixture;
    let front: Server;
    let frontHost: string;
    const redirected: string[] = [];
    const relativeLocations: string[] = [];
    beforeAll(async () => {
      reg = await startRegistry({ mode: "anonymous", relativeUrls: true });
      // a front on another loopback address: proxies the API, but answers blob uploads and blob
      // GETs with a 307 to the registry itself (as registries do towards their storage)
      front = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const path = req.url ?? "/";
          const upload = (req.method === "PUT" || req.method === "PATCH") && path.includes("/blobs/uploads/");
          const blobGet = req.method === "GET" && /\/blobs\/sha256:/.test(path);
          if (upload || blobGet) {
            redirected.push(`${req.method} ${path.replace(/\?.*/, "")}`);
            res.writeHead(307, { location: `http://${reg.host}${path}` }).end();
            return;
          }
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && !["connection", "keep-alive", "transfer-encoding", "upgrade", "expect"].includes(k)) headers[k] = v;
          request(`http://${reg.host}${path}`, { method: req.method ?? "GET", headers, body: chunks.length > 0 ? Buffer.concat(chunks) : undefined })
            .then(async (up) => {
              const body = Buffer.from(await up.body.arrayBuffer());
              const out: Record<string, string | string[]> = {};
              for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !["connection", "keep-alive", "transfer-encoding"].includes(k)) out[k] = v;
              if (typeof out.location === "string" && req.method === "POST") relativeLocations.push(out.location);
              res.writeHead(up.statusCode, out).end(body);
            })
            .catch((e: Error) => { res.writeHead(502).end(e.message); });
        });
      });
      await new Promise<void>((resolve) => front.listen(0, "127.0.0.2", resolve));
      frontHost = `127.0.0.2:${(front.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      if (front !== undefined) {
        const closed = new Promise<void>((resolve) => front.close(() => resolve()));
        front.closeAllConnections();
        await closed;
      }
      await reg?.stop();
    });

    it("pushes (monolithic and chunked) and reads back through the redirecting front", async () => {
      const r1 = await pushImage(`${frontHost}/redirect/mono:1`, IMAGE, { env: ISOLATED });
      expect(r1.digest).toBe(IMAGE.manifest.digest);
      const r2 = await pushImage(`${frontHost}/redirect/chunked:1`, IMAGE, { env: ISOLATED, chunkSize: 1000 });
      expect(r2.digest).toBe(IMAGE.manifest.digest);
      expect(relativeLocations.length).toBeGreaterThan(0);
      for (const l of relativeLocations) expect(l).toMatch(/^\/v2\/redirect\/(mono|chunked)\/blobs\/uploads\/[0-9a-f-]+\?_state=/);
      expect(redirected.filter((r) => r.startsWith("PUT /v2/redirect/mono/blobs/uploads/"))).toHaveLength(2);
      // the chunked upload's first PATCH is redirected; later ones follow the registry's own (relative) Location
      expect(redirected.some((r) => r.startsWith("PATCH /v2/redirect/chunked/blobs/uploads/"))).toBe(true);
      await expectReadBack(`${frontHost}/redirect/mono:1`, IMAGE, { env: ISOLATED });
      await expectReadBack(`${frontHost}/redirect/chunked:1`, IMAGE, { env: ISOLATED });
      expect(redirected.filter((r) => r.startsWith("GET ")).length).toBe(4);
    });
  });
});

describe("transport security, on a fake registry (undici MockAgent)", () => {
  it("refuses plain HTTP to a non-loopback registry before any request", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect(); // any request would fail differently
    const { log, onRequest } = requestLog();
    await expect(pushImage("registry.example.com:5000/filters/x:1", IMAGE, { scheme: "http", dispatcher: agent, onRequest, env: ISOLATED }))
      .rejects.toThrow(/refusing plain HTTP to registry\.example\.com:5000: it is not a loopback address/);
    await expect(fetchManifest("registry.example.com:5000/filters/x:1", { scheme: "http", dispatcher: agent, onRequest, env: ISOLATED }))
      .rejects.toThrow(/refusing plain HTTP/);
    expect(log).toEqual([]);
    await agent.close();
  });

  it("uses https by default and plain HTTP with insecure, saying so", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const body = Buffer.from(IMAGE.manifest.bytes);
    const reply = { headers: { "content-type": IMAGE.manifest.mediaType, "docker-content-digest": IMAGE.manifest.digest } };
    agent.get("https://registry.example.com").intercept({ path: "/v2/filters/x/manifests/1", method: "GET" }).reply(200, body, reply);
    agent.get("http://registry.example.com:5000").intercept({ path: "/v2/filters/x/manifests/1", method: "GET" }).reply(200, body, reply);
    const secure: string[] = [];
    expect((await fetchManifest("registry.example.com/filters/x:1", { dispatcher: agent, env: ISOLATED, onWarning: (w) => secure.push(w) })).digest).toBe(IMAGE.manifest.digest);
    expect(secure).toEqual([]);
    const warnings: string[] = [];
    expect((await fetchManifest("registry.example.com:5000/filters/x:1", { insecure: true, dispatcher: agent, env: ISOLATED, onWarning: (w) => warnings.push(w) })).digest).toBe(IMAGE.manifest.digest);
    expect(warnings).toEqual(["talking plain HTTP to registry.example.com:5000 (insecure): credentials and the image are not encrypted"]);
    await agent.close();
  });

  it("refuses a redirect from https to plain HTTP on another host", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.get("https://registry.example.com").intercept({ path: `/v2/filters/x/blobs/${IMAGE.config.digest}`, method: "GET" })
      .reply(307, "", { headers: { location: "http://storage.example.com/blob" } });
    const e = await failure(fetchBlob("registry.example.com/filters/x:1", IMAGE.config.digest, { dispatcher: agent, env: ISOLATED }));
    expect(e.message).toMatch(/refusing to follow a redirect to http:\/\/storage\.example\.com\/blob over plain HTTP/);
    await agent.close();
  });
});

describe("the manifest digest checks, on a fake registry (undici MockAgent)", () => {
  /** A registry that has the blobs and answers the manifest PUT and HEAD with the given digests. */
  function fake(putDigest: string, headDigest: string): MockAgent {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const pool = agent.get("https://registry.example.com");
    for (const b of blobsOf(IMAGE)) pool.intercept({ path: `/v2/filters/x/blobs/${b.digest}`, method: "HEAD" }).reply(200, "", { headers: { "docker-content-digest": b.digest } });
    pool.intercept({ path: "/v2/filters/x/manifests/1", method: "PUT" }).reply(201, "", { headers: { "docker-content-digest": putDigest } });
    pool.intercept({ path: "/v2/filters/x/manifests/1", method: "HEAD" }).reply(200, "", { headers: { "docker-content-digest": headDigest } });
    return agent;
  }
  const other = `sha256:${"0".repeat(64)}`;

  it("agrees when both equal the digest computed here", async () => {
    const agent = fake(IMAGE.manifest.digest, IMAGE.manifest.digest);
    const r = await pushImage("registry.example.com/filters/x:1", IMAGE, { dispatcher: agent, env: ISOLATED });
    expect(r).toMatchObject({ digest: IMAGE.manifest.digest, url: "oci://registry.example.com/filters/x:1", skipped: blobsOf(IMAGE).map((b) => b.digest) });
    await agent.close();
  });

  it("says when the PUT's Docker-Content-Digest differs", async () => {
    const agent = fake(other, IMAGE.manifest.digest);
    const e = await failure(pushImage("registry.example.com/filters/x:1", IMAGE, { dispatcher: agent, env: ISOLATED }));
    expect(e.step).toBe("push the manifest");
    expect(e.message).toContain(`the PUT's Docker-Content-Digest is ${other}, but the manifest sent has digest ${IMAGE.manifest.digest}`);
    await agent.close();
  });

  it("says when the HEAD of the tag differs", async () => {
    const agent = fake(IMAGE.manifest.digest, other);
    const e = await failure(pushImage("registry.example.com/filters/x:1", IMAGE, { dispatcher: agent, env: ISOLATED }));
    expect(e.step).toBe("verify the manifest");
    expect(e.message).toContain(`gives digest ${other}, but the manifest pushed has digest ${IMAGE.manifest.digest} (the PUT's Docker-Content-Digest agreed with ours)`);
    await agent.close();
  });
});

describe("WWW-Authenticate", () => {
  it("parses several challenges with quoted commas and spaces", () => {
    expect(parseChallenges(['Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull,push repository:c:pull",error="insufficient_scope"', 'Basic realm="x"'])).toEqual([
      { scheme: "bearer", params: { realm: "https://auth.example/token", service: "reg", scope: "repository:a/b:pull,push repository:c:pull", error: "insufficient_scope" } },
      { scheme: "basic", params: { realm: "x" } },
    ]);
    expect(parseChallenges(['Basic realm="a, b", Bearer realm=https://t/x'])).toEqual([
      { scheme: "basic", params: { realm: "a, b" } },
      { scheme: "bearer", params: { realm: "https://t/x" } },
    ]);
  });
});

describe("parseRef", () => {
  const D = `sha256:${"a".repeat(64)}`;
  it.each([
    ["127.0.0.1:5000/filters/add-header:1.0", { registry: "127.0.0.1:5000", repository: "filters/add-header", tag: "1.0" }],
    ["nginx", { registry: "docker.io", repository: "library/nginx", tag: "latest" }],
    ["user/repo", { registry: "docker.io", repository: "user/repo", tag: "latest" }],
    ["index.docker.io/library/nginx:1", { registry: "docker.io", repository: "library/nginx", tag: "1" }],
    ["docker.io/nginx", { registry: "docker.io", repository: "library/nginx", tag: "latest" }],
    ["localhost/x", { registry: "localhost", repository: "x", tag: "latest" }],
    ["localhost:5000", { registry: "docker.io", repository: "library/localhost", tag: "5000" }],
    [`localhost:5000/a/b@${D}`, { registry: "localhost:5000", repository: "a/b", digest: D }],
    [`ghcr.io/org/f:v1.2_rc-3@${D}`, { registry: "ghcr.io", repository: "org/f", tag: "v1.2_rc-3", digest: D }],
    ["oci://127.0.0.1:5000/a/b:c", { registry: "127.0.0.1:5000", repository: "a/b", tag: "c" }],
    ["[::1]:5000/a:b", { registry: "[::1]:5000", repository: "a", tag: "b" }],
    ["Registry.Example.com/a__b/c-d.e--f", { registry: "Registry.Example.com", repository: "a__b/c-d.e--f", tag: "latest" }],
  ])("%s", (s, want) => {
    expect(parseRef(s)).toEqual(want);
  });

  it.each([
    ["", /it is empty/],
    ["Foo/bar", /repository component "Foo" must be lower case \("foo"\)/],
    ["127.0.0.1:5000/Filters/x", /repository component "Filters" must be lower case/],
    ["a/b:-x", /tag "-x" must be 1 to 128/],
    [`a/b:${"t".repeat(129)}`, /tag "t+" must be 1 to 128/],
    ["a@sha256:abc", /must be "sha256:" followed by 64 lower-case hex/],
    [`a@sha256:${"A".repeat(64)}`, /64 lower-case hex/],
    [`a@md5:${"a".repeat(32)}`, /is not a sha256 digest/],
    ["http://127.0.0.1:5000/a:b", /"http:\/\/" is not part of an image reference/],
    ["a//b", /empty path component/],
    ["a/b/", /empty path component/],
    ["127.0.0.1:99999/a", /port "99999" is not a number from 0 to 65535/],
    ["exa_mple.com/a", /"exa_mple" is not a valid host name part/],
    ["a/b_", /repository component "b_" may hold only/],
    ["127.0.0.1:5000/", /the repository name is missing/],
  ])("refuses %j", (s, why) => {
    expect(() => parseRef(s)).toThrow(why);
  });

  it("formatRef gives the canonical text back", () => {
    for (const s of ["127.0.0.1:5000/filters/add-header:1.0", `ghcr.io/org/f:v1@sha256:${"b".repeat(64)}`, "docker.io/library/nginx:latest"]) {
      expect(formatRef(parseRef(s))).toBe(s);
    }
    expect(formatRef(parseRef("nginx"))).toBe("docker.io/library/nginx:latest");
  });

  it("isLoopback: localhost, 127.0.0.0/8 and ::1, with or without a port", () => {
    for (const h of ["localhost", "LOCALHOST:5000", "127.0.0.1", "127.0.0.1:5000", "127.200.3.4:80", "[::1]", "[::1]:5000", "::1", "[0:0:0:0:0:0:0:1]:1"]) expect(isLoopback(h), h).toBe(true);
    for (const h of ["10.0.0.1:5000", "128.0.0.1", "example.com", "localhost.example.com", "127.0.0.1.nip.io", "[::2]:5000", "docker.io"]) expect(isLoopback(h), h).toBe(false);
  });
});
