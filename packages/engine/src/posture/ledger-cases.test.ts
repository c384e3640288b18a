import type { PostureChange } from "@trustmap/shared";
import { describe, expect, it } from "vitest";
import type { NetworkPolicy, Pod } from "../objects/model";
import { ClusterState, type WatchEvent } from "../state/cluster-state";
import { netpol, ns, parsed, pod } from "../testing/objects";
import { causesOf } from "./cause";
import { PostureLedger } from "./ledger";

/** A pod of Deployment `app` (through its ReplicaSet of template hash `hash`). */
function replica(namespace: string, app: string, hash: string, i: number) {
  const manifest = pod(namespace, `${app}-${hash}-${i}`, { app, "pod-template-hash": hash });
  (manifest.metadata as Record<string, unknown>).ownerReferences = [
    {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      name: `${app}-${hash}`,
      uid: `rs-${app}-${hash}`,
      controller: true,
    },
  ];
  return manifest;
}

function summary(changes: readonly PostureChange[]): string[] {
  return changes.map((change) => {
    const fact = (change.after ?? change.before)!;
    const how = change.before === undefined ? "+" : change.after === undefined ? "-" : "~";
    if (fact.area === "reach") return `${how} reach ${fact.from} -> ${fact.to} ${fact.ports}`;
    if (fact.area === "finding") return `${how} finding ${fact.finding.id} ${fact.finding.objects[0]}`;
    return `${how} right ${fact.subject} ${fact.scope} ${fact.resource} ${fact.verbs.join(",")}`;
  });
}

describe("the posture ledger's facts", () => {
  const cluster = parsed(
    ns("shop"),
    replica("shop", "web", "h1", 0),
    replica("shop", "web", "h1", 1),
    replica("shop", "db", "d1", 0),
  );

  it("a rollout that keeps the labels policies read changes no fact", () => {
    const state = ClusterState.from(cluster);
    const ledger = new PostureLedger(state);
    ledger.build();
    expect(ledger.current.size).toBeGreaterThan(0);
    const old = state.cluster().pods.filter((p) => p.labels.app === "web");
    const fresh = parsed(replica("shop", "web", "h2", 0), replica("shop", "web", "h2", 1)).pods;
    const events: WatchEvent[] = [
      ...fresh.map((object): WatchEvent => ({ type: "ADDED", kind: "Pod", object })),
      ...old.map((object): WatchEvent => ({ type: "DELETED", kind: "Pod", object })),
    ];
    const changes = events.flatMap((event) => ledger.update(state.apply(event)));
    expect(summary(changes)).toEqual([]);
    // The findings about web's pods are said of the Deployment, whatever pods it has now.
    const findings = [...ledger.current.values()].filter((fact) => fact.area === "finding");
    expect(
      findings.some((fact) => fact.area === "finding" && fact.finding.objects[0] === "Deployment/shop/web"),
    ).toBe(true);
    const messages = findings.map((fact) => (fact.area === "finding" ? fact.finding.message : ""));
    expect(messages.some((m) => m.startsWith("Pods of Deployment shop/web, container main:"))).toBe(true);
    expect(messages.some((m) => m.includes("web-h1-") || m.includes("web-h2-"))).toBe(false);
  });

  it("a default-deny closes the open connections, and names the policy as the cause", () => {
    const state = ClusterState.from(cluster);
    const ledger = new PostureLedger(state);
    ledger.build();
    const [policy] = parsed(netpol("shop", "deny-all", { podSelector: {}, policyTypes: ["Ingress"] }))
      .networkPolicies as [NetworkPolicy];
    const event: WatchEvent = { type: "ADDED", kind: "NetworkPolicy", object: policy };
    expect(causesOf(state, event)).toEqual([
      { kind: "NetworkPolicy", name: "shop/deny-all", change: "created", fields: [] },
    ]);
    const changes = summary(ledger.update(state.apply(event)));
    expect(changes).toContain("- reach * -> shop/web TCP:1-65535;UDP:1-65535;SCTP:1-65535");
    expect(changes).toContain("- reach * -> shop/db TCP:1-65535;UDP:1-65535;SCTP:1-65535");
    expect(changes).toContain("- reach outside -> shop/web TCP:1-65535;UDP:1-65535;SCTP:1-65535");
    expect(changes).toContain("- finding pod-not-isolated-ingress Deployment/shop/web");
    // Editing the policy names the fields that changed.
    const edited: NetworkPolicy = {
      ...policy,
      podSelector: { ...policy.podSelector, matchLabels: { app: "web" } },
    };
    expect(causesOf(state, { type: "MODIFIED", kind: "NetworkPolicy", object: edited })).toEqual([
      { kind: "NetworkPolicy", name: "shop/deny-all", change: "edited", fields: ["podSelector.matchLabels"] },
    ]);
    const reopened = summary(
      ledger.update(state.apply({ type: "MODIFIED", kind: "NetworkPolicy", object: edited })),
    );
    expect(reopened).toContain("+ reach * -> shop/db TCP:1-65535;UDP:1-65535;SCTP:1-65535");
    expect(reopened.some((line) => line.includes("shop/web"))).toBe(false);
  });

  it("a pod edited in place is an edit of the fields that differ", () => {
    const state = ClusterState.from(cluster);
    const [before] = state.cluster().pods as [Pod];
    const after: Pod = { ...before, labels: { ...before.labels, tier: "front" } };
    expect(causesOf(state, { type: "MODIFIED", kind: "Pod", object: after })).toEqual([
      { kind: "Pod", name: `shop/${before.name}`, change: "edited", fields: ["labels.tier"] },
    ]);
    expect(causesOf(state, { type: "MODIFIED", kind: "Pod", object: before })).toEqual([]);
    expect(causesOf(state, { type: "DELETED", kind: "Pod", object: before })).toEqual([
      { kind: "Pod", name: `shop/${before.name}`, change: "deleted", fields: [] },
    ]);
  });
});

describe("a cause's name", () => {
  it("names a role or binding once, without its kind again", () => {
    const state = ClusterState.from(parsed(ns("shop")));
    const binding = parsed({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "ops" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
      subjects: [{ kind: "User", name: "alice", apiGroup: "rbac.authorization.k8s.io" }],
    }).bindings[0]!;
    expect(causesOf(state, { type: "ADDED", kind: "ClusterRoleBinding", object: binding })).toEqual([
      { kind: "ClusterRoleBinding", name: "ops", change: "created", fields: [] },
    ]);
  });
});
