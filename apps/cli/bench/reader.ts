// What hostile or large input costs the built `trustmap analyze`: for each class of input, one
// run of dist/trustmap.mjs in its own process, printing wall time, peak memory (max RSS) and exit code.
//   pnpm -s --filter @trustmap/cli build && pnpm -s --filter @trustmap/cli bench:reader
import { execFileSync, spawnSync } from "node:child_process";
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_DOCUMENTS, MAX_FILE_BYTES, MAX_KEYS } from "../src/load";

const root = join(import.meta.dirname, "..");
const program = join(root, "dist", "trustmap.mjs");
const NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n";
const pod = (i: number) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\n  namespace: shop\n  labels: {app: a${i % 50}}\nspec:\n  containers: [{name: c, image: nginx}]\n`;

/** Each case writes its input into `dir` and returns the arguments (and standard input) of one run. */
const cases: Record<string, (dir: string) => { args: string[]; shell?: string }> = {
  "valid: 3 files of the shop": () => ({ args: [join(root, "testdata", "shop")] }),
  "valid: 1,000 pods in one file": (dir) => {
    writeFileSync(
      join(dir, "pods.yaml"),
      [NAMESPACE, ...Array.from({ length: 1000 }, (_, i) => pod(i))].join("---\n"),
    );
    return { args: [dir] };
  },
  "valid: 30 MiB ConfigMap": (dir) => {
    const value = "x".repeat(700);
    const keys = Array.from({ length: 40_000 }, (_, i) => `  k${i}: ${value}`).join("\n");
    writeFileSync(
      join(dir, "big.yaml"),
      `${NAMESPACE}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: big, namespace: shop}\ndata:\n${keys}\n`,
    );
    return { args: [dir] };
  },
  "refused: block maps 2,000 deep": (dir) => {
    const block = Array.from({ length: 2000 }, (_, i) => `${" ".repeat(i + 2)}k:`).join("\n");
    writeFileSync(join(dir, "deep.yaml"), `${NAMESPACE}data:\n${block}\nother: 1\n`);
    return { args: [dir] };
  },
  "refused: [ ] 1,000,000 deep": (dir) => {
    writeFileSync(join(dir, "deep.yaml"), `${NAMESPACE}data: ${"[".repeat(1e6)}${"]".repeat(1e6)}\n`);
    return { args: [dir] };
  },
  "refused: alias bomb (10^9 expansions)": (dir) => {
    const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(", ")}]`,
      );
    writeFileSync(join(dir, "bomb.yaml"), `${NAMESPACE}${lines.join("\n")}\n`);
    return { args: [dir] };
  },
  [`refused: ${MAX_KEYS + 1} keys in a map`]: (dir) => {
    const keys = Array.from({ length: MAX_KEYS + 1 }, (_, i) => `  k${i}: v`).join("\n");
    writeFileSync(join(dir, "keys.yaml"), `${NAMESPACE}data:\n${keys}\n`);
    return { args: [dir] };
  },
  "refused: 1,000,000 keys in one map (stopped while parsing)": (dir) => {
    const keys = Array.from({ length: 1_000_000 }, (_, i) => `k${i % 500_000}: v`).join("\n");
    writeFileSync(join(dir, "keys.yaml"), `${NAMESPACE}${keys}\n`);
    return { args: [dir] };
  },
  [`refused: ${MAX_DOCUMENTS + 1} documents`]: (dir) => {
    writeFileSync(join(dir, "docs.yaml"), `${NAMESPACE}${"---\n{}\n".repeat(MAX_DOCUMENTS)}`);
    return { args: [dir] };
  },
  "refused: a 33 MiB file (unread)": (dir) => {
    const fd = openSync(join(dir, "big.yaml"), "w");
    ftruncateSync(fd, MAX_FILE_BYTES + 1024 * 1024);
    closeSync(fd);
    return { args: [dir] };
  },
  "refused: /dev/zero on standard input": () => ({ args: ["-"], shell: "cat /dev/zero" }),
  "noted: symlink loops, a FIFO, a link to /dev/zero": (dir) => {
    writeFileSync(join(dir, "ns.yaml"), NAMESPACE);
    symlinkSync(".", join(dir, "a"));
    symlinkSync(".", join(dir, "b"));
    mkdirSync(join(dir, "sub"));
    symlinkSync("..", join(dir, "sub", "up"));
    execFileSync("mkfifo", [join(dir, "x.yaml")]);
    symlinkSync("/dev/zero", join(dir, "zero.yaml"));
    return { args: [dir] };
  },
};

// The child reports its own peak memory on fd 3 as it exits.
const probe = `process.on("exit", () => require("node:fs").writeSync(3, String(process.resourceUsage().maxRSS)));`;

for (const [name, make] of Object.entries(cases)) {
  const dir = mkdtempSync(join(tmpdir(), "trustmap-bench-reader-"));
  try {
    const { args, shell } = make(dir);
    const command = [process.execPath, "--require", "./probe.cjs", program, "analyze", ...args];
    writeFileSync(join(dir, "probe.cjs"), probe);
    const quoted = command.map((part) => `'${part}'`).join(" ");
    const pipeline = `${shell === undefined ? "" : `${shell} | `}${quoted} 3>&1 >/dev/null 2>/dev/null; echo :$?`;
    const started = performance.now();
    const result = spawnSync("sh", ["-c", pipeline], { cwd: dir, encoding: "utf8" });
    const ms = performance.now() - started;
    const [rss, code] = result.stdout.trim().split(":");
    console.log(
      JSON.stringify({
        case: name,
        exitCode: Number(code),
        totalMs: Math.round(ms),
        peakRssMB: Math.round(Number(rss) / 1024),
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
