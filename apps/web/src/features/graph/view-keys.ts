import {
  decodeNodeId,
  decodeWorkloadKey,
  type GroupingList,
  parseViewKey,
  viewKey,
  workloadKey,
} from "@trustmap/shared";

/**
 * The view a node opens, from the view `from`: a namespace's identities (its neighbours grouped as
 * `from` groups namespaces), an identity's pods, or (in a grouped view) the same view with the
 * group opened in place, or closed again.
 */
export function viewOfNode(id: string, from = "overview"): string | undefined {
  const ref = decodeNodeId(id);
  const current = parseViewKey(from);
  if (ref?.kind === "group") {
    const grouped = current !== undefined && current.kind !== "workload" && current.groupBy === ref.key;
    const open = grouped ? (current.open ?? []) : [];
    const toggled = open.includes(ref.value) ? open.filter((v) => v !== ref.value) : [...open, ref.value];
    const grouping = { groupBy: ref.key, ...(toggled.length > 0 ? { open: toggled } : {}) };
    return current?.kind === "namespace" && grouped
      ? viewKey({ kind: "namespace", namespace: current.namespace, ...grouping })
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
 * group closed; a workload's view, which draws no namespace, as it is.
 */
export function regroupedView(view: string, by: string | undefined): string {
  const ref = parseViewKey(view);
  if (ref?.kind === "namespace") return namespaceView(ref.namespace, by);
  return ref?.kind === "workload" ? view : groupedView(by);
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
    return ref.groupBy === undefined
      ? `Namespace ${ref.namespace}`
      : `Namespace ${ref.namespace}, other namespaces grouped by ${ref.groupBy}`;
  return `Workload ${workloadLabel ?? "(gone)"} in namespace ${namespaceOfIdentity(ref.identity)}`;
}

/** The namespace an evidence report of this view covers; undefined for the whole cluster. */
export function reportNamespaceOf(view: string): string | undefined {
  const ref = parseViewKey(view);
  if (ref === undefined || ref.kind === "overview") return undefined;
  return ref.kind === "namespace" ? ref.namespace : namespaceOfIdentity(ref.identity);
}
