// The change log at scale: what keeping the posture's facts costs the engine per event, how fast
// the log writes what the engine reports, how much room a million changes take, and how long
// comparing two moments a day apart takes.
//   pnpm -s --filter @trustmap/bff bench:changes [--scale XL] [--events 3000] [--compare-scale L]
//     [--day-steps 86400] [--postgres] [--compare-only]
// --postgres also writes to a PostgreSQL server from Debian's packages (scripts/postgres.mjs).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  ClusterState,
  type Delta,
  NamespaceView,
  OverviewView,
  overlayOf,
  PostureLedger,
  type WatchEvent,
} from "@trustmap/engine";
import { SyntheticWorld, scaleNamed } from "@trustmap/engine/synthetic-world";
import { OVERLAY_LIMIT, type PostureChange } from "@trustmap/shared";
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

/** The same churn for every run: the world's bursts (each a change of one object or workload), drawn once. */
function churnOf(world: SyntheticWorld, count: number): WatchEvent[][] {
  const bursts: WatchEvent[][] = [];
  let events = 0;
  while (events < count) {
    const burst = world.churn().events;
    bursts.push(burst);
    events += burst.length;
  }
  return bursts;
}

interface Run {
  /** Per event: the time to its views' patches, and the time the ledger took after them. */
  readonly eventUs: number[];
  readonly ledgerUs: number[];
  readonly steps: StepRecord[];
  readonly ledgerBuildMs?: number;
  readonly heapMB: number;
}

/**
 * The engine as the BFF's worker runs it: each event applied, the overview and the largest
 * namespace's view brought up to date, and (with the ledger) the posture's facts. Timed per event.
 */
function run(scaleName: string, bursts: readonly (readonly WatchEvent[])[], withLedger: boolean): Run {
  const ledgerUs: number[] = [];
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
  // Each burst arrives as one batch and is one step, as the worker takes a batch.
  for (const burst of bursts) {
    const t0 = process.hrtime.bigint();
    const delta: Delta = state.applyAll(burst);
    overview.update(delta);
    namespace.update(delta);
    const t1 = process.hrtime.bigint();
    eventUs.push(Number(t1 - t0) / 1000);
    // As the worker does: the ledger after the step's patches are posted.
    const changes: PostureChange[] = ledger?.update(delta) ?? [];
    ledgerUs.push(Number(process.hrtime.bigint() - t1) / 1000);
    if (changes.length > 0)
      steps.push({ revision: state.revision, causes: [], causeCount: burst.length, changes });
  }
  (globalThis as { gc?: () => void }).gc?.();
  return {
    eventUs,
    ledgerUs,
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
        "select pg_total_relation_size('changes') + pg_total_relation_size('change_facts') + pg_total_relation_size('steps') as n",
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
  // As the recorder does after every 50,000 changes written (and hourly).
  await log.analyze();
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
  // The graph compared with the day's beginning: the connections that differ read from the log
  // (as GET /api/changes/overlay does), then placed on the cluster's view and on a namespace's.
  const since = new Date(start).toISOString();
  const until = new Date(start + 86_400_000).toISOString();
  const byNamespace = new Map<string, number>();
  for (const entry of (await log.compare({ since, until, area: "reach", limit: OVERLAY_LIMIT })).entries)
    for (const namespace of entry.namespaces)
      byNamespace.set(namespace, (byNamespace.get(namespace) ?? 0) + 1);
  const busiest = [...byNamespace].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "";
  for (let i = 0; i < 2; i++) {
    for (const [what, view, namespace] of [
      ["the cluster's view", new OverviewView(state), undefined],
      [
        `namespace ${busiest}'s view (the most connections that differ)`,
        new NamespaceView(state, busiest),
        busiest,
      ],
    ] as const) {
      const t0 = performance.now();
      const reach = await log.compare({
        since,
        until,
        area: "reach",
        ...(namespace === undefined ? {} : { namespace }),
        limit: OVERLAY_LIMIT,
      });
      const read = performance.now() - t0;
      const t1 = performance.now();
      const overlay = overlayOf({
        state,
        view,
        current: ledger.current.values(),
        differences: reach.entries,
      });
      const placed = performance.now() - t1;
      console.log(
        `  overlay a day apart at ${compareScale.name} on ${what}: ${reach.total} connections differ; read ${ms(read)}, placed ${ms(placed)}; ${overlay.counts.opened} edges opened, ${overlay.counts.closed} closed, ${overlay.counts.changed} changed`,
      );
    }
  }
  await log.close();
}

/**
 * The engine's event latency under a churn rate: bursts arrive `everyMs` apart (all their events at
 * once, as a source sends a batch, taken as one step), each event's latency runs from its burst's
 * arrival to its views' patches, and the ledger's time after each step keeps the engine busy
 * before the next. Returns the latencies (ms), one per event.
 */
function latencies(bursts: readonly number[], r: Run, everyMs: number, ledger: boolean): number[] {
  const out: number[] = [];
  let free = 0;
  bursts.forEach((size, b) => {
    const arrival = b * everyMs;
    const start = Math.max(arrival, free);
    const patched = start + r.eventUs[b]! / 1000;
    free = patched + (ledger ? r.ledgerUs[b]! / 1000 : 0);
    // Every event of the burst waits for the burst's patches.
    for (let k = 0; k < size; k++) out.push(patched - arrival);
  });
  return out;
}

console.log(`The change log at ${scale.name} (${eventTarget} churn events), on Node.js ${process.version}`);
/** The engine without and with the ledger, then the log's writes of what it reported. */
async function engineAndWrites(): Promise<void> {
  const bursts = churnOf(new SyntheticWorld(scale, 1), eventTarget * 2);
  const half = Math.floor(bursts.length / 2);
  // The first half warms the engine up (JIT); the second is timed, the same for every run. Runs
  // without and with the ledger take turns, twice each: garbage collection makes single runs' tails noisy.
  const runs: { ledger: boolean; run: Run }[] = [];
  for (const ledger of [false, true, false, true])
    runs.push({ ledger, run: run(scale.name, bursts, ledger) });
  const timed = (values: readonly number[]) => values.slice(half);
  const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const timedBursts = bursts.slice(half).map((burst) => burst.length);
  const slice = (r: Run): Run => ({ ...r, eventUs: timed(r.eventUs), ledgerUs: timed(r.ledgerUs) });
  console.log(
    `Engine cost per burst of ${scale.name}'s churn (${timedBursts.length} bursts timed, ${timedBursts.reduce((a, b) => a + b, 0)} events; each burst applied as one step with the overview and the largest namespace's view):`,
  );
  for (const { ledger, run: r } of runs) {
    const views = timed(r.eventUs);
    const after = timed(r.ledgerUs);
    console.log(
      `  ${ledger ? "with   " : "without"} the ledger: to the patches p50 ${(percentile(views, 50) / 1000).toFixed(2)} ms, p99 ${(percentile(views, 99) / 1000).toFixed(2)} ms, mean ${(mean(views) / 1000).toFixed(2)} ms${
        ledger
          ? `; the ledger after them p50 ${(percentile(after, 50) / 1000).toFixed(2)} ms, p99 ${(percentile(after, 99) / 1000).toFixed(2)} ms, mean ${(mean(after) / 1000).toFixed(2)} ms; built in ${ms(r.ledgerBuildMs!)}`
          : ""
      }; heap ${r.heapMB.toFixed(0)} MB`,
    );
  }
  console.log(
    "Event latency (a burst's arrival to its views' patches), the ledger's time keeping the engine busy after each step:",
  );
  for (const [what, everyMs] of [
    ["one burst a second (the synthetic source's rate)", 1000],
    ["ten bursts a second", 100],
    ["a hundred bursts a second", 10],
  ] as const) {
    const p99s = runs.map(({ ledger, run: r }) => ({
      ledger,
      p99: percentile(latencies(timedBursts, slice(r), everyMs, ledger), 99),
    }));
    const worst = (ledger: boolean) => Math.max(...p99s.filter((p) => p.ledger === ledger).map((p) => p.p99));
    console.log(
      `  ${what}: p99 ${p99s.map((p) => `${p.p99.toFixed(2)} ms ${p.ledger ? "with" : "without"}`).join(", ")}; the worse with the ledger is ${((worst(true) / worst(false) - 1) * 100).toFixed(1)} % from the worse without`,
    );
  }
  const withLedger = runs[3]!.run;
  const steps = withLedger.steps;
  const busyMs = (mean(timed(withLedger.eventUs)) + mean(timed(withLedger.ledgerUs))) / 1000;
  console.log(
    `  the engine takes ${(1000 / busyMs).toFixed(0)} bursts/s with the ledger; ${steps.length} of ${bursts.length} bursts changed facts`,
  );

  console.log("Log writes (one transaction per step, in order):");
  await writes("embedded (PGlite, a folder)", await embeddedDatabase(path.join(folder, "w")), steps);
  if (process.argv.includes("--postgres")) {
    const server = await startPostgres();
    try {
      await writes("PostgreSQL server", await postgresDatabase(server.url), steps);
    } finally {
      server.stop();
    }
  }
}

const folder = mkdtempSync(path.join(tmpdir(), "trustmap-bench-changes-"));
try {
  if (!process.argv.includes("--compare-only")) await engineAndWrites();
  console.log("Comparing two moments:");
  await compareDay(await embeddedDatabase(path.join(folder, "day")));
} finally {
  if (process.argv.includes("--keep")) console.log(`  kept in ${folder}`);
  else rmSync(folder, { recursive: true, force: true });
}
