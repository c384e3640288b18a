// Tools the scripts install from the npm registry into .tools/ (pnpm, Node.js 24), one folder each,
// so that nothing global changes and a second run finds them in place.
import { execFileSync } from "node:child_process";

/** `npm install PACKAGE@VERSION` into `dir` (its own node_modules), saving no manifest or lockfile. */
export function installTool(dir, spec) {
  execFileSync(
    "npm",
    ["install", "--prefix", dir, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", spec],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
}
