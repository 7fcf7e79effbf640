// What one authentication method (or a requirement tree of them) concluded for one request: an
// identity, no credential at all, or a failure with the reply it deserves. Kept apart from the
// methods so that the requirement tree, authorization and the reply read one shape.

import { JsonObject } from "@filterkit/sdk";
import { Token } from "./jwt/token";

/** The scheme a failure is reported under: it picks the WWW-Authenticate challenge. */
export enum Scheme {
  None = 0,
  ApiKey = 1,
  Basic = 2,
  Bearer = 3,
}

export enum Kind {
  /** a credential was presented and verified */
  Ok = 0,
  /** no credential of this method was presented */
  Missing = 1,
  /** a credential was presented and refused */
  Failed = 2,
}

/** Who a verified credential belongs to. */
export class Identity {
  /** consumer name (API key and Basic: the configured consumer; JWT: the consumer claim) */
  consumer: string = "";
  /** which credential: the API key's id, the Basic user name, the JWT provider name */
  credential: string = "";
  /** "api_key", "basic" or "jwt" */
  method: string = "";
  groups: Array<string> = new Array<string>();
  scopes: Array<string> = new Array<string>();
  /** the verified JWT payload (null for other methods): claims for headers and authorization */
  claims: JsonObject | null = null;
  /** the verified token (JWT only): its payload segment for forward_payload_header */
  token: Token | null = null;
}

export class Outcome {
  kind: Kind = Kind.Missing;
  identity: Identity | null = null;
  /** 401 or 403 for a failure */
  status: i32 = 401;
  /** response code details: a stable snake_case reason, the access log's %RESPONSE_CODE_DETAILS% */
  details: string = "";
  /** the reply body (Envoy's wording where Envoy has one) */
  body: string = "";
  scheme: Scheme = Scheme.None;
  /** RFC 6750 error code for a Bearer failure: "invalid_token", "insufficient_scope" or "" */
  bearerError: string = "";
  /** the schemes to challenge with (WWW-Authenticate) when nothing was presented: one per method tried */
  challenges: Array<i32> = new Array<i32>();

  /** Let through without an identity (allow_missing, allow_missing_or_failed). */
  static passed(): Outcome {
    const o = new Outcome();
    o.kind = Kind.Ok;
    return o;
  }

  static ok(identity: Identity): Outcome {
    const o = new Outcome();
    o.kind = Kind.Ok;
    o.identity = identity;
    return o;
  }

  static missing(scheme: Scheme, details: string, body: string): Outcome {
    const o = new Outcome();
    o.kind = Kind.Missing;
    o.scheme = scheme;
    o.details = details;
    o.body = body;
    o.challenges.push(<i32>scheme);
    return o;
  }

  static failed(scheme: Scheme, status: i32, details: string, body: string, bearerError: string = ""): Outcome {
    const o = new Outcome();
    o.kind = Kind.Failed;
    o.scheme = scheme;
    o.status = status;
    o.details = details;
    o.body = body;
    o.bearerError = bearerError;
    return o;
  }
}
