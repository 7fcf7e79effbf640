// Image references as `docker push` reads them ("127.0.0.1:5000/filters/add-header:1.0",
// "ghcr.io/org/f@sha256:…", "nginx" = docker.io/library/nginx:latest), parsed into the registry
// host the kit talks to and the repository/tag/digest it pushes or reads; and which registries are
// loopback (the only ones spoken to over plain HTTP without --insecure, as Docker and Istio do).
// Rules follow distribution/reference's normalisation (ParseNormalizedNamed + TagNameOnly).
import { isIPv6 } from "node:net";

export interface ImageRef {
  /** host[:port], "[::1]:5000" for IPv6; "docker.io" for Docker Hub */
  registry: string;
  /** path components, lower case, "library/x" for single names on Docker Hub */
  repository: string;
  tag?: string;
  /** "sha256:<64 lower-case hex>" */
  digest?: string;
}

export const DOCKER_HUB = "docker.io";
const MAX_NAME = 255;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST_LABEL = /^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$/;

export class ReferenceError extends Error {
  override name = "ReferenceError";
}

function bad(input: string, what: string): ReferenceError {
  return new ReferenceError(`invalid image reference "${input}": ${what}`);
}

/** host, host:port, [v6]:port; labels as in DNS. Returns the problem, or null. */
function registryProblem(host: string): string | null {
  let name = host;
  let port: string | undefined;
  if (name.startsWith("[")) {
    const close = name.indexOf("]");
    if (close < 0) return `registry "${host}" has an unclosed "["`;
    const rest = name.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":")) return `registry "${host}" has text after "]" that is not a port`;
    port = rest === "" ? undefined : rest.slice(1);
    const v6 = name.slice(1, close);
    if (!/^[0-9A-Fa-f:.]+$/.test(v6) || !v6.includes(":")) return `registry "${host}" is not an IPv6 address in brackets`;
  } else {
    const colon = name.lastIndexOf(":");
    if (colon >= 0) {
      port = name.slice(colon + 1);
      name = name.slice(0, colon);
    }
    if (name === "") return `registry "${host}" has no host name`;
    for (const label of name.split(".")) {
      if (!HOST_LABEL.test(label)) return `registry "${host}": "${label}" is not a valid host name part (letters, digits and inner "-")`;
    }
  }
  if (port !== undefined && (!/^[0-9]{1,5}$/.test(port) || Number(port) > 65535)) return `registry "${host}": port "${port}" is not a number from 0 to 65535`;
  return null;
}

/**
 * Parses a reference with Docker's rules: the first path component is the registry if it
 * contains "." or ":" or is "localhost", else the registry is docker.io (and a single name gets
 * "library/"); the tag defaults to "latest" when there is no digest. A leading "oci://" (the form
 * of a WasmPlugin url) is accepted and dropped. Throws a ReferenceError naming the problem.
 */
export function parseRef(s: string): ImageRef {
  const input = s;
  let rest = s.trim();
  if (rest === "") throw new ReferenceError("invalid image reference: it is empty");
  if (rest.startsWith("oci://")) rest = rest.slice("oci://".length);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(rest);
  if (scheme) throw bad(input, `"${scheme[1]}://" is not part of an image reference (write host[:port]/repository[:tag], e.g. 127.0.0.1:5000/filters/my-filter:1.0)`);

  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digest.startsWith("sha256:")) throw bad(input, `digest "${digest}" is not a sha256 digest (only "@sha256:<64 hex>" is supported)`);
    if (!DIGEST.test(digest)) throw bad(input, `digest "${digest}" must be "sha256:" followed by 64 lower-case hex digits`);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  // a ":" after the last "/" starts the tag; one before it belongs to a registry's port
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(input, `tag "${tag}" must be 1 to 128 of letters, digits, "_", "." and "-", not starting with "." or "-"`);
  }

  let registry = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost") {
      registry = first;
      path = rest.slice(slash + 1);
    }
  }
  // (a lone "localhost:5000" is the Docker Hub name "localhost" with tag "5000", as Docker reads it)
  const registryIssue = registryProblem(registry);
  if (registryIssue !== null) throw bad(input, registryIssue);
  if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = DOCKER_HUB;

  if (path === "") throw bad(input, "the repository name is missing");
  const components = path.split("/");
  for (const c of components) {
    if (c === "") throw bad(input, `repository "${path}" has an empty path component (a doubled or trailing "/")`);
    if (c !== c.toLowerCase() && COMPONENT.test(c.toLowerCase())) throw bad(input, `repository component "${c}" must be lower case ("${c.toLowerCase()}")`);
    if (!COMPONENT.test(c)) throw bad(input, `repository component "${c}" may hold only lower-case letters, digits and the separators ".", "_", "__" and "-" between them`);
  }
  if (registry === DOCKER_HUB && components.length === 1) path = `library/${path}`;
  const full = registry === DOCKER_HUB ? path : `${registry}/${path}`;
  if (full.length > MAX_NAME) throw bad(input, `the name "${full}" is ${full.length} characters long; at most ${MAX_NAME} are allowed`);

  if (tag === undefined && digest === undefined) tag = "latest";
  const ref: ImageRef = { registry, repository: path };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** The canonical text of a reference: registry/repository[:tag][@digest] (docker.io kept explicit). */
export function formatRef(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `@${ref.digest}` : ""}`;
}

/** Whether a registry (host[:port]) is on this machine: localhost, 127.0.0.0/8 or ::1. */
export function isLoopback(registry: string): boolean {
  let host: string;
  try {
    // the URL parser lower-cases, drops the port and normalises IPv4 ("127.1") and IPv6 ("[0::1]") forms;
    // a bare IPv6 address ("::1") gets its brackets first
    host = new URL(`http://${isIPv6(registry) ? `[${registry}]` : registry}`).hostname;
  } catch {
    return false;
  }
  if (host === "localhost") return true;
  if (host === "[::1]") return true;
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4 && v4.slice(1).every((n) => Number(n) <= 255)) return v4[1] === "127";
  const mapped = /^\[::ffff:(?:7f[0-9a-f]{2}:[0-9a-f]{1,4}|127\.\d+\.\d+\.\d+)\]$/.exec(host);
  return mapped !== null;
}
