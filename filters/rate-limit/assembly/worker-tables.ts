// Worker-scope state tables, shared by every root context of this VM that configures the same
// limit. Envoy gives a pushed configuration a new root context in the same VM and retires the old
// one afterwards (on_done): the new root finds the old one's table for each limit whose name and
// parameters did not change, so a configuration push does not hand every client a fresh bucket,
// and a table no root uses any more is dropped, so repeated pushes do not pile up memory.
// (Process-scope state needs none of this: it lives in shared data under the same names.)
import { LocalTable } from "@filterkit/sdk/assembly/ratelimit/table";

class Entry {
  table: LocalTable;
  refs: i32 = 0;
  constructor(table: LocalTable) {
    this.table = table;
  }
}

const tables = new Map<string, Entry>();

/** The table of that name and shape, shared with the other roots using it; released with `release`. */
export function acquireWorkerTable(prefix: string, slots: i32, payloadBytes: i32, probe: i32, seed: string): LocalTable {
  const key = prefix + "|" + slots.toString() + "|" + probe.toString() + "|" + payloadBytes.toString();
  let e: Entry;
  if (tables.has(key)) {
    e = tables.get(key);
  } else {
    e = new Entry(new LocalTable(prefix, slots, payloadBytes, probe, 0, seed));
    tables.set(key, e);
  }
  e.refs++;
  return e.table;
}

/** Gives back a table from `acquireWorkerTable`; the last release drops it (the GC frees it). */
export function releaseWorkerTable(table: LocalTable): void {
  const keys = tables.keys();
  for (let i = 0; i < keys.length; i++) {
    const k = unchecked(keys[i]);
    const e = tables.get(k);
    if (e.table !== table) continue;
    if (--e.refs <= 0) tables.delete(k);
    return;
  }
}

/** Tables held right now (for tests and metrics). */
export function workerTableCount(): i32 {
  return tables.size;
}
