// What the client does about a 401: `Basic` → the credentials on every later request; `Bearer
// realm,service,scope` → a GET of the realm for `repository:<name>:<actions>` (with Basic
// credentials if there are any), the token cached per scope. Also the hint of a 401 or 403 (which
// credentials were tried, and what to set). Passwords and tokens go to the transport's secrets,
// so that no message shows them.
import { basicHeader, dockerConfigPath, ENV_PASS, ENV_USER, findCredentials, type Credentials } from "./credentials.ts";
import { parseChallenges, type Challenge } from "./challenge.ts";
import { RegistryError, headerValues, shown, type Reply, type Transport } from "./transport.ts";

/** Unions the actions of scopes on the same resource: "repository:a:pull" + "repository:a:push" → "repository:a:pull,push". */
function mergeScopes(scopes: string[]): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const s of scopes) {
    const at = s.lastIndexOf(":");
    const resource = at > 0 ? s.slice(0, at) : s;
    const set = byResource.get(resource) ?? new Set<string>();
    if (at > 0) for (const a of s.slice(at + 1).split(",")) if (a !== "") set.add(a);
    byResource.set(resource, set);
  }
  return [...byResource].map(([r, a]) => (a.size > 0 ? `${r}:${[...a].sort().join(",")}` : r));
}

export class Auth {
  private current: string | undefined;
  private readonly tokens = new Map<string, { value: string; expires: number }>();
  private creds: Credentials | null | undefined;
  private notes: string[] = [];

  /** `actions`: what the session does to the repository ("pull", "push"), the scope a token is asked for. */
  constructor(private readonly t: Transport, private readonly actions: string[]) {}

  /** The Authorization value requests to the registry carry, once a 401 asked for one. */
  get authorization(): string | undefined {
    return this.current;
  }

  private credentials(): Credentials | null {
    if (this.creds === undefined) {
      const found = findCredentials(this.t.ref.registry, this.t.options);
      this.creds = found.credentials;
      this.notes = found.notes;
      for (const n of found.notes) this.t.warn(n);
      if (this.creds !== null) this.t.secrets.push(this.creds.password, basicHeader(this.creds).slice("Basic ".length));
    }
    return this.creds;
  }

  /** Acts on a 401's challenge so that the retry can succeed, or throws saying what to set. */
  async authenticate(step: string, method: string, reply: Reply, sent: string | undefined): Promise<void> {
    if (reply.url.origin !== this.t.base.origin) {
      throw new RegistryError(`${this.t.op}: ${step}: ${method} ${shown(reply.url)} (on another host than the registry) answered 401`,
        `filterkit does not send ${this.t.ref.registry}'s credentials to another host; ask the registry's operator`, step, shown(reply.url), 401);
    }
    const challenges = parseChallenges(headerValues(reply.headers, "www-authenticate"));
    const bearer = challenges.find((c) => c.scheme === "bearer");
    const basic = challenges.find((c) => c.scheme === "basic");
    if (bearer !== undefined) {
      await this.bearer(step, bearer, sent);
      return;
    }
    if (basic !== undefined) {
      const creds = this.credentials();
      if (creds === null || sent === basicHeader(creds)) throw this.t.httpError(step, method, reply);
      this.current = basicHeader(creds);
      return;
    }
    const schemes = challenges.map((c) => c.scheme).join(", ") || "none";
    throw this.t.httpError(step, method, reply, `the registry asks for an authentication scheme filterkit does not speak (WWW-Authenticate: ${schemes}); only Basic and Bearer are supported`);
  }

  /** Bearer: a token for this repository's actions (plus what the challenge asks), cached per scope. */
  private async bearer(step: string, challenge: Challenge, sent: string | undefined): Promise<void> {
    const realm = challenge.params.realm;
    if (realm === undefined || realm === "") {
      throw new RegistryError(`${this.t.op}: ${step}: the registry's Bearer challenge has no realm`, "report it to the registry's operator", step, this.t.base.href, 401);
    }
    const asked = (challenge.params.scope ?? "").split(" ").filter((s) => s !== "");
    const scopes = mergeScopes([`repository:${this.t.ref.repository}:${this.actions.join(",")}`, ...asked]);
    const key = scopes.join(" ");
    const cached = this.tokens.get(key);
    if (cached !== undefined && cached.expires > Date.now() && `Bearer ${cached.value}` !== sent) {
      this.current = `Bearer ${cached.value}`;
      return;
    }
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryError(`${this.t.op}: ${step}: the registry's token realm "${realm}" is not a URL`, "report it to the registry's operator", step, realm, 401);
    }
    const tokenStep = `get a token (for ${step})`;
    this.t.checkHttp(url, "the token realm", tokenStep);
    if (challenge.params.service !== undefined) url.searchParams.set("service", challenge.params.service);
    for (const s of scopes) url.searchParams.append("scope", s);
    const creds = this.credentials();
    const reply = await this.t.exchange(tokenStep, "GET", url, creds !== null ? { authorization: basicHeader(creds) } : {}, undefined);
    if (reply.status !== 200) throw this.t.httpError(tokenStep, "GET", reply);
    let value: unknown;
    let expiresIn: unknown;
    try {
      const answer = JSON.parse(Buffer.from(reply.body).toString("utf8")) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
      value = answer.token ?? answer.access_token;
      expiresIn = answer.expires_in;
    } catch {
      value = undefined;
    }
    if (typeof value !== "string" || value === "") {
      throw new RegistryError(`${this.t.op}: ${tokenStep}: GET ${shown(reply.url)} answered 200 without a "token" or "access_token" in JSON`,
        "report it to the registry's operator", tokenStep, shown(reply.url), 200);
    }
    this.t.secrets.push(value);
    // the spec's default lifetime is 60 s; renew a little early
    const seconds = typeof expiresIn === "number" && expiresIn > 0 ? expiresIn : 60;
    const token = { value, expires: Date.now() + Math.max(seconds - 10, 1) * 1000 };
    this.tokens.set(key, token);
    this.current = `Bearer ${value}`;
  }

  /** The hint of a 401 or 403 answer; a Bearer 401 with error="insufficient_scope" is a 403 (a right missing, not credentials). */
  accessHint(reply: Reply): string {
    const bearerError = parseChallenges(headerValues(reply.headers, "www-authenticate")).find((c) => c.scheme === "bearer")?.params.error;
    return this.whatToSet(reply.status === 401 && bearerError !== "insufficient_scope" ? 401 : 403);
  }

  private whatToSet(status: 401 | 403): string {
    const creds = this.credentials();
    const reg = this.t.ref.registry;
    const config = dockerConfigPath(this.t.options.env ?? process.env);
    if (status === 401) {
      if (creds === null) {
        const notes = this.notes.length > 0 ? `; note: ${this.notes.join("; ")}` : "";
        return `${reg} wants credentials and none were found: set ${ENV_USER} and ${ENV_PASS} (or pass a username and password, or run \`docker login ${reg}\`, which writes auths["${reg}"] to ${config})${notes}`;
      }
      return `${reg} refused the credentials from ${creds.source} (user "${creds.username}"): correct them there; the first found is used, in this order: the username/password options, ${ENV_USER} and ${ENV_PASS}, ${config}`;
    }
    const who = creds === null ? "anonymous access" : `the credentials from ${creds.source} (user "${creds.username}")`;
    return `${who} may not ${this.actions.join(" and ")} ${this.t.ref.repository} on ${reg}: set ${ENV_USER} and ${ENV_PASS} to an account with that right, or use a repository you own`;
  }
}
