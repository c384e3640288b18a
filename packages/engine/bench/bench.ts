// The engine at cluster scale: builds a synthetic cluster, feeds it to the live engine as the
// initial lists, then a stream of churn, and prints what it cost.
//   pnpm -s bench --scale S|M|L|XL [--json] [--events N] [--identities N] [--seed N] [--no-views]
//     [--cluster-policies N]   (admin and baseline policies: AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy)
//     [--exposures N]          (deployments published: LoadBalancer, NodePort, or an Ingress, by turns)
import type { Pod } from "../src/objects/model";
import { parseCluster } from "../src/objects/parse";
import { ClusterState } from "../src/state/cluster-state";
import { monolithNamespace } from "../src/testing/monolith";
import { NamespaceView, OverviewView } from "../src/views/views";
import { SCALES, SyntheticWorld, scaleNamed } from "./synthetic";

function arg(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const scale = scaleNamed(arg("scale") ?? "S");
if (scale === undefined) {
  console.error(
    `bench: --scale takes one of ${Object.keys(SCALES).join(", ")}, or one with a monolith's namespace of N workloads (L+5000)`,
  );
  process.exit(2);
}
const eventTarget = Number(arg("events") ?? 3000);
const world = new SyntheticWorld(
  scale,
  Number(arg("seed") ?? 1),
  Number(arg("cluster-policies") ?? 0),
  Number(arg("exposures") ?? 0),
);
collect();

let started = performance.now();
const state = new ClusterState();
state.applyAll(world.initialEvents());
const initialMs = performance.now() - started;

// --no-views measures the engine alone; by default the overview and the largest namespace's view
// are kept up to date too, as they are for a browser watching them.
const withViews = !process.argv.includes("--no-views");
started = performance.now();
const overview = withViews ? new OverviewView(state) : undefined;
const overviewMs = performance.now() - started;
const largest = [...state.namespacesWithPods()].sort(
  (a, b) => state.identitiesIn(b).size - state.identitiesIn(a).size,
)[0]!;
started = performance.now();
const namespaceView = withViews ? new NamespaceView(state, largest) : undefined;
const namespaceViewMs = performance.now() - started;

const timings = {
  pod: [] as number[],
  policy: [] as number[],
  rbac: [] as number[],
  namespace: [] as number[],
  clusterPolicy: [] as number[],
  exposure: [] as number[],
};
const viewTimings: number[] = [];
let events = 0;
while (events < eventTarget) {
  const burst = world.churn();
  for (const event of burst.events) {
    const t0 = process.hrtime.bigint();
    const delta = state.apply(event);
    const us = Number(process.hrtime.bigint() - t0) / 1000;
    const v0 = process.hrtime.bigint();
    overview?.update(delta);
    namespaceView?.update(delta);
    viewTimings.push(Number(process.hrtime.bigint() - v0) / 1000);
    const kind =
      burst.kind === "clusterPolicy" || burst.kind === "exposure"
        ? burst.kind
        : event.kind === "Pod"
          ? "pod"
          : event.kind === "NetworkPolicy"
            ? "policy"
            : event.kind === "Namespace"
              ? "namespace"
              : "rbac";
    timings[kind].push(us);
    events++;
  }
}

// Rollouts only: each makes a new identity (pod-template-hash is a label) and retires the old
// one. Timed from the event to the overview's patch (the cost a browser watching the whole
// cluster adds); memory is read before and after, and should stay flat.
const identityTarget = Number(arg("identities") ?? 2000);
const newIdentity: number[] = [];
collect();
const rssBeforeRolloutsMB = Math.round(process.memoryUsage().rss / 1e6);
const heapBeforeRolloutsMB = Math.round(process.memoryUsage().heapUsed / 1e6);
let rolloutEvents = 0;
while (newIdentity.length < identityTarget) {
  for (const event of world.rollout()) {
    const t0 = process.hrtime.bigint();
    const delta = state.apply(event);
    overview?.update(delta);
    const us = Number(process.hrtime.bigint() - t0) / 1000;
    namespaceView?.update(delta);
    if (delta.identities.added.length > 0) newIdentity.push(us);
    rolloutEvents++;
  }
}

const cluster = state.cluster();
collect();
const heapUsedMB = Math.round(process.memoryUsage().heapUsed / 1e6);
const rssMB = Math.round(process.memoryUsage().rss / 1e6);
started = performance.now();
const scratch = ClusterState.from(cluster);
const fromScratchMs = performance.now() - started;

// Pods nothing owns (a batch system's, a debugging session's) are each their own owner: a
// fifth of the scale's pods with one set of labels make one identity of that many owners,
// listed alone, then one more such pod comes and goes.
const ownerlessCount = Math.round(cluster.pods.length / 5);
const template = cluster.pods[0]!;
const ownerless = (name: string): Pod => ({
  ...template,
  namespace: "batch",
  name,
  labels: { app: "batch-worker" },
  source: { kind: "Pod", namespace: "batch", name },
  owner: { kind: "Pod", namespace: "batch", name },
});
const ownerlessPods = Array.from({ length: ownerlessCount }, (_, i) => ownerless(`worker-${i}`));
collect();
started = performance.now();
const batch = new ClusterState();
batch.applyAll([{ type: "RELIST", kind: "Pod", objects: ownerlessPods }]);
const ownerlessMs = performance.now() - started;
const ownerlessEvents: number[] = [];
for (let i = 0; i < 200; i++) {
  const pod = ownerless(`extra-${i}`);
  for (const event of [
    { type: "ADDED", kind: "Pod", object: pod },
    { type: "DELETED", kind: "Pod", object: pod },
  ] as const) {
    const t0 = process.hrtime.bigint();
    batch.apply(event);
    ownerlessEvents.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
}

// A monolith's namespace whose policies admit all of its own workloads (default deny, then
// allow the namespace): every pair of its workloads may connect. The overview sums them all on
// one edge; timed from scratch and per new workload while it is watched.
const monolithWorkloads = Math.round(cluster.pods.length / 30);
const monolithDocuments = monolithNamespace("monolith");
const monolithPod = (app: string, replica: number) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    namespace: "monolith",
    name: `${app}-${replica}`,
    labels: { app },
    ownerReferences: [{ kind: "StatefulSet", name: app, uid: app, controller: true }],
  },
  spec: {
    containers: [
      { name: "main", image: "registry.example/app:1", ports: [{ name: "http", containerPort: 8080 }] },
    ],
  },
});
for (let w = 0; w < monolithWorkloads; w++)
  for (let r = 0; r < 3; r++) monolithDocuments.push(monolithPod(`service-${w}`, r));
const monolith = parseCluster(monolithDocuments.map((object, i) => ({ source: `monolith ${i}`, object })));
if (monolith.errors.length > 0) throw new Error(monolith.errors.map(String).join("\n"));
const monolithState = ClusterState.from(monolith.cluster);
collect();
started = performance.now();
const monolithOverview = new OverviewView(monolithState);
const monolithOverviewMs = performance.now() - started;
const monolithPairs =
  monolithOverview.snapshot().edges.find((edge) => edge.source === edge.target)?.pairs ?? 0;
const monolithEvents: number[] = [];
for (let i = 0; i < 100; i++) {
  const pod = parseCluster([{ source: "monolith new", object: monolithPod(`new-${i}`, 0) }]).cluster.pods[0]!;
  const t0 = process.hrtime.bigint();
  monolithOverview.update(monolithState.apply({ type: "ADDED", kind: "Pod", object: pod }));
  monolithEvents.push(Number(process.hrtime.bigint() - t0) / 1000);
}

const round = (n: number) => Math.round(n * 10) / 10;
const result = {
  scale: scale.name,
  pods: cluster.pods.length,
  namespaces: cluster.namespaces.length,
  policies: cluster.networkPolicies.length,
  clusterPolicies: cluster.clusterPolicies?.length ?? 0,
  bindings: cluster.bindings.length,
  identities: [...scratch.identities()].length,
  initialMs: Math.round(initialMs),
  events,
  podEventP50Us: round(percentile(timings.pod, 50)),
  podEventP99Us: round(percentile(timings.pod, 99)),
  policyEventP50Us: round(percentile(timings.policy, 50)),
  policyEventP99Us: round(percentile(timings.policy, 99)),
  rbacEventP99Us: round(percentile(timings.rbac, 99)),
  namespaceEventP99Us: round(percentile(timings.namespace, 99)),
  clusterPolicyEvents: timings.clusterPolicy.length,
  clusterPolicyEventP50Us: round(percentile(timings.clusterPolicy, 50)),
  clusterPolicyEventP99Us: round(percentile(timings.clusterPolicy, 99)),
  exposures: cluster.exposures?.length ?? 0,
  exposurePaths: scratch.allExposurePaths().length,
  exposureEvents: timings.exposure.length,
  exposureEventP99Us: round(percentile(timings.exposure, 99)),
  allEventP99Us: round(percentile(Object.values(timings).flat(), 99)),
  fromScratchMs: Math.round(fromScratchMs),
  overviewMs: Math.round(overviewMs),
  overviewNodes: overview?.snapshot().nodes.length ?? 0,
  overviewEdges: overview?.snapshot().edges.length ?? 0,
  namespaceViewMs: round(namespaceViewMs),
  viewUpdateP50Us: round(percentile(viewTimings, 50)),
  viewUpdateP99Us: round(percentile(viewTimings, 99)),
  rolloutEvents,
  newIdentityEvents: newIdentity.length,
  newIdentityP50Us: round(percentile(newIdentity, 50)),
  newIdentityP99Us: round(percentile(newIdentity, 99)),
  ownerlessPods: ownerlessCount,
  ownerlessMs: Math.round(ownerlessMs),
  ownerlessEventP50Us: round(percentile(ownerlessEvents, 50)),
  ownerlessEventP99Us: round(percentile(ownerlessEvents, 99)),
  monolithWorkloads,
  monolithPairs,
  monolithOverviewMs: round(monolithOverviewMs),
  monolithNewWorkloadP50Us: round(percentile(monolithEvents, 50)),
  monolithNewWorkloadP99Us: round(percentile(monolithEvents, 99)),
  heapBeforeRolloutsMB,
  rssBeforeRolloutsMB,
  heapUsedMB,
  rssMB,
};

if (process.argv.includes("--json")) {
  console.log(JSON.stringify(result));
} else {
  console.log(`Trustmap engine at scale ${result.scale}`);
  console.log(
    `  cluster        ${result.pods} pods, ${result.namespaces} namespaces, ${result.policies} NetworkPolicies, ${result.bindings} bindings, ${result.identities} identities`,
  );
  console.log(`  initial lists  ${result.initialMs} ms`);
  console.log(
    `  ${result.events} events  pod p50 ${result.podEventP50Us} µs, p99 ${result.podEventP99Us} µs; policy p50 ${result.policyEventP50Us} µs, p99 ${result.policyEventP99Us} µs; RBAC p99 ${result.rbacEventP99Us} µs; namespace p99 ${result.namespaceEventP99Us} µs`,
  );
  if (result.exposures > 0)
    console.log(
      `  exposure       ${result.exposures} Services and Ingresses, ${result.exposurePaths} paths; a published Service edited p99 ${result.exposureEventP99Us} µs (${result.exposureEvents} events)`,
    );
  console.log(
    `  from scratch   ${result.fromScratchMs} ms (${Math.round((result.fromScratchMs * 1000) / Math.max(1, result.podEventP99Us))}x a pod event at p99)`,
  );
  console.log(
    `  views          overview ${result.overviewNodes} nodes, ${result.overviewEdges} edges in ${result.overviewMs} ms; largest namespace in ${result.namespaceViewMs} ms; both updated per event p50 ${result.viewUpdateP50Us} µs, p99 ${result.viewUpdateP99Us} µs`,
  );
  console.log(
    `  rollouts       ${result.newIdentityEvents} new identities in ${result.rolloutEvents} events, ${withViews ? "overview watched" : "no views"}: from event to overview patch p50 ${result.newIdentityP50Us} µs, p99 ${result.newIdentityP99Us} µs`,
  );
  console.log(
    `  ownerless      ${result.ownerlessPods} pods of one identity, nothing owning them, listed in ${result.ownerlessMs} ms; one more comes and goes p50 ${result.ownerlessEventP50Us} µs, p99 ${result.ownerlessEventP99Us} µs`,
  );
  console.log(
    `  monolith       ${result.monolithWorkloads} workloads of one namespace all admitted to each other (${result.monolithPairs} pod pairs): overview in ${result.monolithOverviewMs} ms; a new workload to overview patch p50 ${result.monolithNewWorkloadP50Us} µs, p99 ${result.monolithNewWorkloadP99Us} µs`,
  );
  console.log(
    `  memory         heap ${result.heapBeforeRolloutsMB} MB before the rollouts, ${result.heapUsedMB} MB after; rss ${result.rssBeforeRolloutsMB} MB before, ${result.rssMB} MB after`,
  );
}
