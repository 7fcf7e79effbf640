// Progress of long steps on stderr (stdout stays for a command's result): "<step> ..." when it
// starts, "<step>: done in 1.2 s" when it ends, so a user sees what is slow and how slow.
export interface Step {
  done(detail?: string): void;
  fail(): void;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function step(label: string, quiet = false): Step {
  const started = performance.now();
  if (!quiet) process.stderr.write(`filterkit: ${label} ...\n`);
  return {
    done(detail?: string) {
      if (!quiet) process.stderr.write(`filterkit: ${label}: ${detail !== undefined ? `${detail}, ` : ""}done in ${formatMs(performance.now() - started)}\n`);
    },
    fail() {
      process.stderr.write(`filterkit: ${label}: failed after ${formatMs(performance.now() - started)}\n`);
    },
  };
}

/** Runs `work` as a step: done on success, failed (and rethrown) otherwise. */
export async function timed<T>(label: string, work: () => Promise<T> | T, quiet = false): Promise<T> {
  const s = step(label, quiet);
  try {
    const result = await work();
    s.done();
    return result;
  } catch (e) {
    s.fail();
    throw e;
  }
}
