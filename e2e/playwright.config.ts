import { execFileSync } from "node:child_process";
import { defineConfig } from "@playwright/test";

const PORT = 4391;
const chromium = execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();

// The BFF on the demo company, serving the built web app; Debian's Chromium, headless.
export default defineConfig({
  testDir: "tests",
  timeout: 60_000,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"], ["json", { outputFile: "test-results/results.json" }]],
  outputDir: "test-results/artifacts",
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    // The machine's network is closed: Chromium's own background connections are turned off.
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
    headless: true,
    viewport: { width: 1400, height: 900 },
    trace: "retain-on-failure",
  },
  webServer: {
    command: `TRUSTMAP_LOG=warn node --import tsx ../apps/bff/src/main.ts --demo --port ${PORT} --seed 1`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
  },
});
