// How long the BFF's REST answers take on a large cluster (the engine bench's synthetic cluster),
// each asked twice: cold (computed for this revision) and warm (cached). Prints JSON.
//   pnpm -s --filter @trustmap/bff bench:api --scale S|M|L|XL
import type { WatchEvent } from "@trustmap/engine";
import { SyntheticWorld } from "@trustmap/engine/synthetic-world";
import { namespaceNodeId, podNodeId, viewKey } from "@trustmap/shared";
import { silentLogger } from "../src/log";
import { startServer } from "../src/server";
import { ScriptedSource } from "../src/testing/scripted";
import { scaleArg } from "./args";

const scale = scaleArg("S");
const world = new SyntheticWorld(scale, 1);
const source = new ScriptedSource();
const server = await startServer({ source, host: "127.0.0.1", port: 0, logger: silentLogger });
for (const relist of world.initialEvents()) {
  if (relist.type !== "RELIST") continue;
  const events = relist.objects.map((object) => ({ type: "ADDED", kind: relist.kind, object }) as WatchEvent);
  for (let i = 0; i < events.length; i += 500) source.push(events.slice(i, i + 500));
}
await server.live.whenIdle();

const counts = new Map<string, number>();
for (const pod of world.cluster.pods) counts.set(pod.namespace, (counts.get(pod.namespace) ?? 0) + 1);
const largest = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
const pods = world.cluster.pods.filter((pod) => pod.namespace === largest);
const from = podNodeId(pods[0]!.namespace, pods[0]!.name);
const to = podNodeId(pods[pods.length - 1]!.namespace, pods[pods.length - 1]!.name);

const account = world.cluster.serviceAccounts.find((a) => a.namespace === largest);
const accountRef =
  account === undefined ? "User/nobody" : `ServiceAccount/${account.namespace}/${account.name}`;

const paths: Record<string, string> = {
  namespaces: "/api/namespaces",
  findingsOfNamespace: `/api/findings?namespace=${encodeURIComponent(largest)}`,
  rbacRiskyPage: "/api/rbac?risky=true&limit=100",
  namespaceNode: `/api/nodes/${encodeURIComponent(namespaceNodeId(largest))}`,
  explainPair: `/api/explain?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
  evidenceOfNamespace: `/api/export/report.json?namespace=${encodeURIComponent(largest)}`,
  explainNamespaces: `/api/explain?from=${encodeURIComponent(namespaceNodeId(largest))}&to=${encodeURIComponent(namespaceNodeId(largest))}`,
  whoCanGetSecretsInNamespace: `/api/rbac/who-can?verb=get&resource=secrets&namespace=${encodeURIComponent(largest)}`,
  whoCanListPodsClusterWide: "/api/rbac/who-can?verb=list&resource=pods",
  canIServiceAccount: `/api/rbac/can-i?subject=${encodeURIComponent(accountRef)}&namespace=${encodeURIComponent(largest)}`,
  rbacFilterGetSecretsInNamespace: `/api/rbac?namespace=${encodeURIComponent(largest)}&resource=secrets&verb=get&limit=100`,
  // The gaps page: whole-cluster grouping, counts and the fix-first ranking, and one namespace's.
  gapsCluster: "/api/gaps",
  gapsOfNamespace: `/api/gaps?namespace=${encodeURIComponent(largest)}`,
};
// Reachability of one workload (by one of its pods) and of the largest namespace; search by a name.
const workload = encodeURIComponent(podNodeId(pods[0]!.namespace, pods[0]!.name));
const namespace = encodeURIComponent(namespaceNodeId(largest));
Object.assign(paths, {
  reachWorkloadIn: `/api/reach?node=${workload}&direction=in`,
  reachWorkloadOut: `/api/reach?node=${workload}&direction=out`,
  reachWorkloadInBlocked: `/api/reach?node=${workload}&direction=in&blocked=true`,
  reachNamespaceIn: `/api/reach?node=${namespace}&direction=in`,
  reachNamespaceOutBlocked: `/api/reach?node=${namespace}&direction=out&blocked=true`,
  searchName: `/api/search?q=${encodeURIComponent(pods[0]!.name.slice(0, 6))}`,
  searchLabel: `/api/search?q=${encodeURIComponent("app=")}`,
});
const result: Record<string, unknown> = { scale: scale.name, pods: world.cluster.pods.length };
for (const [name, path] of Object.entries(paths)) {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 2; i++) {
    const started = performance.now();
    const response = await fetch(new URL(path, server.url));
    const text = await response.text();
    times.push(performance.now() - started);
    bytes = text.length;
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${text.slice(0, 200)}`);
  }
  result[name] = {
    coldMs: Math.round(times[0]!),
    warmMs: Math.round(times[1]!),
    kB: Math.round(bytes / 1024),
  };
}
// Accepted exceptions at scale: an exception that covers one check on every pod is judged, the
// watched overview is made again for its marks, and the counts answer (asked right after, so the
// answer waits for the judging).
const overview = { kind: "overview" } as const;
const view = server.live.watch(viewKey(overview), overview);
while (!view.ready) await new Promise((resolve) => setTimeout(resolve, 50));
for (const check of ["automount-service-account-token", "privileged-container"]) {
  const started = performance.now();
  server.live.accept([
    { index: 0, check, match: { namespace: "*" }, reason: "bench", owner: "bench", expires: "2999-12-31" },
  ]);
  const answer = (await (await fetch(new URL("/api/cluster", server.url))).json()) as {
    counts: { findings: number; accepted: number };
  };
  result[`accept ${check}`] = {
    ms: Math.round(performance.now() - started),
    accepted: answer.counts.accepted,
    open: answer.counts.findings,
  };
}
console.log(JSON.stringify(result));
await server.close();
