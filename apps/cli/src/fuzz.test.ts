// Seeded random mutations of valid manifests through `trustmap analyze`, in-process: every case
// ends in a report (exit 0) or in messages naming the file (exit 2), never in a crash.
//   TRUSTMAP_FUZZ_CASES=20000 TRUSTMAP_FUZZ_SEED=123 vitest run src/fuzz.test.ts
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Report } from "@trustmap/shared";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "./main";
import { corpus, makeCase } from "./testing/mutations";

const CASES = Number(process.env.TRUSTMAP_FUZZ_CASES ?? 2000);
const SEED = Number(process.env.TRUSTMAP_FUZZ_SEED ?? Date.now() % 1_000_000);

describe("trustmap analyze on mutated manifests", () => {
  const dir = mkdtempSync(join(tmpdir(), "trustmap-fuzz-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`answers every case with a report or messages naming the file (${CASES} cases, seed ${SEED})`, () => {
    const seeds = corpus();
    const outcomes = { report: 0, refused: 0 };
    for (let index = 0; index < CASES; index++) {
      const c = makeCase(SEED, index, seeds);
      for (const stale of readdirSync(dir)) rmSync(join(dir, stale));
      writeFileSync(join(dir, c.file), c.bytes);
      // A repeated file now and then: the same objects twice.
      const twice = index % 7 === 0;
      if (twice) writeFileSync(join(dir, `copy-${c.file}`), c.bytes);
      let stdout = "";
      let stderr = "";
      const where = `seed ${SEED}, case ${index} (from ${c.seed}: ${c.mutations.join(", ")}); rerun with TRUSTMAP_FUZZ_SEED=${SEED}`;
      let code: number;
      try {
        code = run(["analyze", "."], {
          cwd: dir,
          stdout: (t) => (stdout += t),
          stderr: (t) => (stderr += t),
        });
      } catch (error) {
        throw new Error(
          `${where}: threw ${(error as Error).stack}\n--- input ---\n${c.bytes.toString("utf8").slice(0, 2000)}`,
        );
      }
      const context = `${where}\n--- stderr ---\n${stderr.slice(0, 2000)}\n--- input ---\n${c.bytes.toString("utf8").slice(0, 2000)}`;
      expect(stderr, context).not.toContain("    at ");
      expect(stdout, context).not.toContain("    at ");
      if (code === 0) {
        expect(stderr, context).not.toContain("error:");
        const parsed = Report.safeParse(JSON.parse(stdout));
        expect(parsed.success, context).toBe(true);
        outcomes.report++;
      } else {
        expect(code, context).toBe(2);
        expect(stdout, context).toBe("");
        // The file is named: in the error itself, or in the note that skipped it.
        expect(stderr, context).toMatch(/^error: /m);
        expect(stderr, context).toMatch(/^(error|note): .*case\.(yaml|json)/m);
        outcomes.refused++;
      }
    }
    // Both outcomes occur: the mutations neither break everything nor leave everything intact.
    expect(outcomes.report).toBeGreaterThan(CASES / 20);
    expect(outcomes.refused).toBeGreaterThan(CASES / 20);
  }, 120_000);
});
