import { HttpError } from "./errors";

// Printing a PDF or a screenshot costs seconds of Chromium and hundreds of megabytes; a whole-cluster
// export holds the cluster's report in memory. Each kind of work runs through a queue of a stated
// size: a few run, a few wait, and the next is told to come back later instead of piling up.

export interface QueueLimits {
  /** What the work is, for the message of a full queue ("PDF reports and page screenshots"). */
  readonly what: string;
  /** How many run at once. */
  readonly running: number;
  /** How many wait for a turn; one more is answered 429. */
  readonly waiting: number;
  /** What 429's Retry-After says, in seconds. */
  readonly retryAfterS: number;
}

export class WorkQueue {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly limits: QueueLimits) {}

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Runs `work` when a turn comes; a 429 HttpError (with Retry-After) when all turns are taken and
   * the waiting line is full. A request whose client goes away (`signal`) leaves the line.
   */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.active >= this.limits.running) await this.turn(signal);
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }

  private turn(signal: AbortSignal | undefined): Promise<void> {
    const { what, running, waiting, retryAfterS } = this.limits;
    if (this.queue.length >= waiting)
      return Promise.reject(
        new HttpError(
          429,
          `${what}: ${running} running and ${waiting} waiting already; try again in ${retryAfterS} s`,
          { "Retry-After": String(retryAfterS) },
        ),
      );
    return new Promise<void>((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener("abort", leave);
        resolve();
      };
      const leave = () => {
        const at = this.queue.indexOf(go);
        if (at >= 0) this.queue.splice(at, 1);
        reject(new HttpError(499, `${what}: the client went away while waiting`));
      };
      if (signal?.aborted) return leave();
      signal?.addEventListener("abort", leave, { once: true });
      this.queue.push(go);
    });
  }
}
