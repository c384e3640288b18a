import { parseViewKey } from "@trustmap/shared";

/** The view a node opens: a namespace's identities, or an identity's pods. */
export function viewOfNode(id: string): string | undefined {
  if (id.startsWith("ns:")) return `namespace:${id.slice(3)}`;
  if (id.startsWith("id:")) return `workload:${id.slice(3)}`;
  return undefined;
}

/** The namespace of an identity key ("namespace" then labels, or a JSON array for odd names). */
export function namespaceOfIdentity(key: string): string {
  if (key.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(key);
      if (Array.isArray(parsed) && typeof parsed[0] === "string") return parsed[0];
    } catch {
      return key;
    }
  }
  return key.split("\u0001")[0] ?? key;
}

export interface Crumb {
  readonly label: string;
  readonly view: string;
}

/** Overview › namespace › workload. */
export function crumbsOf(view: string, workloadLabel: string | undefined): Crumb[] {
  const crumbs: Crumb[] = [{ label: "Cluster", view: "overview" }];
  const ref = parseViewKey(view);
  if (ref === undefined || ref.kind === "overview") return crumbs;
  if (ref.kind === "namespace") return [...crumbs, { label: ref.namespace, view }];
  const namespace = namespaceOfIdentity(ref.identity);
  return [
    ...crumbs,
    { label: namespace, view: `namespace:${namespace}` },
    { label: workloadLabel ?? "workload", view },
  ];
}

/** The view in words, for captions: "Whole cluster by namespace", "Namespace shop", a workload in its namespace. */
export function scopeOf(view: string, workloadLabel: string | undefined): string {
  const ref = parseViewKey(view);
  if (ref === undefined || ref.kind === "overview") return "Whole cluster by namespace";
  if (ref.kind === "namespace") return `Namespace ${ref.namespace}`;
  return `Workload ${workloadLabel ?? "(no app label)"} in namespace ${namespaceOfIdentity(ref.identity)}`;
}

/** The namespace an evidence report of this view covers; undefined for the whole cluster. */
export function reportNamespaceOf(view: string): string | undefined {
  const ref = parseViewKey(view);
  if (ref === undefined || ref.kind === "overview") return undefined;
  return ref.kind === "namespace" ? ref.namespace : namespaceOfIdentity(ref.identity);
}
