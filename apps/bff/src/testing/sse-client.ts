import { request } from "node:http";
import {
  applyPatch,
  type GraphState,
  type SourceStatus,
  StreamHello,
  ViewPatch,
  ViewSnapshot,
} from "@trustmap/shared";

export interface ReceivedEvent {
  readonly event: string;
  readonly id?: string;
  readonly data: unknown;
}

/**
 * A test's browser tab: reads the BFF's event stream over real HTTP, keeps each view as the
 * shared applyPatch builds it, and checks that every patch applies to the revision it holds.
 */
export class StreamClient {
  readonly events: ReceivedEvent[] = [];
  readonly views = new Map<string, GraphState & { revision: number }>();
  readonly statuses: SourceStatus[] = [];
  hello: StreamHello | undefined;
  lastEventId: string | undefined;
  /** Patches whose base was not the revision held: must stay empty. */
  readonly gaps: string[] = [];
  private buffer = "";
  private closeRequest: (() => void) | undefined;
  private socketPause: (() => void) | undefined;
  private socketResume: (() => void) | undefined;
  private readonly waiters: { test: () => boolean; resolve: () => void }[] = [];
  ended = false;

  /**
   * Opens a stream. `resume` gives the id to resume from and the copies of the views the tab
   * held then; `socketPath` reaches a server listening on a Unix socket.
   */
  static connect(
    baseUrl: string,
    views: readonly string[],
    options: {
      resume?: { id: string; views?: StreamClient["views"] };
      socketPath?: string;
      /** Sent with the request (a session cookie). */
      headers?: Record<string, string>;
    } = {},
  ): Promise<StreamClient> {
    const client = new StreamClient();
    for (const [key, view] of options.resume?.views ?? []) {
      client.views.set(key, {
        revision: view.revision,
        nodes: new Map(view.nodes),
        edges: new Map(view.edges),
      });
    }
    return client
      .open(baseUrl, views, options.resume?.id, options.socketPath, options.headers)
      .then(() => client);
  }

  private open(
    baseUrl: string,
    views: readonly string[],
    lastEventId?: string,
    socketPath?: string,
    extra: Record<string, string> = {},
  ): Promise<void> {
    const url = new URL("/api/stream", baseUrl);
    for (const view of views) url.searchParams.append("view", view);
    return new Promise((resolve, reject) => {
      const headers = { ...extra, ...(lastEventId === undefined ? {} : { "Last-Event-ID": lastEventId }) };
      const req =
        socketPath === undefined
          ? request(url, { headers })
          : request({ socketPath, path: `${url.pathname}${url.search}`, headers });
      req.on("response", (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`stream answered ${response.statusCode}`));
          return;
        }
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => this.receive(chunk));
        response.on("end", () => {
          this.ended = true;
          this.notify();
        });
        response.on("error", () => undefined);
        this.socketPause = () => response.pause();
        this.socketResume = () => response.resume();
        resolve();
      });
      req.on("error", reject);
      this.closeRequest = () => req.destroy();
      req.end();
    });
  }

  pause(): void {
    this.socketPause?.();
  }

  resume(): void {
    this.socketResume?.();
  }

  close(): void {
    this.closeRequest?.();
  }

  /** Resolves when `test` holds (checked after every event), or rejects after `timeoutMs`. */
  until(test: () => boolean, timeoutMs = 10_000, what = "the stream to catch up"): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  revision(view: string): number | undefined {
    return this.views.get(view)?.revision;
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.test()) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const end = this.buffer.indexOf("\n\n");
      if (end < 0) break;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.handle(block);
    }
    this.notify();
  }

  private handle(block: string): void {
    let event = "message";
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "id") id = value;
      else if (field === "data") data.push(value);
    }
    if (data.length === 0) return;
    const body: unknown = JSON.parse(data.join("\n"));
    this.events.push(id === undefined ? { event, data: body } : { event, id, data: body });
    if (id !== undefined) this.lastEventId = id;
    switch (event) {
      case "hello":
        this.hello = StreamHello.parse(body);
        break;
      case "status":
        this.statuses.push(body as SourceStatus);
        break;
      case "snapshot": {
        const snapshot = ViewSnapshot.parse(body);
        this.views.set(snapshot.view, {
          revision: snapshot.revision,
          nodes: new Map(snapshot.nodes.map((n) => [n.id, n])),
          edges: new Map(snapshot.edges.map((e) => [e.id, e])),
        });
        break;
      }
      case "patch": {
        const patch = ViewPatch.parse(body);
        const view = this.views.get(patch.view);
        if (view === undefined || view.revision !== patch.base) {
          this.gaps.push(
            `${patch.view}: patch ${patch.base}→${patch.revision} on ${view?.revision ?? "nothing"}`,
          );
          return;
        }
        applyPatch(view, patch);
        view.revision = patch.revision;
        break;
      }
    }
  }
}
