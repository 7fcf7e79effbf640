// A vitest reporter that ends the run with one line naming every test that did not run and why,
// so a skip is never silent: "not run: 45 tests — compat/rust-sdk was not built: cargo is not on
// PATH (...); ...". The reason is the text after "— not run: " in the skipped test's name or in a suite's
// (compat/foreign.ts, envoy/src/runtime.ts put it there); other skips say "skipped".
// Prints nothing when every test ran. Registered in vitest.config.ts and in .ci/run.
import type { Reporter, TestModule, TestSuite } from "vitest/node";

const MARK = " — not run: ";

function reasonOf(name: string, suite: TestSuite | TestModule): string | null {
  const own = name.indexOf(MARK);
  if (own >= 0) return name.slice(own + MARK.length);
  for (let s: TestSuite | TestModule = suite; s.type === "suite"; s = s.parent) {
    const at = s.name.indexOf(MARK);
    if (at >= 0) return s.name.slice(at + MARK.length);
  }
  return null;
}

export default class NotRunReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const groups = new Map<string, number>();
    let total = 0;
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        if (t.result().state !== "skipped") continue;
        const why = reasonOf(t.name, t.parent) ?? `skipped in ${m.relativeModuleId}`;
        groups.set(why, (groups.get(why) ?? 0) + 1);
        total++;
      }
    }
    if (total === 0) return;
    const parts = [...groups].map(([why, n]) => `${why} (${n})`);
    process.stdout.write(`\nnot run: ${total} test${total === 1 ? "" : "s"} — ${parts.join("; ")}\n`);
  }
}
