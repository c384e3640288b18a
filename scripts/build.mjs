// Builds what `npm start` serves, unless it was built from the same inputs: a second start serves
// at once. `node scripts/build.mjs [web] [bff] [--force]` (both by default):
//   web  the dashboard (Vite) into apps/web/dist
//   bff  the BFF and its workers (esbuild) into apps/bff/dist: Node starts the bundle in a
//        fraction of the time it takes to load the TypeScript sources through tsx
// Each build's inputs are hashed (their sources and configuration, and the lockfile) and the
// hash is written beside the build.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const TARGETS = {
  web: {
    what: "the web app",
    dist: "apps/web/dist",
    output: "index.html",
    inputs: [
      "apps/web/src",
      "apps/web/index.html",
      "apps/web/vite.config.ts",
      "apps/web/tsconfig.json",
      "apps/web/package.json",
      "packages/shared/src",
      "packages/shared/package.json",
      "pnpm-lock.yaml",
      "scripts/build.mjs",
    ],
    build: () =>
      execFileSync(
        process.execPath,
        [join(root, "scripts", "pnpm.mjs"), "-s", "--filter", "@trustmap/web", "build"],
        {
          cwd: root,
          stdio: ["ignore", "inherit", "inherit"],
        },
      ),
  },
  bff: {
    what: "the BFF",
    dist: "apps/bff/dist",
    output: "main.mjs",
    inputs: [
      "apps/bff/src",
      "apps/bff/package.json",
      "apps/cli/src",
      "apps/cli/package.json",
      "packages/engine/src",
      "packages/engine/package.json",
      "packages/shared/src",
      "packages/shared/package.json",
      "pnpm-lock.yaml",
      // How it is bundled.
      "scripts/build.mjs",
    ],
    build: buildBff,
  },
};

/**
 * The BFF's entry, its server and its two workers, each one ES module (the entry starts the
 * engine worker, then imports the server). The workspace's packages (TypeScript
 * sources) and the Kubernetes client with what it imports are bundled in: loaded as the package's
 * thousand files, the client alone took 0.7 s of every start, before the first list. Every other
 * package stays an import, resolved from apps/bff's node_modules as when running from sources.
 */
async function buildBff(dist) {
  const esbuild = createRequire(join(root, "apps", "bff", "package.json"))("esbuild");
  const bundled = (path) => path.startsWith("@trustmap/") || path.startsWith("@kubernetes/client-node");
  const external = {
    name: "packages-stay-imports",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) =>
        bundled(args.path) || args.importer.includes(`${sep}node_modules${sep}`)
          ? undefined
          : { path: args.path, external: true },
      );
    },
  };
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: {
      main: "apps/bff/src/main.ts",
      // Its own file: the entry starts the engine worker before loading it (and what it imports).
      serve: "apps/bff/src/serve.ts",
      "engine-worker": "apps/bff/src/engine/worker.ts",
      "files-worker": "apps/bff/src/sources/files/worker.ts",
    },
    outdir: dist,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: false,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    logLevel: "warning",
    // The client's CommonJS dependencies call require(), which an ES module has to be given.
    banner: {
      js: 'import { createRequire as __trustmapRequire } from "node:module"; const require = __trustmapRequire(import.meta.url);',
    },
    plugins: [external],
  });
}

function* files(path) {
  const entries = readdirSync(path, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile() && !/\.test\.tsx?$/.test(entry.name)) yield full;
  }
}

function inputsHash(inputs) {
  const hash = createHash("sha256");
  for (const input of inputs) {
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

const force = process.argv.includes("--force");
const named = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
for (const name of named) {
  if (!(name in TARGETS)) {
    console.error(`build: no target ${name}; targets: ${Object.keys(TARGETS).join(", ")}`);
    process.exit(2);
  }
}
for (const name of named.length > 0 ? named : Object.keys(TARGETS)) {
  const target = TARGETS[name];
  const dist = join(root, target.dist);
  const stampFile = join(dist, ".inputs-sha256");
  const wanted = inputsHash(target.inputs);
  const built = existsSync(stampFile) ? readFileSync(stampFile, "utf8").trim() : undefined;
  if (!force && built === wanted && existsSync(join(dist, target.output))) {
    console.error(`trustmap: ${target.what} is unchanged since its last build: using ${target.dist}`);
    continue;
  }
  if (name === "bff") rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  await target.build(dist);
  writeFileSync(stampFile, `${wanted}\n`);
}
