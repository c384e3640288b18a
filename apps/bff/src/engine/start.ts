import { Worker } from "node:worker_threads";
import { ENGINE_WORKER } from "../paths";

/**
 * Starts the engine worker (LiveCluster talks to it). It takes about half a second to load its
 * modules, on its own thread: the BFF's entry starts it before loading the server's own.
 */
export function startEngineWorker(settleEveryMs = 1000): Worker {
  return new Worker(ENGINE_WORKER, {
    workerData: { settleEveryMs },
    // A server for large clusters: a young generation large enough for the initial lists.
    resourceLimits: { maxYoungGenerationSizeMb: 192 },
  });
}
