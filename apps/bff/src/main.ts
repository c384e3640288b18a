// Trustmap's BFF: `npm start` (or `pnpm --filter @trustmap/bff start -- [options]`). The engine
// worker starts first and loads on its own thread while the server's modules load here: the
// server is a module of its own (its own file in the build), imported once the worker is started.
import { startEngineWorker } from "./engine/start";
import { SERVER_MODULE } from "./paths";

const engine = startEngineWorker();
const { serve } = (await import(SERVER_MODULE.href)) as typeof import("./serve");
await serve(engine);
