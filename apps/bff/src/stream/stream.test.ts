import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  ClusterState,
  NamespaceView,
  OverviewView,
  type View,
  type WatchEvent,
  WorkloadView,
} from "@trustmap/engine";
import { type Scale, SyntheticWorld } from "@trustmap/engine/synthetic-world";
import { type ApiError, type Health, parseViewKey, type ViewEdge, type ViewNode } from "@trustmap/shared";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../log";
import { type RunningServer, startServer } from "../server";
import { DemoSource } from "../sources/demo";
import { type ClusterSource, eventsOf, type SourceSink } from "../sources/source";
import { ScriptedSource } from "../testing/scripted";
import { StreamClient } from "../testing/sse-client";

const HISTORY_IN_TEST = 8;
const SMALL: Scale = { name: "test", pods: 400, namespaces: 12, policies: 60, bindings: 120 };

let running: RunningServer | undefined;
const clients: StreamClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await running?.close();
  running = undefined;
});

async function serve(
  source: ScriptedSource,
  options: { heartbeatMs?: number; socketPath?: string; history?: number } = {},
): Promise<RunningServer> {
  const { history, ...rest } = options;
  running = await startServer({
    source,
    host: "127.0.0.1",
    port: 0,
    logger: silentLogger,
    ...rest,
    ...(history === undefined ? {} : { live: { history } }),
  });
  return running;
}

async function connect(
  url: string,
  views: readonly string[],
  options: Parameters<typeof StreamClient.connect>[2] = {},
): Promise<StreamClient> {
  const client = await StreamClient.connect(url, views, options);
  clients.push(client);
  return client;
}

/**
 * The test's own engine, fed the same events as the BFF: what a fresh engine computes from its
 * objects is what every client must hold.
 */
class Mirror {
  readonly state = new ClusterState();

  constructor(private readonly source: ScriptedSource) {}

  push(events: readonly WatchEvent[]): void {
    this.state.applyAll(events);
    this.source.push(events);
  }
}

function fromScratch(
  mirror: { readonly state: ClusterState },
  key: string,
): { nodes: ViewNode[]; edges: ViewEdge[] } {
  const state = ClusterState.from(mirror.state.cluster());
  const ref = parseViewKey(key)!;
  const view: View =
    ref.kind === "overview"
      ? new OverviewView(state)
      : ref.kind === "namespace"
        ? new NamespaceView(state, ref.namespace)
        : new WorkloadView(state, ref.identity);
  const snapshot = view.snapshot();
  return { nodes: sortById(snapshot.nodes), edges: sortById(snapshot.edges) };
}

function sortById<T extends { id: string }>(items: Iterable<T>): T[] {
  return [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function held(client: StreamClient, key: string) {
  const view = client.views.get(key)!;
  return { nodes: sortById(view.nodes.values()), edges: sortById(view.edges.values()) };
}

/** Waits until the client holds every view at the server's revision. */
async function caughtUp(server: RunningServer, client: StreamClient, keys: readonly string[]): Promise<void> {
  await server.live.whenIdle();
  await client.until(() => keys.every((key) => client.revision(key) === server.live.view(key)?.revision));
}

function largestNamespace(world: SyntheticWorld): string {
  const counts = new Map<string, number>();
  for (const pod of world.cluster.pods) counts.set(pod.namespace, (counts.get(pod.namespace) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

function churn(world: SyntheticWorld, events: number): WatchEvent[][] {
  const out: WatchEvent[][] = [];
  let count = 0;
  while (count < events) {
    const burst = world.churn().events;
    out.push(burst);
    count += burst.length;
  }
  return out;
}

/** Passes a source through, applying everything it sends to the test's own engine too. */
class Tee implements ClusterSource {
  readonly state = new ClusterState();

  constructor(private readonly inner: ClusterSource) {}

  get info() {
    return this.inner.info;
  }

  start(sink: SourceSink): void {
    this.inner.start({
      events: (batch) => {
        this.state.applyAll(eventsOf(batch));
        sink.events(batch);
      },
      status: (status) => sink.status(status),
      problems: (problems) => sink.problems(problems),
      replaceProblems: (problems) => sink.replaceProblems(problems),
    });
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }
}

describe("the event stream", () => {
  it("streams the demo company: snapshot, then patches equal to the from-scratch views after every change", async () => {
    const demo = new DemoSource({ seed: 5, intervalMs: 0 });
    const tee = new Tee(demo);
    running = await startServer({ source: tee, host: "127.0.0.1", port: 0, logger: silentLogger });
    const server = running;
    await server.live.whenIdle();
    const namespaces = [...tee.state.namespacesWithPods()].sort();
    const identity = [...tee.state.identities()].sort((a, b) => b.pods.size - a.pods.size)[0]!;
    const keys = [
      "overview",
      `namespace:${namespaces[0]}`,
      `namespace:${identity.namespace}`,
      `workload:${identity.key}`,
    ];
    const client = await connect(server.url, keys);
    await caughtUp(server, client, keys);
    expect(client.hello?.source.demo).toBe(true);
    for (let tick = 0; tick < 60; tick++) {
      demo.tick();
      await caughtUp(server, client, keys);
      for (const key of keys) expect(held(client, key)).toEqual(fromScratch(tee, key));
    }
    expect(client.gaps).toEqual([]);
    expect(client.events.filter((e) => e.event === "patch").length).toBeGreaterThan(10);
  });

  it("gives every view a snapshot, then patches that equal the from-scratch view after every event", async () => {
    const world = new SyntheticWorld(SMALL, 7);
    const source = new ScriptedSource();
    const mirror = new Mirror(source);
    const server = await serve(source);
    mirror.push(world.initialEvents());
    await server.live.whenIdle();
    const namespace = largestNamespace(world);
    const identity = [...mirror.state.identitiesIn(namespace)][0]!;
    const keys = ["overview", `namespace:${namespace}`, `workload:${identity.key}`];
    const client = await connect(server.url, keys);
    await caughtUp(server, client, keys);
    expect(client.hello?.views).toEqual(keys);
    expect(client.events.filter((e) => e.event === "snapshot")).toHaveLength(3);

    let patches = 0;
    for (const burst of churn(world, 150)) {
      for (const event of burst) {
        mirror.push([event]);
        await caughtUp(server, client, keys);
        for (const key of keys) expect(held(client, key)).toEqual(fromScratch(mirror, key));
      }
      patches = client.events.filter((e) => e.event === "patch").length;
    }
    expect(client.gaps).toEqual([]);
    // The churn really changed the views (rollouts, scaling, policy edits reach the overview).
    expect(patches).toBeGreaterThan(20);
    expect(client.events.filter((e) => e.event === "snapshot")).toHaveLength(3);
  });

  it("resumes from Last-Event-ID with nothing lost: the missed patches in one, or a snapshot when too old", async () => {
    const world = new SyntheticWorld(SMALL, 11);
    const source = new ScriptedSource();
    const mirror = new Mirror(source);
    const server = await serve(source, { history: HISTORY_IN_TEST });
    mirror.push(world.initialEvents());
    await server.live.whenIdle();
    const namespace = largestNamespace(world);
    const keys = ["overview", `namespace:${namespace}`];
    const first = await connect(server.url, keys);
    await caughtUp(server, first, keys);
    for (const burst of churn(world, 20)) mirror.push(burst);
    await caughtUp(server, first, keys);
    const lastId = first.lastEventId!;
    const before = new Map(keys.map((key) => [key, first.revision(key)!]));
    first.close();

    // Changes while the tab is away.
    for (const burst of churn(world, 40)) mirror.push(burst);
    await server.live.whenIdle();
    expect(keys.some((key) => server.live.view(key)!.revision !== before.get(key))).toBe(true);

    // The resumed tab starts from the copies it held when the connection dropped.
    const resumed = await connect(server.url, keys, { resume: { id: lastId, views: first.views } });
    await caughtUp(server, resumed, keys);
    expect(resumed.events.filter((e) => e.event === "snapshot")).toHaveLength(0);
    expect(resumed.gaps).toEqual([]);
    for (const key of keys) expect(held(resumed, key)).toEqual(fromScratch(mirror, key));

    // A tab away for longer than the views keep patches gets fresh snapshots, never a gap.
    const staleId = resumed.lastEventId!;
    const staleViews = resumed.views;
    resumed.close();
    let changes = 0;
    for (const burst of churn(world, 400)) {
      mirror.push(burst);
      await server.live.whenIdle();
      changes++;
    }
    expect(changes).toBeGreaterThan(HISTORY_IN_TEST);
    const stale = await connect(server.url, keys, { resume: { id: staleId, views: staleViews } });
    await caughtUp(server, stale, keys);
    expect(stale.events.filter((e) => e.event === "snapshot").length).toBeGreaterThan(0);
    expect(stale.gaps).toEqual([]);
    for (const key of keys) expect(held(stale, key)).toEqual(fromScratch(mirror, key));
  });

  it("does not let a slow reader hold back the others, and catches it up when it reads again", async () => {
    const world = new SyntheticWorld(
      { name: "slow", pods: 3000, namespaces: 40, policies: 300, bindings: 200 },
      3,
    );
    const source = new ScriptedSource();
    const mirror = new Mirror(source);
    // A Unix socket's small buffers back up after a few hundred kilobytes (loopback TCP takes tens of megabytes).
    const socketPath = path.join(mkdtempSync(path.join(tmpdir(), "trustmap-")), "bff.sock");
    const server = await serve(source, { socketPath });
    mirror.push(world.initialEvents());
    await server.live.whenIdle();
    const identities = [...mirror.state.identities()].slice(0, 12).map((i) => `workload:${i.key}`);
    const keys = ["overview", `namespace:${largestNamespace(world)}`, ...identities];
    const slow = await connect(server.url, keys, { socketPath });
    const fast = await connect(server.url, ["overview"], { socketPath });
    await caughtUp(server, slow, keys);
    await caughtUp(server, fast, ["overview"]);
    slow.pause();

    let fastChecks = 0;
    for (let round = 0; round < 30; round++) {
      for (const burst of churn(world, 30)) mirror.push(burst);
      await caughtUp(server, fast, ["overview"]);
      expect(held(fast, "overview")).toEqual(fromScratch(mirror, "overview"));
      fastChecks++;
    }
    expect(fastChecks).toBe(30);
    const connection = [...server.streams].find((s) => s.id === slow.hello!.stream)!;
    // The slow tab's socket is backed up: the server holds no queue for it, only which views are behind.
    expect(connection.isBlocked).toBe(true);
    expect(connection.viewsBehind).toBeGreaterThan(0);

    slow.resume();
    await caughtUp(server, slow, keys);
    expect(slow.gaps).toEqual([]);
    for (const key of keys) expect(held(slow, key)).toEqual(fromScratch(mirror, key));
  });

  it("sends status events when the source loses and regains the cluster, and heartbeats", async () => {
    const source = new ScriptedSource();
    const server = await serve(source, { heartbeatMs: 50 });
    const client = await connect(server.url, ["overview"]);
    source.setStatus("reconnecting", "connection refused");
    source.setStatus("connected");
    await client.until(() => client.statuses.length >= 2);
    expect(client.statuses.map((s) => s.state)).toEqual(["reconnecting", "connected"]);
    expect(client.statuses[0]!.message).toBe("connection refused");
    const health = (await (await fetch(new URL("/api/health", server.url))).json()) as Health;
    expect(health.connected).toBe(true);
  });

  it("answers a bad stream query with 400 and a message naming the parameter", async () => {
    const source = new ScriptedSource();
    const server = await serve(source);
    const bad = await fetch(new URL("/api/stream?view=cluster", server.url));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ApiError).error).toMatch(/query parameter "view": "cluster" is not a view/);
    // No view at all is the status stream every page opens; an empty view name is still wrong.
    const empty = await fetch(new URL("/api/stream?view=", server.url));
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as ApiError).error).toMatch(/query parameter "view": "" is not a view/);
  });
});
