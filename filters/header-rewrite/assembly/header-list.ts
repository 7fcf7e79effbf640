// The working copy of one header map during a phase: read from Envoy once, edited by the rules in
// order (each rule sees what the ones before it did), written back once. Every operation works on
// every occurrence of a repeated name and never joins values (set-cookie stays one header per
// cookie). Names are compared as lower-case bytes: Envoy lower-cases every name.
//
// Writing back: when the phase only appended entries, the new entries are added one host call each
// (the map Envoy holds is untouched otherwise); any other edit replaces the whole map in one call.
import { HeaderMapType, HeaderPair, Headers, get_header_map_pairs, set_header_map_pairs, add_header_map_value_string } from "@filterkit/sdk";

/** Whether two byte buffers hold the same bytes. */
export function sameBytes(a: ArrayBuffer, b: ArrayBuffer): bool {
  const n = a.byteLength;
  return n == b.byteLength && memory.compare(changetype<usize>(a), changetype<usize>(b), <usize>n) == 0;
}

export class HeaderList {
  map: HeaderMapType;
  pairs: Headers;
  /** whether any edit happened this phase */
  changed: bool = false;
  /** the entries appended since the map was read, while nothing else changed */
  private appended: Headers = new Array<HeaderPair>();
  private onlyAppends: bool = true;

  constructor(map: HeaderMapType, pairs: Headers) {
    this.map = map;
    this.pairs = pairs;
  }

  /** The map as Envoy holds it now. */
  static read(map: HeaderMapType): HeaderList {
    return new HeaderList(map, get_header_map_pairs(map));
  }

  /** Every value of `name` (lower-case bytes), in order. */
  values(name: ArrayBuffer): Array<string> {
    const out = new Array<string>();
    for (let i = 0; i < this.pairs.length; i++) {
      const p = unchecked(this.pairs[i]);
      if (sameBytes(p.key, name)) out.push(p.valueString());
    }
    return out;
  }

  has(name: ArrayBuffer): bool {
    for (let i = 0; i < this.pairs.length; i++) if (sameBytes(unchecked(this.pairs[i]).key, name)) return true;
    return false;
  }

  /** The first value of `name`, or null. */
  first(name: ArrayBuffer): string | null {
    for (let i = 0; i < this.pairs.length; i++) {
      const p = unchecked(this.pairs[i]);
      if (sameBytes(p.key, name)) return p.valueString();
    }
    return null;
  }

  /** A new entry at the end (Envoy's APPEND_IF_EXISTS_OR_ADD). */
  append(name: ArrayBuffer, value: string): void {
    const p = new HeaderPair(name, String.UTF8.encode(value));
    this.pairs.push(p);
    if (this.onlyAppends) this.appended.push(p);
    this.changed = true;
  }

  /** Removes every entry of `name`; how many there were. */
  remove(name: ArrayBuffer): i32 {
    const kept = new Array<HeaderPair>();
    for (let i = 0; i < this.pairs.length; i++) {
      const p = unchecked(this.pairs[i]);
      if (!sameBytes(p.key, name)) kept.push(p);
    }
    const removed = this.pairs.length - kept.length;
    if (removed > 0) this.replaceAll(kept);
    return removed;
  }

  /** Every entry of `name` removed and one added at the end (Envoy's OVERWRITE_IF_EXISTS_OR_ADD). */
  set(name: ArrayBuffer, value: string): void {
    this.remove(name);
    this.append(name, value);
  }

  /** The list replaced by `pairs` (an edit other than appending). */
  replaceAll(pairs: Headers): void {
    this.pairs = pairs;
    this.onlyAppends = false;
    this.changed = true;
  }

  /** Writes the phase's edits to Envoy (nothing when nothing changed). */
  flush(): void {
    if (!this.changed) return;
    if (this.onlyAppends) {
      for (let i = 0; i < this.appended.length; i++) {
        const p = unchecked(this.appended[i]);
        add_header_map_value_string(this.map, p.keyString(), p.valueString());
      }
    } else {
      set_header_map_pairs(this.map, this.pairs);
    }
    this.changed = false;
    this.onlyAppends = true;
    this.appended = new Array<HeaderPair>();
  }
}
