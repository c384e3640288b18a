import type { AuthUser } from "@trustmap/shared";
import { RESOURCES } from "../sources/kube/resources";
import type { ClusterReviews } from "../sources/kube/reviews";

// What a logged-in user may read, asked of the cluster itself (SubjectAccessReview for the user and
// their groups): Trustmap keeps one picture of the whole cluster, read with its own account, and
// answers each user only with the part the cluster would let them list.

/** The kinds Trustmap reads inside namespaces, and those it reads cluster-wide. */
const NAMESPACED = RESOURCES.filter((resource) =>
  ["Pod", "ServiceAccount", "NetworkPolicy", "Role", "RoleBinding"].includes(resource.kind),
);

/** How many reviews are asked at once. */
const CONCURRENCY = 16;

export interface Access {
  /**
   * May list every kind Trustmap reads in every namespace (the cluster-wide network policies
   * apart, see `clusterPolicies`): answers are the whole picture.
   */
  readonly cluster: boolean;
  /**
   * The namespaces whose network picture the user may list (pods, service accounts and
   * NetworkPolicies; sorted): a scoped user's graph, views and search hold these alone. Every
   * namespace when `cluster`.
   */
  readonly namespaces: readonly string[];
  /** The namespaces whose RBAC the user may list (Roles and RoleBindings; sorted). */
  readonly rbac: readonly string[];
  /** How many of the cluster's namespaces the user may read nothing of. */
  readonly hidden: number;
  /**
   * May list the cluster-wide network policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
   * ClusterNetworkPolicy): when not, explanations say a cluster-wide policy decided, not which.
   */
  readonly clusterPolicies: boolean;
  /**
   * May list what publishes workloads (Services and Ingresses) in every namespace: when not,
   * exposure paths and findings are not theirs.
   */
  readonly exposure: boolean;
  /** How many SubjectAccessReviews deciding this took. */
  readonly reviews: number;
  /** When it was decided (ms). */
  readonly decidedAt: number;
}

/** Runs `work` over `items`, at most `limit` at once. */
async function pooled<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Decides a user's access: first whether they may list every kind across all namespaces (one
 * review per kind); if not, namespace by namespace whether they may list the network picture's
 * kinds there (pods first: a namespace whose pods they may not list needs no other question of
 * it) and RBAC's (RoleBindings first), each part on its own.
 */
export async function decideAccess(
  reviews: ClusterReviews,
  user: AuthUser,
  namespaces: readonly string[],
  now: () => number = Date.now,
): Promise<Access> {
  let asked = 0;
  const may = (resource: (typeof RESOURCES)[number], namespace: string) => {
    asked++;
    return reviews.accessReview(user, {
      verb: "list",
      group: resource.group,
      resource: resource.plural,
      namespace,
    });
  };
  const everywhere = await pooled(RESOURCES, CONCURRENCY, (resource) => may(resource, ""));
  const allowedEverywhere = new Set(
    RESOURCES.filter((_, i) => everywhere[i]).map((resource) => resource.kind),
  );
  const sorted = [...namespaces].sort();
  const clusterPolicies = RESOURCES.every((resource, i) => resource.part !== "tiers" || everywhere[i]);
  // Services and Ingresses decide it: the Gateway API's kinds are served in some clusters only.
  const exposure = RESOURCES.every(
    (resource, i) => resource.part !== "exposure" || resource.optional === true || everywhere[i],
  );
  // The whole picture needs every kind but the cluster-wide policies and what publishes: a reader
  // who may not list those still reads the whole cluster, told without them.
  if (RESOURCES.every((resource, i) => resource.part !== undefined || everywhere[i]))
    return {
      cluster: true,
      namespaces: sorted,
      rbac: sorted,
      hidden: 0,
      clusterPolicies,
      exposure,
      reviews: asked,
      decidedAt: now(),
    };
  // Each part's kinds in the order asked; those listable everywhere need no question.
  const part = (kinds: readonly string[]) =>
    kinds.flatMap((kind) => NAMESPACED.filter((r) => r.kind === kind && !allowedEverywhere.has(kind)));
  const picture = part(["Pod", "ServiceAccount", "NetworkPolicy"]);
  const rbac = part(["RoleBinding", "Role"]);
  const all = async (kinds: typeof NAMESPACED, namespace: string) => {
    for (const resource of kinds) if (!(await may(resource, namespace))) return false;
    return true;
  };
  const readable = await pooled(sorted, CONCURRENCY, (namespace) =>
    Promise.all([all(picture, namespace), all(rbac, namespace)]),
  );
  const graph = sorted.filter((_, i) => readable[i]![0]);
  const roles = sorted.filter((_, i) => readable[i]![1]);
  return {
    cluster: false,
    namespaces: graph,
    rbac: roles,
    hidden: sorted.filter((_, i) => !readable[i]![0] && !readable[i]![1]).length,
    clusterPolicies,
    exposure,
    reviews: asked,
    decidedAt: now(),
  };
}

/** The subjects (as the engine names them: User/…, Group/…, ServiceAccount/ns/name) a user is. */
export function subjectRefsOf(user: AuthUser): string[] {
  const refs = [`User/${user.name}`, ...user.groups.map((group) => `Group/${group}`)];
  const account = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user.name);
  if (account !== null) refs.push(`ServiceAccount/${account[1]}/${account[2]}`);
  return refs;
}

/** How long an access decided stays good when nothing the engine sees says it changed. */
export const ACCESS_TTL_MS = 60_000;

/** A user as the cache keys them: the name and the groups, since both decide access. */
export function userKey(user: AuthUser): string {
  return JSON.stringify([user.name, [...user.groups].sort()]);
}

interface Entry {
  readonly access: Promise<Access>;
  readonly refs: ReadonlySet<string>;
  readonly at: number;
}

/**
 * Each user's access, decided once and kept briefly; decided again at once when the engine sees a
 * change of RBAC that touches one of the user's subjects, or namespaces come or go.
 */
export class Accesses {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(key: string) => void>();
  /** Reviews asked in all (the cost of scoping, for the metrics and the notes). */
  reviews = 0;
  decisions = 0;

  constructor(
    private readonly reviewer: ClusterReviews,
    private readonly namespaces: () => Promise<readonly string[]>,
    private readonly ttlMs: number = ACCESS_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get(user: AuthUser): Promise<Access> {
    const key = userKey(user);
    const entry = this.entries.get(key);
    if (entry !== undefined && this.now() - entry.at < this.ttlMs) return entry.access;
    const access = this.namespaces()
      .then((names) => decideAccess(this.reviewer, user, names, this.now))
      .then((decided) => {
        this.reviews += decided.reviews;
        this.decisions++;
        return decided;
      });
    // A failed decision is not kept: the next request asks again.
    access.catch(() => {
      if (this.entries.get(key)?.access === access) this.entries.delete(key);
    });
    this.entries.set(key, { access, refs: new Set(subjectRefsOf(user)), at: this.now() });
    return access;
  }

  /** The engine saw RBAC rights of `subjects` change, or namespaces come or go: those users' access is decided again. */
  changed(subjects: readonly string[], namespaces: boolean): void {
    const touched = new Set(subjects);
    // Decided first, told after: a listener that asks for the access again adds an entry, which
    // this loop must not see (it would be dropped and asked again without end).
    const stale = [...this.entries].filter(
      ([, entry]) => namespaces || [...entry.refs].some((ref) => touched.has(ref)),
    );
    for (const [key] of stale) this.entries.delete(key);
    for (const [key] of stale) for (const listener of this.listeners) listener(key);
  }

  /** Called with a user's key when their access is to be decided again. */
  onChange(listener: (key: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
