import type { PostureFact, ReachFact } from "@trustmap/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PortSet } from "../netpol/ports";
import { parseCluster } from "../objects/parse";
import { formatInputError } from "../objects/reader";
import { ClusterState } from "../state/cluster-state";
import type { LiveIdentity } from "../state/netpol-index";
import { networkCluster } from "../testing/arbitraries";
import { netpol, ns, parsed, pod, podWithPorts } from "../testing/objects";
import { RUNS } from "../testing/runs";
import { ANY_END, OUTSIDE_END, PostureLedger } from "./ledger";
import { proposePolicies, type WantedConnection } from "./propose";

/** The ports of every external access of an identity in one direction. */
function outsidePorts(state: ClusterState, identity: LiveIdentity, direction: "ingress" | "egress"): PortSet {
  return state.netpol
    .external(identity, direction)
    .reduce((ports, access) => ports.union(access.ports), PortSet.NONE);
}

describe("the proposed policies of a namespace", () => {
  it("keep exactly the wanted connections of its workloads, both ways, and change nothing elsewhere", () => {
    fc.assert(
      fc.property(
        networkCluster,
        fc.nat(),
        // Now and then every connection of today is kept.
        fc.oneof(fc.constant([true]), fc.array(fc.boolean(), { minLength: 1 })),
        (network, pick, keep) => {
          const parsed = parseCluster(network.map((object, i) => ({ source: `doc ${i}`, object })));
          // The proposal writes NetworkPolicies: what it keeps is stated for the NetworkPolicy tier,
          // so the clusters here hold no admin or baseline policies.
          const { clusterPolicies: _, ...networkPolicyTier } = parsed.cluster;
          const state = ClusterState.from(networkPolicyTier);
          const namespaces = [...new Set(state.cluster().pods.map((pod) => pod.namespace))].sort();
          if (namespaces.length === 0) return;
          const namespace = namespaces[pick % namespaces.length]!;
          const ledger = new PostureLedger(state);
          ledger.build();
          // The user keeps some of today's connections of the namespace's workloads.
          const today = [...ledger.current.values()].filter(
            (fact): fact is ReachFact => fact.area === "reach" && fact.namespaces.includes(namespace),
          );
          const wanted: WantedConnection[] = today
            .filter((_, i) => keep[i % keep.length])
            .map((fact) => ({ from: fact.from, to: fact.to, ports: PortSet.fromKey(fact.ports)! }));
          const proposal = proposePolicies(state, namespace, wanted);
          if (proposal.problems.length > 0) {
            expect(proposal.policies).toEqual([]);
            for (const problem of proposal.problems)
              expect(problem).toMatch(/tell them from the other workloads/);
            return;
          }
          // Applied: the namespace's policies replaced by the proposal's, which the API would accept.
          const proposed = parseCluster(
            proposal.policies.map((object, i) => ({ source: `proposed ${i}`, object })),
          );
          expect(proposed.errors.map(formatInputError)).toEqual([]);
          const before = state.cluster();
          const after = ClusterState.from({
            ...before,
            networkPolicies: [
              ...before.networkPolicies.filter((policy) => policy.namespace !== namespace),
              ...proposed.cluster.networkPolicies,
            ],
          });
          const want = (from: string, to: string) =>
            wanted
              .filter((c) => c.from === from && c.to === to)
              .reduce((ports, c) => ports.union(c.ports), PortSet.NONE);
          const workload = (identity: LiveIdentity) => state.netpol.workloadOf(identity);
          for (const s of after.identities())
            for (const d of after.identities()) {
              const sb = state.identity(s.key)!;
              const db = state.identity(d.key)!;
              if (s.namespace !== namespace && d.namespace !== namespace) {
                expect(after.allowed(s, d).key()).toBe(state.allowed(sb, db).key());
                continue;
              }
              const egress =
                s.namespace === namespace
                  ? want(workload(sb), workload(db)).union(want(workload(sb), ANY_END))
                  : state.netpol.egressAllowed(sb, db);
              const ingress =
                d.namespace === namespace
                  ? want(workload(sb), workload(db)).union(want(ANY_END, workload(db)))
                  : state.netpol.ingressAllowed(db, sb);
              expect([s.key, d.key, after.allowed(s, d).key()]).toEqual([
                s.key,
                d.key,
                egress.intersect(ingress).key(),
              ]);
            }
          // With addresses outside the cluster: exactly the ports wanted.
          for (const identity of after.identities()) {
            if (identity.namespace !== namespace) continue;
            const name = workload(state.identity(identity.key)!);
            expect(outsidePorts(after, identity, "ingress").key()).toBe(want(OUTSIDE_END, name).key());
            expect(outsidePorts(after, identity, "egress").key()).toBe(want(name, OUTSIDE_END).key());
          }
          // Every connection of today kept: the namespace's facts are today's, "any pod" included.
          if (wanted.length === today.length) {
            const kept = new PostureLedger(after);
            kept.build();
            const facts = (list: Iterable<PostureFact>) =>
              [...list]
                .filter((fact) => fact.area === "reach" && fact.namespaces.includes(namespace))
                .map((fact) => JSON.stringify(fact))
                .sort();
            expect(facts(kept.current.values())).toEqual(facts(today));
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("the proposed policies, by hand", () => {
  it("for shop: a default-deny, then for each workload what it receives and sends, with DNS for those that send", () => {
    const state = ClusterState.from(
      parsed(
        ns("shop"),
        ns("ops"),
        pod("shop", "web-1", { app: "web", tier: "front" }),
        pod("shop", "db-1", { app: "db" }),
        pod("ops", "probe-1", { app: "probe" }),
        netpol("shop", "web-from-internet", {
          podSelector: { matchLabels: { app: "web" } },
          ingress: [
            { from: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }], ports: [{ port: 443 }] },
          ],
        }),
      ),
    );
    const proposal = proposePolicies(state, "shop", [
      { from: "shop/web-1", to: "shop/db-1", ports: PortSet.of("TCP", 5432, 5432) },
      { from: "outside", to: "shop/web-1", ports: PortSet.of("TCP", 443, 443) },
      { from: "ops/probe-1", to: "shop/web-1", ports: PortSet.of("TCP", 8080, 8081) },
    ]);
    expect(proposal.problems).toEqual([]);
    expect(proposal.replaces).toEqual(["web-from-internet"]);
    const specs = Object.fromEntries(
      proposal.policies.map((p) => [(p.metadata as { name: string }).name, p.spec]),
    );
    const dns = {
      to: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
          podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
        },
      ],
      ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
      ],
    };
    expect(specs).toEqual({
      "default-deny": { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      "db-1-ingress": {
        podSelector: { matchLabels: { app: "db" } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [{ podSelector: { matchLabels: { app: "web", tier: "front" } } }],
            ports: [{ protocol: "TCP", port: 5432 }],
          },
        ],
      },
      "web-1-ingress": {
        podSelector: { matchLabels: { app: "web", tier: "front" } },
        policyTypes: ["Ingress"],
        ingress: [
          // The block web admits today, kept as it is (its except too).
          {
            from: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }],
            ports: [{ protocol: "TCP", port: 443 }],
          },
          {
            from: [
              {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ops" } },
                podSelector: { matchLabels: { app: "probe" } },
              },
            ],
            ports: [{ protocol: "TCP", port: 8080, endPort: 8081 }],
          },
        ],
      },
      "web-1-egress": {
        podSelector: { matchLabels: { app: "web", tier: "front" } },
        policyTypes: ["Egress"],
        egress: [
          { to: [{ podSelector: { matchLabels: { app: "db" } } }], ports: [{ protocol: "TCP", port: 5432 }] },
          dns,
        ],
      },
    });
  });

  it("refuses, naming them, workloads whose pods no label tells apart", () => {
    // The same labels, other named ports: two identities NetworkPolicy selects together.
    const state = ClusterState.from(
      parsed(
        ns("shop"),
        podWithPorts("shop", "a", { app: "x" }, [{ name: "http", containerPort: 80 }]),
        podWithPorts("shop", "b", { app: "x" }, [{ name: "http", containerPort: 8080 }]),
      ),
    );
    const proposal = proposePolicies(state, "shop", [{ from: "shop/a", to: "shop/b", ports: PortSet.ALL }]);
    expect(proposal.policies).toEqual([]);
    expect(proposal.problems).toEqual([
      "shop/a: its pods carry no labels that tell them from the other workloads of shop",
      "shop/b: its pods carry no labels that tell them from the other workloads of shop",
    ]);
  });
});
