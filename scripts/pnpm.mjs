// Runs the pnpm that scripts/bootstrap.mjs installed, so `npm start` and `npm test` need no global pnpm.
import { spawnSync } from "node:child_process";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pnpmEntry = join(root, ".tools", "pnpm", "node_modules", "pnpm", "bin", "pnpm.cjs");
const result = spawnSync(process.execPath, [pnpmEntry, ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    // turbo looks the package manager up on the PATH.
    PATH: `${join(root, ".tools", "pnpm", "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`,
    TURBO_TELEMETRY_DISABLED: "1",
    DO_NOT_TRACK: "1",
  },
});
process.exit(result.status ?? 1);
