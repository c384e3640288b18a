export interface BackoffSettings {
  /** The first delay; each failure in a row doubles it. */
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * Exponential backoff with jitter: delays between half and all of initial × 2^n, capped. The
 * jitter keeps many Trustmap servers (or kinds) from retrying at the same instant after an API
 * server restart.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly settings: BackoffSettings,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const ceiling = Math.min(this.settings.maxMs, this.settings.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Waits, or less if the signal aborts first (it never rejects: a stopping loop just ends). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Lets timers, I/O and other requests run before the next slice of work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
