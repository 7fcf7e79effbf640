// The Istio stage's scheduling (scripts/istio-stage.ts): CI skips the stage only when the digest of
// its inputs is the one of its last pass, so every input must exist and be tracked (a renamed
// input would silently stop counting), and the digest must follow the files' content — committed,
// edited or new — and nothing else.
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inputsDigest, STAGE_INPUTS } from "../istio-stage.ts";

const repo = join(import.meta.dirname, "../..");

describe("the Istio stage's inputs", () => {
  it.each(STAGE_INPUTS)("%s is tracked by git", (path) => {
    expect(execFileSync("git", ["ls-files", "--", path], { cwd: repo, encoding: "utf8" }).trim()).not.toBe("");
  });

  const clone = mkdtempSync(join(tmpdir(), "filterkit-stage-inputs-"));
  afterAll(() => rmSync(clone, { recursive: true, force: true }));

  it("their digest is stable, follows an input's edit, a new input and a commit, and ignores other files", { timeout: 60_000 }, () => {
    execFileSync("git", ["clone", "-q", "--no-hardlinks", repo, clone]);
    const git = (...a: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...a], { cwd: clone });
    const clean = inputsDigest(clone);
    expect(clean).toMatch(/^[a-f0-9]{64}$/);
    expect(inputsDigest(clone)).toBe(clean);

    appendFileSync(join(clone, "README.md"), "\nnot an input\n");
    expect(inputsDigest(clone)).toBe(clean);

    appendFileSync(join(clone, "istio/README.md"), "\nan edit\n");
    const edited = inputsDigest(clone);
    expect(edited).not.toBe(clean);
    git("commit", "-q", "-am", "edit");
    expect(inputsDigest(clone)).toBe(edited);

    writeFileSync(join(clone, "istio/test/new.test.ts"), "// new\n");
    const added = inputsDigest(clone);
    expect(added).not.toBe(edited);
    git("add", "istio/test/new.test.ts");
    git("commit", "-q", "-m", "new");
    expect(inputsDigest(clone)).toBe(added);
  });
});
