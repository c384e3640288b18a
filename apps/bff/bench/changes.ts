// The change log at scale: what keeping the posture's facts costs the engine per event, how fast
// the log writes what the engine reports, how much room a million changes take, and how long
// comparing two moments a day apart takes.
//   pnpm -s --filter @trustmap/bff bench:changes [--scale XL] [--events 3000] [--compare-scale L]
//     [--day-steps 86400] [--postgres]
// --postgres also writes to a PostgreSQL server from Debian's packages (scripts/postgres.mjs).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  ClusterState,
  type Delta,
  NamespaceView,
  OverviewView,
  PostureLedger,
  type WatchEvent,
} from "@trustmap/engine";
import { SyntheticWorld, scaleNamed } from "@trustmap/engine/synthetic-world";
import type { PostureChange } from "@trustmap/shared";
import { ChangeLog, type StepRecord } from "../src/history/change-log";
import { type Database, embeddedDatabase, postgresDatabase } from "../src/history/database";
import { startPostgres } from "../src/testing/postgres";
import { arg, scaleArg } from "./args";

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 0)} ms`;
const scale = scaleArg("XL");
const eventTarget = Number(arg("events") ?? 3000);
const daySteps = Number(arg("day-steps") ?? 86_400);
const compareScale = scaleNamed(arg("compare-scale") ?? "L")!;

/** The same churn for every run: the world's events, drawn once. */
function churnOf(world: SyntheticWorld, count: number): WatchEvent[] {
  const events: WatchEvent[] = [];
  while (events.length < count) events.push(...world.churn().events);
  return events.slice(0, count);
}

interface Run {
  readonly eventUs: number[];
  readonly steps: StepRecord[];
  readonly ledgerBuildMs?: number;
  readonly heapMB: number;
}

/**
 * The engine as the BFF's worker runs it: each event applied, the overview and the largest
 * namespace's view brought up to date, and (with the ledger) the posture's facts. Timed per event.
 */
function run(scaleName: string, events: readonly WatchEvent[], withLedger: boolean): Run {
  const world = new SyntheticWorld(scaleNamed(scaleName)!, 1);
  const state = new ClusterState();
  state.applyAll(world.initialEvents());
  const overview = new OverviewView(state);
  const largest = [...state.namespacesWithPods()].sort(
    (a, b) => state.identitiesIn(b).size - state.identitiesIn(a).size,
  )[0]!;
  const namespace = new NamespaceView(state, largest);
  let ledger: PostureLedger | undefined;
  let ledgerBuildMs: number | undefined;
  if (withLedger) {
    const started = performance.now();
    ledger = new PostureLedger(state);
    ledger.build();
    ledgerBuildMs = performance.now() - started;
  }
  const eventUs: number[] = [];
  const steps: StepRecord[] = [];
  for (const event of events) {
    const t0 = process.hrtime.bigint();
    const delta: Delta = state.apply(event);
    overview.update(delta);
    namespace.update(delta);
    const changes: PostureChange[] = ledger?.update(delta) ?? [];
    eventUs.push(Number(process.hrtime.bigint() - t0) / 1000);
    if (changes.length > 0) steps.push({ revision: state.revision, causes: [], causeCount: 1, changes });
  }
  (globalThis as { gc?: () => void }).gc?.();
  return {
    eventUs,
    steps,
    ...(ledgerBuildMs === undefined ? {} : { ledgerBuildMs }),
    heapMB: process.memoryUsage().heapUsed / 1e6,
  };
}

async function writes(name: string, db: Database, steps: readonly StepRecord[]): Promise<void> {
  const log = await ChangeLog.open(db, `bench ${name}`);
  await log.baseline(new Map(), 0, new Date(Date.now() - 1000));
  const times: number[] = [];
  const started = performance.now();
  let changes = 0;
  for (const step of steps) {
    const t0 = performance.now();
    await log.record(step);
    times.push(performance.now() - t0);
    changes += step.changes.length;
  }
  const seconds = (performance.now() - started) / 1000;
  const size = Number(
    (
      await db.query<{ n: unknown }>(
        "select pg_total_relation_size('changes') + pg_total_relation_size('steps') as n",
      )
    ).rows[0]!.n,
  );
  console.log(
    `  ${name}: ${steps.length} steps, ${changes} changes in ${seconds.toFixed(1)} s = ${(steps.length / seconds).toFixed(0)} steps/s, ${(changes / seconds).toFixed(0)} changes/s; per step p50 ${ms(percentile(times, 50))}, p99 ${ms(percentile(times, 99))}`,
  );
  console.log(
    `  ${name}: ${(size / 1e6).toFixed(1)} MB for ${changes} changes: ${(((size / changes) * 1e6) / 1e9).toFixed(2)} GB per million changes`,
  );
  await log.close();
}

/**
 * A day of the log at a scale: `daySteps` steps of its churn spread over 24 hours (one a second by
 * default), then the difference between its two ends asked for, and between two moments an hour apart.
 */
async function compareDay(db: Database): Promise<void> {
  const world = new SyntheticWorld(compareScale, 2);
  const state = new ClusterState();
  state.applyAll(world.initialEvents());
  const ledger = new PostureLedger(state);
  ledger.build();
  const log = await ChangeLog.open(db, `bench day ${compareScale.name}`);
  const start = Date.parse("2026-11-01T00:00:00Z");
  await log.baseline(ledger.current, state.revision, new Date(start));
  let written = 0;
  let changes = 0;
  const began = performance.now();
  for (let i = 0; i < daySteps; i++) {
    const events = world.churn().events;
    const step: PostureChange[] = [];
    for (const event of events) step.push(...ledger.update(state.apply(event)));
    if (step.length === 0) continue;
    await log.record(
      { revision: state.revision, causes: [], causeCount: events.length, changes: step },
      new Date(start + Math.floor((i * 86_400_000) / daySteps)),
    );
    written++;
    changes += step.length;
  }
  console.log(
    `  a day at ${compareScale.name}: ${written} steps, ${changes} changes written in ${((performance.now() - began) / 1000).toFixed(0)} s`,
  );
  for (const [what, since, until] of [
    ["a day apart", start, start + 86_400_000],
    ["an hour apart", start + 12 * 3600_000, start + 13 * 3600_000],
  ] as const) {
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const answer = await log.compare({
        since: new Date(since).toISOString(),
        until: new Date(until).toISOString(),
        limit: 1000,
      });
      times.push(performance.now() - t0);
      total = answer.total;
    }
    console.log(
      `  compare two moments ${what} at ${compareScale.name}: ${total} differences; first ${ms(times[0]!)}, median ${ms(percentile(times, 50))}`,
    );
  }
  await log.close();
}

console.log(`The change log at ${scale.name} (${eventTarget} churn events), on Node.js ${process.version}`);
const events = churnOf(new SyntheticWorld(scale, 1), eventTarget * 2);
// The first half warms the engine up (JIT); the second is timed, the same for both runs.
const without = run(scale.name, events, false);
const withLedger = run(scale.name, events, true);
const timed = (r: Run) => r.eventUs.slice(eventTarget);
const line = (what: string, r: Run) =>
  console.log(
    `  ${what}: per event p50 ${(percentile(timed(r), 50) / 1000).toFixed(2)} ms, p99 ${(percentile(timed(r), 99) / 1000).toFixed(2)} ms, mean ${(timed(r).reduce((a, b) => a + b, 0) / eventTarget / 1000).toFixed(2)} ms; heap ${r.heapMB.toFixed(0)} MB`,
  );
console.log("Engine event cost (apply, the overview and the largest namespace's view):");
line("without the ledger", without);
line("with the ledger", withLedger);
const p99 = (r: Run) => percentile(timed(r), 99);
console.log(
  `  p99 with the ledger is ${((p99(withLedger) / p99(without) - 1) * 100).toFixed(1)} % above without; ledger built in ${ms(withLedger.ledgerBuildMs!)}`,
);
const steps = withLedger.steps;
const meanEventMs = timed(withLedger).reduce((a, b) => a + b, 0) / eventTarget / 1000;
console.log(
  `  the engine takes ${(1000 / meanEventMs).toFixed(0)} events/s with the ledger; ${steps.length} of ${eventTarget * 2} events changed facts`,
);

console.log("Log writes (one transaction per step, in order):");
const folder = mkdtempSync(path.join(tmpdir(), "trustmap-bench-changes-"));
try {
  await writes("embedded (PGlite, a folder)", await embeddedDatabase(path.join(folder, "w")), steps);
  if (process.argv.includes("--postgres")) {
    const server = await startPostgres();
    try {
      await writes("PostgreSQL server", await postgresDatabase(server.url), steps);
    } finally {
      server.stop();
    }
  }
  console.log("Comparing two moments:");
  await compareDay(await embeddedDatabase(path.join(folder, "day")));
} finally {
  rmSync(folder, { recursive: true, force: true });
}
