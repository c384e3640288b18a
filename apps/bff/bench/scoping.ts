// What per-user scoping costs. Prints JSON.
//   pnpm -s --filter @trustmap/bff bench:scoping --scale L [--apiserver]
// In-process, on the bench's synthetic cluster: the answers of a user who may read one namespace
// (the largest) beside a cluster reader's, through the whole server (the header strategy, reviews
// answered at once: the cost is Trustmap's own). With --apiserver, on the test control plane with as
// many namespaces as the scale has: how many SubjectAccessReviews a login takes, and how long.
import type { WatchEvent } from "@trustmap/engine";
import { SyntheticWorld } from "@trustmap/engine/synthetic-world";
import { namespaceNodeId, viewKey } from "@trustmap/shared";
import { decideAccess } from "../src/auth/access";
import { authSettings } from "../src/auth/config";
import { silentLogger } from "../src/log";
import { startServer } from "../src/server";
import { createKubernetesSource } from "../src/sources/kubernetes";
import { startControlPlane } from "../src/testing/control-plane";
import { ScriptedSource } from "../src/testing/scripted";
import { StreamClient } from "../src/testing/sse-client";
import { scaleArg } from "./args";

const scale = scaleArg("L");
const world = new SyntheticWorld(scale, 1);
const counts = new Map<string, number>();
for (const pod of world.cluster.pods) counts.set(pod.namespace, (counts.get(pod.namespace) ?? 0) + 1);
const largest = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
const result: Record<string, unknown> = {
  scale: scale.name,
  pods: world.cluster.pods.length,
  namespace: largest,
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]!);
}

// 1. Trustmap's own cost of scoping, in-process.
{
  let reviews = 0;
  const source = new ScriptedSource("connected", {
    tokenReview: async () => ({ authenticated: false, reason: "bench" }),
    accessReview: async (user, question) => {
      reviews++;
      return user.name === "reader" || question.namespace === largest;
    },
  });
  const server = await startServer({
    source,
    host: "127.0.0.1",
    port: 0,
    logger: silentLogger,
    auth: authSettings(
      { auth: "header", "auth-proxy": ["127.0.0.1", "::1"] },
      {},
      { host: "127.0.0.1", cluster: true },
    ),
  });
  for (const relist of world.initialEvents()) {
    if (relist.type !== "RELIST") continue;
    const events = relist.objects.map(
      (object) => ({ type: "ADDED", kind: relist.kind, object }) as WatchEvent,
    );
    for (let i = 0; i < events.length; i += 500) source.push(events.slice(i, i + 500));
  }
  await server.live.whenIdle();
  const as = (user: string) => ({ "X-Remote-User": user });
  const time = async (user: string, path: string) => {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const response = await fetch(new URL(path, server.url), { headers: as(user) });
      const text = await response.text();
      if (response.status !== 200)
        throw new Error(`${path} as ${user}: ${response.status} ${text.slice(0, 200)}`);
      times.push(performance.now() - started);
      bytes = text.length;
    }
    return { firstMs: Math.round(times[0]!), medianMs: median(times), kB: Math.round(bytes / 1024) };
  };
  // The first request of each user decides their access (every namespace's reviews for the scoped one).
  const login = async (user: string) => {
    const before = reviews;
    const started = performance.now();
    const response = await fetch(new URL("/api/auth/session", server.url), { headers: as(user) });
    await response.text();
    return { ms: Math.round(performance.now() - started), reviews: reviews - before };
  };
  result.inProcess = {
    loginScoped: await login("alice"),
    loginClusterReader: await login("reader"),
    matrixPageScoped: await time("alice", "/api/rbac?limit=100"),
    matrixPageClusterReader: await time("reader", "/api/rbac?limit=100"),
    matrixRiskyPageClusterReader: await time("reader", "/api/rbac?risky=true&limit=100"),
    searchScoped: await time("alice", "/api/search?q=web"),
    searchClusterReader: await time("reader", "/api/search?q=web"),
    namespacesScoped: await time("alice", "/api/namespaces"),
    // The overview a scoped user opens: the counts, the findings' first page, the gaps page.
    overviewCountsScoped: await time("alice", "/api/cluster"),
    overviewCountsClusterReader: await time("reader", "/api/cluster"),
    findingsPageScoped: await time("alice", "/api/findings?limit=100"),
    gapsScoped: await time("alice", "/api/gaps"),
    gapsClusterReader: await time("reader", "/api/gaps"),
    whoCanScoped: await time("alice", `/api/rbac/who-can?verb=get&resource=secrets&namespace=${largest}`),
    reportJsonScoped: await time("alice", "/api/export/report.json"),
    namespaceNodeScoped: await time("alice", `/api/nodes/${encodeURIComponent(namespaceNodeId(largest))}`),
  };
  // A namespace's view over the stream: the first snapshot, narrowed for alice, whole for the reader.
  const view = viewKey({ kind: "namespace", namespace: largest });
  const stream = async (user: string) => {
    const times: number[] = [];
    let nodes = 0;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const client = await StreamClient.connect(server.url, [view], { headers: as(user) });
      await client.until(() => client.views.has(view), 120_000);
      times.push(performance.now() - started);
      nodes = client.views.get(view)!.nodes.size;
      client.close();
    }
    return { firstMs: Math.round(times[0]!), medianMs: median(times), nodes };
  };
  Object.assign(result.inProcess as object, {
    namespaceViewScoped: await stream("alice"),
    namespaceViewClusterReader: await stream("reader"),
  });
  await server.close();
  console.error(JSON.stringify(result.inProcess));
}

// 2. The reviews a login takes against a real API server with the scale's namespaces.
if (process.argv.includes("--apiserver")) {
  const plane = await startControlPlane({ controllerManager: false });
  try {
    const names = [...new Set(world.cluster.namespaces.map((n) => n.name))];
    // The control plane has its own (default, kube-system, …): made only when missing.
    const existing = new Set(
      (
        (await plane.request("GET", "/api/v1/namespaces")) as { items: { metadata: { name: string } }[] }
      ).items.map((item) => item.metadata.name),
    );
    const started = performance.now();
    for (let i = 0; i < names.length; i += 50)
      await Promise.all(
        names
          .slice(i, i + 50)
          .filter((name) => !existing.has(name))
          .map((name) => plane.request("POST", "/api/v1/namespaces", { metadata: { name } })),
      );
    const made = Math.round(performance.now() - started);
    const rbac = "/apis/rbac.authorization.k8s.io/v1";
    await plane.request("POST", `${rbac}/namespaces/${largest}/roles`, {
      metadata: { name: "reader" },
      rules: [
        { apiGroups: [""], resources: ["pods", "serviceaccounts"], verbs: ["list"] },
        { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["list"] },
        { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings"], verbs: ["list"] },
      ],
    });
    await plane.request("POST", `${rbac}/namespaces/${largest}/rolebindings`, {
      metadata: { name: "alice" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "reader" },
      subjects: [{ kind: "User", name: "alice", apiGroup: "rbac.authorization.k8s.io" }],
    });
    const created = createKubernetesSource({ kubeconfigPath: plane.kubeconfigPath });
    if (!created.ok) throw new Error(created.message);
    const reviews = created.source.reviews;
    const decide = async (user: string, groups: string[]) => {
      const times: number[] = [];
      let asked = 0;
      let readable = 0;
      for (let i = 0; i < 3; i++) {
        const begun = performance.now();
        const access = await decideAccess(reviews, { name: user, groups }, names);
        times.push(performance.now() - begun);
        asked = access.reviews;
        readable = access.namespaces.length;
      }
      return { firstMs: Math.round(times[0]!), medianMs: median(times), reviews: asked, readable };
    };
    result.apiserver = {
      namespaces: names.length,
      madeInMs: made,
      loginScoped: await decide("alice", ["system:authenticated"]),
      loginClusterReader: await decide("admin", ["system:masters", "system:authenticated"]),
    };
  } finally {
    await plane.stop();
  }
}
console.log(JSON.stringify(result, null, 1));
