import type { ChangeEntry, ChangeLogStatus, PostureFact } from "@trustmap/shared";
import type { PostureStep } from "../engine/protocol";
import type { LiveCluster, PostureListener } from "../live/cluster";
import type { Logger } from "../log";
import type { ChangeLog } from "./change-log";

// Records what the engine reports into the change log, one write at a time and in order, off the
// engine's thread: the engine never waits for the database. A write that fails stops the record
// (the UI says so); it resumes from the engine's facts as they are then, recording the difference
// as what changed while Trustmap could not record.

export type RecorderStatus = ChangeLogStatus;

const RETRY_MS = 5000;
/** The planner's statistics are brought up to date after this many changes written (and hourly). */
const ANALYZE_EVERY = 50_000;
const PRUNE_EVERY_MS = 3600_000;

export class ChangeRecorder implements PostureListener {
  private chain: Promise<void> = Promise.resolve();
  private state: RecorderStatus["state"] = "waiting";
  private message: string | undefined;
  private steps = 0;
  private changes = 0;
  private pending = 0;
  private lastWriteMs: number | undefined;
  private readonly listeners = new Set<(entries: readonly ChangeEntry[]) => void>();
  private stopRecording: (() => void) | undefined;
  private retry: NodeJS.Timeout | undefined;
  private pruner: NodeJS.Timeout | undefined;
  private closed = false;
  private sinceAnalyze = 0;

  constructor(
    readonly log: ChangeLog,
    private readonly live: LiveCluster,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopRecording = this.live.recordPosture(this);
    this.enqueue(async () => {
      await this.log.prune();
      await this.log.analyze();
      return [];
    });
    this.pruner = setInterval(
      () =>
        this.enqueue(async () => {
          await this.log.prune();
          await this.log.analyze();
          this.sinceAnalyze = 0;
          return [];
        }),
      PRUNE_EVERY_MS,
    );
    this.pruner.unref();
  }

  get status(): RecorderStatus {
    return {
      state: this.state,
      store: this.log.db.description,
      ...(this.message === undefined ? {} : { message: this.message }),
      steps: this.steps,
      changes: this.changes,
      pending: this.pending,
      ...(this.lastWriteMs === undefined ? {} : { lastWriteMs: this.lastWriteMs }),
    };
  }

  /** Hears the entries of each step once written (the feed's stream). */
  onEntries(listener: (entries: readonly ChangeEntry[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once everything reported so far is written (or failed). */
  async settled(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.chain;
      await seen;
    } while (seen !== this.chain);
  }

  baseline(revision: number, facts: ReadonlyMap<string, PostureFact>): void {
    this.enqueue(async () => {
      const entries = await this.log.baseline(facts, revision);
      this.state = "recording";
      this.message = undefined;
      return entries;
    }, true);
  }

  step(step: PostureStep): void {
    // While failed, steps are not written: the facts are compared again when the database answers.
    if (this.state === "failed") return;
    this.enqueue(() => this.log.record(step));
  }

  private enqueue(work: () => Promise<readonly ChangeEntry[]>, baseline = false): void {
    if (this.closed) return;
    this.pending++;
    this.chain = this.chain.then(async () => {
      if (this.state === "failed" && !baseline) {
        this.pending--;
        return;
      }
      const started = performance.now();
      try {
        const entries = await work();
        this.lastWriteMs = performance.now() - started;
        if (entries.length > 0) {
          this.steps++;
          this.changes += entries.length;
          this.sinceAnalyze += entries.length;
          if (this.sinceAnalyze >= ANALYZE_EVERY) {
            this.sinceAnalyze = 0;
            await this.log.analyze();
          }
          for (const listener of this.listeners) listener(entries);
        }
      } catch (error) {
        this.fail(error as Error);
      } finally {
        this.pending--;
      }
    });
  }

  private fail(error: Error): void {
    this.state = "failed";
    this.message = `the change log cannot be written to ${this.log.db.description}: ${error.message}; retrying every ${RETRY_MS / 1000} s`;
    this.logger.log("error", "change log", { error: this.message });
    if (this.retry !== undefined || this.closed) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      // The engine sends its facts again: the difference from the log's is recorded as unwatched.
      this.stopRecording?.();
      this.stopRecording = this.live.recordPosture(this);
    }, RETRY_MS);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopRecording?.();
    if (this.retry !== undefined) clearTimeout(this.retry);
    if (this.pruner !== undefined) clearInterval(this.pruner);
    await this.settled();
    await this.log.close();
  }
}
