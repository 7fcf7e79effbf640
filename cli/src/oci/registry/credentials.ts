// Where the registry credentials come from: the caller's options, else FILTERKIT_REGISTRY_USERNAME
// and _PASSWORD, else the Docker config file's auths entry (credential helpers are not run, only
// named in notes). Apart from the 401 handling (auth.ts), because it is a lookup with no HTTP.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { CliError, EXIT } from "../../errors.ts";
import { DOCKER_HUB } from "../reference.ts";

export const ENV_USER = "FILTERKIT_REGISTRY_USERNAME";
export const ENV_PASS = "FILTERKIT_REGISTRY_PASSWORD";

export interface CredentialOptions {
  username?: string;
  password?: string;
  /** where FILTERKIT_REGISTRY_*, DOCKER_CONFIG and HOME are read (default process.env) */
  env?: Record<string, string | undefined>;
}

export interface Credentials {
  username: string;
  password: string;
  /** where they came from, for messages: "the username/password options", "FILTERKIT_REGISTRY_USERNAME/…", a config path */
  source: string;
}

export function dockerConfigPath(env: Record<string, string | undefined> = process.env): string {
  const dir = env.DOCKER_CONFIG;
  return dir !== undefined && dir !== "" ? join(dir, "config.json") : join(env.HOME ?? homedir(), ".docker", "config.json");
}

/** The keys a Docker config may use for a registry: "host:port", "https://host/v1/", Docker Hub's aliases. */
function configKeyMatches(key: string, registry: string): boolean {
  const host = key.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "").toLowerCase();
  const want = registry.toLowerCase();
  if (want === DOCKER_HUB) return host === DOCKER_HUB || host === "index.docker.io" || host === "registry-1.docker.io";
  return host === want;
}

interface ConfigEntry { auth?: unknown; username?: unknown; password?: unknown; identitytoken?: unknown }

/**
 * The credentials for `registry`: the options, else FILTERKIT_REGISTRY_USERNAME and _PASSWORD,
 * else `auths[registry]` of the Docker config ($DOCKER_CONFIG/config.json or ~/.docker/config.json).
 * Credential helpers (credsStore, credHelpers) are not run: `notes` says so when one would apply.
 */
export function findCredentials(registry: string, options: CredentialOptions = {}): { credentials: Credentials | null; notes: string[] } {
  const env = options.env ?? process.env;
  const notes: string[] = [];
  if (options.username !== undefined || options.password !== undefined) {
    if (options.username === undefined || options.password === undefined) {
      throw new CliError(`a registry ${options.username === undefined ? "password" : "username"} was given without a ${options.username === undefined ? "username" : "password"}`, "give both, or neither", EXIT.usage);
    }
    return { credentials: { username: options.username, password: options.password, source: "the username/password options" }, notes };
  }
  const eu = env[ENV_USER];
  const ep = env[ENV_PASS];
  if ((eu !== undefined && eu !== "") || (ep !== undefined && ep !== "")) {
    if (eu === undefined || eu === "" || ep === undefined || ep === "") {
      throw new CliError(`${eu === undefined || eu === "" ? ENV_PASS : ENV_USER} is set but ${eu === undefined || eu === "" ? ENV_USER : ENV_PASS} is not`, `set both ${ENV_USER} and ${ENV_PASS}, or neither`, EXIT.usage);
    }
    return { credentials: { username: eu, password: ep, source: `${ENV_USER}/${ENV_PASS}` }, notes };
  }
  const path = dockerConfigPath(env);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { credentials: null, notes };
  }
  let config: { auths?: Record<string, ConfigEntry>; credHelpers?: Record<string, string>; credsStore?: string };
  try {
    config = JSON.parse(text) as typeof config;
  } catch (e) {
    notes.push(`${path} is not valid JSON (${(e as Error).message}); its credentials were ignored`);
    return { credentials: null, notes };
  }
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!configKeyMatches(key, registry) || entry === null || typeof entry !== "object") continue;
    const source = `${path} (auths["${key}"])`;
    if (typeof entry.auth === "string" && entry.auth !== "") {
      const plain = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = plain.indexOf(":");
      if (colon > 0) return { credentials: { username: plain.slice(0, colon), password: plain.slice(colon + 1), source }, notes };
      notes.push(`${source}: "auth" is not base64 of user:password; ignored`);
    } else if (typeof entry.username === "string" && typeof entry.password === "string") {
      return { credentials: { username: entry.username, password: entry.password, source }, notes };
    } else if (typeof entry.identitytoken === "string") {
      notes.push(`${source} holds an identity token, which filterkit does not use: set ${ENV_USER} and ${ENV_PASS} instead`);
    }
  }
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => configKeyMatches(key, registry))?.[1] ?? config.credsStore;
  if (helper !== undefined && helper !== "") {
    notes.push(`${path} names the credential helper docker-credential-${helper} for ${registry}; filterkit does not run credential helpers: set ${ENV_USER} and ${ENV_PASS} instead`);
  }
  return { credentials: null, notes };
}

/** The Authorization value of Basic auth with `c`. */
export const basicHeader = (c: Credentials): string => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
