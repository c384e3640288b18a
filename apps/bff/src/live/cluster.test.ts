import { ClusterState, clusterCounts, type WatchEvent } from "@trustmap/engine";
import { SCALES, SyntheticWorld } from "@trustmap/engine/synthetic-world";
import { afterEach, describe, expect, it } from "vitest";
import { ScriptedSource } from "../testing/scripted";
import { LiveCluster, type LiveOptions } from "./cluster";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** A world's initial lists as a watch's pages bring them: one ADDED event per object. */
function pagesOf(world: SyntheticWorld, size: number): WatchEvent[][] {
  const events: WatchEvent[] = [];
  for (const list of world.initialEvents())
    if (list.type === "RELIST")
      for (const object of list.objects)
        events.push({ type: "ADDED", kind: list.kind, object } as WatchEvent);
  const pages: WatchEvent[][] = [];
  for (let at = 0; at < events.length; at += size) pages.push(events.slice(at, at + size));
  return pages;
}

/** A world of scale S, a source still listing it and the live engine on that source, started. */
function startedOn(seed: number, options: LiveOptions = {}) {
  const world = new SyntheticWorld(SCALES.S!, seed);
  const source = new ScriptedSource("connecting");
  const live = new LiveCluster(source, options);
  live.start();
  stops.push(() => live.stop());
  return { world, source, live };
}

describe("the engine worker while the source lists", () => {
  it("settles the pages of the first lists together, and every event once listed", async () => {
    const { world, source, live } = startedOn(2);
    const pages = pagesOf(world, 100);
    expect(pages.length).toBeGreaterThan(20);

    // The source never says it has listed everything: what came is settled all the same.
    for (const page of pages) source.push(page);
    await live.whenIdle();
    // Pages taken in within a second of each other make one revision, not one per page.
    expect(live.steps).toBeLessThanOrEqual(2);
    const expected = new ClusterState();
    expected.applyAll(world.initialEvents());
    expect(await live.query("counts", {})).toEqual(clusterCounts(expected));

    // Once listed, each event is settled as it comes.
    source.setStatus("connected");
    const churn = world.churn().events;
    const before = live.steps;
    for (const event of churn) {
      source.push([event]);
      await live.whenIdle();
    }
    expect(live.steps - before).toBeGreaterThanOrEqual(churn.length);
    expected.applyAll(churn);
    expect(await live.query("counts", {})).toEqual(clusterCounts(expected));
  });

  it("settles the other kinds' first lists once, when the source says they are in, and the pods' page by page while it waits for the next", async () => {
    // A source that stalls is settled after a minute: nothing here waits for that.
    const { world, source, live } = startedOn(5, { settleEveryMs: 60_000 });
    const events = pagesOf(world, 20).flat();
    const others = events.filter((event) => event.kind !== "Pod");
    const pods = events.filter((event) => event.kind === "Pod");
    // Pages of the other kinds, with time between them for the worker to wait: bindings spread
    // over pages are not settled page by page.
    for (let at = 0; at < others.length; at += 20) {
      source.push(others.slice(at, at + 20));
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    expect(live.steps).toBe(0);
    source.listed([...new Set(others.map((event) => event.kind))]);
    await live.whenIdle();
    expect(live.steps).toBe(1);
    // Then the pods, each page settled while the worker waits for the next.
    const pages = Math.ceil(pods.length / 20);
    for (let at = 0; at < pods.length; at += 20) {
      source.push(pods.slice(at, at + 20));
      await live.whenIdle();
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    expect(live.steps).toBe(1 + pages);
    source.setStatus("connected");
    await live.whenIdle();
    expect(live.steps).toBe(1 + pages);
    const expected = new ClusterState();
    expected.applyAll(world.initialEvents());
    expect(await live.query("counts", {})).toEqual(clusterCounts(expected));
  });

  it("settles a turn said to be in while its events are still queued before staging the next turn's", async () => {
    const { world, source, live } = startedOn(6, { settleEveryMs: 300 });
    const events = pagesOf(world, 100).flat();
    const others = events.filter((event) => event.kind !== "Pod");
    const pods = events.filter((event) => event.kind === "Pod");
    // All at once: the worker takes them in while the first pages are still queued.
    source.push(others);
    source.listed([...new Set(others.map((event) => event.kind))]);
    source.push(pods);
    await live.whenIdle();
    // One settle at the end of the other kinds, one for the pods once no page came for settleEveryMs.
    expect(live.steps).toBe(2);
    const expected = new ClusterState();
    expected.applyAll(world.initialEvents());
    expect(await live.query("counts", {})).toEqual(clusterCounts(expected));
  });

  it("says it is idle once a question settled what was staged", async () => {
    // Staged pages wait a minute to be settled on their own: only questions settle them here.
    const { world, source, live } = startedOn(3, { settleEveryMs: 60_000 });
    for (const page of pagesOf(world, 250)) source.push(page);
    const all = new ClusterState();
    all.applyAll(world.initialEvents());
    // Each question settles what is staged by then: its answer is a settled state, and at last
    // the whole cluster.
    let counts = await live.query("counts", {});
    for (let i = 0; i < 100 && counts.pods !== all.cluster().pods.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      counts = await live.query("counts", {});
    }
    expect(counts).toEqual(clusterCounts(all));
    // No timer is left to say the worker is idle: the question's settling says it.
    await live.whenIdle();
    expect(live.backlog).toBe(0);
  });

  it("counts the changes after the first lists in its events per second, not the lists", async () => {
    const { world, source, live } = startedOn(4);
    const pages = pagesOf(world, 200);
    for (const page of pages) source.push(page);
    source.setStatus("connected");
    await live.whenIdle();
    expect(live.eventsApplied).toBe(pages.flat().length);
    expect(live.eventsPerSecond()).toBe(0);
    const churn = world.churn().events;
    expect(churn.length).toBeGreaterThan(0);
    for (const event of churn) source.push([event]);
    await live.whenIdle();
    // Over the last ten seconds: the churn alone.
    expect(live.eventsPerSecond()).toBe(churn.length / 10);
  });
});
