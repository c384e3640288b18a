import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // One test spawns the installed command through pnpm and tsx: seconds on a busy two-core machine.
    testTimeout: 60_000,
  },
});
