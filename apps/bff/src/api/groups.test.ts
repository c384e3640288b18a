import { ClusterState, groupGraph, groupValue, NamespaceView, OverviewView } from "@trustmap/engine";
import { Explanation, GroupingList, type ViewEdge, type ViewNode, viewKey } from "@trustmap/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../log";
import { type RunningServer, startServer } from "../server";
import { DemoSource } from "../sources/demo";
import { StreamClient } from "../testing/sse-client";

let server: RunningServer;
let demo: DemoSource;

beforeAll(async () => {
  demo = new DemoSource({ seed: 2, intervalMs: 0 });
  server = await startServer({ source: demo, host: "127.0.0.1", port: 0, logger: silentLogger });
  await server.live.whenIdle();
});

afterAll(async () => {
  await server.close();
});

const byId = <T extends { id: string }>(items: Iterable<T>) =>
  [...items].sort((a, b) => (a.id < b.id ? -1 : 1));

/**
 * What a fresh engine says the grouped view is, on the demo's objects as they are now: the
 * cluster's, or (`namespace`) that namespace's with the namespaces around it grouped.
 */
function expected(by: string, open: (string | null)[], namespace?: string) {
  const state = new ClusterState();
  state.applyAll(demo.snapshot());
  const inner = namespace === undefined ? new OverviewView(state) : new NamespaceView(state, namespace);
  const graph = groupGraph(inner.snapshot(), (ns) => groupValue(state, ns, by), { by, open });
  return { nodes: byId(graph.nodes.values()), edges: byId(graph.edges.values()) };
}

/** The cluster by namespace a fresh engine computes on the demo's objects now. */
function byNamespace() {
  const state = new ClusterState();
  state.applyAll(demo.snapshot());
  const snapshot = new OverviewView(state).snapshot();
  return { nodes: byId(snapshot.nodes), edges: byId(snapshot.edges) };
}

function held(client: StreamClient, key: string) {
  const view = client.views.get(key);
  if (view === undefined) throw new Error(`no ${key}`);
  return { nodes: byId<ViewNode>(view.nodes.values()), edges: byId<ViewEdge>(view.edges.values()) };
}

describe("the cluster grouped by a namespace label", () => {
  it("offers the labels that group the demo's namespaces, those covering most first", async () => {
    const answer = GroupingList.parse(await (await fetch(new URL("/api/groupings", server.url))).json());
    expect(answer.namespaces).toBe(30);
    const keys = answer.keys.map((k) => k.key);
    expect(keys).toContain("team");
    expect(keys).toContain("env");
    expect(keys).not.toContain("kubernetes.io/metadata.name");
    for (const key of answer.keys) expect(key.values).toBeLessThan(key.namespaces);
    const covering = answer.keys.map((k) => k.namespaces);
    expect(covering).toEqual([...covering].sort((a, b) => b - a));
  });

  it("streams the cluster by namespace and grouped, closed and opened, each equal to a fresh engine's after every change", async () => {
    const closed = viewKey({ kind: "overview", groupBy: "team" });
    const opened = viewKey({ kind: "overview", groupBy: "team", open: ["payments", null] });
    expect(opened).toBe("groups:team/-,=payments");
    // A namespace's view with the namespaces around it grouped, the payments team's opened.
    const system = viewKey({
      kind: "namespace",
      namespace: "kube-system",
      groupBy: "team",
      open: ["payments"],
    });
    expect(system).toBe("namespace:kube-system/team/=payments");
    const keys = ["overview", closed, opened, system];
    // The cluster by namespace and both groupings are drawn from one overview in the worker.
    const client = await StreamClient.connect(server.url, keys);
    await client.until(() => keys.every((key) => client.views.has(key)));
    for (let step = 0; step < 40; step++) {
      const revision = server.live.revision;
      demo.tick();
      await server.live.whenIdle();
      if (server.live.revision === revision) continue;
      // The stream has caught up when the tab holds each view at the server's revision.
      await client.until(() => keys.every((key) => client.revision(key) === server.live.view(key)?.revision));
      expect(held(client, "overview")).toEqual(byNamespace());
      expect(held(client, closed)).toEqual(expected("team", []));
      expect(held(client, opened)).toEqual(expected("team", ["payments", null]));
      expect(held(client, system)).toEqual(expected("team", ["payments"], "kube-system"));
    }
    // kube-system's DNS is reached from groups, closed and opened.
    const around = held(client, system).nodes;
    expect(around.some((n) => n.kind === "group" && n.open !== true)).toBe(true);
    expect(around.some((n) => n.kind === "namespace" && n.group === "grp:team=payments")).toBe(true);
    const groups = held(client, closed).nodes.filter((n) => n.kind === "group");
    expect(groups.map((g) => g.label)).toContain("team=payments");
    expect(groups.find((g) => g.label === "team=payments")?.namespaces).toBe(3);
    const payments = held(client, opened).nodes.filter((n) => n.group === "grp:team=payments");
    expect(payments.map((n) => n.label).sort()).toEqual([
      "payments-dev",
      "payments-prod",
      "payments-staging",
    ]);
    expect(client.gaps).toEqual([]);
    // A group's edge is explained by the pairs of workloads it stands for: they allow at least the
    // edge's ports (the explanation also counts what the view draws through "any pod").
    const edge = held(client, closed).edges.find(
      (e) => e.source.startsWith("grp:") && e.target.startsWith("grp:") && e.source !== e.target,
    );
    if (edge === undefined) throw new Error("no edge between groups");
    const url = new URL("/api/explain", server.url);
    url.searchParams.set("from", edge.source);
    url.searchParams.set("to", edge.target);
    const explanation = Explanation.parse(await (await fetch(url)).json());
    expect(explanation.ports).not.toBeNull();
    if (explanation.ports !== "all" && edge.ports !== "all")
      expect(explanation.ports).toEqual(expect.arrayContaining(edge.ports));
    expect(explanation.fromName).toMatch(/^team=|^no team label$/);
    expect(explanation.pairCount).toBeGreaterThan(0);
    client.close();
  });
});
