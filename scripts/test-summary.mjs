// Adds up the Vitest JSON reports of every package and prints one closing line for people and CI.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { NODE24_PACKAGES } from "./node-lines.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const packages = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const dirs = ["packages/shared", "packages/engine", "apps/cli", "apps/bff", "apps/web"];
let passed = 0;
let failed = 0;
let skipped = 0;
const lines = [];
// Each package on the Node.js that ran npm, then the packages scripts/node-lines.mjs ran again on Node.js 24.
const reports = [
  ...dirs.map((dir) => ({ dir, file: "vitest.json", label: dir })),
  ...NODE24_PACKAGES.map(({ dir }) => ({ dir, file: "vitest-node24.json", label: `${dir} on Node.js 24` })),
];
for (const { dir, file: name, label } of reports) {
  const file = join(root, dir, "test-results", name);
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  lines.push(`  ${label}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
}
// The browser tests report through Playwright's JSON reporter.
const browser = join(root, "e2e", "test-results", "results.json");
if (existsSync(browser)) {
  const stats = JSON.parse(readFileSync(browser, "utf8")).stats;
  passed += stats.expected;
  failed += stats.unexpected + (stats.flaky ?? 0);
  skipped += stats.skipped;
  lines.push(`  e2e (Chromium): ${stats.expected} passed, ${stats.unexpected + (stats.flaky ?? 0)} failed`);
}
console.log(`\n${packages.name} tests by package:\n${lines.join("\n")}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
