import {
  ClusterState,
  type InputError,
  type Kind,
  objectKey,
  type Pod,
  type WatchEvent,
} from "@trustmap/engine";
import type { Finding, SourceStatus } from "@trustmap/shared";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DemoSource } from "./demo";
import type { SourceSink } from "./source";
import { type EventBatch, eventsOf } from "./source";

const ORDER: readonly Kind[] = [
  "Namespace",
  "ServiceAccount",
  "NetworkPolicy",
  "Role",
  "ClusterRole",
  "RoleBinding",
  "ClusterRoleBinding",
  "Pod",
];

/** Characters of generated Kubernetes name suffixes. */
const SUFFIX = "[bcdfghjklmnpqrstvwxz2456789]";

class RecordingSink implements SourceSink {
  readonly batches: (readonly WatchEvent[])[] = [];
  readonly statuses: SourceStatus[] = [];
  readonly problemList: InputError[] = [];
  /** Everything in call order, to check that statuses frame the initial list. */
  readonly calls: string[] = [];

  events(batch: EventBatch): void {
    this.batches.push(eventsOf(batch));
    this.calls.push("events");
  }
  status(status: SourceStatus): void {
    this.statuses.push(status);
    this.calls.push(status.state);
  }
  problems(problems: readonly InputError[]): void {
    this.problemList.push(...problems);
    this.calls.push("problems");
  }
  replaceProblems(problems: readonly InputError[]): void {
    this.problemList.splice(0, this.problemList.length, ...problems);
    this.calls.push("problems");
  }
}

/** What a consumer of the events holds: the keys of every kind, and the pods themselves. */
class Mirror {
  private readonly keys = new Map<Kind, Set<string>>(ORDER.map((kind) => [kind, new Set()]));
  private readonly podsByKey = new Map<string, Pod>();

  apply(events: readonly WatchEvent[]): void {
    for (const event of events) {
      if (event.type === "RELIST") throw new Error("the demo never relists");
      const keys = this.keys.get(event.kind)!;
      const key = objectKey(event.kind, event.object);
      if (event.type === "DELETED") keys.delete(key);
      else keys.add(key);
      if (event.kind !== "Pod") continue;
      if (event.type === "DELETED") this.podsByKey.delete(key);
      else this.podsByKey.set(key, event.object);
    }
  }

  count(kind: Kind): number {
    return this.keys.get(kind)!.size;
  }

  pods(): Pod[] {
    return [...this.podsByKey.values()];
  }
}

function manual(seed: number): DemoSource {
  return new DemoSource({ seed, intervalMs: 0 });
}

function ticks(source: DemoSource, count: number): (readonly WatchEvent[])[] {
  return Array.from({ length: count }, () => source.tick());
}

let live: { state: ClusterState; findings: Finding[] } | undefined;

/** The state of seed 1 after its initial list and 200 changes, built once for the findings tests. */
function liveState(): { state: ClusterState; findings: Finding[] } {
  if (live !== undefined) return live;
  const source = manual(1);
  const state = new ClusterState();
  state.applyAll(source.snapshot());
  for (const events of ticks(source, 200)) state.applyAll(events);
  expect(source.problems).toEqual([]);
  live = { state, findings: state.findings() };
  return live;
}

function evidenceOf(findings: readonly Finding[], id: string): string[] {
  return findings.filter((finding) => finding.id === id).flatMap((finding) => finding.objects);
}

function podsIn(pods: readonly Pod[], namespace: string, app: string): Pod[] {
  return pods.filter((pod) => pod.namespace === namespace && pod.labels.app === app);
}

/** "namespace/deployment" of a Deployment's pod: its name without the template hash and suffix. */
function deploymentOf(pod: Pod): string {
  return `${pod.namespace}/${pod.name.split("-").slice(0, -2).join("-")}`;
}

function podsByDeployment(pods: readonly Pod[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const pod of pods) {
    if (pod.labels["pod-template-hash"] === undefined) continue;
    counts.set(deploymentOf(pod), (counts.get(deploymentOf(pod)) ?? 0) + 1);
  }
  return counts;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("DemoSource", () => {
  it("says it is the demo, and which seed", () => {
    expect(manual(7).info).toEqual({ kind: "demo", name: "Demo company (seed 7)", demo: true });
    expect(new DemoSource({ intervalMs: 0 }).info.name).toBe("Demo company (seed 1)");
  });

  it("replays the same company and the same changes for the same seed, and another for another", () => {
    const [a, b, c] = [manual(42), manual(42), manual(43)];
    expect(JSON.stringify(a.snapshot())).toBe(JSON.stringify(b.snapshot()));
    expect(JSON.stringify(ticks(a, 50))).toBe(JSON.stringify(ticks(b, 50)));
    expect(JSON.stringify(c.snapshot())).not.toBe(JSON.stringify(manual(42).snapshot()));
    expect(JSON.stringify(ticks(c, 50))).not.toBe(JSON.stringify(ticks(manual(42), 50)));
  });

  it("reads every object it makes through the engine's reader, and changes something every tick", () => {
    for (const seed of [1, 2, 3]) {
      const source = manual(seed);
      expect(source.snapshot().length).toBeGreaterThan(0);
      for (const events of ticks(source, 300)) {
        expect(events.length).toBeGreaterThan(0);
        for (const event of events) expect(["ADDED", "MODIFIED", "DELETED"]).toContain(event.type);
      }
      // A refused object is a bug in the demo: the reader's message says which field.
      expect(source.problems).toEqual([]);
    }
  });

  it("is the size of a company with several teams", () => {
    for (const seed of [1, 2, 3]) {
      const sized = new Mirror();
      sized.apply(manual(seed).snapshot());
      expect(sized.count("Namespace")).toBeGreaterThanOrEqual(20);
      expect(sized.count("Namespace")).toBeLessThanOrEqual(60);
      expect(sized.count("Pod")).toBeGreaterThanOrEqual(200);
      expect(sized.count("Pod")).toBeLessThanOrEqual(1000);
    }
    const mirror = new Mirror();
    mirror.apply(manual(1).snapshot());
    const teams = new Set(mirror.pods().flatMap((pod) => pod.labels.team ?? []));
    expect([...teams]).toEqual(
      expect.arrayContaining(["payments", "storefront", "search", "data", "identity", "platform"]),
    );
    for (const kind of ["ServiceAccount", "NetworkPolicy", "Role", "RoleBinding"] as const) {
      expect(mirror.count(kind)).toBeGreaterThan(20);
    }
  });

  it("names and labels pods as their controllers do", () => {
    const mirror = new Mirror();
    mirror.apply(manual(1).snapshot());
    const deployed = mirror.pods().filter((pod) => pod.labels["pod-template-hash"] !== undefined);
    expect(deployed.length).toBeGreaterThan(100);
    for (const pod of deployed) {
      const hash = pod.labels["pod-template-hash"]!;
      expect(pod.name).toMatch(new RegExp(`^[a-z0-9-]+-${hash}-${SUFFIX}{5}$`));
      expect(hash).toMatch(new RegExp(`^${SUFFIX}{10}$`));
    }
    const web = podsIn(mirror.pods(), "storefront-prod", "web");
    expect(web.length).toBeGreaterThan(5);
    expect(web[0]!.labels).toMatchObject({ app: "web", tier: "frontend", team: "storefront" });
    expect(web[0]!.serviceAccountName).toBe("web");
    expect(web[0]!.ports.map((port) => port.name)).toEqual(["http", "metrics"]);
    const names = new Set(mirror.pods().flatMap((pod) => pod.ports.map((port) => port.name)));
    expect([...names]).toEqual(expect.arrayContaining(["http", "grpc", "metrics", "postgres", "dns"]));
  });

  it("mixes hardened workloads with the risky ones real clusters have", () => {
    const mirror = new Mirror();
    mirror.apply(manual(1).snapshot());
    const pods = mirror.pods();
    const hardened = pods.filter((pod) => pod.security.runAsNonRoot === true);
    expect(hardened.length / pods.length).toBeGreaterThan(0.5);
    const privileged = pods.filter((pod) => pod.security.containers.some((c) => c.privileged === true));
    expect(privileged.some((pod) => pod.namespace === "kube-system" && pod.security.hostNetwork)).toBe(true);
    const shipper = pods.find((pod) => pod.namespace === "logging");
    expect(shipper?.security.hostPathVolumes).toContain("/var/log");
    const images = pods.flatMap((pod) => pod.security.containers.map((c) => c.image));
    const pinned = images.filter((image) => /@sha256:[0-9a-f]{64}$/.test(image));
    expect(pinned.length).toBeGreaterThan(10);
    expect(pinned.length).toBeLessThan(images.length / 2);
  });

  it("sends connecting, the picture kind by kind in chunks of at most 500, then connected", () => {
    const source = manual(1);
    const sink = new RecordingSink();
    source.start(sink);
    expect(sink.calls[0]).toBe("connecting");
    expect(sink.calls.at(-1)).toBe("connected");
    expect(sink.calls.filter((call) => call === "events").length).toBeGreaterThan(1);
    const initial = sink.batches.flat();
    expect(sink.batches.every((batch) => batch.length > 0 && batch.length <= 500)).toBe(true);
    expect(initial.every((event) => event.type === "ADDED")).toBe(true);
    expect(initial.length).toBe(source.snapshot().length);
    const order = initial.map((event) => ORDER.indexOf(event.kind));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(initial.map((event) => event.kind)).size).toBe(ORDER.length);
    expect(sink.problemList).toEqual([]);

    const change = source.tick();
    expect(sink.batches.at(-1)).toEqual(change);
    const batches = sink.batches.length;
    void source.stop();
    expect(source.tick().length).toBeGreaterThan(0);
    expect(sink.batches.length).toBe(batches);
  });

  it("changes on its timer once started, and stops with stop()", async () => {
    vi.useFakeTimers();
    const source = new DemoSource({ seed: 1, intervalMs: 1000 });
    const sink = new RecordingSink();
    source.start(sink);
    const initialBatches = sink.batches.length;
    vi.advanceTimersByTime(3000);
    expect(sink.batches.length).toBe(initialBatches + 3);
    await source.stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(sink.batches.length).toBe(initialBatches + 3);
  });

  it("starts no timer with an interval of 0", () => {
    vi.useFakeTimers();
    manual(1).start(new RecordingSink());
    expect(vi.getTimerCount()).toBe(0);
  });

  it("has the advertised gaps, as the engine finds them after 200 changes", () => {
    const { findings } = liveState();
    const noDenyIngress = evidenceOf(findings, "namespace-no-default-deny-ingress");
    expect(noDenyIngress).toEqual(
      expect.arrayContaining(["Namespace/storefront-dev", "Namespace/kube-system"]),
    );
    expect(noDenyIngress).not.toContain("Namespace/payments-prod");
    expect(evidenceOf(findings, "namespace-no-default-deny-egress")).toContain("Namespace/data-dev");
    expect(
      evidenceOf(findings, "privileged-container").some((ref) => ref.startsWith("Pod/kube-system/")),
    ).toBe(true);
    expect(
      evidenceOf(findings, "host-path-volume").some((ref) => ref.startsWith("Pod/logging/fluent-bit-")),
    ).toBe(true);
    expect(
      evidenceOf(findings, "run-as-root").some((ref) => ref.startsWith("Pod/data-prod/airflow-scheduler-")),
    ).toBe(true);
    expect(evidenceOf(findings, "policy-selects-no-pod")).toEqual([
      "NetworkPolicy/identity-prod/allow-session-cache",
    ]);
    const openToAll = findings.filter((f) => f.id === "policy-rule-open-to-all-namespaces");
    expect(
      openToAll.some(
        (f) => f.objects.includes("NetworkPolicy/data-prod/allow-kafka") && f.message.includes("ingress"),
      ),
    ).toBe(true);
    expect(evidenceOf(findings, "policy-rule-open-to-any-address")).toEqual(
      expect.arrayContaining([
        "NetworkPolicy/data-prod/allow-etl-worker",
        "NetworkPolicy/payments-prod/allow-api",
      ]),
    );
  });

  it("has the advertised RBAC gaps, as the engine finds them after 200 changes", () => {
    const { findings } = liveState();
    const clusterAdmin = evidenceOf(findings, "rbac-cluster-admin-binding");
    expect(clusterAdmin).toEqual(
      expect.arrayContaining([
        "ClusterRoleBinding/platform-admins",
        "ClusterRoleBinding/cluster-admin-mkeller",
        // Argo CD's own role is "*" on "*/*": cluster-admin in all but name.
        "ClusterRoleBinding/argocd-application-controller",
      ]),
    );
    // The bootstrap binding of system:masters is reported too (fix-first ranks it last).
    expect(clusterAdmin).toContain("ClusterRoleBinding/cluster-admin");
    expect(evidenceOf(findings, "rbac-read-secrets")).toContain("ClusterRoleBinding/ci-deployer");
    expect(evidenceOf(findings, "rbac-create-pods")).toContain("ClusterRoleBinding/ci-deployer");
    expect(evidenceOf(findings, "rbac-exec-pods")).toContain(
      "RoleBinding/storefront-dev/storefront-developers",
    );
    expect(evidenceOf(findings, "rbac-escalate-bind-impersonate")).toContain(
      "ClusterRoleBinding/admin-portal-impersonation",
    );
    expect(evidenceOf(findings, "rbac-binding-missing-role")).toEqual([
      "RoleBinding/search-prod/indexer-legacy",
    ]);
    expect(evidenceOf(findings, "rbac-default-service-account-bound")).toContain(
      "ServiceAccount/data-dev/default",
    );
    expect(evidenceOf(findings, "rbac-wildcard-role-binding")).not.toContain(
      "ClusterRoleBinding/argocd-application-controller",
    );
    // The ledger reads one named secret: its own milder finding, not "can read secrets".
    expect(evidenceOf(findings, "rbac-read-named-secrets")).toContain("ServiceAccount/payments-prod/ledger");
    expect(evidenceOf(findings, "rbac-read-secrets")).not.toContain("ServiceAccount/payments-prod/ledger");
    const ledger = findings.find(
      (f) => f.id === "rbac-read-named-secrets" && f.objects.includes("ServiceAccount/payments-prod/ledger"),
    );
    expect(ledger?.message).toContain("may get the secret ledger-db-credentials");
  });

  it("grants the aggregated role's rules through aggregation", () => {
    const { state } = liveState();
    const prometheus = state
      .rbac()
      .find((rights) => rights.subject.kind === "ServiceAccount" && rights.subject.name === "prometheus");
    const viaAggregate = prometheus?.grants.filter((grant) => grant.role.name === "monitoring-reader") ?? [];
    expect(viaAggregate.some((grant) => grant.rule.resources.includes("pods"))).toBe(true);
    expect(viaAggregate.some((grant) => grant.rule.nonResourceURLs.includes("/metrics"))).toBe(true);
  });

  it("connects what its policies allow, and leaves the gaps open", () => {
    const state = new ClusterState();
    state.applyAll(manual(1).snapshot());
    const pods = state.cluster().pods;
    const identity = (namespace: string, app: string) => {
      const pod = podsIn(pods, namespace, app)[0];
      if (pod === undefined) throw new Error(`no ${app} in ${namespace}`);
      return state.netpol.identityOf(pod)!;
    };
    const web = identity("storefront-prod", "web");
    const api = identity("storefront-prod", "api");
    expect(state.allowed(web, api).has("TCP", 8080)).toBe(true);
    expect(state.allowed(api, web).isEmpty()).toBe(true);
    expect(state.allowed(api, identity("payments-prod", "api")).has("TCP", 8080)).toBe(true);
    // The typo in allow-session-cache leaves the cache isolated by default-deny alone.
    expect(
      state
        .allowed(identity("identity-prod", "auth-api"), identity("identity-prod", "session-cache"))
        .isEmpty(),
    ).toBe(true);
    const coredns = pods.find((pod) => pod.labels["k8s-app"] === "kube-dns")!;
    expect(state.allowed(state.netpol.identityOf(coredns)!, identity("storefront-dev", "api")).isAll()).toBe(
      true,
    );
  });

  it("stays within bounds over a long day", () => {
    const source = manual(5);
    const mirror = new Mirror();
    mirror.apply(source.snapshot());
    const initial = {
      namespaces: mirror.count("Namespace"),
      policies: mirror.count("NetworkPolicy"),
      bindings: mirror.count("RoleBinding") + mirror.count("ClusterRoleBinding"),
      deployments: podsByDeployment(mirror.pods()),
      others: mirror.pods().filter((pod) => pod.labels["pod-template-hash"] === undefined).length,
    };
    const counts = new Map(initial.deployments);
    const range = new Map(
      [...counts].map(([deployment, count]) => [deployment, { fewest: count, most: count }]),
    );
    for (let i = 0; i < 3000; i++) {
      const events = source.tick();
      mirror.apply(events);
      for (const event of events) {
        if (event.kind !== "Pod" || event.type === "RELIST" || event.type === "MODIFIED") continue;
        if (event.object.labels["pod-template-hash"] === undefined) continue;
        const deployment = deploymentOf(event.object);
        const count = (counts.get(deployment) ?? 0) + (event.type === "DELETED" ? -1 : 1);
        counts.set(deployment, count);
        const seen = range.get(deployment) ?? { fewest: count, most: count };
        range.set(deployment, { fewest: Math.min(seen.fewest, count), most: Math.max(seen.most, count) });
      }
      const policies = mirror.count("NetworkPolicy") - initial.policies;
      const bindings = mirror.count("RoleBinding") + mirror.count("ClusterRoleBinding") - initial.bindings;
      expect(policies >= 0 && policies <= 3 && bindings >= 0 && bindings <= 4).toBe(true);
    }
    // The autoscaler stays between half and two more than the usual replicas, and a rollout adds
    // one pod at most (maxSurge 1) and never goes below the replicas (maxUnavailable 0).
    const seen = { scaledUp: false, scaledDown: false };
    for (const [deployment, { fewest, most }] of range) {
      const usual = initial.deployments.get(deployment) ?? 0;
      expect({ deployment, fewest: fewest >= Math.ceil(usual / 2), most: most <= usual + 3 }).toEqual({
        deployment,
        fewest: true,
        most: true,
      });
      seen.scaledUp ||= most > usual + 1;
      seen.scaledDown ||= fewest < usual;
    }
    expect(seen).toEqual({ scaledUp: true, scaledDown: true });
    expect(mirror.pods().filter((pod) => pod.labels["pod-template-hash"] === undefined).length).toBe(
      initial.others,
    );
    expect(podsByDeployment(mirror.pods()).size).toBe(initial.deployments.size);
    expect(mirror.count("Namespace")).toBe(initial.namespaces);
  });

  it("rolls out: pods of a new pod-template-hash replace the old ones", () => {
    const source = manual(1);
    const mirror = new Mirror();
    mirror.apply(source.snapshot());
    const hashesBefore = new Map<string, string>();
    for (const pod of mirror.pods()) {
      const hash = pod.labels["pod-template-hash"];
      if (hash !== undefined) hashesBefore.set(deploymentOf(pod), hash);
    }
    let rolling: { deployment: string; oldHash: string; newHash: string } | undefined;
    for (let i = 0; i < 300 && rolling === undefined; i++) {
      const events = source.tick();
      mirror.apply(events);
      for (const event of events) {
        if (event.type !== "ADDED" || event.kind !== "Pod") continue;
        const hash = event.object.labels["pod-template-hash"];
        const deployment = deploymentOf(event.object);
        const oldHash = hashesBefore.get(deployment);
        const replicas = mirror.pods().filter((pod) => deploymentOf(pod) === deployment).length;
        if (hash === undefined || oldHash === undefined || hash === oldHash || replicas < 4) continue;
        rolling = { deployment, oldHash, newHash: hash };
      }
    }
    if (rolling === undefined)
      throw new Error("no rollout of a deployment with 3 or more replicas in 300 ticks");
    const hashes = () =>
      mirror
        .pods()
        .filter((pod) => deploymentOf(pod) === rolling.deployment)
        .map((pod) => pod.labels["pod-template-hash"]);
    // Mid-rollout, both templates run side by side.
    expect(hashes()).toEqual(expect.arrayContaining([rolling.oldHash, rolling.newHash]));
    for (let i = 0; i < 1000 && hashes().includes(rolling.oldHash); i++) mirror.apply(source.tick());
    expect(hashes().length).toBeGreaterThan(2);
    expect(new Set(hashes())).toEqual(new Set([rolling.newHash]));
  });
});
