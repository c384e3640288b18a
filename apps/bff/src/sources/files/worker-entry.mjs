// The manifest reader's entry: the BFF runs from TypeScript sources through tsx, and a worker
// thread starts without the parent's loader, so it registers tsx before loading the reader.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
