// One reload at a time: a reload asked for while one is in flight (the user saved again while the
// build ran) is not started beside it, which would race two builds and two loads, but queued as
// one more reload after it, so that the newest sources are the ones that end up serving however
// many changes came meanwhile. Stopping refuses further reloads and waits for the one in flight,
// which may be starting an Envoy that has to be stopped too.

export interface ReloadQueue {
  /** a reload now, or (one in flight) one more after it; true when the new filter serves */
  reload(): Promise<boolean>;
  /** no more reloads; resolves when the one in flight, if any, has finished */
  stop(): Promise<void>;
}

/** Runs `reloadOnce` (true: the new filter serves) one call at a time, coalescing calls made meanwhile. */
export function reloadQueue(reloadOnce: () => Promise<boolean>): ReloadQueue {
  let reloading: Promise<boolean> | null = null;
  let again = false;
  let stopped = false;
  const reload = (): Promise<boolean> => {
    if (stopped) return Promise.resolve(false);
    if (reloading !== null) {
      // a change during a reload: one more reload after it, for the newest sources
      again = true;
      return reloading;
    }
    reloading = (async () => {
      let ok = await reloadOnce();
      while (again && !stopped) {
        again = false;
        ok = await reloadOnce();
      }
      return ok;
    })().finally(() => { reloading = null; });
    return reloading;
  };
  return {
    reload,
    async stop() {
      stopped = true;
      await reloading?.catch(() => false);
    },
  };
}
