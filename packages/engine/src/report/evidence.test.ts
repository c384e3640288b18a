import { Pillar } from "@trustmap/shared";
import { describe, expect, it } from "vitest";
import { CHECKS } from "../findings/catalog";
import { controlOf } from "../findings/controls";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { netpol, ns, pod } from "../testing/objects";
import { syntheticCluster } from "../testing/synthetic";
import { controlSections, evidenceReport, excerptOf, pillarSummaries, policyAppendix } from "./evidence";

function stateOf(objects: Record<string, unknown>[]): ClusterState {
  const { cluster } = parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object })));
  return ClusterState.from(cluster);
}

describe("the evidence report's sections", () => {
  it("name every control of every check by framework and title", () => {
    for (const check of CHECKS) {
      for (const text of check.controls) {
        const control = controlOf(text);
        expect(control.framework, text).not.toBe("Trustmap");
        expect(control.title, text).not.toBe("");
      }
    }
  });

  it("list every finding under each of its controls once, CIS sections in numeric order", () => {
    const state = stateOf(
      syntheticCluster({ seed: 7, namespaces: 12, pods: 120 }) as Record<string, unknown>[],
    );
    const findings = state.findings();
    expect(findings.length).toBeGreaterThan(30);
    const sections = controlSections(findings);
    const seen = new Map<number, number>();
    for (const section of sections)
      for (const index of section.findings) seen.set(index, (seen.get(index) ?? 0) + 1);
    for (const [index, finding] of findings.entries())
      expect(seen.get(index)).toBe(Math.max(1, finding.controls.length));
    const cis = sections.filter((s) => s.framework === "CIS Kubernetes Benchmark").map((s) => s.control);
    const numeric = [...cis].sort((a, b) => {
      const x = a.split(".").map(Number);
      const y = b.split(".").map(Number);
      return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
    });
    expect(cis).toEqual(numeric);
    expect(sections[0]!.framework).toBe("CIS Kubernetes Benchmark");
  });

  it("summarise every pillar, the empty ones too, counting each finding once", () => {
    const state = stateOf(
      syntheticCluster({ seed: 3, namespaces: 8, pods: 60 }) as Record<string, unknown>[],
    );
    const findings = state.findings();
    const pillars = pillarSummaries(findings);
    expect(pillars.map((p) => p.pillar)).toEqual(Pillar.options);
    expect(pillars.reduce((n, p) => n + p.findings, 0)).toBe(findings.length);
    for (const p of pillars) {
      expect(Object.values(p.counts).reduce((a, b) => a + b, 0)).toBe(p.findings);
      expect(new Set(p.checks)).toEqual(
        new Set(findings.filter((f) => f.pillar === p.pillar).map((f) => f.id)),
      );
    }
  });

  it("print a policy's selector, types, pods and rules in words", () => {
    const state = stateOf([
      ns("shop", { team: "shop" }),
      pod("shop", "api-1", { app: "api" }),
      pod("shop", "api-2", { app: "api" }),
      netpol("shop", "api", {
        podSelector: { matchLabels: { app: "api" } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { team: "web" } }, podSelector: {} }],
            ports: [{ port: 8080 }, { protocol: "UDP", port: 53, endPort: 60 }, { port: "http" }],
          },
          { from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }] },
        ],
      }),
    ]);
    const policy = state.policyStates().next().value!;
    expect(policyAppendix(policy)).toEqual({
      namespace: "shop",
      name: "api",
      podSelector: "app=api",
      policyTypes: ["Ingress", "Egress"],
      pods: 2,
      ingress: [
        {
          peers: "pods (any) in namespaces team=web",
          ports: "TCP 8080, UDP 53-60, TCP port named http",
        },
        { peers: "10.0.0.0/8 except 10.1.0.0/16", ports: "every port" },
      ],
      egress: [],
    });
  });

  it("cut a report to a printable excerpt: the most severe findings of each check, counts whole", () => {
    const state = stateOf(
      syntheticCluster({ seed: 5, namespaces: 10, pods: 200 }) as Record<string, unknown>[],
    );
    const findings = state.findings();
    const report = evidenceReport({
      meta: {
        title: "t",
        cluster: "c",
        source: { kind: "demo", name: "d", demo: true },
        status: { state: "connected", since: "2026-01-01T00:00:00Z" },
        scope: { kind: "cluster" },
        scopeText: "Whole cluster",
        filters: {},
        filtersText: [],
        generatedAt: "2026-01-01T00:00:00Z",
        revision: 1,
        trustmapVersion: "0",
      },
      namespaces: 10,
      pods: 200,
      findings,
      graph: { view: "overview", nodes: [], edges: [], noDefaultDeny: [] },
      rbac: [],
      policies: [...state.policyStates()],
    });
    expect(excerptOf(report, { findingsPerCheck: 1_000_000, policies: 1_000_000 })).toBe(report);
    const excerpt = excerptOf(report, { findingsPerCheck: 3, policies: 2 });
    const total = new Map<string, number>();
    for (const f of findings) total.set(f.id, (total.get(f.id) ?? 0) + 1);
    expect(excerpt.excerpt?.findingsByCheck).toEqual(Object.fromEntries(total));
    for (const [id, n] of total) {
      const kept = excerpt.findings.filter((f) => f.id === id);
      expect(kept).toEqual(report.findings.filter((f) => f.id === id).slice(0, Math.min(n, 3)));
    }
    expect(excerpt.excerpt?.findingsOmitted).toBe(report.findings.length - excerpt.findings.length);
    expect(excerpt.networkPolicies).toEqual(report.networkPolicies.slice(0, 2));
    expect(excerpt.excerpt?.policiesOmitted).toBe(report.networkPolicies.length - 2);
    expect(excerpt.controls).toEqual(controlSections(excerpt.findings));
    expect(excerpt.pillars).toEqual(report.pillars);
    expect(excerpt.counts).toEqual(report.counts);
  });
});
