// --watch: which files are a filter's inputs (its assembly/ sources, its configuration file,
// asconfig.json and package.json), watched so that an edit calls back once however many events
// the editor's save makes (debounced), and an editor's swap and backup files call back not at all.
// What the call back does (rebuild, reload) is start-run.ts's.
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Filter } from "../project.ts";

/** Changes closer together than this are one reload (an editor's save is several events). */
const DEBOUNCE_MS = 150;

/** Calls `changed` (debounced) on every change of the filter's sources and configuration. */
export function watchSources(filter: Filter, configPath: string, changed: () => void): () => void {
  let timer: NodeJS.Timeout | null = null;
  const poke = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => { timer = null; changed(); }, DEBOUNCE_MS);
  };
  // editors' swap and backup files are not sources (vim also probes a folder with a file "4913")
  const ignored = (name: string | null): boolean => name !== null && /(^|\/)\.|~$|\.sw[px]$|^\d+$/.test(name);
  const watchers: FSWatcher[] = [watch(join(filter.dir, "assembly"), { recursive: true }, (_event, name) => { if (!ignored(name)) poke(); })];
  // the configuration's folder, not the file: an editor that saves by renaming a new file into
  // place ends a watch on the old file, and a config.json created later is seen too
  const names = new Map<string, Set<string>>();
  const add = (dir: string, name: string): void => { names.set(dir, (names.get(dir) ?? new Set()).add(name)); };
  add(dirname(configPath), basename(configPath));
  // build settings and the root id (package.json) are inputs too
  add(filter.dir, "asconfig.json");
  add(filter.dir, "package.json");
  for (const [dir, set] of names) watchers.push(watch(dir, (_event, name) => { if (name === null || set.has(name)) poke(); }));
  return () => {
    if (timer !== null) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
