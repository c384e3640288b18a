// Where the BFF finds its own files. It runs from its TypeScript sources (through tsx: tests,
// development) or from its build (dist/main.mjs: `npm start`, the container image). This module
// and the build both sit one folder below apps/bff, so paths relative to it hold in both cases;
// only the workers' entries differ.
import { fileURLToPath } from "node:url";

const FROM_SOURCES = import.meta.url.endsWith(".ts");

/** A file or folder of the BFF's package (apps/bff), as a URL. */
function bffUrl(relative: string): URL {
  return new URL(`../${relative}`, import.meta.url);
}

/** A file or folder of the BFF's package (apps/bff), as a path. */
export function bffPath(relative: string): string {
  return fileURLToPath(bffUrl(relative));
}

/** The server's module, loaded by the entry once the engine worker is starting. */
export const SERVER_MODULE = bffUrl(FROM_SOURCES ? "src/serve.ts" : "dist/serve.mjs");

/** The engine worker's entry. */
export const ENGINE_WORKER = bffUrl(FROM_SOURCES ? "src/engine/worker-entry.mjs" : "dist/engine-worker.mjs");

/** The manifest reader's entry (the files source). */
export const FILES_WORKER = bffUrl(
  FROM_SOURCES ? "src/sources/files/worker-entry.mjs" : "dist/files-worker.mjs",
);
