// Makes a fresh machine with nothing but Node.js ready: pnpm (pinned by the root package.json's
// packageManager field, installed into .tools/ so nothing global changes) and the workspace's
// dependencies.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { installTool } from "./tools.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wanted = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager;
const version = wanted.replace(/^pnpm@/, "");
const toolDir = join(root, ".tools", "pnpm");
const pnpmEntry = join(toolDir, "node_modules", "pnpm", "bin", "pnpm.cjs");

function installedVersion() {
  const manifest = join(toolDir, "node_modules", "pnpm", "package.json");
  if (!existsSync(manifest)) return undefined;
  return JSON.parse(readFileSync(manifest, "utf8")).version;
}

if (installedVersion() !== version) {
  console.error(`trustmap: installing pnpm ${version} into .tools/pnpm`);
  installTool(toolDir, `pnpm@${version}`);
}

const lockfile = join(root, "pnpm-lock.yaml");
/** pnpm keeps a copy of the lockfile it installed from: when it equals ours, nothing is to do. */
const installedLockfile = join(root, "node_modules", ".pnpm", "lock.yaml");

function upToDate() {
  if (!existsSync(lockfile) || !existsSync(installedLockfile)) return false;
  return readFileSync(lockfile, "utf8") === readFileSync(installedLockfile, "utf8");
}

if (!upToDate()) {
  const frozen = existsSync(lockfile) ? ["--frozen-lockfile"] : [];
  execFileSync(process.execPath, [pnpmEntry, "install", "--reporter=append-only", ...frozen], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
}
