import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type ChangeEntry, type PostureFact, WebhookBody } from "@trustmap/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../log";
import { ChangeLog } from "./change-log";
import { type Database, embeddedDatabase } from "./database";
import { Notifier, shownTarget } from "./notify";

// Webhooks against a real HTTP receiver on loopback: what is sent, how it is signed, the retries
// with backoff, and the record of each delivery in the log's database.

const critical: PostureFact = {
  area: "finding",
  finding: {
    id: "rbac-cluster-admin-binding",
    pillar: "least-privilege",
    severity: "critical",
    objects: ["ClusterRoleBinding/ops", "ClusterRole/cluster-admin"],
    message: "ClusterRoleBinding ops gives cluster-admin to User alice.",
    remediation: "Bind a narrower role.",
    controls: ["CIS 5.1.1"],
  },
  namespaces: [],
};
const low: PostureFact = {
  ...critical,
  finding: { ...critical.finding, id: "x", severity: "low" },
} as PostureFact;
const outside: PostureFact = {
  area: "reach",
  from: "outside",
  to: "shop/web",
  ports: "TCP:443",
  namespaces: ["shop"],
};

function entry(id: number, key: string, after: PostureFact, before?: PostureFact): ChangeEntry {
  return {
    id,
    step: 1,
    at: "2026-12-01T10:00:00.000Z",
    revision: 7,
    area: after.area,
    kind: before === undefined ? "appeared" : "changed",
    key,
    namespaces: after.namespaces,
    ...(before === undefined ? {} : { before }),
    after,
    causes: [{ kind: "ClusterRoleBinding", name: "ops", change: "created", fields: [] }],
    causeCount: 1,
    unwatched: false,
  };
}

/** A receiver that answers each POST with the next status of `statuses` (then 200), keeping what it got. */
class Receiver {
  readonly received: { body: string; signature: string | undefined; at: number }[] = [];
  private server: Server | undefined;
  constructor(private readonly statuses: number[]) {}
  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += String(chunk);
      });
      request.on("end", () => {
        this.received.push({
          body,
          signature: request.headers["x-trustmap-signature"] as string | undefined,
          at: Date.now(),
        });
        response.statusCode = this.statuses.shift() ?? 200;
        response.end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook?token=s3cret`;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()));
  }
}

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("webhooks", () => {
  let db: Database;
  // The embedded database starts in a few seconds, more on a busy machine.
  beforeAll(async () => {
    db = await embeddedDatabase(undefined);
    await ChangeLog.open(db, "test cluster");
  }, 60_000);
  afterAll(async () => {
    await db.close();
  });

  it("send the notable changes of a step, signed, retried with backoff until delivered, and record it", async () => {
    const receiver = new Receiver([503, 500]);
    const url = await receiver.start();
    const notifier = new Notifier(
      db,
      {
        urls: [url],
        secret: "hush",
        retryMs: [50, 100],
        cluster: "test cluster",
        publicUrl: "https://trustmap.example/",
      },
      silentLogger,
    );
    const step = [entry(1, "a", critical), entry(2, "b", low), entry(3, "c", outside)];
    const body = notifier.bodyOf(step)!;
    expect(body.reasons).toEqual(["cluster-admin", "critical-finding", "path-from-outside"]);
    expect(body.changes.map((c) => [c.key, c.reasons])).toEqual([
      ["a", ["critical-finding", "cluster-admin"]],
      ["c", ["path-from-outside"]],
    ]);
    expect(body.link).toBe("https://trustmap.example/?tab=changes");
    // Nothing notable: nothing sent.
    expect(notifier.bodyOf([entry(4, "d", low)])).toBeUndefined();

    (notifier as unknown as { entries(e: ChangeEntry[]): void }).entries(step);
    await until(async () => (await notifier.deliveries())[0]?.state === "delivered");
    const [delivery] = await notifier.deliveries();
    expect(delivery).toMatchObject({
      target: "http://127.0.0.1:" + new URL(url).port + "/hook",
      state: "delivered",
      attempts: 3,
      status: 200,
      reasons: ["cluster-admin", "critical-finding", "path-from-outside"],
    });
    expect(receiver.received).toHaveLength(3);
    // Each retry waited longer than the one before.
    const [first, second, third] = receiver.received.map((r) => r.at);
    expect(second! - first!).toBeGreaterThanOrEqual(45);
    expect(third! - second!).toBeGreaterThanOrEqual(95);
    for (const sent of receiver.received) {
      expect(WebhookBody.parse(JSON.parse(sent.body))).toEqual(body);
      expect(sent.signature).toBe(`sha256=${createHmac("sha256", "hush").update(sent.body).digest("hex")}`);
    }
    await notifier.close();
    await receiver.close();
  }, 30_000);

  it("gives up after the last retry and records the failure, with the URL's secrets left out", async () => {
    const receiver = new Receiver([500, 500, 500]);
    const url = await receiver.start();
    const notifier = new Notifier(
      db,
      { urls: [url], retryMs: [10, 10], cluster: "test cluster" },
      silentLogger,
    );
    (notifier as unknown as { entries(e: ChangeEntry[]): void }).entries([entry(1, "a", critical)]);
    await until(async () => (await notifier.deliveries())[0]?.state === "failed");
    const [delivery] = await notifier.deliveries();
    expect(delivery).toMatchObject({ state: "failed", attempts: 3, status: 500, error: "answered 500" });
    expect(delivery!.target).not.toContain("s3cret");
    expect(shownTarget("https://user:pw@hooks.example/x?token=t")).toBe("https://hooks.example/x");
    await notifier.close();
    await receiver.close();
  }, 30_000);

  it("refuses a URL that is not http or https, naming it", () => {
    expect(() => new Notifier(db, { urls: ["ftp://x.example/"], cluster: "c" }, silentLogger)).toThrow(
      /--notify ftp:\/\/x\.example\/: only http and https webhooks are sent to/,
    );
  });
});
