import type { Finding } from "@trustmap/shared";
import { CHECKS, compareFindings } from "../findings/catalog";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";

// What a user who may read some namespaces only may see, read literally from the objects: the
// reference the narrowed answers are compared with.

/** The namespace of an object reference ("Kind/namespace/name"; a Namespace is its own). */
export function refNamespace(ref: string): string | undefined {
  const parts = ref.split("/");
  return parts[0] === "Namespace" ? parts[1] : parts.length >= 3 ? parts[1] : undefined;
}

export function refInside(ref: string, namespaces: ReadonlySet<string>): boolean {
  const namespace = refNamespace(ref);
  return namespace !== undefined && namespaces.has(namespace);
}

/** What a reader may list: the network picture's namespaces and RBAC's (findings/finding.ts Readable). */
export interface Listable {
  readonly graph: ReadonlySet<string>;
  readonly rbac: ReadonlySet<string>;
}

/** Whether a reader may list the object a reference names: Roles and RoleBindings where RBAC is theirs, the rest where the network picture is. */
export function mayList(ref: string, listable: Listable): boolean {
  const kind = ref.split("/")[0];
  return refInside(ref, kind === "Role" || kind === "RoleBinding" ? listable.rbac : listable.graph);
}

export function stateOf(objects: readonly unknown[]): ClusterState {
  const { cluster } = parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object })));
  return ClusterState.from(cluster);
}

interface Manifest {
  kind?: string;
  metadata?: { namespace?: string; name?: string };
  roleRef?: { kind?: string };
  subjects?: { kind?: string; namespace?: string; name?: string }[];
}

const SUBJECT_CHECKS = new Set(CHECKS.filter((c) => c.scope === "subject").map((c) => c.id));

/**
 * The findings a reader sees, literally:
 * - of the cluster's findings about objects, bindings and pods, those every object of which they
 *   may list (Roles and RoleBindings where RBAC is theirs, the rest where the network picture is);
 * - the findings about subjects' rights of the cluster whose RBAC is what they may list: the
 *   Roles and RoleBindings of their RBAC namespaces (no ClusterRole: those that bind one grant
 *   nothing there, and name their subjects still); of the subjects they may know of: those a
 *   RoleBinding they may list names, and the service accounts they may list.
 */
export function literalReadableFindings(objects: readonly unknown[], listable: Listable): Finding[] {
  const manifests = objects as Manifest[];
  const mine = (m: Manifest) => listable.rbac.has(m.metadata?.namespace ?? "");
  const pictured = (m: Manifest) => listable.graph.has(m.metadata?.namespace ?? "");
  const rbacKinds = new Set(["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]);
  const restricted = manifests.filter(
    (m) =>
      !rbacKinds.has(m.kind ?? "") || (m.kind === "Role" && mine(m)) || (m.kind === "RoleBinding" && mine(m)),
  );
  const accounts = new Set(
    manifests
      .filter((m) => m.kind === "ServiceAccount" && pictured(m))
      .map((m) => `ServiceAccount/${m.metadata?.namespace}/${m.metadata?.name}`),
  );
  // A RoleBinding's service account of no namespace is of the binding's (as the RBAC authorizer reads it).
  for (const m of manifests)
    if (m.kind === "RoleBinding" && mine(m))
      for (const s of m.subjects ?? [])
        accounts.add(
          s.kind === "ServiceAccount"
            ? `ServiceAccount/${s.namespace ?? m.metadata?.namespace}/${s.name}`
            : `${s.kind}/${s.name}`,
        );
  const known = (ref: string) => accounts.has(ref);
  const others = stateOf(objects)
    .findings()
    .filter((f) => !SUBJECT_CHECKS.has(f.id) && f.objects.every((ref) => mayList(ref, listable)));
  const subjects = stateOf(restricted)
    .findings()
    .filter((f) => SUBJECT_CHECKS.has(f.id) && known(f.objects[0]!));
  return [...others, ...subjects].sort(compareFindings);
}
