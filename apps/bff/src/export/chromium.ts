import { accessSync, constants } from "node:fs";
import path from "node:path";

// Chromium as Trustmap launches it to print reports and take page screenshots (and as the browser
// tests launch it): the machine's own Chromium, headless, with its background connections off.

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const NAMES = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome"];

/** TRUSTMAP_CHROMIUM, or the first Chromium on PATH; undefined when there is none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.TRUSTMAP_CHROMIUM;
  if (configured !== undefined && configured !== "") return configured;
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    for (const name of NAMES) {
      const candidate = path.join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export const NO_CHROMIUM =
  "PDF reports and page screenshots are printed by Chromium, and none was found: install it (apt-get install -y chromium) or set TRUSTMAP_CHROMIUM to its path";
