import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Property tests run hundreds of random clusters and event sequences; TRUSTMAP_PROPERTY_RUNS makes them longer.
    testTimeout: 30 * 60 * 1000,
  },
});
