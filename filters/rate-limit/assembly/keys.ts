// Which bucket a request counts against: a limit's key is a list of descriptor entries, as Envoy's
// rate_limits actions build them (request_headers, remote_address, masked_remote_address,
// generic_key, header_value_match, query_parameters), plus path, method and the consumer the auth
// filter published. Each entry yields "name=value"; the key is their join. The client address comes
// from the connection, or from X-Forwarded-For with a configured number of trusted hops — never the
// entry a client chose. An entry with nothing to read follows the limit's missing rule.
import {
  Condition, IpAddress, JsonConfig, JsonConfigArray, MatchInput, asciiLower, clientFromXff, addressWithoutPort,
  getPropertyStringOrNull,
} from "@filterkit/sdk";

export enum Source {
  Header = 0,
  RemoteAddress = 1,
  MaskedRemoteAddress = 2,
  GenericKey = 3,
  HeaderValueMatch = 4,
  Query = 5,
  Path = 6,
  Method = 7,
  Consumer = 8,
}

/** The request as the keys read it: headers through the SDK's condition input, the client address resolved once. */
export class KeyInput {
  match: MatchInput;
  /** the connection's peer (source.address), read lazily */
  private peer: string | null = null;
  private peerRead: bool = false;

  constructor(match: MatchInput) {
    this.match = match;
  }

  peerAddress(): string | null {
    if (!this.peerRead) {
      this.peerRead = true;
      this.peer = getPropertyStringOrNull("source.address");
    }
    return this.peer;
  }
}

export class KeyPart {
  source: Source = Source.Header;
  /** the descriptor key (Envoy's descriptor_key; defaults per source) */
  name: string = "";
  /** header / query parameter name */
  field: string = "";
  /** generic_key and header_value_match: the value */
  value: string = "";
  v4Prefix: i32 = 32;
  v6Prefix: i32 = 128;
  when: Condition | null = null;
  expectMatch: bool = true;

  /** "name=value", or null when the request has nothing for this part. */
  read(input: KeyInput, trustedHops: i32): string | null {
    switch (this.source) {
      case Source.Header: {
        const v = input.match.requestHeader(this.field);
        return v.length > 0 ? this.name + "=" + v.join(",") : null;
      }
      case Source.Query: {
        const v = input.match.query(this.field);
        return v.length > 0 ? this.name + "=" + unchecked(v[0]) : null;
      }
      case Source.RemoteAddress:
      case Source.MaskedRemoteAddress: {
        const a = trustedHops > 0 ? clientFromXff(input.match.requestHeader("x-forwarded-for"), trustedHops) : addressOf(input.peerAddress());
        if (a === null) return null;
        if (this.source == Source.RemoteAddress) return this.name + "=" + a.toString();
        const masked = a.masked(a.v4 ? this.v4Prefix : this.v6Prefix);
        return this.name + "=" + masked.toString() + "/" + (a.v4 ? this.v4Prefix : this.v6Prefix).toString();
      }
      case Source.GenericKey:
        return this.name + "=" + this.value;
      case Source.HeaderValueMatch: {
        const c = this.when;
        const holds = c !== null && c.evaluate(input.match);
        return holds == this.expectMatch ? this.name + "=" + this.value : null;
      }
      case Source.Path:
        return this.name + "=" + input.match.path();
      case Source.Method:
        return this.name + "=" + input.match.method();
      case Source.Consumer: {
        const v = input.match.firstRequestHeader(this.field);
        return v !== null ? this.name + "=" + v : null;
      }
      default:
        return null;
    }
  }
}

function addressOf(s: string | null): IpAddress | null {
  return s === null ? null : addressWithoutPort(s);
}

function sources(): string[] {
  return ["request_header", "remote_address", "masked_remote_address", "generic_key", "header_value_match", "query_parameter", "path", "method", "consumer"];
}

/** One key entry like {"request_header": {"name": "x-user", "descriptor_key": "user"}}. */
export function parsePart(o: JsonConfig): KeyPart {
  const p = new KeyPart();
  const keys = o.keys();
  const names = sources();
  if (keys.length != 1 || !names.includes(unchecked(keys[0]))) {
    o.fail("", "expected exactly one of " + names.join(", "));
    return p;
  }
  const kind = unchecked(keys[0]);
  p.source = <Source>names.indexOf(kind);
  const b = o.requireObject(kind);
  switch (p.source) {
    case Source.Header:
      b.allowOnly(["name", "descriptor_key"]);
      p.field = asciiLower(b.requireString("name"));
      p.name = b.optionalString("descriptor_key", p.field);
      break;
    case Source.Query:
      b.allowOnly(["name", "descriptor_key"]);
      p.field = b.requireString("name");
      p.name = b.optionalString("descriptor_key", p.field);
      break;
    case Source.RemoteAddress:
      b.allowOnly(["descriptor_key"]);
      p.name = b.optionalString("descriptor_key", "remote_address");
      break;
    case Source.MaskedRemoteAddress:
      b.allowOnly(["v4_prefix_mask_len", "v6_prefix_mask_len", "descriptor_key"]);
      p.v4Prefix = <i32>b.optionalInt("v4_prefix_mask_len", 32, 0, 32);
      p.v6Prefix = <i32>b.optionalInt("v6_prefix_mask_len", 128, 0, 128);
      p.name = b.optionalString("descriptor_key", "masked_remote_address");
      break;
    case Source.GenericKey:
      b.allowOnly(["descriptor_value", "descriptor_key"]);
      p.value = b.requireString("descriptor_value");
      p.name = b.optionalString("descriptor_key", "generic_key");
      break;
    case Source.HeaderValueMatch:
      b.allowOnly(["descriptor_value", "descriptor_key", "when", "expect_match"]);
      p.value = b.requireString("descriptor_value");
      p.name = b.optionalString("descriptor_key", "header_match");
      p.when = Condition.parse(b.requireObject("when"));
      p.expectMatch = b.optionalBool("expect_match", true);
      break;
    case Source.Path:
      b.allowOnly(["descriptor_key"]);
      p.name = b.optionalString("descriptor_key", "path");
      break;
    case Source.Method:
      b.allowOnly(["descriptor_key"]);
      p.name = b.optionalString("descriptor_key", "method");
      break;
    case Source.Consumer:
      // the auth filter's identity header: trustworthy only with auth earlier in the chain (it
      // removes the header from every request before it sets it)
      b.allowOnly(["header", "descriptor_key"]);
      p.field = asciiLower(b.optionalString("header", "x-consumer"));
      p.name = b.optionalString("descriptor_key", "consumer");
      break;
  }
  return p;
}

export function parseParts(arr: JsonConfigArray): Array<KeyPart> {
  const out = new Array<KeyPart>();
  for (let i = 0; i < arr.length; i++) out.push(parsePart(arr.object(i)));
  return out;
}
