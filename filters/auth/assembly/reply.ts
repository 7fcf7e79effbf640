// The replies: 401 when the caller is not authenticated, 403 when it is and may not pass, with the
// challenge RFC 7235 wants — `Basic realm="…", charset="UTF-8"` (RFC 7617 §2.1) and
// `Bearer realm="…"[, error="invalid_token" | "insufficient_scope"]` (RFC 6750 §3) — a plain-text
// body (Envoy's wording where Envoy has one) and stable response code details for the access log.
import { HeaderPair, send_local_response_string } from "@filterkit/sdk";
import { Kind, Outcome, Scheme } from "./outcome";

/** A realm as a quoted-string: backslash and double quote escaped, control characters dropped. */
export function quoted(s: string): string {
  let out = "\"";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c == 0x7f) continue;
    if (c == 0x22 || c == 0x5c) out += "\\";
    out += String.fromCharCode(c);
  }
  return out + "\"";
}

export function challenge(scheme: Scheme, realm: string, bearerError: string): string {
  if (scheme == Scheme.Basic) return "Basic realm=" + quoted(realm) + ", charset=\"UTF-8\"";
  if (scheme == Scheme.Bearer) return "Bearer realm=" + quoted(realm) + (bearerError.length > 0 ? ", error=\"" + bearerError + "\"" : "");
  return "";
}

/** The reply's headers for a refused request. */
export function replyHeaders(o: Outcome, realm: string): Array<HeaderPair> {
  const out = new Array<HeaderPair>();
  if (o.kind == Kind.Missing && o.challenges.length > 0) {
    for (let i = 0; i < o.challenges.length; i++) {
      const c = challenge(<Scheme>unchecked(o.challenges[i]), realm, "");
      if (c.length > 0) out.push(HeaderPair.of("www-authenticate", c));
    }
  } else {
    const c = challenge(o.scheme, realm, o.bearerError);
    if (c.length > 0) out.push(HeaderPair.of("www-authenticate", c));
  }
  out.push(HeaderPair.of("content-type", "text/plain"));
  return out;
}

export function refuse(o: Outcome, realm: string): void {
  const status = o.kind == Kind.Missing ? 401 : o.status;
  send_local_response_string(<u32>status, "auth_" + o.details, o.body, replyHeaders(o, realm));
}
