import type { EvidenceMeta, Finding, GapsAnswer } from "@trustmap/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canIAnswer, readableMatrixRows, readableRights, whoCanAnswer } from "../rbac/answers";
import { filterRow, matrixRow } from "../rbac/matrix";
import { scopeEvidence } from "../report/scope";
import type { ClusterState } from "../state/cluster-state";
import { networkCluster, rbacCluster } from "../testing/arbitraries";
import { literalReadableFindings, mayList, stateOf } from "../testing/readable";
import { RUNS } from "../testing/runs";
import { nodeDetails } from "../views/node-details";
import { identityNodeId, namespaceNodeId } from "../views/scoped";
import { gapsAnswer } from "./gaps";
import { FindingsReader } from "./reader";

// The gaps page, the evidence report and the RBAC questions as a user who may read some
// namespaces sees them. Two readings: literally (testing/readable.ts), the findings about what
// they may list and the grants of RoleBindings there to Roles beside them; and what they may not
// read (other namespaces' objects, ClusterRoles and their bindings) changes nothing they are
// answered, scores and ranks included.

const NAMESPACES = ["ns0", "ns1", "ns2", "ns3"];
const SA_NAMES = ["default", "app", "ci"];

/**
 * What a reader may not list: a ClusterRole with every right, bound cluster-wide to every service
 * account of the namespaces they may read anything of, and bound to them by a RoleBinding in each
 * namespace whose RBAC is not theirs; a Role there; a privileged pod and a policy in each namespace
 * whose network picture is not theirs.
 */
function hiddenObjects({ graph, rbac }: Listing): unknown[] {
  const accounts = [...new Set([...graph, ...rbac])].flatMap((namespace) =>
    SA_NAMES.map((name) => ({ kind: "ServiceAccount", namespace, name })),
  );
  const noRbac = NAMESPACES.filter((name) => !rbac.has(name));
  const noGraph = NAMESPACES.filter((name) => !graph.has(name));
  return [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "hidden-admin" },
      rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "hidden-admin" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "hidden-admin" },
      subjects: accounts,
    },
    ...noRbac.flatMap((namespace) => [
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { namespace, name: "hidden-admin" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "hidden-admin" },
        subjects: accounts,
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { namespace, name: "hidden-secrets" },
        rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }],
      },
    ]),
    ...noGraph.flatMap((namespace) => [
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { namespace, name: "hidden", labels: { app: "hidden" } },
        spec: {
          serviceAccountName: "default",
          containers: [{ name: "main", image: "app:1", securityContext: { privileged: true } }],
        },
      },
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { namespace, name: "hidden-egress" },
        spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{}] },
      },
    ]),
  ];
}

const EVERYTHING = {
  groupOffset: 0,
  groupLimit: 1_000_000,
  offset: 0,
  limit: 1_000_000,
  fixOffset: 0,
  fixLimit: 1_000_000,
  acceptedOffset: 0,
  acceptedLimit: 1_000_000,
};

function gapsFindings(answer: GapsAnswer): Finding[] {
  return answer.pillars.flatMap((pillar) =>
    pillar.checks.flatMap((check) => check.groups.items.flatMap((group) => group.findings.items)),
  );
}

const key = (finding: Finding) => `${finding.id} ${finding.objects.join(" ")} ${finding.message}`;

const META: Omit<EvidenceMeta, "revision"> = {
  title: "t",
  cluster: "c",
  source: { kind: "files", name: "d", demo: false },
  status: { state: "connected", since: "2026-01-01T00:00:00.000Z" },
  scope: { kind: "cluster" },
  scopeText: "s",
  filters: {},
  filtersText: [],
  generatedAt: "2026-01-01T00:00:00.000Z",
  trustmapVersion: "0",
};

interface Listing {
  readonly graph: ReadonlySet<string>;
  readonly rbac: ReadonlySet<string>;
}

/** Where a reader may list the network picture's kinds, and where RBAC's: chosen apart. */
const listing: fc.Arbitrary<Listing> = fc
  .record({ graph: fc.subarray(NAMESPACES), rbac: fc.subarray(NAMESPACES) })
  .filter(({ graph, rbac }) => graph.length + rbac.length > 0)
  .map(({ graph, rbac }) => ({ graph: new Set(graph), rbac: new Set(rbac) }));

/**
 * Every namespace declared (the generated ones keep theirs): what a reader may not list does not
 * make a namespace exist, as objects of an undeclared one would.
 */
function declared(objects: readonly unknown[]): unknown[] {
  const named = new Set(
    (objects as { kind?: string; metadata?: { name?: string } }[])
      .filter((o) => o.kind === "Namespace")
      .map((o) => o.metadata?.name),
  );
  return [
    ...NAMESPACES.filter((name) => !named.has(name)).map((name) => ({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name },
    })),
    ...objects,
  ];
}

const cases = fc.tuple(networkCluster, rbacCluster, listing);

describe("answers narrowed to a user's namespaces", () => {
  it("gaps: exactly the findings they may read, ranked on nothing they may not read", () => {
    let seen = 0;
    let risky = 0;
    fc.assert(
      fc.property(cases, ([network, rbac, namespaces]) => {
        const objects = declared([...network, ...rbac]);
        const state = stateOf(objects);
        const input = { query: EVERYTHING, exceptions: [], now: 0 };
        const answer = gapsAnswer(state, input, undefined, new FindingsReader(state, namespaces));
        const expected = literalReadableFindings(objects, namespaces);
        expect(gapsFindings(answer).map(key).sort()).toEqual(expected.map(key).sort());
        expect(answer.total).toBe(expected.length);
        const counts = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
        for (const f of expected) counts[f.severity]++;
        expect(answer.counts).toEqual(counts);
        expect(
          answer.fixFirst.items
            .flatMap((e) => e.findings.items)
            .map(key)
            .sort(),
        ).toEqual(expected.map(key).sort());
        // What they may not read added: the same answer, every score and rank.
        const more = stateOf([...objects, ...hiddenObjects(namespaces)]);
        expect(gapsAnswer(more, input, undefined, new FindingsReader(more, namespaces))).toEqual(answer);
        seen += expected.length;
        // The cases hold tokens whose hidden rights would raise a score if they were counted.
        const whole = gapsAnswer(more, input);
        risky += whole.fixFirst.items.filter(
          (e) => e.exposure.riskyToken && e.findings.items.every((f) => mayList(f.objects[0]!, namespaces)),
        ).length;
      }),
      { numRuns: RUNS },
    );
    expect(seen).toBeGreaterThan(0);
    expect(risky).toBeGreaterThan(0);
  });

  it("evidence: the findings, risky rights and policies they may read, whatever else the cluster holds", () => {
    let rights = 0;
    fc.assert(
      fc.property(cases, ([network, rbac, namespaces]) => {
        const objects = declared([...network, ...rbac]);
        const state = stateOf(objects);
        const graph = { view: "overview", nodes: [], edges: [] };
        const report = scopeEvidence(
          state,
          { meta: META },
          graph,
          () => state.findings(),
          new FindingsReader(state, namespaces),
        );
        const expected = literalReadableFindings(objects, namespaces);
        expect(report.findings.map(key).sort()).toEqual(expected.map(key).sort());
        const risks = readableMatrixRows(state, namespaces).flatMap((row) => {
          const kept = filterRow(row, { riskyOnly: true });
          return kept === undefined ? [] : [kept.ref];
        });
        expect(report.rbac.map((row) => row.ref)).toEqual(risks);
        for (const row of report.rbac)
          for (const grant of row.cells.flatMap((cell) => cell.grants)) {
            expect(grant.binding).toMatch(/^RoleBinding\//);
            expect(grant.role).toMatch(/^Role\//);
            expect(namespaces.rbac.has(grant.binding.split("/")[1]!)).toBe(true);
          }
        const policies = objects.filter((o) => (o as { kind: string }).kind === "NetworkPolicy") as {
          metadata: { namespace: string; name: string };
        }[];
        expect(report.networkPolicies.map((p) => `${p.namespace}/${p.name}`).sort()).toEqual(
          [
            ...new Set(
              policies
                .filter((p) => namespaces.graph.has(p.metadata.namespace))
                .map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
            ),
          ].sort(),
        );
        const more = stateOf([...objects, ...hiddenObjects(namespaces)]);
        expect(
          scopeEvidence(
            more,
            { meta: META },
            graph,
            () => more.findings(),
            new FindingsReader(more, namespaces),
          ),
        ).toEqual(report);
        rights += report.rbac.length;
      }),
      { numRuns: RUNS },
    );
    expect(rights).toBeGreaterThan(0);
  });

  it("node details: the node's findings and its accounts' rights as they may read them", () => {
    let accounts = 0;
    fc.assert(
      fc.property(cases, ([network, rbac, namespaces]) => {
        const objects = declared([...network, ...rbac]);
        const state = stateOf(objects);
        const more = stateOf([...objects, ...hiddenObjects(namespaces)]);
        const expected = new Set(literalReadableFindings(objects, namespaces).map(key));
        const rows = new Map(readableMatrixRows(state, namespaces).map((row) => [row.ref, row]));
        const nodes = [
          ...[...namespaces.graph].map(namespaceNodeId),
          ...[...state.identities()]
            .filter((identity) => namespaces.graph.has(identity.namespace))
            .map(identityNodeId),
        ];
        for (const id of nodes) {
          const details = nodeDetails(state, id, new FindingsReader(state, namespaces));
          if (details === undefined) continue;
          for (const finding of details.findings) expect(expected.has(key(finding))).toBe(true);
          for (const account of details.serviceAccounts) {
            const row = rows.get(account.ref);
            expect(account.rights).toBe(row?.cells.length ?? 0);
            expect(account.risks).toEqual([...new Set(row?.cells.flatMap((c) => c.risks) ?? [])].sort());
            accounts++;
          }
          expect(nodeDetails(more, id, new FindingsReader(more, namespaces))).toEqual(details);
        }
      }),
      { numRuns: RUNS },
    );
    expect(accounts).toBeGreaterThan(0);
  });

  it("who-can and can-i: the grants they may read, whatever else the cluster holds", () => {
    let granted = 0;
    fc.assert(
      fc.property(rbacCluster, visibleBindings, listing, (rbac, visible, namespaces) => {
        const objects = declared([...rbac, ...visible]);
        const state = stateOf(objects);
        const more = stateOf([...objects, ...hiddenObjects(namespaces)]);
        const rowOf = (s: ClusterState) => {
          const rows = new Map(readableMatrixRows(s, namespaces).map((row) => [row.ref, row]));
          return (ref: string) => rows.get(ref);
        };
        const rows = readableMatrixRows(state, namespaces);
        // Every resource right they may see, asked where it holds: its subject is among the answers,
        // by grants they may see only, and the same whatever else the cluster holds.
        for (const row of rows)
          for (const cell of row.cells) {
            if (cell.resource.startsWith("url:") || cell.resource.includes("*") || cell.scope === "*")
              continue;
            const [group, resource, subresource] = cell.resource.split("/") as [string, string, string?];
            const grant = cell.grants[0]!;
            const verb = grant.verbs.includes("*") ? "get" : grant.verbs[0]!;
            const query = {
              verb,
              resource,
              apiGroup: group,
              ...(subresource === undefined ? {} : { subresource }),
              namespace: cell.scope,
              offset: 0,
              limit: 1000,
              ...(grant.resourceNames.length > 0 ? { name: grant.resourceNames[0]! } : {}),
            };
            const answer = whoCanAnswer(state, query, rowOf(state), readableRights(state, namespaces));
            expect(answer.subjects.map((entry) => entry.ref)).toContain(row.ref);
            for (const entry of answer.subjects)
              for (const grant of entry.grants) {
                expect(grant.binding).toMatch(/^RoleBinding\//);
                expect(grant.role).toMatch(/^Role\//);
                expect(namespaces.rbac.has(grant.namespace)).toBe(true);
              }
            expect(whoCanAnswer(more, query, rowOf(more), readableRights(more, namespaces))).toEqual(answer);
            granted++;
          }
        for (const row of rows) {
          const can = canIAnswer(state, { subject: row.ref }, new FindingsReader(state, namespaces))!;
          expect(new Set(can.rules.map((r) => `${r.binding} ${r.role}`))).toEqual(
            new Set(row.cells.flatMap((c) => c.grants.map((g) => `${g.binding} ${g.role}`))),
          );
          expect(canIAnswer(more, { subject: row.ref }, new FindingsReader(more, namespaces))).toEqual(can);
        }
        // A subject they know nothing of is no subject to them.
        for (const rights of state.rbac()) {
          const ref = matrixRow(rights, state.rulesOf).ref;
          if (!rows.some((row) => row.ref === ref))
            expect(
              canIAnswer(state, { subject: ref }, new FindingsReader(state, namespaces)),
            ).toBeUndefined();
        }
      }),
      { numRuns: RUNS },
    );
    expect(granted).toBeGreaterThan(0);
  });
});

/** RoleBindings to Roles beside them (the rights a namespace's reader sees), of the generated role names. */
const visibleBindings = fc
  .array(
    fc.record({
      namespace: fc.constantFrom(...NAMESPACES.slice(0, 3)),
      role: fc.constantFrom("r0", "r1", "r2", "r3"),
      account: fc.constantFrom(...SA_NAMES),
    }),
    { maxLength: 4 },
  )
  .map((bindings) =>
    bindings.map((b, i) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { namespace: b.namespace, name: `visible${i}` },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: b.role },
      subjects: [{ kind: "ServiceAccount", namespace: b.namespace, name: b.account }],
    })),
  );
