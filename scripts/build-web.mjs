// Builds the web app unless apps/web/dist was built from the same inputs: `npm start` a second
// time serves at once. The inputs are the web app's and the wire contract's sources and
// configuration, and the lockfile; their hash is written beside the build.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "apps", "web", "dist");
const stampFile = join(dist, ".inputs-sha256");
const INPUTS = [
  "apps/web/src",
  "apps/web/index.html",
  "apps/web/vite.config.ts",
  "apps/web/tsconfig.json",
  "apps/web/package.json",
  "packages/shared/src",
  "packages/shared/package.json",
  "pnpm-lock.yaml",
];

function* files(path) {
  const entries = readdirSync(path, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile()) yield full;
  }
}

function inputsHash() {
  const hash = createHash("sha256");
  for (const input of INPUTS) {
    const path = join(root, input);
    if (!existsSync(path)) continue;
    for (const file of statSync(path).isDirectory() ? files(path) : [path]) {
      hash.update(`${relative(root, file)}\0`);
      hash.update(readFileSync(file));
      hash.update("\0");
    }
  }
  return hash.digest("hex");
}

const wanted = inputsHash();
const built = existsSync(stampFile) ? readFileSync(stampFile, "utf8").trim() : undefined;
if (built === wanted && existsSync(join(dist, "index.html")) && !process.argv.includes("--force")) {
  console.error("trustmap: the web app is unchanged since its last build: serving apps/web/dist");
} else {
  execFileSync(
    process.execPath,
    [join(root, "scripts", "pnpm.mjs"), "-s", "--filter", "@trustmap/web", "build"],
    {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  writeFileSync(stampFile, `${wanted}\n`);
}
