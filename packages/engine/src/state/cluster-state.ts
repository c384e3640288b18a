import {
  type ExposurePath,
  type Finding,
  SEVERITY_ORDER,
  type Severity,
  type SeverityCounts,
} from "@trustmap/shared";
import {
  comparePaths,
  type ExposureWorld,
  exposurePaths,
  ingressControllers,
  isIngressController,
} from "../exposure/paths";
import {
  compareFindings,
  findingsOf,
  POD_CHECKS,
  podFindings,
  podHitMask,
  podHitSeverity,
  podWorstSeverity,
  worse,
} from "../findings/catalog";
import { type AcceptedException, judge } from "../findings/exceptions";
import {
  type FindingContext,
  namespacesOfFinding,
  type Scope,
  type ScopeTargets,
  toFinding,
} from "../findings/finding";
import type { PortSet } from "../netpol/ports";
import {
  type Connectivity,
  type Direction,
  type ExternalAccess,
  mergeExternal,
  type PodConnection,
} from "../netpol/result";
import {
  CLUSTER_POLICY_KINDS,
  type Cluster,
  type ClusterNetworkPolicy,
  clusterPolicyRef,
  EXPOSING_KINDS,
  type ExposingObject,
  exposingRef,
  type Gateway,
  type Ingress,
  type Namespace,
  type NetworkPolicy,
  type Pod,
  podKey,
  READ_KINDS,
  type Role,
  type RoleBinding,
  type Route,
  type Service,
  type ServiceAccount,
} from "../objects/model";
import { compare } from "../objects/parse";
import { bindingRef, type SubjectRights } from "../rbac/effective";
import type { RulesOf } from "../rbac/matrix";
import { roleRef } from "../rbac/roles";
import { emptySeverityCounts } from "../views/namespaces";
import { Changes, type Delta, listChanges, type PodHits, toDelta } from "./changes";
import { addTo, removeFrom } from "./multimap";
import { type LiveIdentity, NetpolIndex, type PolicyState, tiersRestrict } from "./netpol-index";
import { RbacIndex } from "./rbac-index";

const NO_IDENTITIES: ReadonlySet<LiveIdentity> = new Set();
const NO_POLICIES: ReadonlySet<PolicyState> = new Set();

/** A finding and the pod it is about, if it is about a pod. */
export interface LocatedFinding {
  readonly finding: Finding;
  readonly pod: Pod | undefined;
}

/** The exceptions in force and the instant they are judged at (the engine reads no clock). */
export interface Acceptance {
  readonly exceptions: readonly AcceptedException[];
  readonly now: number;
}

/** Which findings the exceptions in force accept, at one revision. */
interface AcceptedIndex {
  readonly revision: number;
  /** The exception that accepts each accepted finding, by findingKey. */
  readonly byKey: Map<string, AcceptedException>;
  /** The bits of each pod's hit mask ("namespace/name") whose findings are accepted. */
  readonly podBits: Map<string, number>;
  /** How many findings are accepted: a finding listed twice (a subject named twice) counts twice. */
  readonly count: number;
}

/** Every field of a finding that can differ between two findings of one object. */
function findingKey(finding: Finding): string {
  return `${finding.id}\u0000${finding.severity}\u0000${finding.objects.join(",")}\u0000${finding.message}\u0000${finding.remediation}`;
}

/** Whether two findings say the same: every field findingKey holds, compared without building it. */
function sameFinding(a: Finding, b: Finding): boolean {
  if (a === b) return true;
  if (a.id !== b.id || a.severity !== b.severity || a.message !== b.message) return false;
  if (a.remediation !== b.remediation || a.objects.length !== b.objects.length) return false;
  for (let i = 0; i < a.objects.length; i++) if (a.objects[i] !== b.objects[i]) return false;
  return true;
}

/** The kinds the engine reads, and the trimmed object of each. */
export interface KindObjects {
  readonly Namespace: Namespace;
  readonly Pod: Pod;
  readonly NetworkPolicy: NetworkPolicy;
  readonly ServiceAccount: ServiceAccount;
  readonly Role: Role;
  readonly ClusterRole: Role;
  readonly RoleBinding: RoleBinding;
  readonly ClusterRoleBinding: RoleBinding;
  readonly AdminNetworkPolicy: ClusterNetworkPolicy;
  readonly BaselineAdminNetworkPolicy: ClusterNetworkPolicy;
  readonly ClusterNetworkPolicy: ClusterNetworkPolicy;
  readonly Service: Service;
  readonly Ingress: Ingress;
  readonly Gateway: Gateway;
  readonly HTTPRoute: Route;
  readonly GRPCRoute: Route;
  readonly TLSRoute: Route;
  readonly TCPRoute: Route;
  readonly UDPRoute: Route;
}

export type Kind = keyof KindObjects;

export const KINDS: readonly Kind[] = READ_KINDS;

/** A watch event, or a full relist that replaces every object of one kind. */
export type WatchEvent = {
  [K in Kind]:
    | { readonly type: "ADDED" | "MODIFIED" | "DELETED"; readonly kind: K; readonly object: KindObjects[K] }
    | { readonly type: "RELIST"; readonly kind: K; readonly objects: readonly KindObjects[K][] };
}[Kind];

export function objectKey(kind: Kind, object: KindObjects[Kind]): string {
  switch (kind) {
    case "Namespace":
      return (object as Namespace).name;
    case "Role":
    case "ClusterRole":
      return roleRef(object as Role);
    case "RoleBinding":
    case "ClusterRoleBinding":
      return bindingRef(object as RoleBinding);
    case "AdminNetworkPolicy":
    case "BaselineAdminNetworkPolicy":
    case "ClusterNetworkPolicy":
      return clusterPolicyRef(object as ClusterNetworkPolicy);
    default: {
      const namespaced = object as { namespace: string; name: string };
      return `${namespaced.namespace}/${namespaced.name}`;
    }
  }
}

/** A namespace's findings by severity, and how many of its findings an exception accepts. */
export interface NamespaceFindingCounts {
  readonly findings: SeverityCounts;
  accepted: number;
}

/**
 * A cluster as the relists of a fresh watch, in the order that costs least: what pods refer to
 * (namespaces, service accounts, policies) before the pods, so no pod is examined twice.
 */
export function initialEvents(cluster: Cluster): WatchEvent[] {
  return [
    { type: "RELIST", kind: "Namespace", objects: cluster.namespaces.filter((ns) => ns.declared) },
    { type: "RELIST", kind: "ServiceAccount", objects: cluster.serviceAccounts },
    { type: "RELIST", kind: "NetworkPolicy", objects: cluster.networkPolicies },
    ...CLUSTER_POLICY_KINDS.map(
      (kind): WatchEvent => ({
        type: "RELIST",
        kind,
        objects: (cluster.clusterPolicies ?? []).filter((policy) => policy.kind === kind),
      }),
    ),
    { type: "RELIST", kind: "Role", objects: cluster.roles.filter((r) => r.kind === "Role") },
    { type: "RELIST", kind: "ClusterRole", objects: cluster.roles.filter((r) => r.kind === "ClusterRole") },
    {
      type: "RELIST",
      kind: "RoleBinding",
      objects: cluster.bindings.filter((b) => b.kind === "RoleBinding"),
    },
    {
      type: "RELIST",
      kind: "ClusterRoleBinding",
      objects: cluster.bindings.filter((b) => b.kind === "ClusterRoleBinding"),
    },
    { type: "RELIST", kind: "Pod", objects: cluster.pods },
    ...EXPOSING_KINDS.map(
      (kind): WatchEvent =>
        ({
          type: "RELIST",
          kind,
          objects: (cluster.exposures ?? []).filter((object) => object.kind === kind),
        }) as WatchEvent,
    ),
  ];
}

/** Counts a pod's worst finding (by SEVERITY_ORDER's index) `by` more in a namespace's counts. */
function addPodWorst(counts: number[], hits: PodHits, by: number): void {
  const worst = podWorstSeverity(hits.pod, hits.mask);
  if (worst !== undefined) counts[SEVERITY_ORDER.indexOf(worst)]! += by;
}

function namespaceOf(kind: Kind, object: KindObjects[Kind]): string | undefined {
  if (kind === "Namespace" || kind === "ClusterRole" || kind === "ClusterRoleBinding") return undefined;
  if ((CLUSTER_POLICY_KINDS as readonly string[]).includes(kind)) return undefined;
  return (object as { namespace?: string }).namespace;
}

/**
 * A cluster held in memory and kept up to date one watch event at a time. After each event it
 * says exactly which identities, edges, RBAC rows and findings changed, at a cost proportional
 * to what the event touches.
 */
export class ClusterState implements FindingContext {
  private readonly objects = new Map<Kind, Map<string, KindObjects[Kind]>>(KINDS.map((k) => [k, new Map()]));
  readonly netpol = new NetpolIndex();
  readonly rbacIndex = new RbacIndex();
  /** How many objects live in each namespace: a namespace exists while declared or used. */
  private readonly namespaceUse = new Map<string, number>();
  /** The findings of every object but pods, by scope and key. */
  private readonly findingsByTarget: Record<Exclude<Scope, "pod">, Map<string, Finding[]>> = {
    namespace: new Map(),
    policy: new Map(),
    binding: new Map(),
    subject: new Map(),
    exposure: new Map(),
  };
  /** The paths of each exposing object ("Kind/namespace/name"), as of the last settle that touched what they read. */
  private readonly exposureCache = new Map<string, readonly ExposurePath[]>();
  /** The pod checks that hit each pod, by "namespace/name": worded only when read. */
  private readonly podHits = new Map<string, PodHits>();
  /**
   * How many pods of a namespace have each worst severity (SEVERITY_ORDER's index), exceptions
   * aside: kept for the namespaces whose worst severity was asked for, so a namespace of thousands
   * of pods answers without walking them after each event.
   */
  private readonly podWorstByNamespace = new Map<string, number[]>();
  /** The pod whose checks run now, and its identity (saves looking it up once per check). */
  private checkedPod: Pod | undefined;
  private checkedIdentity: LiveIdentity | undefined;
  private revisionNumber = 0;
  /** What the events staged since the last settle changed. */
  private staged: Changes | undefined;
  private acceptance: Acceptance | undefined;
  private acceptedIndex: AcceptedIndex | undefined;

  static from(cluster: Cluster): ClusterState {
    const state = new ClusterState();
    state.applyAll(initialEvents(cluster));
    return state;
  }

  get revision(): number {
    return this.revisionNumber;
  }

  apply(event: WatchEvent): Delta {
    return this.applyAll([event]);
  }

  /**
   * Applies several events as one: RBAC rows and findings are recomputed once for all of them
   * (the initial lists of a watch touch every subject several times over).
   */
  applyAll(events: readonly WatchEvent[]): Delta {
    this.stage(events);
    return this.settle();
  }

  /**
   * Takes events in without settling them: the objects and the NetworkPolicy indexes follow at
   * once, while RBAC rows, findings and the delta wait for `settle()`, which accounts for every
   * event staged since the last one as if they had come in one `applyAll`. Staging the pages of
   * large initial lists one after the other and settling once saves recomputing each subject's
   * rights and findings once per page. Nothing may be read between the two but `unsettled`.
   */
  stage(events: readonly WatchEvent[]): void {
    this.staged ??= new Changes();
    const changes = this.staged;
    for (const event of events) {
      if (event.type === "RELIST") {
        this.relist(event.kind, event.objects, changes);
      } else {
        const key = objectKey(event.kind, event.object);
        this.set(event.kind, key, event.type === "DELETED" ? undefined : event.object, changes);
      }
    }
  }

  /** The object of a kind held under a key (objectKey's), if any. */
  object<K extends Kind>(kind: K, key: string): KindObjects[K] | undefined {
    return this.objects.get(kind)!.get(key) as KindObjects[K] | undefined;
  }

  /** Every object of a kind, by key. */
  objectsOf(kind: Kind): ReadonlyMap<string, KindObjects[Kind]> {
    return this.objects.get(kind)!;
  }

  /** Whether events were staged since the last settle. */
  get unsettled(): boolean {
    return this.staged !== undefined;
  }

  /** Settles the events staged since the last settle (none: an empty delta) into one revision. */
  settle(): Delta {
    const changes = this.staged ?? new Changes();
    this.staged = undefined;
    this.netpol.settleNames(changes);
    this.rbacIndex.flush(changes);
    this.refreshFindings(changes);
    this.revisionNumber++;
    return toDelta(changes);
  }

  /** Replaces every object of a kind; only the true differences reach the indexes. */
  private relist(kind: Kind, objects: readonly KindObjects[Kind][], changes: Changes): void {
    const current = this.objects.get(kind)!;
    if (current.size === 0) {
      // The first list of a kind: every object is new (a name listed twice keeps its last object).
      for (const object of objects) this.set(kind, objectKey(kind, object), object, changes);
      return;
    }
    const incoming = new Map(objects.map((object) => [objectKey(kind, object), object]));
    for (const key of [...current.keys()]) if (!incoming.has(key)) this.set(kind, key, undefined, changes);
    for (const [key, object] of incoming) {
      const before = current.get(key);
      if (before !== undefined && JSON.stringify(before) === JSON.stringify(object)) continue;
      this.set(kind, key, object, changes);
    }
  }

  private set(kind: Kind, key: string, object: KindObjects[Kind] | undefined, changes: Changes): void {
    const store = this.objects.get(kind)!;
    const before = store.get(key);
    if (before === undefined && object === undefined) return;
    if (object === undefined) store.delete(key);
    else store.set(key, object);
    const oldNs = before === undefined ? undefined : namespaceOf(kind, before);
    const newNs = object === undefined ? undefined : namespaceOf(kind, object);
    if (newNs !== undefined) this.useNamespace(newNs, 1, changes);
    switch (kind) {
      case "Namespace":
        this.netpol.setNamespace(key, (object as Namespace | undefined)?.labels, changes);
        changes.namespacesTouched.add(key);
        changes.namespaceObjects.add(key);
        break;
      case "Pod":
        this.setPod(key, before as Pod | undefined, object as Pod | undefined, changes);
        break;
      case "NetworkPolicy":
        this.netpol.setPolicy(key, object as NetworkPolicy | undefined, changes);
        break;
      case "AdminNetworkPolicy":
      case "BaselineAdminNetworkPolicy":
      case "ClusterNetworkPolicy":
        this.netpol.setClusterPolicy(key, object as ClusterNetworkPolicy | undefined, changes);
        this.exposureTiers = true;
        break;
      case "ServiceAccount":
        this.rbacIndex.setServiceAccount(
          before as ServiceAccount | undefined,
          object as ServiceAccount | undefined,
        );
        this.touchPodsOfAccount((object ?? before) as ServiceAccount, changes);
        break;
      case "Role":
      case "ClusterRole":
        this.rbacIndex.setRole(key, object as Role | undefined, changes);
        break;
      case "RoleBinding":
      case "ClusterRoleBinding":
        this.rbacIndex.setBinding(key, object as RoleBinding | undefined, changes);
        break;
      default:
        // A Service, Ingress, Gateway or route: read again at the settle (see refreshExposures).
        this.exposureTouched.add(exposingRef((object ?? before) as ExposingObject));
    }
    if (oldNs !== undefined) this.useNamespace(oldNs, -1, changes);
  }

  private setPod(key: string, before: Pod | undefined, after: Pod | undefined, changes: Changes): void {
    changes.podsTouched.set(key, after);
    if (before !== undefined) {
      const left = this.netpol.removePod(key, changes);
      if (left !== undefined) changes.marked.add(left.key);
      changes.namespacesTouched.add(before.namespace);
    }
    if (after !== undefined) {
      changes.marked.add(this.netpol.addPod(after, key, changes).key);
      changes.namespacesTouched.add(after.namespace);
    }
  }

  /**
   * Marks the pods that run as a service account for their checks to run again. Accounts change
   * rarely, so the namespace's pods are looked through instead of keeping an index by account.
   */
  private touchPodsOfAccount(account: ServiceAccount, changes: Changes): void {
    for (const identity of this.netpol.identitiesByNamespace.get(account.namespace) ?? []) {
      for (const [key, pod] of identity.pods)
        if (pod.serviceAccountName === account.name) changes.podsTouched.set(key, pod);
    }
  }

  private useNamespace(namespace: string, delta: number, changes: Changes): void {
    const count = (this.namespaceUse.get(namespace) ?? 0) + delta;
    if (count === 0) this.namespaceUse.delete(namespace);
    else this.namespaceUse.set(namespace, count);
    if (count === 0 || count === delta) {
      changes.namespacesTouched.add(namespace);
      changes.namespaceObjects.add(namespace);
    }
  }

  // Findings

  private refreshFindings(changes: Changes): void {
    this.refreshExposures(changes);
    changes.podsTouched.forEach((pod, key) => {
      this.refreshPod(changes, key, pod);
    });
    for (const identity of changes.isolationFlipped) {
      for (const [key, pod] of identity.pods) {
        if (!changes.podsTouched.has(key)) this.refreshPod(changes, key, pod);
      }
    }
    for (const name of changes.namespacesTouched)
      this.refreshTarget(changes, "namespace", name, this.namespace(name));
    for (const key of changes.policiesTouched)
      this.refreshTarget(changes, "policy", key, this.netpol.policies.get(key)?.policy);
    for (const key of changes.selectionFlipped) {
      if (!changes.policiesTouched.has(key))
        this.refreshTarget(changes, "policy", key, this.netpol.policies.get(key)?.policy);
    }
    for (const ref of changes.bindingsTouched)
      this.refreshTarget(changes, "binding", ref, this.rbacIndex.bindings.get(ref));
    for (const refs of [changes.subjectsAdded, changes.subjectsChanged, changes.subjectsRemoved]) {
      for (const ref of refs) this.refreshTarget(changes, "subject", ref, this.rbacIndex.rows.get(ref));
    }
  }

  /** Exposing objects that came, went or changed since the last settle ("Kind/namespace/name"). */
  private readonly exposureTouched = new Set<string>();

  /**
   * Exposure paths are computed again for the objects an event may have changed, and no other:
   * - a Service's paths read its namespace alone (its pods, and their ingress from outside, which
   *   NetworkPolicies of that namespace decide): again when a pod or a policy of it changes;
   * - an Ingress's and a route's read their namespaces and the controllers' (whose traffic both
   *   sides' policies, the tiers and those namespaces' labels decide): again when a pod, a policy
   *   or the labels of one of those change, when a cluster-wide policy changes, or when the
   *   ingress controllers' pods come or go;
   * - any object touched is read again, and with a Service or a Gateway the Ingresses and routes
   *   that may name it.
   * A cluster that publishes nothing pays nothing.
   */
  private refreshExposures(changes: Changes): void {
    const findings = this.findingsByTarget.exposure;
    const touched = this.exposureTouched;
    const dirty = new Set<string>();
    changes.podsTouched.forEach((_pod, key) => {
      dirty.add(key.slice(0, key.indexOf("/")));
    });
    for (const key of changes.policiesTouched) dirty.add(key.slice(0, key.indexOf("/")));
    for (const identity of changes.identitiesRenamed) dirty.add(identity.namespace);
    // A namespace's labels count where a path's ends are: its policies' peers and routes' listeners read them there.
    for (const namespace of changes.namespaceObjects) dirty.add(namespace);
    // The ingress controllers are found again when a pod that is, or was, one changes.
    let controllersMoved = false;
    changes.podsTouched.forEach((pod, key) => {
      if (this.controllerPods.has(key) || (pod !== undefined && isIngressController(pod.labels)))
        controllersMoved = true;
    });
    if (controllersMoved) this.findControllers();
    if (this.exposureRefs.size === 0 && touched.size === 0 && findings.size === 0) {
      this.exposureTiers = false;
      return;
    }
    const throughControllers =
      controllersMoved ||
      this.exposureTiers ||
      [...dirty].some((namespace) => this.controllerNamespaces.has(namespace));
    this.exposureTiers = false;
    const refs = new Set(touched);
    for (const namespace of dirty)
      for (const ref of this.exposureByNamespace.get(namespace) ?? []) refs.add(ref);
    // A Service or a Gateway touched: the Ingresses and routes of its namespace may name it.
    for (const ref of touched) {
      if (!ref.startsWith("Service/") && !ref.startsWith("Gateway/")) continue;
      for (const other of this.exposureByNamespace.get(ref.split("/")[1]!) ?? [])
        if (!other.startsWith("Service/")) refs.add(other);
    }
    touched.clear();
    if (throughControllers)
      for (const ref of this.exposureRefs.keys()) if (!ref.startsWith("Service/")) refs.add(ref);
    for (const ref of refs) {
      this.exposureCache.delete(ref);
      const object = this.exposingObject(ref);
      for (const namespace of this.exposureRefs.get(ref) ?? [])
        removeFrom(this.exposureByNamespace, namespace, ref);
      if (object === undefined) this.exposureRefs.delete(ref);
      else {
        const namespaces = this.exposureNamespaces(object);
        this.exposureRefs.set(ref, namespaces);
        for (const namespace of namespaces) addTo(this.exposureByNamespace, namespace, ref);
      }
      this.refreshTarget(changes, "exposure", ref, object);
    }
  }

  /** The exposing objects whose paths read each namespace. */
  private readonly exposureByNamespace = new Map<string, Set<string>>();

  /** Every exposing object ("Kind/namespace/name") and the namespaces its paths read. */
  private readonly exposureRefs = new Map<string, ReadonlySet<string>>();
  /** Whether a cluster-wide policy changed since the last settle: controllers' traffic reads the tiers. */
  private exposureTiers = false;
  /** The ingress controllers' pods ("namespace/name") and their namespaces. */
  private controllerPods = new Set<string>();
  private controllerNamespaces = new Set<string>();
  private controllerIdentities: readonly LiveIdentity[] = [];

  /** Finds the ingress controllers again (their Ingresses' paths are then read again: see refreshExposures). */
  private findControllers(): void {
    const identities = ingressControllers(this.netpol.identities.values());
    this.controllerIdentities = identities;
    this.controllerPods = new Set(identities.flatMap((identity) => [...identity.pods.keys()]));
    this.controllerNamespaces = new Set(identities.map((identity) => identity.namespace));
  }

  /** The namespaces an object's paths read: its own, its backends' and its Gateways', and the controllers'. */
  private exposureNamespaces(object: ExposingObject): ReadonlySet<string> {
    const out = new Set([object.namespace]);
    if (object.kind === "Service" || object.kind === "Gateway") return out;
    for (const route of object.routes) for (const backend of route.backends) out.add(backend.namespace);
    if (object.kind === "Ingress") for (const namespace of this.controllerNamespaces) out.add(namespace);
    else for (const parent of object.parents) out.add(parent.namespace);
    return out;
  }

  exposingObject(ref: string): ExposingObject | undefined {
    const slash = ref.indexOf("/");
    const kind = ref.slice(0, slash) as ExposingObject["kind"];
    return this.objects.get(kind)?.get(ref.slice(slash + 1)) as ExposingObject | undefined;
  }

  /** What the exposure paths read of the state. */
  private readonly exposureWorld: ExposureWorld = {
    identitiesIn: (namespace) => this.identitiesIn(namespace),
    namespaceLabels: (namespace) => this.netpol.namespaceLabels(namespace),
    service: (namespace, name) =>
      this.objects.get("Service")!.get(`${namespace}/${name}`) as Service | undefined,
    gateway: (namespace, name) =>
      this.objects.get("Gateway")!.get(`${namespace}/${name}`) as Gateway | undefined,
    external: (identity, direction) => this.netpol.external(identity, direction),
    allowed: (from, to) => this.netpol.allowed(from, to),
  };
  exposurePaths(object: ExposingObject): readonly ExposurePath[] {
    const ref = exposingRef(object);
    let paths = this.exposureCache.get(ref);
    if (paths === undefined) {
      paths = exposurePaths(this.exposureWorld, object, () => this.controllerIdentities);
      this.exposureCache.set(ref, paths);
    }
    return paths;
  }

  /** Every path the cluster publishes, sorted by namespace, workload and way in. */
  allExposurePaths(): ExposurePath[] {
    const out: ExposurePath[] = [];
    for (const kind of EXPOSING_KINDS)
      for (const object of this.objects.get(kind)!.values())
        out.push(...this.exposurePaths(object as ExposingObject));
    return out.sort(comparePaths);
  }

  private refreshPod(changes: Changes, key: string, pod: Pod | undefined): void {
    const before = this.podHits.get(key);
    let mask = 0;
    const identity = pod === undefined ? undefined : this.netpol.identityOfKey(key);
    if (pod !== undefined) {
      this.checkedPod = pod;
      this.checkedIdentity = identity;
      mask = podHitMask(pod, this);
      this.checkedPod = undefined;
      this.checkedIdentity = undefined;
    }
    const after = mask === 0 ? undefined : { pod: pod!, mask };
    if (after === undefined) this.podHits.delete(key);
    else this.podHits.set(key, after);
    // The namespace's worst severity (a mark of the views) may change with the pod's findings.
    if (before?.mask !== after?.mask || before?.pod !== after?.pod) {
      changes.podsRefreshed.add(key);
      if (before !== undefined) this.countPodWorst(before, -1);
      if (after !== undefined) this.countPodWorst(after, 1);
      const namespace = pod?.namespace ?? before?.pod.namespace;
      if (namespace !== undefined) changes.namespacesTouched.add(namespace);
      if (identity !== undefined) changes.marked.add(identity.key);
    }
    if (before === undefined) {
      if (after !== undefined) changes.podHitsAdded.push(after);
      return;
    }
    if (after === undefined) {
      changes.podHitsRemoved.push(before);
      return;
    }
    if (before.pod === after.pod) {
      // The same pod object words its findings the same way: only the checks that flipped count.
      const gone = before.mask & ~mask;
      const come = mask & ~before.mask;
      if (gone !== 0) changes.podHitsRemoved.push({ pod: before.pod, mask: gone });
      if (come !== 0) changes.podHitsAdded.push({ pod: after.pod, mask: come });
      return;
    }
    const beforeFindings = podFindings(before.pod, before.mask);
    const afterFindings = podFindings(after.pod, after.mask);
    const beforeKeys = new Set(beforeFindings.map(findingKey));
    const afterKeys = new Set(afterFindings.map(findingKey));
    for (const finding of beforeFindings)
      if (!afterKeys.has(findingKey(finding))) changes.findingsRemoved.push(finding);
    for (const finding of afterFindings)
      if (!beforeKeys.has(findingKey(finding))) changes.findingsAdded.push(finding);
  }

  private countPodWorst(hits: PodHits, by: number): void {
    const counts = this.podWorstByNamespace.get(hits.pod.namespace);
    if (counts === undefined) return;
    addPodWorst(counts, hits, by);
    if (counts.every((count) => count === 0)) this.podWorstByNamespace.delete(hits.pod.namespace);
  }

  private refreshTarget<S extends Exclude<Scope, "pod">>(
    changes: Changes,
    scope: S,
    key: string,
    target: ScopeTargets[S] | undefined,
  ) {
    const findings = this.findingsByTarget[scope];
    const before = findings.get(key) ?? [];
    const after = target === undefined ? [] : findingsOf(scope, target, this);
    if (after.length === 0) findings.delete(key);
    else findings.set(key, after);
    // Most targets touched again say what they said: nothing to compare key by key.
    if (before.length === after.length && before.every((finding, i) => sameFinding(finding, after[i]!)))
      return;
    // A policy's findings count in its namespace's worst severity.
    if ((scope === "policy" || scope === "exposure") && (before.length > 0 || after.length > 0)) {
      const ns = scope === "policy" ? key : key.slice(key.indexOf("/") + 1);
      changes.namespacesTouched.add(ns.slice(0, ns.indexOf("/")));
    }
    if (before.length === 0) {
      changes.findingsAdded.push(...after);
      return;
    }
    if (after.length === 0) {
      changes.findingsRemoved.push(...before);
      return;
    }
    const { removed, added } = listChanges(before, after, findingKey);
    changes.findingsRemoved.push(...removed);
    changes.findingsAdded.push(...added);
  }

  private namespace(name: string): Namespace | undefined {
    const declared = this.objects.get("Namespace")!.get(name) as Namespace | undefined;
    if (declared !== undefined) return declared;
    if (!this.namespaceUse.has(name)) return undefined;
    return { name, labels: { "kubernetes.io/metadata.name": name }, annotations: {}, declared: false };
  }

  /** Every namespace: declared ones and those only implied by objects in them, sorted. */
  namespaceNames(): string[] {
    return [...new Set([...this.objects.get("Namespace")!.keys(), ...this.namespaceUse.keys()])].sort(
      compare,
    );
  }

  /** A namespace (declared, or implied by objects in it), or undefined when none exists. */
  namespaceNamed(name: string): Namespace | undefined {
    return this.namespace(name);
  }

  /** The pod held under "namespace/name". */
  pod(key: string): Pod | undefined {
    return this.objects.get("Pod")!.get(key) as Pod | undefined;
  }

  /** The worst severity among a pod's findings ("namespace/name"). */
  worstOfPod(key: string): Severity | undefined {
    const hits = this.podHits.get(key);
    if (hits === undefined) return undefined;
    const accepted = this.accepted()?.podBits.get(key) ?? 0;
    return podWorstSeverity(hits.pod, hits.mask & ~accepted);
  }

  /** The worst severity among the open findings of a namespace, its policies and its pods. */
  worstOfNamespace(namespace: string): Severity | undefined {
    let worst: Severity | undefined;
    const accepted = this.accepted();
    const open = (finding: Finding) => accepted === undefined || !accepted.byKey.has(findingKey(finding));
    for (const finding of this.findingsByTarget.namespace.get(namespace) ?? [])
      if (open(finding)) worst = worse(worst, finding.severity);
    for (const state of this.netpol.policiesByNamespace.get(namespace) ?? []) {
      for (const finding of this.findingsByTarget.policy.get(state.key) ?? [])
        if (open(finding)) worst = worse(worst, finding.severity);
    }
    for (const [ref, findings] of this.findingsByTarget.exposure) {
      if (ref.split("/")[1] !== namespace) continue;
      for (const finding of findings) if (open(finding)) worst = worse(worst, finding.severity);
    }
    if (accepted !== undefined && accepted.podBits.size > 0) {
      // Exceptions accept findings of some pods: ask each pod for its open findings.
      for (const identity of this.netpol.identitiesByNamespace.get(namespace) ?? []) {
        for (const key of identity.pods.keys()) worst = worse(worst, this.worstOfPod(key));
        if (worst === "critical") return worst;
      }
      return worst;
    }
    let counts = this.podWorstByNamespace.get(namespace);
    if (counts === undefined) {
      counts = SEVERITY_ORDER.map(() => 0);
      for (const identity of this.netpol.identitiesByNamespace.get(namespace) ?? []) {
        for (const key of identity.pods.keys()) {
          const hits = this.podHits.get(key);
          if (hits !== undefined) addPodWorst(counts, hits, 1);
        }
      }
      this.podWorstByNamespace.set(namespace, counts);
    }
    const index = counts.findIndex((count) => count > 0);
    return index < 0 ? worst : worse(worst, SEVERITY_ORDER[index]);
  }

  /** How many objects of a kind are held. */
  count(kind: Kind): number {
    return this.objects.get(kind)!.size;
  }

  hasNamespaceObject(name: string): boolean {
    return this.objects.get("Namespace")!.has(name);
  }

  namespaceObjects(): IterableIterator<string> {
    return this.objects.get("Namespace")!.keys();
  }

  // FindingContext

  serviceAccount(namespace: string, name: string): ServiceAccount | undefined {
    return this.objects.get("ServiceAccount")!.get(`${namespace}/${name}`) as ServiceAccount | undefined;
  }

  isIsolated(pod: Pod, direction: Direction): boolean {
    const identity = pod === this.checkedPod ? this.checkedIdentity : this.netpol.identityOf(pod);
    if (identity === undefined) return false;
    return identity.isIsolated(direction) || tiersRestrict(identity, direction);
  }

  *policiesIn(namespace: string): Iterable<NetworkPolicy> {
    for (const state of this.netpol.policiesByNamespace.get(namespace) ?? []) yield state.policy;
  }

  namespaceHasPods(namespace: string): boolean {
    return this.netpol.identitiesByNamespace.has(namespace);
  }

  selectsAnyPod(policy: NetworkPolicy): boolean {
    return (this.netpol.policies.get(`${policy.namespace}/${policy.name}`)?.selected.size ?? 0) > 0;
  }

  boundRole(binding: RoleBinding) {
    return this.rbacIndex.boundRole(binding);
  }

  // Reading the indexes: workloads, policies and rights, as analysis outside the state asks for them

  /** The workload (identity) of this key, while a pod of it runs. */
  identity(key: string): LiveIdentity | undefined {
    return this.netpol.identities.get(key);
  }

  /** The workload (identity) of a pod ("namespace/name"), while the pod runs. */
  identityOfPod(key: string): LiveIdentity | undefined {
    return this.netpol.identityOfKey(key);
  }

  /** How many workloads (identities) have pods now. */
  identityCount(): number {
    return this.netpol.identities.size;
  }

  /** The workloads with pods in a namespace now (empty when none). */
  identitiesIn(namespace: string): ReadonlySet<LiveIdentity> {
    return this.netpol.identitiesByNamespace.get(namespace) ?? NO_IDENTITIES;
  }

  /** The namespaces where pods run now, unsorted. */
  namespacesWithPods(): IterableIterator<string> {
    return this.netpol.identitiesByNamespace.keys();
  }

  /** A namespace's policies, each with the workloads it selects (empty when none). */
  policyStatesIn(namespace: string): ReadonlySet<PolicyState> {
    return this.netpol.policiesByNamespace.get(namespace) ?? NO_POLICIES;
  }

  /** Every policy, each with the workloads it selects, unsorted. */
  policyStates(): IterableIterator<PolicyState> {
    return this.netpol.policies.values();
  }

  /** A subject's effective rights, by its reference ("Kind/namespace/name" or "Kind/name"). */
  rightsOf(ref: string): SubjectRights | undefined {
    return this.rbacIndex.rows.get(ref);
  }

  /** The binding of a reference ("ClusterRoleBinding/name" or "RoleBinding/namespace/name"). */
  binding(ref: string): RoleBinding | undefined {
    const kind = ref.startsWith("ClusterRoleBinding/")
      ? "ClusterRoleBinding"
      : ref.startsWith("RoleBinding/")
        ? "RoleBinding"
        : undefined;
    return kind === undefined ? undefined : (this.objects.get(kind)!.get(ref) as RoleBinding | undefined);
  }

  /** Every RoleBinding (namespaced bindings only). */
  roleBindings(): IterableIterator<RoleBinding> {
    return this.objects.get("RoleBinding")!.values() as IterableIterator<RoleBinding>;
  }

  /** How many subjects (users, groups, service accounts) the cluster names. */
  subjectCount(): number {
    return this.rbacIndex.rows.size;
  }

  /** A role's rules, with those an aggregated ClusterRole gathers from the roles it selects. */
  readonly rulesOf: RulesOf = (role: Role) => this.rbacIndex.resolved.get(roleRef(role))?.rules ?? role.rules;

  // Reading the whole state

  /** The cluster as the objects now held, in the order parseCluster gives. */
  cluster(): Cluster {
    const list = <K extends Kind>(kind: K) => [...this.objects.get(kind)!.values()] as KindObjects[K][];
    const byNamespaceAndName = (
      a: { namespace: string; name: string },
      b: { namespace: string; name: string },
    ) => compare(a.namespace, b.namespace) || compare(a.name, b.name);
    const byRef = (a: { kind: string; namespace?: string; name: string }, b: typeof a) =>
      compare(`${a.kind}/${a.namespace ?? ""}/${a.name}`, `${b.kind}/${b.namespace ?? ""}/${b.name}`);
    const namespaces = new Set([...this.objects.get("Namespace")!.keys(), ...this.namespaceUse.keys()]);
    const clusterPolicies = CLUSTER_POLICY_KINDS.flatMap((kind) => list(kind)).sort(byRef);
    const exposures = EXPOSING_KINDS.flatMap((kind) => list(kind) as ExposingObject[]).sort(byRef);
    return {
      namespaces: [...namespaces].sort(compare).map((name) => this.namespace(name)!),
      pods: list("Pod").sort(byNamespaceAndName),
      networkPolicies: list("NetworkPolicy").sort(byNamespaceAndName),
      serviceAccounts: list("ServiceAccount").sort(byNamespaceAndName),
      roles: [...list("Role"), ...list("ClusterRole")].sort(byRef),
      bindings: [...list("RoleBinding"), ...list("ClusterRoleBinding")].sort(byRef),
      ...(clusterPolicies.length === 0 ? {} : { clusterPolicies }),
      ...(exposures.length === 0 ? {} : { exposures }),
    };
  }

  identities(): IterableIterator<LiveIdentity> {
    return this.netpol.identities.values();
  }

  allowed(from: LiveIdentity, to: LiveIdentity): PortSet {
    return this.netpol.allowed(from, to);
  }

  /** Every allowed pod-to-pod connection, one at a time, in pod order. */
  *connections(): Generator<PodConnection> {
    const pods = this.cluster().pods.map((pod) => ({
      key: podKey(pod),
      identity: this.netpol.identityOf(pod)!,
    }));
    // Identity indexes stay far below 2^26, so the pair fits one safe integer.
    const cache = new Map<number, PortSet>();
    for (const from of pods) {
      const base = from.identity.index * 2 ** 26;
      for (const to of pods) {
        if (from === to) continue;
        const pair = base + to.identity.index;
        let ports = cache.get(pair);
        if (ports === undefined) {
          ports = this.netpol.allowed(from.identity, to.identity);
          cache.set(pair, ports);
        }
        if (!ports.isEmpty()) yield { from: from.key, to: to.key, ports };
      }
    }
  }

  external(): ExternalAccess[] {
    const out: ExternalAccess[] = [];
    for (const identity of this.netpol.identities.values()) {
      const accesses = [
        ...this.netpol.external(identity, "ingress"),
        ...this.netpol.external(identity, "egress"),
      ];
      for (const pod of identity.pods.keys()) for (const access of accesses) out.push({ ...access, pod });
    }
    return mergeExternal(out);
  }

  connectivity(): Connectivity {
    return { connections: [...this.connections()], external: this.external() };
  }

  rbac(): SubjectRights[] {
    return this.rbacIndex.subjects();
  }

  /**
   * The findings about objects of one namespace: findings() filtered by namespacesOfFinding, read
   * without wording the findings of every pod of the cluster (only the namespace's pods').
   */
  findingsInNamespace(namespace: string): Finding[] {
    const out: Finding[] = [];
    for (const byKey of Object.values(this.findingsByTarget))
      for (const list of byKey.values())
        for (const finding of list) if (namespacesOfFinding(finding).has(namespace)) out.push(finding);
    // A pod's findings name the pod and its service account, both of the pod's namespace.
    const pods: Finding[] = [];
    for (const hits of this.podHits.values())
      if (hits.pod.namespace === namespace) podFindings(hits.pod, hits.mask, pods);
    for (const finding of pods) if (namespacesOfFinding(finding).has(namespace)) out.push(finding);
    return out.sort(compareFindings);
  }

  /** How many findings there are: findings().length, without wording them. */
  findingCount(): number {
    let count = 0;
    for (const byKey of Object.values(this.findingsByTarget))
      for (const list of byKey.values()) count += list.length;
    // Each bit of a pod's mask is one check that hit, and a hit is one finding.
    for (const hits of this.podHits.values()) {
      let mask = hits.mask;
      while (mask !== 0) {
        mask &= mask - 1;
        count++;
      }
    }
    return count;
  }

  /**
   * Each namespace's findings by severity, those an exception accepts apart: what counting
   * findingsInNamespace (judged by exceptionOf) gives for every namespace at once, without wording
   * the findings of every pod (a pod's hit mask and its checks' severities say it).
   */
  findingCountsByNamespace(): Map<string, NamespaceFindingCounts> {
    const out = new Map<string, NamespaceFindingCounts>();
    const countsOf = (namespace: string): NamespaceFindingCounts => {
      let counts = out.get(namespace);
      if (counts === undefined) {
        counts = { findings: emptySeverityCounts(), accepted: 0 };
        out.set(namespace, counts);
      }
      return counts;
    };
    const accepted = this.accepted();
    for (const byKey of Object.values(this.findingsByTarget))
      for (const list of byKey.values())
        for (const finding of list) {
          const namespaces = namespacesOfFinding(finding);
          if (namespaces.size === 0) continue;
          const isAccepted = accepted?.byKey.has(findingKey(finding)) === true;
          for (const namespace of namespaces) {
            const counts = countsOf(namespace);
            if (isAccepted) counts.accepted++;
            else counts.findings[finding.severity]++;
          }
        }
    // A pod's findings name the pod and its service account, both of the pod's namespace.
    for (const [key, hits] of this.podHits) {
      const counts = countsOf(hits.pod.namespace);
      const acceptedBits = accepted?.podBits.get(key) ?? 0;
      for (let i = 0; i < POD_CHECKS.length; i++) {
        const bit = 1 << i;
        if ((hits.mask & bit) === 0) continue;
        if ((acceptedBits & bit) !== 0) {
          counts.accepted++;
          continue;
        }
        counts.findings[podHitSeverity(hits.pod, i)]++;
      }
    }
    return out;
  }

  /** The subjects that have findings of their own (every subject with a risky right is one). */
  subjectsWithFindings(): SubjectRights[] {
    const out: SubjectRights[] = [];
    for (const ref of this.findingsByTarget.subject.keys()) {
      const rights = this.rbacIndex.rows.get(ref);
      if (rights !== undefined) out.push(rights);
    }
    return out;
  }

  /** The findings of one pod ("namespace/name"), worded from the pod as it is now. */
  findingsOfPod(key: string): { readonly pod: Pod; readonly findings: Finding[] } | undefined {
    const hits = this.podHits.get(key);
    return hits === undefined ? undefined : { pod: hits.pod, findings: podFindings(hits.pod, hits.mask) };
  }

  /** The findings about objects that are not pods, unsorted. */
  objectFindings(): Finding[] {
    const all: Finding[] = [];
    for (const byKey of Object.values(this.findingsByTarget))
      for (const list of byKey.values()) for (const finding of list) all.push(finding);
    return all;
  }

  /** The pods ("namespace/name") some check hits. */
  podsWithFindings(): IterableIterator<string> {
    return this.podHits.keys();
  }

  findings(): Finding[] {
    const all: Finding[] = [];
    for (const byKey of Object.values(this.findingsByTarget))
      for (const list of byKey.values()) all.push(...list);
    for (const hits of this.podHits.values()) podFindings(hits.pod, hits.mask, all);
    return all.sort(compareFindings);
  }

  // Reading findings with the object they are about (the gaps page groups pods by workload)

  /**
   * Every finding with the pod it is about (undefined for findings about other objects), unsorted:
   * exactly findings() (or findingsInNamespace), each once; with `podsIn`, the pods' findings of
   * those namespaces only (a reader's: the others are not worded).
   */
  located(namespace?: string, podsIn?: ReadonlySet<string>): LocatedFinding[] {
    const out: LocatedFinding[] = [];
    for (const byKey of Object.values(this.findingsByTarget))
      for (const list of byKey.values())
        for (const finding of list)
          if (namespace === undefined || namespacesOfFinding(finding).has(namespace))
            out.push({ finding, pod: undefined });
    for (const hits of this.podHits.values()) {
      if (namespace !== undefined && hits.pod.namespace !== namespace) continue;
      if (podsIn !== undefined && !podsIn.has(hits.pod.namespace)) continue;
      for (const finding of podFindings(hits.pod, hits.mask))
        if (namespace === undefined || namespacesOfFinding(finding).has(namespace))
          out.push({ finding, pod: hits.pod });
    }
    return out;
  }

  /** Every pod held, unsorted. */
  pods(): IterableIterator<Pod> {
    return this.objects.get("Pod")!.values() as IterableIterator<Pod>;
  }

  /** The findings of a subject's own rights ("Kind/namespace/name" or "Kind/name"). */
  findingsOfSubject(ref: string): readonly Finding[] {
    return this.findingsByTarget.subject.get(ref) ?? [];
  }

  // Accepted exceptions: findings a team has reviewed are counted and marked apart

  /**
   * Judges findings by these exceptions at `now` from here on: the graph's marks, the counts and
   * the lists leave accepted findings out (and say how many). Told again when the file changes
   * and when an exception lapses; the engine reads no clock.
   */
  accept(exceptions: readonly AcceptedException[], now: number): void {
    this.acceptance = exceptions.length === 0 ? undefined : { exceptions, now };
    this.acceptedIndex = undefined;
    this.revisionNumber++;
  }

  /** The exceptions in force, if any. */
  get acceptedBy(): Acceptance | undefined {
    return this.acceptance;
  }

  /** The exception that accepts a finding (one of this revision's), or undefined when it is open. */
  exceptionOf(finding: Finding): AcceptedException | undefined {
    return this.accepted()?.byKey.get(findingKey(finding));
  }

  /** How many of the findings an exception accepts. */
  acceptedCount(): number {
    return this.accepted()?.count ?? 0;
  }

  /** Judged once per revision, and only the findings of checks an exception names. */
  private accepted(): AcceptedIndex | undefined {
    const acceptance = this.acceptance;
    if (acceptance === undefined) return undefined;
    if (this.acceptedIndex?.revision === this.revisionNumber) return this.acceptedIndex;
    const { exceptions, now } = acceptance;
    const named = new Set(exceptions.map((e) => e.check));
    const byKey = new Map<string, AcceptedException>();
    const podBits = new Map<string, number>();
    let count = 0;
    for (const byTarget of Object.values(this.findingsByTarget))
      for (const list of byTarget.values())
        for (const finding of list) {
          if (!named.has(finding.id)) continue;
          const verdict = judge(exceptions, finding, undefined, now);
          if (verdict.state !== "accepted") continue;
          byKey.set(findingKey(finding), verdict.exception);
          count++;
        }
    const bits = POD_CHECKS.flatMap((check, i) => (named.has(check.id) ? [i] : []));
    if (bits.length > 0) {
      for (const [key, hits] of this.podHits) {
        for (const i of bits) {
          if ((hits.mask & (1 << i)) === 0) continue;
          const check = POD_CHECKS[i]!;
          const finding = toFinding(check, check.hit(hits.pod));
          const verdict = judge(exceptions, finding, hits.pod, now);
          if (verdict.state !== "accepted") continue;
          byKey.set(findingKey(finding), verdict.exception);
          podBits.set(key, (podBits.get(key) ?? 0) | (1 << i));
          count++;
        }
      }
    }
    this.acceptedIndex = { revision: this.revisionNumber, byKey, podBits, count };
    return this.acceptedIndex;
  }
}
