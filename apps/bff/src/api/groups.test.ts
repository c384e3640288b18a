import {
  ClusterState,
  type Groupings,
  groupGraph,
  groupValue,
  NamespaceView,
  OverviewView,
} from "@trustmap/engine";
import {
  Explanation,
  GroupingList,
  type ViewEdge,
  type ViewNode,
  viewKey,
  WorkloadGroupingList,
} from "@trustmap/shared";
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
 * cluster's, or (`namespace`) that namespace's with the namespaces around it (and its own
 * workloads) grouped.
 */
function expected(groupings: Groupings, namespace?: string) {
  const state = new ClusterState();
  state.applyAll(demo.snapshot());
  const inner = namespace === undefined ? new OverviewView(state) : new NamespaceView(state, namespace);
  const graph = groupGraph(inner.snapshot(), (ns, by) => groupValue(state, ns, by), groupings);
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
    // A namespace's own workloads grouped by the pod label the engine offers first.
    const offered = await fetch(new URL("/api/namespaces/payments-prod/groupings", server.url));
    const podLabels = WorkloadGroupingList.parse(await offered.json());
    const podLabel = podLabels.keys[0]?.key;
    if (podLabel === undefined) throw new Error("no pod label groups payments-prod's workloads");
    expect(podLabels.keys[0]!.values).toBeLessThan(podLabels.keys[0]!.workloads);
    const own = viewKey({
      kind: "namespace",
      namespace: "payments-prod",
      groupBy: "team",
      workloadsBy: podLabel,
    });
    const keys = ["overview", closed, opened, system, own];
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
      const team = (open: (string | null)[]) => ({ by: "team", open });
      expect(held(client, closed)).toEqual(expected({ namespaces: team([]) }));
      expect(held(client, opened)).toEqual(expected({ namespaces: team(["payments", null]) }));
      expect(held(client, system)).toEqual(expected({ namespaces: team(["payments"]) }, "kube-system"));
      const workloads = { namespace: "payments-prod", by: podLabel, open: [] };
      expect(held(client, own)).toEqual(expected({ namespaces: team([]), workloads }, "payments-prod"));
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
    expect(held(client, own).nodes.some((n) => n.id.startsWith("wls:payments-prod/"))).toBe(true);
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

  it("answers a namespace's pod labels with what the namespace holds, and refuses a name that is none", async () => {
    const get = (name: string) => fetch(new URL(`/api/namespaces/${name}/groupings`, server.url));
    const state = new ClusterState();
    state.applyAll(demo.snapshot());
    const answer = WorkloadGroupingList.parse(await (await get("payments-prod")).json());
    expect(answer.workloads).toBe([...state.identitiesIn("payments-prod")].length);
    expect(answer.keys.map((k) => k.key)).not.toContain("pod-template-hash");
    expect((await get("no-such-namespace")).status).toBe(404);
    expect((await get("Not_A_Name")).status).toBe(400);
  });
});
