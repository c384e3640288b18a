// The files source's reader on the same seeded mutations `trustmap analyze` is fuzzed with: a
// file edited into anything never throws, never loses the folder's other objects, and, while it
// is broken, the picture keeps its last good version and names it.
//   TRUSTMAP_FUZZ_CASES=5000 TRUSTMAP_FUZZ_SEED=123 vitest run src/sources/files/fuzz.test.ts
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { corpus, makeCase } from "@trustmap/cli/testing/mutations";
import { objectKey } from "@trustmap/engine";
import { afterAll, describe, expect, it } from "vitest";
import { eventsOfTexts } from "../mirror";
import { FolderReader } from "./folder";

const CASES = Math.ceil(Number(process.env.TRUSTMAP_FUZZ_CASES ?? 2000) / 4);
const SEED = Number(process.env.TRUSTMAP_FUZZ_SEED ?? Date.now() % 1_000_000);

const BASE =
  "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: fuzz-base\nrules: []\n";

describe("the files source on mutated manifests", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "trustmap-files-fuzz-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`keeps the other files' objects and the broken file's last good version (${CASES} edits, seed ${SEED})`, () => {
    writeFileSync(path.join(dir, "base.yaml"), BASE);
    const reader = new FolderReader(dir, dir);
    // The picture the engine holds: the events applied, in order.
    const picture = new Map<string, string>();
    let lastGood: string[] | undefined;
    const outcomes = { good: 0, kept: 0, partial: 0 };
    const seeds = corpus();
    for (let index = 0; index < CASES; index++) {
      const c = makeCase(SEED, index, seeds);
      const where = `case ${index} of seed ${SEED} (${c.seed}: ${c.mutations.join(", ")})`;
      for (const stale of ["case.yaml", "case.json"]) rmSync(path.join(dir, stale), { force: true });
      // A name that changes between edits would be a new file: one name for every edit.
      writeFileSync(path.join(dir, "case.yaml"), c.bytes);
      const result = reader.read();
      if (result.type !== "read") throw new Error(`${where}: the folder was not read: ${result.message}`);
      for (const event of eventsOfTexts(result.events)) {
        if (event.type === "RELIST") throw new Error(`${where}: a relist from the folder reader`);
        const key = `${event.kind} ${objectKey(event.kind, event.object as never)}`;
        if (event.type === "DELETED") expect(picture.delete(key), `${where}: deleted ${key}`).toBe(true);
        else picture.set(key, JSON.stringify(event.object));
      }
      expect(picture.has("ClusterRole ClusterRole/fuzz-base"), where).toBe(true);
      for (const problem of result.problems) {
        expect(problem.source, where).toMatch(/^case\.yaml/);
        expect(problem.field, where).not.toBe("");
        expect(problem.message, where).not.toBe("");
      }
      const keys = [...picture.keys()].sort();
      if (result.problems.length === 0) {
        expect(result.stale, where).toEqual([]);
        // A file that held no object (skipped, with a note) has no version to keep.
        lastGood = keys.length > 1 ? keys : undefined;
        outcomes.good++;
      } else if (lastGood !== undefined) {
        // Broken now: the file's last good objects stand in for it, said as stale.
        expect(
          result.stale.map((s) => s.file),
          `${where}: ${JSON.stringify(result.problems)}`,
        ).toEqual(["case.yaml"]);
        expect(keys, where).toEqual(lastGood);
        outcomes.kept++;
      } else outcomes.partial++;
    }
    // The mutations gave both outcomes (else the test checked only one of them). Good edits are
    // the rarer: 5 to 11 % of the cases over the seeds tried, so the bar is 2 %.
    expect(outcomes.good).toBeGreaterThan(CASES / 50);
    expect(outcomes.kept).toBeGreaterThan(CASES / 50);
  }, 120_000);
});
