import { Worker } from "node:worker_threads";
import { ENGINE_WORKER } from "../paths";

/**
 * Starts the engine worker (LiveCluster talks to it). It takes about half a second to load its
 * modules, on its own thread: the BFF's entry starts it before loading the server's own.
 */
export function startEngineWorker(settleEveryMs = 1000): Worker {
  return new Worker(ENGINE_WORKER, {
    workerData: { settleEveryMs },
    // A young generation of 96 MB (semi-spaces of 32 MB): most of what the initial lists allocate
    // stays in the engine's state, and a scavenge copies what stays, so a larger one costs more
    // (the engine bench at L: 2.5 s with semi-spaces of 64 MB, 2.1 s with 32 or 16, medians of 8).
    resourceLimits: { maxYoungGenerationSizeMb: 96 },
  });
}
