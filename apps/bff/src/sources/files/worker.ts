import { parentPort, workerData } from "node:worker_threads";
import { FolderReader } from "./folder";
import type { ReadAnswer, ReaderData, ReadRequest } from "./protocol";

// The files source's reader thread: reading and parsing a folder of manifests can take seconds
// (a large file, a map with many keys), and the server's main thread must answer all along.

const port = parentPort;
if (port === null) throw new Error("the manifest reader runs in a worker thread");

const { directory, cwd } = workerData as ReaderData;
const reader = new FolderReader(directory, cwd);

port.on("message", (request: ReadRequest) => {
  const answer: ReadAnswer = { type: "read", id: request.id, result: reader.read() };
  port.postMessage(answer);
});
