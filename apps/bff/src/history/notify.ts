import { createHmac } from "node:crypto";
import { type Notable, notableReasons } from "@trustmap/engine";
import type { ChangeEntry, WebhookBody, WebhookDelivery } from "@trustmap/shared";
import type { Logger } from "../log";
import type { Database } from "./database";
import type { ChangeRecorder } from "./recorder";

// Notifications: the changes a team wants to hear of at once (notableReasons) are POSTed to each
// webhook as JSON (the body is WebhookBody, documented in the README), signed when a secret is
// given, retried with backoff, and every delivery is recorded in the log's database.

export interface WebhookOptions {
  /** Where to POST: http(s) URLs. */
  readonly urls: readonly string[];
  /** Which reasons to send (all by default). */
  readonly on?: readonly Notable[];
  /** Signs each body: X-Trustmap-Signature: sha256=HMAC(secret, body). */
  readonly secret?: string;
  /** The dashboard's public address, for links in the body. */
  readonly publicUrl?: string;
  /** The waits before each retry (ms): 1 s, 5 s, 30 s, 2 min, 10 min by default. */
  readonly retryMs?: readonly number[];
  /** How long one attempt may take (ms). */
  readonly timeoutMs?: number;
  readonly cluster: string;
}

const RETRY_MS = [1000, 5000, 30_000, 120_000, 600_000];

/** A URL as logs and the delivery record show it: no password, no query (tokens live there). */
export function shownTarget(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    parsed.username = "";
    parsed.search = "";
    return parsed.toString();
  } catch {
    return "(a URL that does not parse)";
  }
}

/** Checks webhook URLs: http or https, parsed; the message names the one that is not. */
export function checkWebhookUrls(urls: readonly string[]): void {
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`--notify ${shownTarget(url)}: not a URL`);
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
      throw new Error(`--notify ${shownTarget(url)}: only http and https webhooks are sent to`);
  }
}

export class Notifier {
  private readonly on: ReadonlySet<Notable>;
  /** The waits between attempts under way: ended at once by close. */
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private readonly inFlight = new Set<Promise<void>>();
  private stop: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly options: WebhookOptions,
    private readonly logger: Logger,
  ) {
    checkWebhookUrls(options.urls);
    this.on = new Set(options.on ?? ["critical-finding", "path-from-outside", "cluster-admin"]);
  }

  /** Hears the recorder's entries from now on. */
  listen(recorder: ChangeRecorder): void {
    this.stop = recorder.onEntries((entries) => this.entries(entries));
  }

  /** The body for a step's entries, when some are notable (undefined otherwise). */
  bodyOf(entries: readonly ChangeEntry[]): WebhookBody | undefined {
    const notable: WebhookBody["changes"] = [];
    const reasons = new Set<Notable>();
    for (const entry of entries) {
      const why = notableReasons(entry).filter((reason) => this.on.has(reason));
      if (why.length === 0) continue;
      for (const reason of why) reasons.add(reason);
      notable.push({ ...entry, reasons: why });
    }
    if (notable.length === 0) return undefined;
    const first = notable[0]!;
    return {
      type: "trustmap.changes",
      version: 1,
      cluster: this.options.cluster,
      at: first.at,
      revision: first.revision,
      reasons: [...reasons].sort(),
      changes: notable,
      ...(this.options.publicUrl === undefined
        ? {}
        : { link: new URL(`?tab=changes`, this.options.publicUrl).toString() }),
    };
  }

  private entries(entries: readonly ChangeEntry[]): void {
    const body = this.bodyOf(entries);
    if (body === undefined || this.closed) return;
    for (const url of this.options.urls) this.track(this.deliver(url, body));
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async deliver(url: string, body: WebhookBody): Promise<void> {
    const text = JSON.stringify(body);
    const target = shownTarget(url);
    const { rows } = await this.db.query<{ id: unknown }>(
      `insert into deliveries (created_at, target, reasons, body, state)
       values ($1, $2, $3::text[], $4::jsonb, 'pending') returning id`,
      [new Date().toISOString(), target, body.reasons, text],
    );
    const id = Number(rows[0]!.id);
    const waits = this.options.retryMs ?? RETRY_MS;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(url, text);
      const done = outcome.ok || attempt > waits.length || this.closed;
      await this.db.query(
        `update deliveries set attempts = $2, last_status = $3, last_error = $4, state = $5,
           delivered_at = case when $5 = 'delivered' then now() else delivered_at end
         where id = $1`,
        [
          id,
          attempt,
          outcome.status ?? null,
          outcome.error ?? null,
          outcome.ok ? "delivered" : done ? "failed" : "pending",
        ],
      );
      if (outcome.ok) return;
      if (done) {
        this.logger.log("warn", "webhook", {
          target,
          attempts: attempt,
          error: outcome.error ?? `status ${outcome.status}`,
        });
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => {
            this.waits.delete(timer);
            resolve();
          },
          waits[attempt - 1],
        );
        timer.unref();
        this.waits.set(timer, resolve);
      });
      // Stopped while waiting: the delivery stays pending in the record, as it is.
      if (this.closed) return;
    }
  }

  private async attempt(
    url: string,
    text: string,
  ): Promise<{ ok: boolean; status?: number; error?: string }> {
    const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "Trustmap" };
    if (this.options.secret !== undefined)
      headers["x-trustmap-signature"] =
        `sha256=${createHmac("sha256", this.options.secret).update(text).digest("hex")}`;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers,
        body: text,
        redirect: "error",
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.ok
        ? { ok: true, status: response.status }
        : { ok: false, status: response.status, error: `answered ${response.status}` };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }

  /** The last deliveries, newest first. */
  async deliveries(limit = 100): Promise<WebhookDelivery[]> {
    const { rows } = await this.db.query<{
      id: unknown;
      created_at: unknown;
      target: string;
      reasons: string[];
      state: string;
      attempts: number;
      last_status: number | null;
      last_error: string | null;
      delivered_at: unknown;
    }>(
      `select id, created_at, target, reasons, state, attempts, last_status, last_error, delivered_at
       from deliveries order by id desc limit $1`,
      [limit],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      at: new Date(row.created_at as string).toISOString(),
      target: row.target,
      reasons: row.reasons,
      state: row.state as WebhookDelivery["state"],
      attempts: Number(row.attempts),
      ...(row.last_status === null ? {} : { status: Number(row.last_status) }),
      ...(row.last_error === null ? {} : { error: row.last_error }),
      ...(row.delivered_at === null
        ? {}
        : { deliveredAt: new Date(row.delivered_at as string).toISOString() }),
    }));
  }

  /** Stops listening and retrying; resolves when the attempts under way have ended. */
  async close(): Promise<void> {
    this.closed = true;
    this.stop?.();
    for (const [timer, resolve] of this.waits) {
      clearTimeout(timer);
      resolve();
    }
    this.waits.clear();
    await Promise.allSettled([...this.inFlight]);
  }
}
