import { ClusterState, explainEdge, parseCluster } from "@trustmap/engine";
import { type Explanation, podNodeId } from "@trustmap/shared";
import type { Response } from "express";
import { describe, expect, it } from "vitest";
import type { Access } from "./access";
import { UNLISTED_POLICY, withTiersShown } from "./scope";

// A user who may not list the cluster-wide network policies reads what they decide (the tier, the
// action, the ports) but not which policy or rule: the engine's explanation, with the names taken out.

const objects = [
  { kind: "Namespace", metadata: { name: "a" } },
  { kind: "Namespace", metadata: { name: "b" } },
  { kind: "Pod", metadata: { namespace: "a", name: "client", labels: { app: "client" } } },
  { kind: "Pod", metadata: { namespace: "b", name: "server", labels: { app: "server" } } },
  {
    apiVersion: "policy.networking.k8s.io/v1alpha1",
    kind: "AdminNetworkPolicy",
    metadata: { name: "secret-project-guard" },
    spec: {
      priority: 1,
      subject: { namespaces: { matchLabels: { "kubernetes.io/metadata.name": "b" } } },
      ingress: [
        {
          name: "no-client-ssh",
          action: "Deny",
          from: [{ namespaces: {} }],
          ports: [{ portNumber: { protocol: "TCP", port: 22 } }],
        },
      ],
    },
  },
];

function responseFor(access: Partial<Access> | undefined): Response {
  return { locals: access === undefined ? {} : { access } } as unknown as Response;
}

describe("tier decisions told to a user who may not list cluster-wide policies", () => {
  const state = ClusterState.from(
    parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object }))).cluster,
  );
  const explanation = explainEdge(state, podNodeId("a", "client"), podNodeId("b", "server")) as Explanation;

  it("keep the tier, action and ports, and leave out the policy's and the rule's names", () => {
    expect(JSON.stringify(explanation)).toContain("secret-project-guard");
    const told = withTiersShown(responseFor({ cluster: false, clusterPolicies: false }), explanation);
    expect(told.pairs[0]!.ingress.decidedBy![0]).toEqual({
      tier: "admin",
      policy: UNLISTED_POLICY,
      action: "deny",
      ports: [{ protocol: "TCP", port: 22 }],
    });
    expect(JSON.stringify(told)).not.toContain("secret-project-guard");
    expect(JSON.stringify(told)).not.toContain("no-client-ssh");
    expect(told.summary.join(" ")).toContain(`admin tier: ${UNLISTED_POLICY} denies TCP 22`);
    expect(told.ports).toEqual(explanation.ports);
  });

  it("tell those who may list them, and the whole picture without a login, everything", () => {
    expect(withTiersShown(responseFor({ cluster: false, clusterPolicies: true }), explanation)).toBe(
      explanation,
    );
    expect(withTiersShown(responseFor(undefined), explanation)).toBe(explanation);
  });
});
