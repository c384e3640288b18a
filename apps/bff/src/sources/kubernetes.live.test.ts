import { ClusterState, NamespaceView, OverviewView } from "@trustmap/engine";
import type { ViewEdge, ViewNode } from "@trustmap/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../log";
import { type RunningServer, startServer } from "../server";
import { type ControlPlane, startControlPlane } from "../testing/control-plane";
import { StreamClient } from "../testing/sse-client";
import { createKubernetesSource, type KubernetesSource } from "./kubernetes";
import { eventsOf } from "./source";

// The BFF against a real kube-apiserver: objects made through the API reach the browsers' views,
// and after the apiserver dies, etcd is compacted (watches get 410 Gone) and connections drop,
// the views converge again to what a fresh list says, with the outage on the status stream.

let plane: ControlPlane;
let server: RunningServer;
let client: StreamClient;
let source: KubernetesSource;
const KEYS = ["overview", "namespace:shop"];

const pod = (name: string, labels: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "shop", labels },
  spec: {
    containers: [
      { name: "app", image: "registry.example/app:1", ports: [{ name: "http", containerPort: 8080 }] },
    ],
  },
});

async function createPod(name: string, labels: Record<string, string>, ip: string): Promise<void> {
  await plane.request("POST", "/api/v1/namespaces/shop/pods", pod(name, labels));
  // No kubelet runs: the test says the pod runs, with an IP, through the status subresource.
  await plane.request(
    "PATCH",
    `/api/v1/namespaces/shop/pods/${name}/status`,
    { status: { phase: "Running", podIP: ip, podIPs: [{ ip }] } },
    [],
    "application/merge-patch+json",
  );
}

/** What a fresh engine computes from a fresh list of the cluster, through a new source. */
async function freshViews(): Promise<Map<string, { nodes: ViewNode[]; edges: ViewEdge[] }>> {
  const created = createKubernetesSource({ kubeconfigPath: plane.kubeconfigPath });
  if (!created.ok) throw new Error(created.message);
  const state = new ClusterState();
  await new Promise<void>((resolve, reject) => {
    created.source.start({
      events: (batch) => state.applyAll(eventsOf(batch)),
      status: (status) => {
        if (status.state === "connected") resolve();
        if (status.state === "failed") reject(new Error(status.message));
      },
      problems: () => undefined,
      replaceProblems: () => undefined,
    });
  });
  await created.source.stop();
  const sorted = <T extends { id: string }>(items: Iterable<T>) =>
    [...items].sort((a, b) => (a.id < b.id ? -1 : 1));
  const out = new Map<string, { nodes: ViewNode[]; edges: ViewEdge[] }>();
  for (const [key, view] of [
    ["overview", new OverviewView(state)],
    ["namespace:shop", new NamespaceView(state, "shop")],
  ] as const) {
    const snapshot = view.snapshot();
    out.set(key, { nodes: sorted(snapshot.nodes), edges: sorted(snapshot.edges) });
  }
  return out;
}

/** JSON with keys sorted: equal values give equal text, whatever order their keys were written in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Waits until every view the client holds equals the fresh list's views. */
async function converged(what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = "";
  for (;;) {
    const fresh = await freshViews();
    const held = KEYS.map((key) => {
      const view = client.views.get(key);
      const sorted = <T extends { id: string }>(items: Iterable<T>) =>
        [...items].sort((a, b) => (a.id < b.id ? -1 : 1));
      return canonical({
        nodes: sorted(view?.nodes.values() ?? []),
        edges: sorted(view?.edges.values() ?? []),
      });
    });
    const want = KEYS.map((key) => canonical(fresh.get(key)));
    if (held.join() === want.join()) return;
    last = `held ${held.join().slice(0, 300)} want ${want.join().slice(0, 300)}`;
    if (Date.now() > deadline) throw new Error(`views did not converge after ${what}: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

beforeAll(async () => {
  plane = await startControlPlane();
  await plane.request("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "shop", labels: { team: "shop" } },
  });
  await createPod("web-1", { app: "web" }, "10.1.0.1");
  await createPod("api-1", { app: "api" }, "10.1.0.2");
  const created = createKubernetesSource({
    kubeconfigPath: plane.kubeconfigPath,
    idleTimeoutMs: 5_000,
    backoff: { initialMs: 200, maxMs: 1_000 },
  });
  if (!created.ok) throw new Error(created.message);
  source = created.source;
  server = await startServer({ source, host: "127.0.0.1", port: 0, logger: silentLogger });
  client = await StreamClient.connect(server.url, KEYS);
}, 240_000);

afterAll(async () => {
  client?.close();
  await server?.close();
  await plane?.stop();
});

describe("the Kubernetes source against a real kube-apiserver", () => {
  it("streams objects made through the API, and the views equal a fresh list's", async () => {
    await converged("the first list");
    expect(client.views.get("namespace:shop")!.nodes.size).toBeGreaterThanOrEqual(2);
    await plane.request("POST", "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies", {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "api-from-web", namespace: "shop" },
      spec: {
        podSelector: { matchLabels: { app: "api" } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: "http" }] }],
      },
    });
    await createPod("web-2", { app: "web" }, "10.1.0.3");
    await converged("a policy and a pod");
    await plane.request("DELETE", "/api/v1/namespaces/shop/pods/web-2?gracePeriodSeconds=0");
    await converged("a pod deleted");
    expect(client.gaps).toEqual([]);
  }, 240_000);

  it("reports the apiserver's outage, reconnects, and converges after etcd compaction (410 Gone)", async () => {
    const before = client.statuses.length;
    const relists = source.relists;
    await plane.stopApiserver();
    await client.until(
      () => client.statuses.slice(before).some((s) => s.state === "reconnecting"),
      60_000,
      "a reconnecting status",
    );
    await plane.compactEtcd();
    await plane.startApiserver();
    await client.until(
      () => client.statuses.slice(before).some((s) => s.state === "connected"),
      120_000,
      "connected again",
    );
    await createPod("api-2", { app: "api" }, "10.1.0.4");
    await converged("the restart and compaction");
    expect(client.gaps).toEqual([]);
    // The watches came back with resourceVersions etcd had compacted away: 410 Gone, then lists again.
    expect(source.relists).toBeGreaterThan(relists);
  }, 300_000);
});
