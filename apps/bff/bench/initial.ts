// How long the BFF's event loop can stall while a large cluster's initial lists arrive: the
// synthetic cluster of the engine bench is sent the way the Kubernetes source sends it (chunks
// of 500 events, the event loop free between chunks), optionally with browsers watching the
// overview and the largest namespace, then some churn. Prints JSON.
//   pnpm -s --filter @trustmap/bff bench --scale S|M|L|XL [--views] [--events N]
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { WatchEvent } from "@trustmap/engine";
import { SyntheticWorld } from "@trustmap/engine/synthetic-world";
import { LiveCluster } from "../src/live/cluster";
import { ScriptedSource } from "../src/testing/scripted";
import { arg, scaleArg } from "./args";

const scale = scaleArg("S");
const withViews = process.argv.includes("--views");
const churnEvents = Number(arg("events") ?? 1000);
const world = new SyntheticWorld(scale, 1);
const source = new ScriptedSource();
const live = new LiveCluster(source);
live.start();

// The initial lists as ADDED events in the engine's preferred order.
const added: WatchEvent[] = [];
for (const relist of world.initialEvents()) {
  if (relist.type !== "RELIST") continue;
  for (const object of relist.objects) added.push({ type: "ADDED", kind: relist.kind, object } as WatchEvent);
}

const pause = () => new Promise<void>((resolve) => setImmediate(resolve));
const histogram = monitorEventLoopDelay({ resolution: 5 });
histogram.enable();
let started = performance.now();
if (withViews) live.watch("overview", { kind: "overview" });
await new Promise((resolve) => setTimeout(resolve, 20));
for (let i = 0; i < added.length; i += 500) {
  source.push(added.slice(i, i + 500));
  await pause();
}
await live.whenIdle();
const initialMs = performance.now() - started;
const initialStallMs = histogram.max / 1e6;
histogram.reset();

let largest = "";
if (withViews) {
  const counts = new Map<string, number>();
  for (const pod of world.cluster.pods) counts.set(pod.namespace, (counts.get(pod.namespace) ?? 0) + 1);
  largest = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  live.watch(`namespace:${largest}`, { kind: "namespace", namespace: largest });
}
await new Promise((resolve) => setTimeout(resolve, 20));
const watchStallMs = histogram.max / 1e6;
histogram.reset();

started = performance.now();
let sent = 0;
while (sent < churnEvents) {
  const burst = world.churn().events;
  source.push(burst);
  sent += burst.length;
  await pause();
}
await live.whenIdle();
const churnMs = performance.now() - started;
const churnStallMs = histogram.max / 1e6;
histogram.reset();

// A browser opens the overview once the cluster is loaded: the worker sends the whole view.
let overviewItems = 0;
if (withViews) {
  const view = live.watch("overview-opened-late", { kind: "overview" });
  while (!view.ready) await new Promise((resolve) => setTimeout(resolve, 5));
  const snapshot = view.snapshot();
  overviewItems = snapshot.nodes.length + snapshot.edges.length;
}
const openOverviewStallMs = histogram.max / 1e6;
histogram.disable();
const memory = process.memoryUsage();
console.log(
  JSON.stringify({
    scale: scale.name,
    views: withViews,
    events: added.length,
    initialMs: Math.round(initialMs),
    initialMaxStallMs: Math.round(initialStallMs),
    openViewsStallMs: Math.round(watchStallMs),
    churnEvents: sent,
    churnMs: Math.round(churnMs),
    churnMaxStallMs: Math.round(churnStallMs),
    overviewItems,
    openOverviewMaxStallMs: Math.round(openOverviewStallMs),
    longestStepMs: Math.round(live.longestStepMs),
    heapUsedMB: Math.round(memory.heapUsed / 2 ** 20),
    rssMB: Math.round(memory.rss / 2 ** 20),
  }),
);
await live.stop();
