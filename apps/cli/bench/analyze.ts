// How big a cluster `trustmap analyze` handles in what time: writes a synthetic cluster of
// --pods pods as YAML, runs the command on it and prints one JSON line of figures.
//   pnpm -s --filter @trustmap/cli bench --pods 2000 [--namespaces 100] [--format json|text|sarif] [--open]
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { syntheticCluster } from "@trustmap/engine/testing/synthetic";
import { stringify } from "yaml";
import { run } from "../src/main";

function arg(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const pods = Number(arg("pods", "1000"));
const namespaces = Number(arg("namespaces", String(Math.max(1, Math.round(pods / 20)))));
const format = arg("format", "json");
// --open drops every NetworkPolicy: every pair of pods may talk, the largest possible report.
const open = process.argv.includes("--open");
const dir = mkdtempSync(join(tmpdir(), "trustmap-bench-"));
try {
  const objects = syntheticCluster({ pods, namespaces, seed: 7 }).filter(
    (o) => !open || o.kind !== "NetworkPolicy",
  );
  const file = join(dir, "cluster.yaml");
  writeFileSync(file, objects.map((o) => stringify(o)).join("---\n"));
  let bytes = 0;
  let lines = 0;
  const started = performance.now();
  const code = run(["analyze", file, "--format", format], {
    cwd: dir,
    stdout: (text) => {
      bytes += Buffer.byteLength(text);
      for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines++;
    },
    stderr: (text) => process.stderr.write(text),
  });
  const ms = performance.now() - started;
  console.log(
    JSON.stringify({
      pods,
      namespaces,
      policies: objects.filter((o) => o.kind === "NetworkPolicy").length,
      objects: objects.length,
      inputMB: +(statSync(file).size / 1e6).toFixed(1),
      format,
      exitCode: code,
      totalMs: Math.round(ms),
      outputMB: +(bytes / 1e6).toFixed(1),
      outputLines: lines,
      heapUsedMB: Math.round(process.memoryUsage().heapUsed / 1e6),
      rssMB: Math.round(process.memoryUsage().rss / 1e6),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
