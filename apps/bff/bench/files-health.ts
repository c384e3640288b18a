// Whether the server keeps answering while the files source reads a large manifest: one
// Namespace with 40,000 labels (a single map with 40,000 keys, ~740 KB) in a temporary folder,
// the server started on it, and /api/health asked every 10 ms until the read is done. Prints JSON:
// the read time and the health answers' latency (p50, p99, max), in ms.
//   pnpm -s --filter @trustmap/bff bench:files [--labels N]
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Health } from "@trustmap/shared";
import { silentLogger } from "../src/log";
import { startServer } from "../src/server";
import { FilesSource } from "../src/sources/files";
import { arg } from "./args";

const labels = Number(arg("labels") ?? 40_000);
if (!Number.isInteger(labels) || labels < 1) {
  console.error("bench: --labels takes a positive whole number");
  process.exit(2);
}

const dir = mkdtempSync(path.join(tmpdir(), "trustmap-files-bench-"));
const file = path.join(dir, "labelled.yaml");
const lines = ["apiVersion: v1", "kind: Namespace", "metadata:", "  name: labelled", "  labels:"];
for (let i = 0; i < labels; i++) lines.push(`    k${i}: v${i}`);
writeFileSync(file, `${lines.join("\n")}\n`);
const manifestBytes = statSync(file).size;

// The HTTP client's first request sets itself up (tens of ms): done before, on a server of its own.
const warm = createServer((_request, response) => response.end("ok"));
await new Promise<void>((resolve) => warm.listen(0, "127.0.0.1", resolve));
await (await fetch(`http://127.0.0.1:${(warm.address() as AddressInfo).port}/`)).text();
await new Promise((resolve) => warm.close(resolve));

const started = performance.now();
const server = await startServer({
  source: new FilesSource(dir),
  host: "127.0.0.1",
  port: 0,
  logger: silentLogger,
});
const latencies: number[] = [];
const slowest: { atMs: number; ms: number }[] = [];
let readMs: number | undefined;
let failed: string | undefined;
while (readMs === undefined && failed === undefined) {
  const asked = performance.now();
  const health = Health.parse(await (await fetch(new URL("/api/health", server.url))).json());
  latencies.push(performance.now() - asked);
  slowest.push({ atMs: Math.round(asked - started), ms: Math.round(performance.now() - asked) });
  if (health.status.state === "connected") readMs = performance.now() - started;
  else if (health.status.state === "failed" || health.status.state === "degraded")
    failed = health.status.message;
  else await new Promise((resolve) => setTimeout(resolve, 10));
}
await server.live.whenIdle();
const appliedMs = performance.now() - started;
await server.close();
rmSync(dir, { recursive: true });

const sorted = [...latencies].sort((a, b) => a - b);
const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const round = (ms: number) => Math.round(ms * 10) / 10;
console.log(
  JSON.stringify(
    {
      labels,
      manifestBytes,
      ...(failed === undefined ? {} : { failed }),
      readMs: readMs === undefined ? undefined : Math.round(readMs),
      appliedMs: Math.round(appliedMs),
      healthAnswers: latencies.length,
      healthMs: { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1)!) },
      slowest: slowest.sort((a, b) => b.ms - a.ms).slice(0, 5),
    },
    null,
    2,
  ),
);
if (failed !== undefined) process.exit(1);
