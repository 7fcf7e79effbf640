// Consumers: who a credential belongs to, with the groups and scopes authorization reads. Named
// once at the top of the configuration and referred to by name from API keys and Basic users (a
// name not in the list is a consumer without groups or scopes).
import { JsonConfig } from "@filterkit/sdk";
import { Identity } from "./outcome";

export class Consumer {
  name: string = "";
  groups: Array<string> = new Array<string>();
  scopes: Array<string> = new Array<string>();
  enabled: bool = true;
}

export class Consumers {
  list: Array<Consumer> = new Array<Consumer>();

  find(name: string): Consumer | null {
    for (let i = 0; i < this.list.length; i++) if (unchecked(this.list[i]).name == name) return unchecked(this.list[i]);
    return null;
  }

  /** An identity for `consumer` by `method` and `credential`, with the consumer's and the credential's own groups and scopes. */
  identity(consumer: string, method: string, credential: string, groups: Array<string>, scopes: Array<string>): Identity {
    const id = new Identity();
    id.consumer = consumer;
    id.method = method;
    id.credential = credential;
    const c = this.find(consumer);
    if (c !== null) {
      addAll(id.groups, c.groups);
      addAll(id.scopes, c.scopes);
    }
    addAll(id.groups, groups);
    addAll(id.scopes, scopes);
    return id;
  }

  /** Whether `name` is a consumer that was disabled (a name not in the list is enabled). */
  disabled(name: string): bool {
    const c = this.find(name);
    return c !== null && !c.enabled;
  }

  static parse(cfg: JsonConfig): Consumers {
    const out = new Consumers();
    const arr = cfg.optionalArray("consumers");
    for (let i = 0; i < arr.length; i++) {
      const o = arr.object(i);
      o.allowOnly(["name", "groups", "scopes", "enabled"]);
      const c = new Consumer();
      c.name = o.requireString("name");
      c.groups = o.optionalStringArray("groups");
      c.scopes = o.optionalStringArray("scopes");
      c.enabled = o.optionalBool("enabled", true);
      if (out.find(c.name) !== null) o.fail("name", "a consumer of this name is already defined");
      out.list.push(c);
    }
    return out;
  }
}

/** Appends the members of `from` that `to` lacks. */
export function addAll(to: Array<string>, from: Array<string>): void {
  for (let i = 0; i < from.length; i++) {
    const s = unchecked(from[i]);
    if (!to.includes(s)) to.push(s);
  }
}
