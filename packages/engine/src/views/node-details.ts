import { type AcceptedFinding, decodeNodeId, type Finding, type NodeDetails } from "@trustmap/shared";
import { exceptionInfo } from "../findings/exceptions";
import type { FindingsReader } from "../findings/reader";
import { matrixRow } from "../rbac/matrix";
import type { ClusterState } from "../state/cluster-state";
import { identitiesOfNode } from "./explain";
import { identityLabel } from "./scoped";

// The node panel's details: a namespace, a workload or a pod, with its pods, policies, findings
// and the rights of its service accounts.

/** Details of a graph node (namespace, identity or pod); undefined when it does not exist. */
export function nodeDetails(
  state: ClusterState,
  id: string,
  /** A reader of some namespaces only: the findings and rights they see. */
  reader?: FindingsReader,
): NodeDetails | undefined {
  const ref = decodeNodeId(id);
  // A group of namespaces or workloads has no details of its own: it opens into its members.
  if (
    ref === undefined ||
    ref.kind === "any" ||
    ref.kind === "outside" ||
    ref.kind === "group" ||
    ref.kind === "workloads"
  )
    return undefined;
  const identities = identitiesOfNode(state, id);
  const kind = ref.kind === "workload" ? "identity" : ref.kind;
  if (identities.length === 0 && kind !== "namespace") return undefined;
  const namespace = ref.kind === "namespace" ? ref.namespace : identities[0]!.namespace;
  const ns = state.namespaceNamed(namespace);
  if (ns === undefined) return undefined;
  const podKeys =
    ref.kind === "pod"
      ? [`${ref.namespace}/${ref.name}`]
      : identities.flatMap((identity) => [...identity.pods.keys()]).sort();
  const pods = podKeys.slice(0, 200).flatMap((key) => {
    const pod = state.pod(key);
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
      ? [...state.policyStatesIn(namespace)]
      : [...new Set(identities.flatMap((i) => [...i.ingressPolicies, ...i.egressPolicies]))];
  const refs = new Set(
    kind === "namespace" ? [`Namespace/${namespace}`] : podKeys.map((key) => `Pod/${key}`),
  );
  const scoped = reader === undefined ? state.findingsInNamespace(namespace) : reader.findings(namespace);
  const about = kind === "namespace" ? scoped : scoped.filter((f) => f.objects.some((ref) => refs.has(ref)));
  const findings: Finding[] = [];
  const accepted: AcceptedFinding[] = [];
  for (const finding of about) {
    const exception = state.exceptionOf(finding);
    if (exception === undefined) findings.push(finding);
    else accepted.push({ finding, exception: exceptionInfo(exception) });
  }
  const accounts = new Set(
    podKeys
      .map((key) => state.pod(key))
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
    accepted: accepted.slice(0, 500),
    serviceAccounts: [...accounts].sort().map((ref) => {
      // Only the node's accounts' rows, not the whole matrix (recomputed after every change).
      const rights = reader === undefined ? state.rightsOf(ref) : reader.rightsOf(ref);
      const row = rights === undefined ? undefined : matrixRow(rights, state.rulesOf);
      const risks = new Set(row?.cells.flatMap((cell) => cell.risks) ?? []);
      return { ref, risks: [...risks].sort(), rights: row?.cells.length ?? 0 };
    }),
  };
}
