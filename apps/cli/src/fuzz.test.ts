// Seeded random mutations of valid manifests through `trustmap analyze`, in-process: every case
// ends in a report (exit 0) or in messages naming the file (exit 2), never in a crash.
//   TRUSTMAP_FUZZ_CASES=20000 TRUSTMAP_FUZZ_SEED=123 vitest run src/fuzz.test.ts
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Report } from "@trustmap/shared";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "./main";

const CASES = Number(process.env.TRUSTMAP_FUZZ_CASES ?? 2000);
const SEED = Number(process.env.TRUSTMAP_FUZZ_SEED ?? Date.now() % 1_000_000);

const testdata = join(import.meta.dirname, "..", "testdata");

/** Valid and nearly valid manifests to start from: the test fixtures and lists as the API gives them. */
function corpus(): { name: string; text: string }[] {
  const files = ["shop", "bad"].flatMap((dir) =>
    readdirSync(join(testdata, dir)).map((file) => ({
      name: file,
      text: readFileSync(join(testdata, dir, file), "utf8"),
    })),
  );
  const podList = {
    apiVersion: "v1",
    kind: "PodList",
    items: [
      { metadata: { name: "web", namespace: "shop", labels: { app: "web" } }, spec: { containers: [] } },
    ],
  };
  files.push({ name: "pods.json", text: JSON.stringify(podList, null, 2) });
  files.push({
    name: "anchors.yaml",
    text: "apiVersion: v1\nkind: List\nitems:\n  - &ns {apiVersion: v1, kind: Namespace, metadata: {name: a, labels: &l {x: y}}}\n  - apiVersion: v1\n    kind: Namespace\n    metadata:\n      name: b\n      labels:\n        <<: *l\n",
  });
  return files;
}

/** mulberry32: small, seeded, the same sequence everywhere. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIALS = [
  "&a ",
  "*a",
  "<<: ",
  "<<: *a",
  "<<: 1",
  "!",
  "!!binary ",
  "!foo ",
  "? ",
  ": ",
  "- ",
  "[",
  "]",
  "{",
  "}",
  "\t",
  "---\n",
  "...\n",
  "#",
  "'",
  '"',
  "|",
  ">-",
  "%YAML 1.2\n",
  "&a [x]",
  "*nope",
  ",",
  "\\",
];
const NUMBERS = [
  ".inf",
  "-.inf",
  ".nan",
  ".NaN",
  "1e400",
  "-1e400",
  "123456789012345678901234567890",
  "0x7fffffffffffffffff",
  "0o777",
  "~",
  "null",
  "1_000",
];
const UNICODE = [
  "\u0000",
  "\uFEFF",
  "\u2028",
  "\u00e9",
  "\u{1F600}",
  "\u202E",
  "\uFFFD",
  "\u0085",
  "ß",
  "\r",
];

type Mutation = (lines: string[], pick: (n: number) => number) => string[];

const MUTATIONS: Record<string, Mutation> = {
  deleteLine: (lines, pick) => lines.toSpliced(pick(lines.length), 1),
  duplicateLine: (lines, pick) => {
    const i = pick(lines.length);
    return lines.toSpliced(i, 0, lines[i] ?? "");
  },
  swapLines: (lines, pick) => {
    const [i, j] = [pick(lines.length), pick(lines.length)];
    const copy = [...lines];
    [copy[i], copy[j]] = [copy[j] ?? "", copy[i] ?? ""];
    return copy;
  },
  insertSpecial: (lines, pick) => insertAt(lines, pick, SPECIALS[pick(SPECIALS.length)] ?? ""),
  strangeNumber: (lines, pick) => {
    const i = pick(lines.length);
    const line = lines[i] ?? "";
    const colon = line.indexOf(": ");
    const number = NUMBERS[pick(NUMBERS.length)] ?? "";
    return lines.toSpliced(i, 1, colon >= 0 ? `${line.slice(0, colon + 2)}${number}` : `${line}${number}`);
  },
  deepNesting: (lines, pick) => {
    const depth = 1 + pick(3000);
    const flow = pick(2) === 0;
    const nested = flow
      ? [`deep: ${"[".repeat(depth)}${"]".repeat(depth)}`]
      : Array.from({ length: depth }, (_, d) => `${" ".repeat(d)}k${d}:`).concat(["after: 1"]);
    return lines.toSpliced(pick(lines.length + 1), 0, ...nested);
  },
  unicode: (lines, pick) => insertAt(lines, pick, UNICODE[pick(UNICODE.length)] ?? ""),
  truncate: (lines, pick) => {
    const text = lines.join("\n");
    return text.slice(0, pick(text.length + 1)).split("\n");
  },
  aliasBomb: (lines, pick) => {
    const width = 2 + pick(12);
    const bomb = ["a0: &a0 [x, x]"];
    for (let level = 1; level < 6; level++)
      bomb.push(
        `a${level}: &a${level} [${Array(width)
          .fill(`*a${level - 1}`)
          .join(", ")}]`,
      );
    return [...lines, ...bomb];
  },
  repeatDocument: (lines) => [...lines, "---", ...lines],
};

function insertAt(lines: string[], pick: (n: number) => number, text: string): string[] {
  const i = pick(lines.length);
  const line = lines[i] ?? "";
  const at = pick(line.length + 1);
  return lines.toSpliced(i, 1, `${line.slice(0, at)}${text}${line.slice(at)}`);
}

interface Case {
  readonly seed: string;
  readonly file: string;
  readonly bytes: Buffer;
  readonly mutations: string[];
}

function makeCase(index: number, seeds: { name: string; text: string }[]): Case {
  const next = random(SEED * 100_003 + index);
  const pick = (n: number) => Math.floor(next() * n);
  const seed = seeds[pick(seeds.length)] ?? { name: "empty.yaml", text: "" };
  let lines = seed.text.split("\n");
  const names = Object.keys(MUTATIONS);
  const mutations: string[] = [];
  for (let m = 1 + pick(4); m > 0; m--) {
    const name = names[pick(names.length)] ?? "deleteLine";
    mutations.push(name);
    lines = MUTATIONS[name]?.(lines, pick) ?? lines;
  }
  let bytes = Buffer.from(lines.join("\n"));
  // Now and then bytes that are not UTF-8.
  if (pick(50) === 0)
    bytes = Buffer.concat([bytes.subarray(0, pick(bytes.length + 1)), Buffer.from([0xff, 0xfe, 0xc3])]);
  return { seed: seed.name, file: seed.name.endsWith(".json") ? "case.json" : "case.yaml", bytes, mutations };
}

describe("trustmap analyze on mutated manifests", () => {
  const dir = mkdtempSync(join(tmpdir(), "trustmap-fuzz-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`answers every case with a report or messages naming the file (${CASES} cases, seed ${SEED})`, () => {
    const seeds = corpus();
    const outcomes = { report: 0, refused: 0 };
    for (let index = 0; index < CASES; index++) {
      const c = makeCase(index, seeds);
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
