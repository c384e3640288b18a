// Seeded random mutations of valid manifests, for the fuzz tests of every reader of manifests
// (`trustmap analyze` and the BFF's files source): the same cases for the same run seed.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { seededRandom } from "@trustmap/shared";

const testdata = join(import.meta.dirname, "..", "..", "testdata");

/** Valid and nearly valid manifests to start from: the test fixtures and lists as the API gives them. */
export function corpus(): { name: string; text: string }[] {
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

export interface Case {
  readonly seed: string;
  readonly file: string;
  readonly bytes: Buffer;
  readonly mutations: string[];
}

export function makeCase(seedOfRun: number, index: number, seeds: { name: string; text: string }[]): Case {
  const next = seededRandom(seedOfRun * 100_003 + index);
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
