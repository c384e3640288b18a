import { type FSWatcher, statSync, watch } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { SourceInfo, SourceStatus } from "@trustmap/shared";
import { FILES_WORKER } from "../paths";
import type { FolderRead, FolderResult } from "./files/folder";
import type { ReadAnswer, ReaderData, ReadRequest } from "./files/protocol";
import { batchOfTexts, type ClusterSource, type SourceSink } from "./source";

export interface FilesOptions {
  /** How long file events settle before the folder is read again (ms). */
  readonly debounceMs?: number;
  /** How often a folder that disappeared is looked for (ms). */
  readonly retryMs?: number;
}

/**
 * A directory of manifests, for trying policies before applying them: read whole on start and
 * after every change (debounced), in a thread of its own so that parsing a large file never
 * holds up the server, and compared with what was read before, so that only the true
 * differences reach the engine. Workloads stand for one pod each, as in `trustmap analyze`.
 *
 * Nothing read is lost to a bad moment: a file that turns unreadable or invalid keeps its last
 * good objects (the status says "degraded" and names it), and a folder that disappears keeps the
 * last good picture (the status says "failed") until it comes back.
 */
export class FilesSource implements ClusterSource {
  readonly info: SourceInfo;
  private readonly debounceMs: number;
  private readonly retryMs: number;
  private watcher: FSWatcher | undefined;
  private watchedInode: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private reader: Worker | undefined;
  private sink: SourceSink | undefined;
  private requests = 0;
  private reading = false;
  private readAgain = false;
  private stopped = false;
  private lastRead: string | undefined;
  private current: SourceStatus | undefined;

  constructor(directory: string, options: FilesOptions | number = {}) {
    const { debounceMs = 200, retryMs = 1000 } =
      typeof options === "number" ? { debounceMs: options } : options;
    this.debounceMs = debounceMs;
    this.retryMs = retryMs;
    this.info = { kind: "files", name: path.resolve(directory), demo: false };
  }

  start(sink: SourceSink): void {
    this.sink = sink;
    this.status("connecting");
    // Files are named from the working directory when the folder is inside it ("manifests/a.yaml"),
    // else from the folder's parent ("mf/a.yaml"), never as a climb of "../../".
    const inside = !path.relative(process.cwd(), this.info.name).startsWith("..");
    const cwd = inside ? process.cwd() : path.dirname(this.info.name);
    const data: ReaderData = { directory: this.info.name, cwd };
    const reader = new Worker(FILES_WORKER, { workerData: data });
    reader.on("message", (answer: ReadAnswer) => this.receive(answer));
    reader.on("error", (error) => this.status("failed", `the manifest reader stopped: ${error.message}`));
    this.reader = reader;
    this.watchFolder();
    this.read();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.closeWatcher();
    await this.reader?.terminate();
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.read(), this.debounceMs);
  }

  /** Asks the reader thread for a read; changes during a read are read once it is done. */
  private read(): void {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    const request: ReadRequest = { type: "read", id: ++this.requests };
    this.reader?.postMessage(request);
  }

  private receive(answer: ReadAnswer): void {
    this.reading = false;
    if (this.stopped) return;
    this.apply(answer.result);
    if (this.readAgain) {
      this.readAgain = false;
      this.read();
    }
  }

  private apply(result: FolderResult): void {
    const sink = this.sink!;
    if (result.type === "missing") {
      this.closeWatcher();
      const kept =
        this.lastRead === undefined ? "nothing read yet" : `showing what was read at ${this.lastRead}`;
      this.status("failed", `${result.message}; ${kept}; looking for it again every ${this.retryMs} ms`);
      this.lookAgain();
      return;
    }
    this.lastRead = new Date().toISOString();
    for (let i = 0; i < result.events.length; i += 500)
      sink.events(batchOfTexts(result.events.slice(i, i + 500)));
    sink.replaceProblems(result.problems);
    if (result.problems.length === 0) this.status("connected");
    else this.status("degraded", degradedMessage(result));
    // The folder was removed and made again: the watch on the old one hears nothing more.
    if (result.inode !== this.watchedInode) {
      this.watchFolder();
      this.schedule();
    }
  }

  private watchFolder(): void {
    this.closeWatcher();
    try {
      this.watchedInode = statSync(this.info.name).ino;
      this.watcher = watch(this.info.name, { recursive: true }, () => this.schedule());
      // A watch that breaks (the folder removed under it) is followed by a read that says so.
      this.watcher.on("error", () => {
        this.closeWatcher();
        this.schedule();
      });
    } catch {
      // No folder to watch: the read says so, and the folder is looked for again.
      this.closeWatcher();
    }
  }

  private closeWatcher(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.watchedInode = undefined;
  }

  /** Looks for a folder that disappeared, and reads it when it is back. */
  private lookAgain(): void {
    if (this.retry !== undefined || this.stopped) return;
    this.retry = setTimeout(async () => {
      const back = await stat(this.info.name).then(
        (found) => found.isDirectory(),
        () => false,
      );
      this.retry = undefined;
      if (this.stopped) return;
      if (!back) return this.lookAgain();
      this.watchFolder();
      this.read();
    }, this.retryMs);
  }

  /** Reports a state; the time it began is kept while the state stays the same. */
  private status(state: SourceStatus["state"], message?: string): void {
    const since = this.current?.state === state ? this.current.since : new Date().toISOString();
    this.current = { state, since, ...(message === undefined ? {} : { message }) };
    this.sink?.status(this.current);
  }
}

/** "2 problems in a.yaml, b.yaml; showing the last good objects of a.yaml (read at …)". */
function degradedMessage(result: FolderRead): string {
  const count = result.problems.length;
  const files = result.problemFiles.join(", ");
  const problems = `${count} problem${count > 1 ? "s" : ""} in ${files}`;
  if (result.stale.length === 0) return problems;
  const stale = result.stale.map(({ file, readAt }) => `${file} (read at ${readAt})`).join(", ");
  return `${problems}; showing the last good objects of ${stale}`;
}
