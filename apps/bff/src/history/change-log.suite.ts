// The change log's tests, run on each store: the embedded database (change-log.test.ts) and a real
// PostgreSQL server (change-log.real.test.ts). Both must give the same answers.
import { ClusterState, PostureLedger, parseCluster } from "@trustmap/engine";
import { command, networkCluster, rbacCluster } from "@trustmap/engine/testing/arbitraries";
import { eventsOf } from "@trustmap/engine/testing/events";
import type { PostureChange, PostureFact } from "@trustmap/shared";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeLog } from "./change-log";
import type { Database } from "./database";

const T0 = Date.parse("2026-11-01T00:00:00Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000);

/** Empties the log's tables (the schema stays): each run starts from nothing. */
async function reset(db: Database): Promise<void> {
  await db.exec(
    "truncate steps, changes, change_facts, facts, log_meta, reports, deliveries restart identity cascade",
  );
}

function sorted(facts: ReadonlyMap<string, PostureFact>): [string, PostureFact][] {
  return [...facts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The difference between two sets of facts, as the log's compare states it (key, before, after). */
function difference(
  before: ReadonlyMap<string, PostureFact>,
  after: ReadonlyMap<string, PostureFact>,
): Map<string, { before?: PostureFact; after?: PostureFact }> {
  const out = new Map<string, { before?: PostureFact; after?: PostureFact }>();
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(key);
    const is = after.get(key);
    if (JSON.stringify(was) === JSON.stringify(is)) continue;
    out.set(key, {
      ...(was === undefined ? {} : { before: was }),
      ...(is === undefined ? {} : { after: is }),
    });
  }
  return out;
}

function fact(key: string, namespace: string, severity: "critical" | "low" = "low"): PostureFact {
  return {
    area: "finding",
    finding: {
      id: key,
      pillar: "network-segmentation",
      severity,
      objects: [`Namespace/${namespace}`],
      message: `finding ${key}`,
      remediation: "fix it",
      controls: [],
    },
    namespaces: [namespace],
  };
}

const change = (key: string, before?: PostureFact, after?: PostureFact): PostureChange => ({
  key,
  ...(before === undefined ? {} : { before }),
  ...(after === undefined ? {} : { after }),
});

export function changeLogSuite(store: string, open: () => Promise<Database>, close?: () => void): void {
  describe(`the change log on ${store}`, () => {
    let db: Database;
    // The embedded database starts in a few seconds, a server from Debian's packages in a few more.
    beforeAll(async () => {
      db = await open();
    }, 60_000);
    afterAll(async () => {
      await db?.close();
      close?.();
    });

    it("replays to the engine's facts at every moment of random event sequences, and compares any two moments", async () => {
      await ChangeLog.open(db, "test cluster");
      await fc.assert(
        fc.asyncProperty(
          networkCluster,
          rbacCluster,
          fc.array(command, { minLength: 1, maxLength: 12 }),
          fc.array(fc.nat(), { minLength: 2, maxLength: 4 }),
          async (network, rbac, commands, picks) => {
            await reset(db);
            const log = await ChangeLog.open(db, "test cluster");
            const initial = parseCluster(
              [...network, ...rbac].map((object, i) => ({ source: `doc ${i}`, object })),
            );
            const state = ClusterState.from(initial.cluster);
            const ledger = new PostureLedger(state);
            ledger.build();
            expect(await log.baseline(ledger.current, state.revision, at(0))).toEqual([]);
            // The engine's facts after each step, at the moment the step was recorded.
            const moments: { at: Date; facts: Map<string, PostureFact> }[] = [
              { at: at(0), facts: new Map(ledger.current) },
            ];
            let second = 0;
            for (const cmd of commands) {
              for (const event of eventsOf(state, cmd)) {
                const changes = ledger.update(state.apply(event));
                second++;
                const entries = await log.record(
                  { revision: state.revision, causes: [], causeCount: 1, changes },
                  at(second),
                );
                expect(entries.map((e) => e.key)).toEqual(changes.map((c) => c.key));
                moments.push({ at: at(second), facts: new Map(ledger.current) });
              }
            }
            const now = moments[moments.length - 1]!;
            expect(sorted(await log.facts())).toEqual(sorted(now.facts));
            for (const pick of picks) {
              const earlier = moments[pick % moments.length]!;
              const later = moments[(pick * 7 + 3) % moments.length]!;
              const [from, to] = earlier.at <= later.at ? [earlier, later] : [later, earlier];
              // The state at a moment, rebuilt from the log, is the engine's at that moment.
              const rebuilt = await log.factsAt(from.at);
              expect(rebuilt && sorted(rebuilt)).toEqual(sorted(from.facts));
              // Comparing two moments lists exactly the facts that differ, as they were and are.
              const answer = await log.compare(
                { since: from.at.toISOString(), until: to.at.toISOString(), limit: 5000 },
                now.at,
              );
              expect(answer.complete).toBe(true);
              expect(answer.total).toBe(answer.entries.length);
              const expected = difference(from.facts, to.facts);
              expect(
                new Map(
                  answer.entries.map((e) => [
                    e.key,
                    {
                      ...(e.before === undefined ? {} : { before: e.before }),
                      ...(e.after === undefined ? {} : { after: e.after }),
                    },
                  ]),
                ),
              ).toEqual(expected);
            }
          },
        ),
        { numRuns: Number(process.env.TRUSTMAP_PROPERTY_RUNS ?? 400) >= 400 ? 25 : 8 },
      );
    }, 120_000);

    it("records at a start only what changed while it was not watching, once", async () => {
      await reset(db);
      const first = await ChangeLog.open(db, "test cluster");
      const a = fact("a", "shop");
      const b = fact("b", "shop");
      const c = fact("c", "bank", "critical");
      // The first start stores the facts and records nothing.
      expect(
        await first.baseline(
          new Map([
            ["a", a],
            ["b", b],
          ]),
          10,
          at(0),
        ),
      ).toEqual([]);
      await first.record(
        { revision: 11, causes: [], causeCount: 1, changes: [change("b", b, undefined)] },
        at(1),
      );
      // A start later: b came back, c appeared, a went, while nobody watched.
      const second = await ChangeLog.open(db, "test cluster");
      const entries = await second.baseline(
        new Map([
          ["b", b],
          ["c", c],
        ]),
        3,
        at(100),
      );
      expect(entries.map((e) => [e.key, e.kind, e.unwatched])).toEqual([
        ["a", "went", true],
        ["b", "appeared", true],
        ["c", "appeared", true],
      ]);
      // A third start with the same facts records nothing more.
      const third = await ChangeLog.open(db, "test cluster");
      expect(
        await third.baseline(
          new Map([
            ["b", b],
            ["c", c],
          ]),
          3,
          at(200),
        ),
      ).toEqual([]);
      const feed = await third.feed({ limit: 100 });
      expect(feed.entries.map((e) => [e.key, e.kind, e.unwatched])).toEqual([
        ["c", "appeared", true],
        ["b", "appeared", true],
        ["a", "went", true],
        ["b", "went", false],
      ]);
      // A log of another cluster is refused, naming both.
      await expect(ChangeLog.open(db, "other cluster")).rejects.toThrow(
        /is of test cluster, not of other cluster/,
      );
    });

    it("filters the feed by namespace, kind of change, area and severity, and pages it newest first", async () => {
      await reset(db);
      const log = await ChangeLog.open(db, "test cluster");
      await log.baseline(new Map(), 1, at(0));
      for (let i = 1; i <= 5; i++)
        await log.record(
          {
            revision: i,
            causes: [{ kind: "Pod", name: `shop/p${i}`, change: "created", fields: [] }],
            causeCount: 1,
            changes: [
              change(
                `s${i}`,
                undefined,
                fact(`s${i}`, i % 2 === 0 ? "bank" : "shop", i === 3 ? "critical" : "low"),
              ),
            ],
          },
          at(i),
        );
      const all = await log.feed({ limit: 2 });
      expect(all.entries.map((e) => e.key)).toEqual(["s5", "s4"]);
      const next = await log.feed({ limit: 2, before: all.next! });
      expect(next.entries.map((e) => e.key)).toEqual(["s3", "s2"]);
      expect((await log.feed({ limit: 100, namespace: "bank" })).entries.map((e) => e.key)).toEqual([
        "s4",
        "s2",
      ]);
      expect((await log.feed({ limit: 100, severity: "high" })).entries.map((e) => e.key)).toEqual(["s3"]);
      expect((await log.feed({ limit: 100, kind: "went" })).entries).toEqual([]);
      expect((await log.feed({ limit: 100, area: "reach" })).entries).toEqual([]);
      const [entry] = (await log.feed({ limit: 1 })).entries;
      expect(entry).toMatchObject({
        key: "s5",
        kind: "appeared",
        area: "finding",
        severity: "low",
        namespaces: ["shop"],
        causes: [{ kind: "Pod", name: "shop/p5", change: "created", fields: [] }],
        at: at(5).toISOString(),
      });
    });

    it("drops changes past their age or the size kept, and says a comparison from before them is incomplete", async () => {
      await reset(db);
      const log = await ChangeLog.open(db, "test cluster", { maxAgeMs: 10_000, maxChanges: 3 });
      await log.baseline(new Map(), 1, at(0));
      for (let i = 1; i <= 6; i++)
        await log.record(
          {
            revision: i,
            causes: [],
            causeCount: 1,
            changes: [change(`k${i}`, undefined, fact(`k${i}`, "shop"))],
          },
          at(i),
        );
      // At 13 s, steps older than 3 s go (k1, k2); then at most 3 changes are kept (k4, k5, k6).
      expect(await log.prune(at(13))).toBe(3);
      expect((await log.feed({ limit: 100 })).entries.map((e) => e.key)).toEqual(["k6", "k5", "k4"]);
      expect((await log.compare({ since: at(1).toISOString(), limit: 100 }, at(13))).complete).toBe(false);
      expect(await log.factsAt(at(2))).toBeUndefined();
      const recent = await log.compare({ since: at(3).toISOString(), limit: 100 }, at(13));
      expect(recent.complete).toBe(true);
      expect(recent.entries.map((e) => e.key).sort()).toEqual(["k4", "k5", "k6"]);
      // Facts stay whole: retention drops history, not the present.
      expect([...(await log.facts()).keys()].sort()).toEqual(["k1", "k2", "k3", "k4", "k5", "k6"]);
    });
  });
}
