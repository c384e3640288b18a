import {
  type ClusterState,
  canI,
  compareRows,
  evidenceReport,
  explainEdge,
  filterRow,
  type GrantTrace,
  identitiesOfNode,
  identityLabel,
  indexFindings,
  isDefaultDeny,
  judgeFindings,
  type LiveIdentity,
  type MatrixRow,
  matrixRow,
  type NetworkPolicy,
  namespacesOfFinding,
  type ReachQuestion,
  type ResourceQuery,
  type Role,
  reachOf,
  resourceQueryOf,
  roleRef,
  searchNodes,
  subjectRef,
  whoCan,
  wirePorts,
} from "@trustmap/engine";
import type {
  CanIAnswer,
  ClusterInfo,
  EvidenceReport,
  Explanation,
  Finding,
  FindingsPage,
  MatrixPage,
  NamespaceSummary,
  NodeDetails,
  Reach,
  SearchAnswer,
  Severity,
  SeverityCounts,
  ViewEdge,
  ViewNode,
  WhoCanAnswer,
} from "@trustmap/shared";

import { decodeNodeId } from "@trustmap/shared";
import type { QueryArgs } from "../engine/protocol";

type WireRow = MatrixPage["rows"][number];

function wireRow(row: MatrixRow): WireRow {
  return {
    subject: { ...row.subject },
    ref: row.ref,
    cells: row.cells.map((cell) => ({
      ...cell,
      verbs: [...cell.verbs],
      risks: [...cell.risks],
      resourceNames: [...cell.resourceNames],
      grants: cell.grants.map((g) => ({
        ...g,
        verbs: [...g.verbs],
        resourceNames: [...g.resourceNames],
      })),
    })),
    ...(row.worst === undefined ? {} : { worst: row.worst }),
    riskyCells: row.riskyCells,
    clusterWide: row.clusterWide,
  };
}

// Answers to the REST API, read from the live cluster. Whole-cluster lists (findings, the RBAC
// matrix) are computed once per engine revision and only when asked for.

const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low", "info"];

/** A value computed once per revision of the live cluster. */
class PerRevision<T> {
  private revision = -1;
  private value: T | undefined;

  constructor(private readonly compute: () => T) {}

  get(revision: number): T {
    if (this.value === undefined || revision !== this.revision) {
      this.value = this.compute();
      this.revision = revision;
    }
    return this.value;
  }
}

function emptyCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

/** The findings that pass the pages' filters other than severity (whose counts the page shows). */
function filterFindings(
  findings: readonly Finding[],
  query: Pick<QueryArgs["findings"], "pillar" | "id" | "search">,
): Finding[] {
  const search = query.search?.toLowerCase();
  return findings.filter(
    (f) =>
      (query.pillar === undefined || f.pillar === query.pillar) &&
      (query.id === undefined || f.id === query.id) &&
      (search === undefined ||
        f.message.toLowerCase().includes(search) ||
        f.objects.some((o) => o.toLowerCase().includes(search))),
  );
}

export class Queries {
  private readonly rulesOf = (role: Role) =>
    this.state.rbacIndex.resolved.get(roleRef(role))?.rules ?? role.rules;
  private readonly findings: PerRevision<{ all: Finding[]; byNamespace: Map<string, Finding[]> }>;
  private readonly matrix: PerRevision<MatrixRow[]>;
  /** The matrix rows by subject reference (who-can reads each subject's worst right from them). */
  private readonly matrixByRef = new PerRevision(
    () => new Map(this.matrix.get(this.state.revision).map((row) => [row.ref, row])),
  );

  constructor(private readonly state: ClusterState) {
    this.findings = new PerRevision(() => {
      const all = state.findings();
      const byNamespace = new Map<string, Finding[]>();
      for (const finding of all) {
        for (const ns of namespacesOfFinding(finding)) {
          let list = byNamespace.get(ns);
          if (list === undefined) {
            list = [];
            byNamespace.set(ns, list);
          }
          list.push(finding);
        }
      }
      return { all, byNamespace };
    });
    this.matrix = new PerRevision(() =>
      state
        .rbac()
        .map((rights) => matrixRow(rights, this.rulesOf))
        .sort(compareRows),
    );
  }

  /** How many objects of each sort the cluster holds. */
  counts(): ClusterInfo["counts"] {
    const state = this.state;
    return {
      namespaces: state.namespaceNames().length,
      pods: state.count("Pod"),
      identities: state.netpol.identities.size,
      networkPolicies: state.count("NetworkPolicy"),
      subjects: state.rbacIndex.rows.size,
      bindings: state.count("RoleBinding") + state.count("ClusterRoleBinding"),
      findings: state.findingCount(),
    };
  }

  namespaces(): NamespaceSummary[] {
    const { byNamespace } = this.findings.get(this.state.revision);
    return this.state.namespaceNames().map((name) => {
      const ns = this.state.namespaceNamed(name)!;
      const identities = this.state.netpol.identitiesByNamespace.get(name) ?? new Set<LiveIdentity>();
      const policies = [...this.state.policiesIn(name)];
      let pods = 0;
      let openIngressPods = 0;
      let openEgressPods = 0;
      for (const identity of identities) {
        pods += identity.pods.size;
        if (!identity.isIsolated("ingress")) openIngressPods += identity.pods.size;
        if (!identity.isIsolated("egress")) openEgressPods += identity.pods.size;
      }
      const findings = emptyCounts();
      for (const finding of byNamespace.get(name) ?? [])
        findings[finding.severity] = (findings[finding.severity] ?? 0) + 1;
      return {
        name,
        labels: { ...ns.labels },
        declared: ns.declared,
        pods,
        identities: identities.size,
        networkPolicies: policies.length,
        ...this.defaultDeny(policies),
        openIngressPods,
        openEgressPods,
        findings,
      };
    });
  }

  /** Details of a graph node (namespace, identity or pod); undefined when it does not exist. */
  node(id: string): NodeDetails | undefined {
    const ref = decodeNodeId(id);
    if (ref === undefined || ref.kind === "any" || ref.kind === "outside") return undefined;
    const identities = identitiesOfNode(this.state, id);
    const kind = ref.kind === "workload" ? "identity" : ref.kind;
    if (identities.length === 0 && kind !== "namespace") return undefined;
    const namespace = ref.kind === "namespace" ? ref.namespace : identities[0]!.namespace;
    const ns = this.state.namespaceNamed(namespace);
    if (ns === undefined) return undefined;
    const podKeys =
      ref.kind === "pod"
        ? [`${ref.namespace}/${ref.name}`]
        : identities.flatMap((identity) => [...identity.pods.keys()]).sort();
    const pods = podKeys.slice(0, 200).flatMap((key) => {
      const pod = this.state.pod(key);
      return pod === undefined
        ? []
        : [
            {
              name: pod.name,
              namespace: pod.namespace,
              labels: { ...pod.labels },
              serviceAccount: pod.serviceAccountName,
            },
          ];
    });
    const policies =
      kind === "namespace"
        ? [...(this.state.netpol.policiesByNamespace.get(namespace) ?? [])]
        : [...new Set(identities.flatMap((i) => [...i.ingressPolicies, ...i.egressPolicies]))];
    const refs = new Set(
      kind === "namespace" ? [`Namespace/${namespace}`] : podKeys.map((key) => `Pod/${key}`),
    );
    const scoped = this.state.findingsInNamespace(namespace);
    const findings =
      kind === "namespace" ? scoped : scoped.filter((f) => f.objects.some((ref) => refs.has(ref)));
    const accounts = new Set(
      podKeys
        .map((key) => this.state.pod(key))
        .flatMap((p) => (p ? [`ServiceAccount/${p.namespace}/${p.serviceAccountName}`] : [])),
    );
    return {
      id,
      kind,
      name:
        ref.kind === "pod"
          ? ref.name
          : ref.kind === "namespace"
            ? ref.namespace
            : identityLabel(identities[0]!),
      namespace,
      labels: kind === "namespace" ? { ...ns.labels } : { ...(identities[0]?.labels ?? {}) },
      pods,
      podCount: podKeys.length,
      policies: policies
        .map((p) => ({
          namespace: p.policy.namespace,
          name: p.policy.name,
          ingress: p.policy.affectsIngress,
          egress: p.policy.affectsEgress,
        }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      isolatedIngress: identities.length > 0 && identities.every((i) => i.isIsolated("ingress")),
      isolatedEgress: identities.length > 0 && identities.every((i) => i.isIsolated("egress")),
      findings: findings.slice(0, 500),
      serviceAccounts: [...accounts].sort().map((ref) => {
        // Only the node's accounts' rows, not the whole matrix (recomputed after every change).
        const rights = this.state.rbacIndex.rows.get(ref);
        const row = rights === undefined ? undefined : matrixRow(rights, this.rulesOf);
        const risks = new Set(row?.cells.flatMap((cell) => cell.risks) ?? []);
        return { ref, risks: [...risks].sort(), rights: row?.cells.length ?? 0 };
      }),
    };
  }

  /** Why `from` may or may not reach `to` (view node ids); undefined when a node does not exist. */
  explain(from: string, to: string): Explanation | undefined {
    return explainEdge(this.state, from, to);
  }

  // Reachability and search: the engine answers.

  reach(question: ReachQuestion): Reach | undefined {
    return reachOf(this.state, question);
  }

  search(text: string, limit: number): SearchAnswer {
    return searchNodes(this.state, text, limit);
  }

  matrixPage(query: QueryArgs["matrix"]): MatrixPage {
    const rows = this.matrix.get(this.state.revision);
    const filter = {
      ...(query.subjectKind === undefined ? {} : { subjectKind: query.subjectKind }),
      ...(query.namespace === undefined ? {} : { namespace: query.namespace }),
      ...(query.resource === undefined ? {} : { resource: query.resource }),
      ...(query.verb === undefined ? {} : { verb: query.verb }),
      ...(query.risky === undefined ? {} : { riskyOnly: query.risky }),
      ...(query.search === undefined ? {} : { search: query.search }),
    };
    const filtered = rows.flatMap((row) => filterRow(row, filter) ?? []);
    return {
      total: filtered.length,
      offset: query.offset,
      limit: query.limit,
      rows: filtered.slice(query.offset, query.offset + query.limit).map(wireRow),
    };
  }

  findingsPage(query: QueryArgs["findings"]): FindingsPage {
    // A namespace's findings are read on their own: no wording of the whole cluster's after a change.
    const base =
      query.namespace === undefined
        ? this.findings.get(this.state.revision).all
        : this.state.findingsInNamespace(query.namespace);
    const matching = filterFindings(base, query);
    const counts = emptyCounts();
    for (const f of matching) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
    const selected =
      query.severity === undefined ? matching : matching.filter((f) => f.severity === query.severity);
    return {
      total: selected.length,
      offset: query.offset,
      limit: query.limit,
      counts,
      findings: selected.slice(query.offset, query.offset + query.limit),
    };
  }

  /** Whether a namespace with these policies has a default-deny policy for each direction. */
  private defaultDeny(policies: readonly NetworkPolicy[]) {
    return {
      defaultDenyIngress: policies.some((p) => isDefaultDeny(p, "ingress")),
      defaultDenyEgress: policies.some((p) => isDefaultDeny(p, "egress")),
    };
  }

  /** The evidence report of a scope at this revision; `graph` is the scope's view, made by the caller. */
  evidence(
    query: QueryArgs["evidence"],
    graph: { view: string; nodes: readonly ViewNode[]; edges: readonly ViewEdge[] },
  ): EvidenceReport {
    const { namespace, meta, accepted: acceptedBy, ...filters } = query;
    // A namespace's report reads only what concerns it: its findings, and the subjects that have
    // findings (all with a risky right do), not the whole cluster's findings and matrix.
    const base =
      namespace === undefined
        ? this.findings.get(this.state.revision).all
        : this.state.findingsInNamespace(namespace);
    // Both lists are sorted most severe first; filtering keeps that order.
    let findings = filterFindings(base, filters).filter(
      (f) => filters.severity === undefined || f.severity === filters.severity,
    );
    // With accepted exceptions, the engine judges the same findings: open ones stay, accepted ones go apart.
    const accepted =
      acceptedBy === undefined || acceptedBy.exceptions.length === 0
        ? undefined
        : judgeFindings(
            indexFindings(this.state.located(namespace)),
            filters,
            acceptedBy.exceptions,
            acceptedBy.now,
          );
    if (accepted !== undefined) findings = accepted.open.map((located) => located.finding);
    const rbac = this.state
      .subjectsWithFindings()
      .map((rights) => matrixRow(rights, this.rulesOf))
      .flatMap(
        (row) => filterRow(row, { riskyOnly: true, ...(namespace === undefined ? {} : { namespace }) }) ?? [],
      )
      .sort(compareRows)
      .map(wireRow);
    const names = namespace === undefined ? this.state.namespaceNames() : [namespace];
    let pods = 0;
    for (const name of names)
      for (const identity of this.state.netpol.identitiesByNamespace.get(name) ?? [])
        pods += identity.pods.size;
    const policies =
      namespace === undefined
        ? [...this.state.netpol.policies.values()]
        : [...(this.state.netpol.policiesByNamespace.get(namespace) ?? [])];
    const namespacesDrawn = new Set(
      graph.nodes.flatMap((node) => (node.namespace === undefined ? [] : [node.namespace])),
    );
    const noDefaultDeny = [...namespacesDrawn].filter((name) => {
      const deny = this.defaultDeny([...this.state.policiesIn(name)]);
      return !deny.defaultDenyIngress || !deny.defaultDenyEgress;
    });
    return evidenceReport({
      meta: { ...meta, revision: this.state.revision },
      namespaces:
        namespace === undefined ? names.length : Number(this.state.namespaceNamed(namespace) !== undefined),
      pods,
      findings,
      ...(accepted === undefined
        ? {}
        : {
            accepted: accepted.accepted.map(({ located, exception }) => ({
              finding: located.finding,
              exception: {
                index: exception.index,
                check: exception.check,
                reason: exception.reason,
                owner: exception.owner,
                expires: exception.expires,
              },
            })),
          }),
      graph: { ...graph, noDefaultDeny: noDefaultDeny.sort() },
      rbac,
      policies,
    });
  }

  // RBAC questions: answered by the engine's authorizer over every subject's grants.

  whoCan(query: QueryArgs["whoCan"]): WhoCanAnswer {
    const { verb, offset, limit } = query;
    const apiGroup = query.apiGroup === "core" ? "" : query.apiGroup;
    const target: ResourceQuery =
      query.nonResourceURL !== undefined
        ? { url: query.nonResourceURL }
        : withSubresource(resourceQueryOf(query.resource ?? "", apiGroup), query.subresource);
    const question = {
      verb,
      target,
      ...(query.name === undefined ? {} : { name: query.name }),
      ...(query.namespace === undefined ? {} : { namespace: query.namespace }),
    };
    const rows = this.matrixByRef.get(this.state.revision);
    const entries = whoCan(
      this.state.rbac(),
      question,
      this.rulesOf,
      (rights) => rows.get(subjectRef(rights.subject))?.worst,
    );
    return {
      question: {
        verb,
        ...("url" in target
          ? { nonResourceURL: target.url }
          : {
              apiGroup: target.apiGroup ?? null,
              resource: target.resource,
              ...(target.subresource === undefined ? {} : { subresource: target.subresource }),
            }),
        ...(query.name === undefined ? {} : { name: query.name }),
        ...(query.namespace === undefined ? {} : { namespace: query.namespace }),
      },
      total: entries.length,
      offset,
      limit,
      subjects: entries.slice(offset, offset + limit).map((entry) => ({
        subject: { ...entry.subject },
        ref: entry.ref,
        ...(entry.worst === undefined ? {} : { worst: entry.worst }),
        clusterWide: entry.clusterWide,
        ...(entry.onlyNames === undefined ? {} : { onlyNames: [...entry.onlyNames] }),
        grants: entry.grants.map(wireTrace),
      })),
    };
  }

  canI(query: QueryArgs["canI"]): CanIAnswer | undefined {
    const rights = this.state.rbacIndex.rows.get(query.subject);
    if (rights === undefined) return undefined;
    const answer = canI(rights, query.namespace, this.rulesOf);
    return {
      subject: { ...answer.subject },
      ref: answer.ref,
      ...(answer.worst === undefined ? {} : { worst: answer.worst }),
      ...(query.namespace === undefined ? {} : { namespace: query.namespace }),
      rules: answer.rules.map((rule) => ({ ...wireTrace(rule), risks: [...rule.risks] })),
    };
  }

  severityOrder(): readonly Severity[] {
    return SEVERITIES;
  }
}

function withSubresource(target: ResourceQuery, subresource: string | undefined): ResourceQuery {
  return subresource === undefined || "url" in target ? target : { ...target, subresource };
}

function wireTrace(t: GrantTrace): WhoCanAnswer["subjects"][number]["grants"][number] {
  return {
    namespace: t.namespace,
    binding: t.binding,
    role: t.role,
    rule: t.rule,
    verbs: [...t.verbs],
    apiGroups: [...t.apiGroups],
    resources: [...t.resources],
    resourceNames: [...t.resourceNames],
    nonResourceURLs: [...t.nonResourceURLs],
  };
}

export { wirePorts };
