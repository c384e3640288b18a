#!/usr/bin/env node
// The installed command: runs the build (dist/trustmap.mjs, from `pnpm --filter @trustmap/cli build`).
import { existsSync } from "node:fs";

const built = new URL("../dist/trustmap.mjs", import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write("trustmap: not built yet; run: node scripts/pnpm.mjs --filter @trustmap/cli build\n");
  process.exitCode = 2;
}
