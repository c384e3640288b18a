// The node of a group: namespaces sharing a namespace label's value, or a namespace's workloads
// sharing a pod label's value, summed from its members' nodes.
import { decodeNodeId, labelValue, type Severity, workloadGroupNodeId } from "@trustmap/shared";
import { worse } from "../findings/catalog";
import { groupLabel } from "./scoped";
import type { ViewNode } from "./view";

export interface Grouping {
  /** The label whose value groups nodes. */
  readonly by: string;
  /** Groups shown opened, by value; null: the nodes without the label. */
  readonly open: readonly (string | null)[];
}

/** What a view groups: its namespace nodes by a namespace label; a namespace's own workloads by a pod label. */
export interface Groupings {
  readonly namespaces?: Grouping;
  readonly workloads?: Grouping & { readonly namespace: string };
}

/** Where a workload grouping puts a workload of its namespace: its group's node id, its value, whether the group is open. */
export function workloadPlace(
  workloads: Grouping & { readonly namespace: string },
  labels: Readonly<Record<string, string>> | undefined,
): { readonly id: string; readonly value: string | null; readonly open: boolean } {
  const value = labelValue(labels, workloads.by);
  return {
    id: workloadGroupNodeId(workloads.namespace, workloads.by, value),
    value,
    open: workloads.open.includes(value),
  };
}

/** A group's node: a group of namespaces or of a namespace's workloads, from its id and members. */
export function groupNode(id: string, groupings: Groupings, members: Iterable<ViewNode>): ViewNode {
  const ref = decodeNodeId(id);
  if (ref?.kind !== "group" && ref?.kind !== "workloads") throw new Error(`not a group: ${id}`);
  const grouping = ref.kind === "group" ? groupings.namespaces : groupings.workloads;
  let pods = 0;
  let openIngressPods = 0;
  let openEgressPods = 0;
  let count = 0;
  let worst: Severity | undefined;
  for (const node of members) {
    count++;
    pods += node.pods;
    openIngressPods += node.openIngressPods;
    openEgressPods += node.openEgressPods;
    worst = worse(worst, node.worst);
  }
  return {
    ...(worst === undefined ? {} : { worst }),
    id,
    kind: "group",
    label: groupLabel(ref.key, ref.value),
    ...(ref.kind === "workloads" ? { namespace: ref.namespace } : {}),
    pods,
    openIngressPods,
    openEgressPods,
    ...(ref.kind === "group" ? { namespaces: count } : { workloads: count }),
    ...(grouping?.open.includes(ref.value) === true ? { open: true } : {}),
  };
}
