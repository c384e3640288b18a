import type { ClusterInfo, EngineQueries, NamespaceSummary, SeverityCounts } from "@trustmap/shared";
import { isDefaultDeny } from "../findings/network";
import type { FindingsReader } from "../findings/reader";
import type { NetworkPolicy } from "../objects/model";
import type { ClusterState } from "../state/cluster-state";

// The cluster and its namespaces in figures: what the dashboard's counts and the namespace list show.

/** How many objects of each sort the cluster holds. */
export function clusterCounts(state: ClusterState): EngineQueries["counts"]["result"] {
  const counts: ClusterInfo["counts"] = {
    namespaces: state.namespaceNames().length,
    pods: state.count("Pod"),
    identities: state.identityCount(),
    networkPolicies: state.count("NetworkPolicy"),
    subjects: state.subjectCount(),
    bindings: state.count("RoleBinding") + state.count("ClusterRoleBinding"),
    findings: state.findingCount() - state.acceptedCount(),
    accepted: state.acceptedCount(),
  };
  return counts;
}

/**
 * The counts a reader of some namespaces may see: the namespaces where they may list anything,
 * the pods and policies where the network picture is theirs, the RoleBindings where RBAC is, the
 * subjects of the matrix narrowed to them (`subjects`), and the findings they see
 * (FindingsReader), open and accepted.
 */
export function readableCounts(
  state: ClusterState,
  reader: FindingsReader,
  subjects: number,
): EngineQueries["counts"]["result"] {
  const { graph, rbac } = reader.readable;
  const names = state.namespaceNames().filter((name) => graph.has(name) || rbac.has(name));
  let pods = 0;
  let identities = 0;
  let networkPolicies = 0;
  for (const name of names) {
    if (!graph.has(name)) continue;
    for (const identity of state.identitiesIn(name)) {
      identities++;
      pods += identity.pods.size;
    }
    networkPolicies += [...state.policiesIn(name)].length;
  }
  let bindings = 0;
  for (const binding of state.roleBindings())
    if (binding.namespace !== undefined && rbac.has(binding.namespace)) bindings++;
  let open = 0;
  let accepted = 0;
  for (const { finding } of reader.located()) {
    if (state.exceptionOf(finding) === undefined) open++;
    else accepted++;
  }
  return {
    namespaces: names.length,
    pods,
    identities,
    networkPolicies,
    subjects,
    bindings,
    findings: open,
    accepted,
  };
}

export function emptySeverityCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

/** Whether a namespace with these policies has a default-deny policy for each direction. */
export function defaultDenyOf(policies: readonly NetworkPolicy[]): {
  defaultDenyIngress: boolean;
  defaultDenyEgress: boolean;
} {
  return {
    defaultDenyIngress: policies.some((p) => isDefaultDeny(p, "ingress")),
    defaultDenyEgress: policies.some((p) => isDefaultDeny(p, "egress")),
  };
}

/**
 * Every namespace (sorted) with its pods, workloads, policies, default-deny, open pods and the
 * count of its open findings by severity (and of its accepted ones), findings filed under every
 * namespace their objects name (namespacesOfFinding).
 */
export function namespaceSummaries(state: ClusterState): NamespaceSummary[] {
  const counts = state.findingCountsByNamespace();
  return state.namespaceNames().map((name) => {
    const ns = state.namespaceNamed(name)!;
    const identities = state.identitiesIn(name);
    const policies = [...state.policiesIn(name)];
    let pods = 0;
    let openIngressPods = 0;
    let openEgressPods = 0;
    for (const identity of identities) {
      pods += identity.pods.size;
      if (!identity.isIsolated("ingress")) openIngressPods += identity.pods.size;
      if (!identity.isIsolated("egress")) openEgressPods += identity.pods.size;
    }
    const own = counts.get(name);
    const findings = own === undefined ? emptySeverityCounts() : { ...own.findings };
    const accepted = own?.accepted ?? 0;
    return {
      name,
      labels: { ...ns.labels },
      declared: ns.declared,
      pods,
      identities: identities.size,
      networkPolicies: policies.length,
      ...defaultDenyOf(policies),
      openIngressPods,
      openEgressPods,
      findings,
      accepted,
    };
  });
}
