import { execFileSync } from "node:child_process";

/** Debian's Chromium, as the tests and the render benchmark launch it. */
export const CHROMIUM_PATH = execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();

// The machine's network is closed: Chromium's own background connections are turned off.
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
