import { defineConfig } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./chromium";
import { LIVE_PORT, STILL_PORT } from "./servers";

function bff(port: number, extra: string) {
  return {
    command: `TRUSTMAP_LOG=warn node --import tsx ../apps/bff/src/main.ts --demo --port ${port} --seed 1 --changes memory${extra}`,
    url: `http://127.0.0.1:${port}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore" as const,
    stderr: "pipe" as const,
  };
}

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
    baseURL: `http://127.0.0.1:${LIVE_PORT}`,
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    headless: true,
    viewport: { width: 1400, height: 900 },
    trace: "retain-on-failure",
  },
  webServer: [
    bff(LIVE_PORT, ""),
    bff(STILL_PORT, " --demo-interval 0 --exceptions ../apps/bff/demo/exceptions.yaml"),
  ],
});
