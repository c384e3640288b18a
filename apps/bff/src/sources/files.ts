import { type FSWatcher, watch } from "node:fs";
import path from "node:path";
import { loadInput } from "@trustmap/cli/load";
import {
  type Cluster,
  initialEvents,
  type Kind,
  type KindObjects,
  objectKey,
  parseCluster,
  type WatchEvent,
} from "@trustmap/engine";
import type { SourceInfo } from "@trustmap/shared";
import type { ClusterSource, SourceSink } from "./source";

/**
 * A directory of manifests, for trying policies before applying them: read whole on start and
 * after every change (debounced), and compared with what was read before, so that only the
 * true differences reach the engine. Workloads stand for one pod each, as in `trustmap analyze`.
 */
export class FilesSource implements ClusterSource {
  readonly info: SourceInfo;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly held = new Map<Kind, Map<string, string>>();
  private sink: SourceSink | undefined;

  constructor(
    private readonly directory: string,
    private readonly debounceMs = 200,
  ) {
    this.info = { kind: "files", name: path.resolve(directory), demo: false };
  }

  start(sink: SourceSink): void {
    this.sink = sink;
    sink.status({ state: "connecting", since: new Date().toISOString() });
    this.read();
    try {
      this.watcher = watch(this.directory, { recursive: true }, () => this.schedule());
      this.watcher.on("error", (error) => this.fail(error));
    } catch (error) {
      this.fail(error);
    }
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.watcher?.close();
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.read(), this.debounceMs);
  }

  private fail(error: unknown): void {
    this.sink?.status({
      state: "failed",
      since: new Date().toISOString(),
      message: `cannot watch ${this.info.name}: ${error instanceof Error ? error.message : String(error)}`,
    });
  }

  private read(): void {
    const sink = this.sink;
    if (sink === undefined) return;
    const input = loadInput([this.directory], process.cwd());
    const parsed = parseCluster(input.documents);
    const problems = [
      ...input.errors.map((message) => ({ source: this.info.name, field: "(file)", message })),
      ...parsed.errors,
    ];
    if (problems.length > 0) sink.problems(problems);
    const events = this.differences(parsed.cluster);
    for (let i = 0; i < events.length; i += 500) sink.events(events.slice(i, i + 500));
    const count = problems.length;
    sink.status({
      state: "connected",
      since: new Date().toISOString(),
      ...(count === 0 ? {} : { message: `${count} problem${count > 1 ? "s" : ""} in the manifests` }),
    });
  }

  /** ADDED, MODIFIED and DELETED events from what was read before to this cluster. */
  private differences(cluster: Cluster): WatchEvent[] {
    const events: WatchEvent[] = [];
    for (const relist of initialEvents(cluster)) {
      if (relist.type !== "RELIST") continue;
      const kind = relist.kind;
      const before = this.held.get(kind) ?? new Map<string, string>();
      const after = new Map<string, string>();
      for (const object of relist.objects as KindObjects[Kind][]) {
        const key = objectKey(kind, object);
        const text = JSON.stringify(object);
        after.set(key, text);
        const old = before.get(key);
        if (old === text) continue;
        events.push({ type: old === undefined ? "ADDED" : "MODIFIED", kind, object } as WatchEvent);
      }
      for (const [key, text] of before) {
        if (!after.has(key)) events.push({ type: "DELETED", kind, object: JSON.parse(text) } as WatchEvent);
      }
      this.held.set(kind, after);
    }
    return events;
  }
}
