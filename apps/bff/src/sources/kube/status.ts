import type { Kind } from "@trustmap/engine";
import type { SourceStatus } from "@trustmap/shared";

/**
 * The state of the whole connection, from what each kind's loop says of itself: connected once
 * every kind has been listed and none is failing; reconnecting while any is; failed for good once
 * one meets an error retrying cannot fix (after which nothing more is said).
 */
export class ConnectionStatus {
  private readonly waiting: Set<Kind>;
  private readonly failing = new Set<Kind>();
  private state: SourceStatus["state"] | undefined;

  constructor(
    kinds: readonly Kind[],
    private readonly report: (status: SourceStatus) => void,
    private readonly onFailed: () => void,
  ) {
    this.waiting = new Set(kinds);
  }

  get failed(): boolean {
    return this.state === "failed";
  }

  connecting(): void {
    this.emit({ state: "connecting" });
  }

  /** The kind's first list is complete. */
  listed(kind: Kind): void {
    this.waiting.delete(kind);
    this.settle();
  }

  /** The API server answered one of the kind's requests. */
  healthy(kind: Kind): void {
    if (!this.failing.delete(kind)) return;
    this.settle();
  }

  /** One of the kind's requests failed; it tries again in `retryInMs`. */
  retrying(kind: Kind, message: string, retryInMs: number): void {
    if (this.failed) return;
    this.failing.add(kind);
    this.emit({ state: "reconnecting", message, retryInMs: Math.max(0, Math.round(retryInMs)) });
  }

  /** An error that retrying cannot fix: every loop stops. */
  fail(message: string): void {
    if (this.failed) return;
    this.emit({ state: "failed", message });
    this.onFailed();
  }

  private settle(): void {
    if (this.failed || this.failing.size > 0) return;
    const next = this.waiting.size === 0 ? "connected" : "connecting";
    if (next !== this.state) this.emit({ state: next });
  }

  private emit(status: Omit<SourceStatus, "since">): void {
    this.state = status.state;
    this.report({ ...status, since: new Date().toISOString() });
  }
}
