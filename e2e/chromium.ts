import { CHROMIUM_ARGS, findChromium } from "@trustmap/bff/chromium";

/** The machine's Chromium, as the BFF finds it to print reports (scripts/system-packages.mjs installs it). */
const found = findChromium();
if (found === undefined) throw new Error("no Chromium found: run `node scripts/system-packages.mjs` in e2e/");
export const CHROMIUM_PATH = found;
export { CHROMIUM_ARGS };
