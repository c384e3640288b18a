// Time to produce the evidence report of the largest namespace (by identities, and by pods) of a
// synthetic cluster: JSON and PDF (A4), three times each; the first PDF includes starting
// Chromium. Prints JSON.
//   pnpm -s --filter @trustmap/e2e bench:report --scale L
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { NamespaceList } from "@trustmap/shared";
import { syntheticBff } from "./synthetic-bff";

function arg(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const scale = arg("scale", "L");
const base = await syntheticBff(scale, 4394);
const namespaces = NamespaceList.parse(await (await fetch(`${base}/api/namespaces`)).json()).namespaces;
const byIdentities = [...namespaces].sort((a, b) => b.identities - a.identities)[0]!;
const byPods = [...namespaces].sort((a, b) => b.pods - a.pods)[0]!;
const dir = mkdtempSync(path.join(tmpdir(), "trustmap-report-bench-"));

async function timed(url: string): Promise<{ ms: number; bytes: number; body: Buffer }> {
  const started = performance.now();
  const response = await fetch(url);
  const body = Buffer.from(await response.arrayBuffer());
  if (!response.ok) throw new Error(`${url}: ${response.status} ${body.toString()}`);
  return { ms: Math.round(performance.now() - started), bytes: body.length, body };
}

async function measure(namespace: string) {
  const query = `namespace=${encodeURIComponent(namespace)}`;
  const json = [];
  for (let i = 0; i < 3; i++) json.push(await timed(`${base}/api/export/report.json?${query}`));
  const pdf = [];
  for (let i = 0; i < 3; i++) pdf.push(await timed(`${base}/api/export/report.pdf?${query}&paper=a4`));
  const file = path.join(dir, `${namespace}.pdf`);
  writeFileSync(file, pdf[0]!.body);
  const pages = Number(/^Pages:\s+(\d+)/m.exec(execFileSync("pdfinfo", [file], { encoding: "utf8" }))?.[1]);
  const report = JSON.parse(json[0]!.body.toString()) as {
    findings: unknown[];
    graph: { nodes: unknown[]; edges: unknown[] };
    networkPolicies: unknown[];
    rbac: unknown[];
  };
  return {
    namespace,
    findings: report.findings.length,
    graphElements: report.graph.nodes.length + report.graph.edges.length,
    policies: report.networkPolicies.length,
    riskySubjects: report.rbac.length,
    jsonMs: json.map((r) => r.ms),
    jsonBytes: json[0]!.bytes,
    pdfMs: pdf.map((r) => r.ms),
    pdfBytes: pdf[0]!.bytes,
    pages,
  };
}

const results = {
  scale,
  byIdentities: await measure(byIdentities.name),
  byPods: byPods.name === byIdentities.name ? "same namespace" : await measure(byPods.name),
};
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.exit(0);
