// Failed logins per address: after a few in a row, that address waits before it may try again,
// so a token cannot be guessed at the API server's speed through this BFF.

const FREE_FAILURES = 5;
const FIRST_WAIT_MS = 2_000;
const MAX_WAIT_MS = 5 * 60_000;
/** An address that stopped failing for this long starts afresh (and the table stays small). */
const FORGET_MS = 15 * 60_000;
const MAX_ADDRESSES = 10_000;

interface Record {
  count: number;
  last: number;
}

export class FailedLogins {
  private readonly byAddress = new Map<string, Record>();

  constructor(private readonly now: () => number = Date.now) {}

  /** How long this address must still wait before its next try (0: it may try now). */
  waitMs(address: string): number {
    const record = this.byAddress.get(address);
    if (record === undefined || record.count < FREE_FAILURES) return 0;
    const wait = Math.min(FIRST_WAIT_MS * 2 ** (record.count - FREE_FAILURES), MAX_WAIT_MS);
    return Math.max(0, record.last + wait - this.now());
  }

  failed(address: string): void {
    const now = this.now();
    if (this.byAddress.size >= MAX_ADDRESSES) {
      for (const [key, record] of this.byAddress)
        if (now - record.last > FORGET_MS) this.byAddress.delete(key);
      // Still full of recent failures: the oldest address is forgotten first.
      const oldest = this.byAddress.keys().next();
      if (this.byAddress.size >= MAX_ADDRESSES && oldest.done !== true) this.byAddress.delete(oldest.value);
    }
    const record = this.byAddress.get(address);
    if (record === undefined || now - record.last > FORGET_MS)
      this.byAddress.set(address, { count: 1, last: now });
    else {
      record.count++;
      record.last = now;
    }
  }

  succeeded(address: string): void {
    this.byAddress.delete(address);
  }
}
