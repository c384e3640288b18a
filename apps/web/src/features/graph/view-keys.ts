import {
  decodeNodeId,
  decodeWorkloadKey,
  type GroupingList,
  labelValue,
  parseViewKey,
  viewKey,
  type WorkloadGroupingList,
  workloadKey,
} from "@trustmap/shared";

/** Opens a value in a list of opened groups, or closes it when it is opened. */
function toggled(open: readonly (string | null)[], value: string | null): (string | null)[] {
  return open.includes(value) ? open.filter((v) => v !== value) : [...open, value];
}

/**
 * The view a node opens, from the view `from`: a namespace's identities (its neighbours grouped as
 * `from` groups namespaces), an identity's pods, or (in a grouped view) the same view with the
 * group opened in place, or closed again.
 */
export function viewOfNode(id: string, from = "overview"): string | undefined {
  const ref = decodeNodeId(id);
  const current = parseViewKey(from);
  if (ref?.kind === "workloads") {
    const here = current?.kind === "namespace" && current.namespace === ref.namespace ? current : undefined;
    const open = toggled(here?.workloadsBy === ref.key ? (here.openWorkloads ?? []) : [], ref.value);
    return viewKey({
      ...(here ?? { kind: "namespace", namespace: ref.namespace }),
      workloadsBy: ref.key,
      openWorkloads: open.length > 0 ? open : undefined,
    });
  }
  if (ref?.kind === "group") {
    const grouped = current !== undefined && current.kind !== "workload" && current.groupBy === ref.key;
    const open = toggled(grouped ? (current.open ?? []) : [], ref.value);
    const grouping = { groupBy: ref.key, ...(open.length > 0 ? { open } : {}) };
    return current?.kind === "namespace" && grouped
      ? viewKey({ ...current, ...grouping, ...(open.length > 0 ? {} : { open: undefined }) })
      : viewKey({ kind: "overview", ...grouping });
  }
  if (ref?.kind === "namespace") return namespaceView(ref.namespace, groupingOf(from));
  if (ref?.kind === "workload") return viewKey({ kind: "workload", identity: workloadKey(ref.workload) });
  return undefined;
}

/** A namespace's view, the namespaces around it grouped by a label (or drawn one by one). */
export function namespaceView(namespace: string, by: string | undefined): string {
  return viewKey({ kind: "namespace", namespace, ...(by === undefined ? {} : { groupBy: by }) });
}

/** The namespace of a workload view's identity key (the body of its `wl:` node id). */
export function namespaceOfIdentity(key: string): string {
  return decodeWorkloadKey(key)?.namespace ?? key;
}

export interface Crumb {
  readonly label: string;
  readonly view: string;
}

/** The cluster's view grouped by a namespace label, or by namespace (undefined), all groups closed. */
export function groupedView(by: string | undefined): string {
  return viewKey(by === undefined ? { kind: "overview" } : { kind: "overview", groupBy: by });
}

/** Above this many namespaces, a node per namespace is more than a canvas can show legibly. */
export const GROUP_ABOVE_NAMESPACES = 200;

/**
 * The view a page opened without one shows: the cluster by namespace, or for a large cluster
 * grouped by the first label the engine offers (when it offers one).
 */
export function openingView(groupings: GroupingList): string {
  const first = groupings.keys[0];
  return groupings.namespaces > GROUP_ABOVE_NAMESPACES && first !== undefined
    ? groupedView(first.key)
    : "overview";
}

/** The label the view groups namespaces by; undefined when it does not. */
export function groupingOf(view: string): string | undefined {
  const ref = parseViewKey(view);
  return ref === undefined || ref.kind === "workload" ? undefined : ref.groupBy;
}

/**
 * The same view with its namespaces grouped by another label (undefined: one by one), every
 * group closed (a namespace's own workloads stay as they are grouped); a workload's view, which
 * draws no namespace, as it is.
 */
export function regroupedView(view: string, by: string | undefined): string {
  const ref = parseViewKey(view);
  if (ref?.kind === "namespace") {
    const { groupBy: _, open: __, ...rest } = ref;
    return viewKey({ ...rest, ...(by === undefined ? {} : { groupBy: by }) });
  }
  return ref?.kind === "workload" ? view : groupedView(by);
}

/** The pod label a namespace's view groups its own workloads by; undefined when it does not. */
export function workloadGroupingOf(view: string): string | undefined {
  const ref = parseViewKey(view);
  return ref?.kind === "namespace" ? ref.workloadsBy : undefined;
}

/**
 * A namespace's view with its own workloads grouped by another pod label (undefined: one by one),
 * every group closed; any other view as it is.
 */
export function regroupedWorkloads(view: string, by: string | undefined): string {
  const ref = parseViewKey(view);
  if (ref?.kind !== "namespace") return view;
  const { workloadsBy: _, openWorkloads: __, ...rest } = ref;
  return viewKey({ ...rest, ...(by === undefined ? {} : { workloadsBy: by }) });
}

/**
 * The view with the group that holds a workload node opened, so that the node is drawn: a
 * namespace's view that groups its own workloads; any other view, or node, as it is.
 */
export function showing(view: string, nodeId: string | undefined): string {
  const ref = parseViewKey(view);
  const node = nodeId === undefined ? undefined : decodeNodeId(nodeId);
  if (ref?.kind !== "namespace" || ref.workloadsBy === undefined || node?.kind !== "workload") return view;
  if (node.workload.namespace !== ref.namespace) return view;
  const value = labelValue(node.workload.labels, ref.workloadsBy);
  const open = ref.openWorkloads ?? [];
  return open.includes(value) ? view : viewKey({ ...ref, openWorkloads: [...open, value] });
}

/** Whether a node id names a group (of namespaces, or of a namespace's workloads). */
export function isGroupId(id: string): boolean {
  const kind = decodeNodeId(id)?.kind;
  return kind === "group" || kind === "workloads";
}

/** Above this many workloads, a node per workload is more than a canvas can show legibly. */
export const GROUP_ABOVE_WORKLOADS = 300;

/**
 * The view to open for `next`: a namespace's view asked for with its workloads one by one is
 * grouped by the first pod label the engine offers when the namespace holds more workloads than a
 * canvas shows legibly (the choice "nothing" in the view is kept: it does not come through here).
 */
export function openedView(next: string, list: WorkloadGroupingList | undefined): string {
  const ref = parseViewKey(next);
  const first = list?.keys[0];
  if (ref?.kind !== "namespace" || ref.workloadsBy !== undefined || list === undefined || first === undefined)
    return next;
  return list.workloads > GROUP_ABOVE_WORKLOADS ? regroupedWorkloads(next, first.key) : next;
}

/**
 * Overview › namespace › workload. A workload's namespace is offered with the namespaces around it
 * grouped by `by` (the grouping the page opens a large cluster with), one by one without it.
 */
export function crumbsOf(view: string, workloadLabel: string | undefined, by?: string): Crumb[] {
  const crumbs: Crumb[] = [{ label: "Cluster", view: "overview" }];
  const ref = parseViewKey(view);
  if (ref?.kind === "overview" && ref.groupBy !== undefined)
    return [...crumbs, { label: `by ${ref.groupBy}`, view: groupedView(ref.groupBy) }];
  if (ref === undefined || ref.kind === "overview") return crumbs;
  if (ref.kind === "namespace")
    return [
      ...crumbs,
      ...(ref.groupBy === undefined ? [] : [{ label: `by ${ref.groupBy}`, view: groupedView(ref.groupBy) }]),
      { label: ref.namespace, view },
    ];
  const namespace = namespaceOfIdentity(ref.identity);
  return [
    ...crumbs,
    { label: namespace, view: namespaceView(namespace, by) },
    { label: workloadLabel ?? "workload", view },
  ];
}

/** The view in words, for captions: "Whole cluster by namespace", "Namespace shop", a workload in its namespace. */
export function scopeOf(view: string, workloadLabel: string | undefined): string {
  const ref = parseViewKey(view);
  if (ref?.kind === "overview" && ref.groupBy !== undefined)
    return `Whole cluster, namespaces grouped by ${ref.groupBy}`;
  if (ref === undefined || ref.kind === "overview") return "Whole cluster by namespace";
  if (ref.kind === "namespace")
    return [
      `Namespace ${ref.namespace}`,
      ...(ref.workloadsBy === undefined ? [] : [`its workloads grouped by ${ref.workloadsBy}`]),
      ...(ref.groupBy === undefined ? [] : [`other namespaces grouped by ${ref.groupBy}`]),
    ].join(", ");
  return `Workload ${workloadLabel ?? "(gone)"} in namespace ${namespaceOfIdentity(ref.identity)}`;
}

/** The namespace an evidence report of this view covers; undefined for the whole cluster. */
export function reportNamespaceOf(view: string): string | undefined {
  const ref = parseViewKey(view);
  if (ref === undefined || ref.kind === "overview") return undefined;
  return ref.kind === "namespace" ? ref.namespace : namespaceOfIdentity(ref.identity);
}
