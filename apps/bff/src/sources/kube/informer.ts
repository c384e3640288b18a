import { type Changes, KindMirror, noChanges } from "../mirror";
import { batchOfTexts, type SourceSink } from "../source";
import { ProtocolError, type Recovery, recoveryFor, type Verb } from "./failures";
import { ApiStatusError, type Connection, get, parseStatus, RequestSession } from "./http";
import { LineSplitter } from "./lines";
import { isRecord, resourceVersionOf } from "./raw";
import type { Resource } from "./resources";
import type { ConnectionStatus } from "./status";
import { Backoff, type BackoffSettings, sleep, yieldToEventLoop } from "./timing";

export interface InformerSettings {
  /** Items per list page (at most 500: one page is parsed in one turn of the event loop). */
  readonly pageSize: number;
  /** How long the API server keeps one watch open before the loop opens the next. */
  readonly watchTimeoutSeconds: number;
  readonly backoff: BackoffSettings;
  /** How often a kind the API server does not serve (its CRD is not installed) is looked for again. Default 60 s. */
  readonly absentRecheckMs?: number;
}

/** What every kind's loop shares. */
export interface InformerEnvironment {
  readonly connection: Connection;
  readonly sink: SourceSink;
  readonly status: ConnectionStatus;
  /** Aborts on stop() and when the connection fails for good. */
  readonly signal: AbortSignal;
  readonly settings: InformerSettings;
}

/** The most events (or list items) handled in one turn of the event loop. */
export const MAX_BATCH = 500;

/** How often a kind the API server does not serve is looked for again, by default. */
export const ABSENT_RECHECK_MS = 60_000;

/** A watch that ends cleanly sooner than this without a single event is retried after a pause. */
const SHORT_WATCH_MS = 1000;

interface ListPage {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
  readonly continueToken: string | undefined;
}

/**
 * One kind's list+watch loop (client-go's reflector, in small): list in pages, then watch from
 * the list's resourceVersion, following every event and bookmark; relist on 410 Gone; retry with
 * backoff on passing faults. Everything read goes through the kind's mirror, so the sink only
 * ever sees true differences.
 */
export class Informer {
  private readonly mirror: KindMirror;
  private readonly backoff: Backoff;
  /** Where the next watch starts; undefined while the kind must be listed (again). */
  private resourceVersion: string | undefined;
  private relistsInARow = 0;
  /** Lists after the first one (410 Gone, or a retry that needed one): for metrics and tests. */
  relists = 0;
  /** Whether the API server said, last time it was asked, that it does not serve this kind. */
  absent = false;
  /** Which of the kind's paths is asked: 0 is `path`, then its older versions in turn. */
  private pathIndex = 0;

  constructor(
    private readonly resource: Resource,
    private readonly env: InformerEnvironment,
  ) {
    this.mirror = new KindMirror(resource.kind);
    this.backoff = new Backoff(env.settings.backoff);
  }

  /** Runs until the signal aborts or an error retrying cannot fix; `onListed` after the first list. */
  async run(onListed: () => void): Promise<void> {
    const { signal } = this.env;
    let listed = false;
    while (!signal.aborted) {
      const verb: Verb = this.resourceVersion === undefined ? "list" : "watch";
      try {
        if (verb === "watch") {
          await this.watch();
          continue;
        }
        await this.list();
        this.absent = false;
        if (listed) this.relists += 1;
        if (listed || signal.aborted) continue;
        listed = true;
        this.env.status.listed(this.resource.kind);
        onListed();
      } catch (error) {
        if (signal.aborted) return;
        const paths = [this.resource.path, ...(this.resource.older ?? [])];
        if (
          this.resource.optional &&
          error instanceof ApiStatusError &&
          error.code === 404 &&
          this.pathIndex < paths.length - 1
        ) {
          // Not served at this version: the kind's older version may be.
          this.pathIndex += 1;
          this.resourceVersion = undefined;
          continue;
        }
        if (this.resource.optional && error instanceof ApiStatusError && error.code === 404) {
          this.pathIndex = 0;
          // The kind is not served (its CustomResourceDefinition is not installed, or was
          // removed): the cluster holds none of it. What was held goes, and it is looked for again.
          const changes = noChanges();
          this.mirror.sweep(new Set(), changes);
          await this.deliver(changes);
          this.resourceVersion = undefined;
          this.absent = true;
          if (!listed) {
            listed = true;
            this.env.status.listed(this.resource.kind);
            onListed();
          }
          await sleep(this.env.settings.absentRecheckMs ?? ABSENT_RECHECK_MS, signal);
          continue;
        }
        const recovery = recoveryFor(error, verb, this.resource, this.env.connection);
        if (!(await this.recover(recovery))) return;
      }
    }
  }

  private async recover(recovery: Recovery): Promise<boolean> {
    const { signal, status } = this.env;
    switch (recovery.action) {
      case "fail":
        status.fail(recovery.message);
        return false;
      case "relist":
        this.resourceVersion = undefined;
        // A resourceVersion that expires again at once must not turn into a tight loop of lists.
        if (this.relistsInARow > 0) await sleep(this.backoff.next(), signal);
        this.relistsInARow += 1;
        return true;
      case "retry": {
        if (recovery.relist) this.resourceVersion = undefined;
        const delay = Math.max(this.backoff.next(), recovery.retryAfterMs ?? 0);
        status.retrying(this.resource.kind, `${recovery.message} Retrying in ${seconds(delay)}.`, delay);
        await sleep(delay, signal);
        return true;
      }
    }
  }

  private async list(): Promise<void> {
    const source = `list ${this.resource.plural}`;
    const listed = new Set<string>();
    let resourceVersion: string | undefined;
    // The pages of one list share credentials and a kept-alive connection.
    const session = new RequestSession(this.env.connection);
    try {
      let next: Promise<ListPage | undefined> | undefined = this.fetchPage(undefined, session);
      while (next !== undefined) {
        const page: ListPage | undefined = await next;
        if (page === undefined) return;
        // The next page is asked for before this one is read, so the API server pages while the
        // BFF reads (the pages of a large list take turns on both sides instead of waiting).
        next = page.continueToken === undefined ? undefined : this.fetchPage(page.continueToken, session);
        // Awaited on the next turn; until then a failure must not count as unhandled.
        next?.catch(() => undefined);
        // Slices, in case a server ignores `limit`: no turn of the event loop reads more than 500.
        for (let start = 0; start < page.items.length; start += MAX_BATCH) {
          const changes = noChanges();
          for (const item of page.items.slice(start, start + MAX_BATCH)) {
            const key = this.mirror.read(item, source, changes);
            if (key !== undefined) listed.add(key);
          }
          await this.deliver(changes);
          await yieldToEventLoop();
        }
        resourceVersion = page.resourceVersion;
      }
    } finally {
      session.close();
    }
    const changes = noChanges();
    this.mirror.sweep(listed, changes);
    await this.deliver(changes);
    this.resourceVersion = resourceVersion;
    this.backoff.reset();
  }

  private async fetchPage(
    continueToken: string | undefined,
    session: RequestSession,
  ): Promise<ListPage | undefined> {
    // No resourceVersion: a consistent read, so a relist never goes back in time.
    const query = new URLSearchParams({ limit: String(this.env.settings.pageSize) });
    if (continueToken !== undefined) query.set("continue", continueToken);
    let body = "";
    for await (const text of this.get(query, session)) body += text;
    if (this.env.signal.aborted) return undefined;
    return parseListPage(body);
  }

  private async watch(): Promise<void> {
    const query = new URLSearchParams({
      watch: "true",
      resourceVersion: this.resourceVersion ?? "",
      allowWatchBookmarks: "true",
      timeoutSeconds: String(this.env.settings.watchTimeoutSeconds),
    });
    const started = Date.now();
    const lines = new LineSplitter();
    let received = false;
    for await (const text of this.get(query)) {
      const batch = lines.push(text);
      received ||= batch.length > 0;
      await this.applyWatchLines(batch);
    }
    if (this.env.signal.aborted) return;
    await this.applyWatchLines(lines.end());
    // The API server ends a watch cleanly after timeoutSeconds; one that ends at once, empty,
    // would otherwise be reopened in a tight loop.
    if (!received && Date.now() - started < SHORT_WATCH_MS) await sleep(this.backoff.next(), this.env.signal);
  }

  private get(query: URLSearchParams, session?: RequestSession): AsyncGenerator<string, void, undefined> {
    const { connection, signal, status } = this.env;
    return get(
      connection,
      this.pathIndex === 0 ? this.resource.path : this.resource.older![this.pathIndex - 1]!,
      query,
      signal,
      () => status.healthy(this.resource.kind),
      session,
    );
  }

  private async applyWatchLines(lines: readonly string[]): Promise<void> {
    const source = `watch ${this.resource.plural}`;
    let changes = noChanges();
    for (const line of lines) {
      const stop = this.applyWatchLine(line, source, changes);
      if (stop !== undefined) {
        // What came before the error is true and is delivered; the loop then relists or retries.
        await this.deliver(changes);
        throw stop;
      }
      if (changes.events.length >= MAX_BATCH) {
        await this.deliver(changes);
        await yieldToEventLoop();
        changes = noChanges();
      }
    }
    await this.deliver(changes);
    // Chunks already buffered would otherwise follow one another without a turn of the loop.
    if (lines.length > 0) await yieldToEventLoop();
  }

  /** Applies one watch event; returns the error that ends the watch, if it is one. */
  private applyWatchLine(line: string, source: string, changes: Changes): Error | undefined {
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      return new ProtocolError(`a watch event is not JSON: ${line.slice(0, 80)}`);
    }
    if (!isRecord(event)) return new ProtocolError("a watch event is not a JSON object");
    const object = event.object;
    switch (event.type) {
      case "ADDED":
      case "MODIFIED":
        this.mirror.read(object, source, changes);
        break;
      case "DELETED":
        this.mirror.remove(object, source, changes);
        break;
      case "BOOKMARK":
        // Carries only a resourceVersion: the point from which a new watch may resume cheaply.
        break;
      case "ERROR":
        return watchError(object);
      default:
        return new ProtocolError(`unknown watch event type ${JSON.stringify(event.type)}`);
    }
    const version = resourceVersionOf(object);
    if (version !== undefined) this.resourceVersion = version;
    this.relistsInARow = 0;
    this.backoff.reset();
    return undefined;
  }

  /** Hands changes to the sink, at most 500 events per call, with the event loop free in between. */
  private async deliver(changes: Changes): Promise<void> {
    const { sink, signal } = this.env;
    if (signal.aborted) return;
    if (changes.problems.length > 0) sink.problems(changes.problems);
    for (let start = 0; start < changes.events.length; start += MAX_BATCH) {
      if (start > 0) await yieldToEventLoop();
      if (signal.aborted) return;
      sink.events(batchOfTexts(changes.events.slice(start, start + MAX_BATCH)));
    }
  }
}

function parseListPage(body: string): ListPage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new ProtocolError("the list answer is not JSON");
  }
  if (!isRecord(value) || !Array.isArray(value.items))
    throw new ProtocolError("the list answer has no items");
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const resourceVersion = metadata.resourceVersion;
  if (typeof resourceVersion !== "string" || resourceVersion === "") {
    throw new ProtocolError("the list answer has no resourceVersion to watch from");
  }
  const token = metadata.continue;
  return {
    items: value.items,
    resourceVersion,
    continueToken: typeof token === "string" && token !== "" ? token : undefined,
  };
}

/** A watch ERROR event carries a metav1.Status; 410 in it means "relist". */
function watchError(object: unknown): ApiStatusError {
  const status = parseStatus(object);
  return new ApiStatusError(status?.code ?? 500, status?.reason ?? "", status?.message ?? "", undefined);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
