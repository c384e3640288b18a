import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { referenceConnectivity } from "../netpol/reference";
import { parseCluster } from "../objects/parse";
import { wirePorts } from "../report/report";
import { ClusterState } from "../state/cluster-state";
import { networkCluster } from "../testing/arbitraries";
import { RUNS } from "../testing/runs";
import { explainIdentities, explainOpen } from "./explain";

describe("edge explanations", () => {
  it("allow exactly what the reference evaluator allows, and name a rule on each isolated side that allows", () => {
    let allowedPairs = 0;
    let deniedPairs = 0;
    fc.assert(
      fc.property(networkCluster, (objects) => {
        const { cluster } = parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object })));
        const state = ClusterState.from(cluster);
        const reference = new Map(
          referenceConnectivity(cluster).connections.map((c) => [`${c.from} ${c.to}`, c.ports.key()]),
        );
        for (const from of cluster.pods) {
          for (const to of cluster.pods) {
            if (from === to) continue;
            const source = state.netpol.identityOf(from)!;
            const target = state.netpol.identityOf(to)!;
            const explanation = explainIdentities(state, "a", source, "b", target);
            const expected = reference.get(`${from.namespace}/${from.name} ${to.namespace}/${to.name}`);
            const said = explanation.ports === null ? undefined : JSON.stringify(explanation.ports);
            const wanted =
              expected === undefined ? undefined : JSON.stringify(wirePorts(state.allowed(source, target)));
            expect(said).toEqual(wanted);
            const denies = (side: typeof explanation.egress) =>
              side.decidedBy === undefined
                ? side.isolated
                : side.decidedBy.some((d) => d.action === "deny" || d.action === "isolated");
            if (expected === undefined) {
              deniedPairs++;
              // Denied: some side is isolated, or a tier denies, and nothing common is left.
              expect(denies(explanation.egress) || denies(explanation.ingress)).toBe(true);
            } else {
              allowedPairs++;
              for (const side of [explanation.egress, explanation.ingress]) {
                if (side.decidedBy !== undefined)
                  // Some decision allows: a tier's rule, a NetworkPolicy rule, or the default.
                  expect(side.decidedBy.some((d) => d.action === "allow")).toBe(true);
                else if (side.isolated) expect(side.allowedBy.length).toBeGreaterThan(0);
                else expect(side.ports).toBe("all");
              }
            }
            expect(explanation.summary.length).toBe(3);
          }
        }
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
    expect(allowedPairs).toBeGreaterThan(0);
    expect(deniedPairs).toBeGreaterThan(0);
  });

  it("say that a pod no policy isolates accepts any pod on every port, and name the rules that open an isolated one", () => {
    const { cluster } = parseCluster(
      [
        { kind: "Pod", metadata: { name: "open", namespace: "a", labels: { app: "open" } } },
        { kind: "Pod", metadata: { name: "web", namespace: "b", labels: { app: "web" } } },
        {
          kind: "NetworkPolicy",
          metadata: { name: "web-from-anywhere", namespace: "b" },
          spec: { podSelector: { matchLabels: { app: "web" } }, ingress: [{ ports: [{ port: 443 }] }] },
        },
      ].map((object, i) => ({ source: `doc ${i}`, object })),
    );
    const state = ClusterState.from(cluster);
    const open = explainOpen("x", state.netpol.identityOf(cluster.pods[0]!)!, "any", "ingress");
    expect(open.side).toEqual({ isolated: false, policies: [], allowedBy: [], ports: "all" });
    const web = explainOpen("y", state.netpol.identityOf(cluster.pods[1]!)!, "any", "ingress");
    expect(web.side.isolated).toBe(true);
    expect(web.side.allowedBy).toEqual([
      {
        policy: "b/web-from-anywhere",
        direction: "ingress",
        rule: 0,
        ports: [{ protocol: "TCP", port: 443 }],
        peer: "any peer (no from/to)",
      },
    ]);
    expect(web.summary.join(" ")).toContain("TCP 443");
  });
});
