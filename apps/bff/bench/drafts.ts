// What a what-if draft costs at scale: reading a 10-policy draft's manifests, evaluating it against
// the live state (applied and taken back), and drawing it on the largest namespace's view and on
// the cluster's; and the memory it takes beside the live state's.
//
//   pnpm -s --filter @trustmap/bff bench:drafts [--scale L] [--runs 7]
import {
  ClusterState,
  compareEntriesOf,
  groupedNamespaceView,
  manifestOf,
  OverviewView,
  overlayOf,
  PostureLedger,
  postureDiff,
  withDraft,
} from "@trustmap/engine";
import { SyntheticWorld } from "@trustmap/engine/synthetic-world";
import type { DraftDeletion, PostureChange } from "@trustmap/shared";
import { stringify } from "yaml";
import { readDraft } from "../src/drafts/read";
import { arg, scaleArg } from "./args";

const scale = scaleArg("L");
const runs = Number(arg("runs") ?? 7);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc (the package script does)");

function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;
const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

console.log(`What-if drafts at ${scale.name}, on Node.js ${process.version}`);
const base = heap();
const world = new SyntheticWorld(scale, 1);
const state = new ClusterState();
let started = performance.now();
state.applyAll(world.initialEvents());
const ledger = new PostureLedger(state);
ledger.build();
const overview = new OverviewView(state);
overview.snapshot();
const loadMs = performance.now() - started;
// The world's own copy of the cluster is the bench's, not the engine's: measured without it.
const live = heap() - base;
console.log(
  `Live state: ${state.count("Pod")} pods, ${state.count("NetworkPolicy")} policies, ${state.count("RoleBinding") + state.count("ClusterRoleBinding")} bindings; loaded with its facts and overview in ${ms(loadMs)}; ${mb(live)} of heap (the generator's own copy of the cluster included)`,
);

// The 10-policy change: in the namespace with the most workloads, 4 policies edited (each rule
// opened to every pod of the namespace), 5 written anew (one per app, from the namespace's other
// apps on 8080) and 1 deleted.
const largest = [...state.namespacesWithPods()].sort(
  (a, b) => state.identitiesIn(b).size - state.identitiesIn(a).size,
)[0]!;
const policies = [...state.objectsOf("NetworkPolicy").values()].filter(
  (p) => (p as { namespace: string }).namespace === largest,
) as Parameters<typeof manifestOf<"NetworkPolicy">>[1][];
if (policies.length < 5)
  throw new Error(`namespace ${largest} holds ${policies.length} policies; the bench edits 4 and deletes 1`);
const apps = [...new Set([...state.identitiesIn(largest)].map((identity) => identity.labels.app ?? ""))]
  .filter((app) => app !== "")
  .slice(0, 5);
const edited = policies.slice(0, 4).map((policy) => {
  const manifest = manifestOf("NetworkPolicy", policy) as { spec: { ingress?: unknown[] } };
  manifest.spec.ingress = [{ from: [{ podSelector: {} }] }];
  return manifest;
});
const added = apps.map((app, i) => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { namespace: largest, name: `bench-draft-${i}` },
  spec: {
    podSelector: { matchLabels: { app } },
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [{ podSelector: { matchExpressions: [{ key: "app", operator: "NotIn", values: [app] }] } }],
        ports: [{ protocol: "TCP", port: 8080 }],
      },
    ],
  },
}));
const deleted = policies[4]!;
const draft = {
  manifests: [...edited, ...added].map((manifest) => stringify(manifest)).join("---\n"),
  deletions: [{ kind: "NetworkPolicy", namespace: largest, name: deleted.name }] satisfies DraftDeletion[],
};
console.log(
  `Draft: ${edited.length} policies of ${largest} edited, ${added.length} written, 1 deleted (${draft.manifests.length} characters of YAML); ${state.identitiesIn(largest).size} workload identities in ${largest}`,
);

const differences = (changes: readonly PostureChange[]) => compareEntriesOf(changes, "reach");

/** The cluster's view as the draft makes it, with its overlay: a fresh overview, not the live one. */
function drawCluster(changes: readonly PostureChange[], measure?: () => void) {
  const view = new OverviewView(state);
  view.snapshot();
  const placed = overlayOf({
    state,
    view,
    current: ledger.current.values(),
    differences: differences(changes),
  });
  measure?.();
  return placed;
}

const times = {
  read: [] as number[],
  difference: [] as number[],
  namespace: [] as number[],
  cluster: [] as number[],
};
let drafted = 0;
let during = 0;
let counts = "";
// One run first, untimed: the code it runs compiled, the caches it fills filled.
let before = 0;
for (let run = -1; run < runs; run++) {
  started = performance.now();
  const read = readDraft(draft);
  if (read.errors.length > 0) throw new Error(read.errors.join("\n"));
  const readMs = performance.now() - started;

  // The difference, as GET /api/drafts/:id/difference answers it.
  started = performance.now();
  const reading = withDraft(state, ledger, read.edits, () => {
    // What the drafted state and its facts hold beyond the live ones.
  });
  const diff = postureDiff({
    before: ["live"],
    after: ["draft"],
    causes: reading.causes,
    changes: reading.changes,
    gates: [],
  });
  const differenceMs = performance.now() - started;
  counts = Object.entries(diff.counts)
    .map(([key, n]) => `${key} ${n}`)
    .join(", ");

  // The largest namespace's view as the draft makes it, with its overlay (GET /api/drafts/:id/graph).
  started = performance.now();
  withDraft(state, ledger, read.edits, (changes) => {
    const view = groupedNamespaceView(state, largest, {});
    view.snapshot();
    return overlayOf({ state, view, current: ledger.current.values(), differences: differences(changes) });
  });
  const namespaceMs = performance.now() - started;

  started = performance.now();
  withDraft(state, ledger, read.edits, (changes) => drawCluster(changes));
  if (run < 0) continue;
  times.read.push(readMs);
  times.difference.push(differenceMs);
  times.namespace.push(namespaceMs);
  times.cluster.push(performance.now() - started);
}

// The memory, in runs of their own (collecting garbage takes time the runs above do not count).
const edits = readDraft(draft).edits;
before = heap();
withDraft(state, ledger, edits, () => {
  drafted = heap() - before;
});
// What the drafted state holds beyond the live one with the cluster's view drawn on it.
withDraft(state, ledger, edits, (changes) =>
  drawCluster(changes, () => {
    during = heap() - before;
  }),
);
const after = heap() - before;

console.log(`The draft's difference: ${counts}`);
console.log(`Timed over ${runs} runs (median / slowest):`);
for (const [stage, label] of [
  ["read", "read the draft's manifests (YAML, the command line's reader)"],
  ["difference", "evaluate the draft: applied, facts compared, taken back"],
  ["namespace", `draw ${largest}'s view as the draft makes it, with the overlay`],
  ["cluster", "draw the cluster's view as the draft makes it, with the overlay"],
] as const)
  console.log(`  ${label}: ${ms(median(times[stage]))} / ${ms(Math.max(...times[stage]))}`);
const create = times.read.map((t, i) => t + times.difference[i]!);
console.log(
  `Creating a draft and evaluating it (read + difference): ${ms(median(create))} median, ${ms(Math.max(...create))} slowest (target 1 s)`,
);
const share = (bytes: number) => `${((bytes / live) * 100).toFixed(1)} % of the live state`;
console.log(
  `Memory while the draft is applied (each after a full collection; the heap's own noise is about 1 MB): ${mb(drafted)} (${share(drafted)}; target 10 %)`,
);
console.log(`  with a fresh cluster view drawn on it as well: ${mb(during)} (${share(during)})`);
console.log(`  heap kept once the draft is taken back: ${mb(after)}`);
// Whether evaluating leaves anything behind: rounds of many more evaluations, the heap compared
// after each (a large map that grows its table once shows as one step, a leak in every round).
const rounds: string[] = [];
for (let round = 0; round < 8; round++) {
  const at = heap();
  for (let i = 0; i < 100; i++) withDraft(state, ledger, edits, () => undefined);
  rounds.push(mb(heap() - at));
}
console.log(`  heap grown over each of 8 rounds of 100 more evaluations: ${rounds.join(", ")}`);
