import type { ExposurePath, Finding, Pillar, Severity } from "@trustmap/shared";
import type { Direction } from "../netpol/result";
import {
  EXPOSING_KINDS,
  type ExposingObject,
  type Namespace,
  type NetworkPolicy,
  type Pod,
  type RoleBinding,
  type ServiceAccount,
} from "../objects/model";
import type { SubjectRights } from "../rbac/effective";
import type { ResolvedRole } from "../rbac/roles";

/**
 * What checks may ask of the cluster beyond the object they look at. Each check reads one
 * object (a pod, a namespace, a policy, a subject's rights or a binding), so that after an
 * event only the findings of the objects it touched are computed again.
 */
export interface FindingContext {
  serviceAccount(namespace: string, name: string): ServiceAccount | undefined;
  /** A NetworkPolicy isolates the pod in this direction, or the admin and baseline tiers restrict it. */
  isIsolated(pod: Pod, direction: Direction): boolean;
  policiesIn(namespace: string): Iterable<NetworkPolicy>;
  namespaceHasPods(namespace: string): boolean;
  selectsAnyPod(policy: NetworkPolicy): boolean;
  /** The role a binding refers to, with aggregated rules resolved; undefined when it does not exist. */
  boundRole(binding: RoleBinding): ResolvedRole | undefined;
  /** What a Service, Ingress or route publishes outside the cluster, path by path. */
  exposurePaths(object: ExposingObject): readonly ExposurePath[];
  /** A Service, Ingress, Gateway or route by reference ("Kind/namespace/name"). */
  exposingObject(ref: string): ExposingObject | undefined;
}

interface CheckInfo {
  readonly id: string;
  readonly pillar: Pillar;
  readonly severity: Severity;
  readonly title: string;
  readonly controls: readonly string[];
}

/** What each scope of check reads. */
export interface ScopeTargets {
  readonly pod: Pod;
  readonly namespace: Namespace;
  readonly policy: NetworkPolicy;
  readonly subject: SubjectRights;
  readonly binding: RoleBinding;
  readonly exposure: ExposingObject;
}

export type Scope = keyof ScopeTargets;

/** One rule of Trustmap's posture: what it checks, where it belongs, and how bad a hit is. */
export type Check = {
  [S in Scope]: CheckInfo & {
    readonly scope: S;
    run(target: ScopeTargets[S], context: FindingContext): CheckHit[];
  } & (S extends "pod" ? PodTest : unknown);
}[Scope];

/**
 * Pod checks hit at most once per pod, and split the question from the answer: `test` asks the
 * cluster whether the pod is hit, `hit` words the finding from the pod alone. A cluster holds
 * hundreds of thousands of pod findings; the engine keeps which checks hit each pod and words
 * them only when they are read.
 */
interface PodTest {
  test(pod: Pod, context: FindingContext): boolean;
  hit(pod: Pod): CheckHit;
  /** True when a hit may carry a worse severity than the check's. */
  readonly mayRaiseSeverity?: boolean;
}

/** A pod check from its test and its wording. */
export function podCheck(
  info: CheckInfo,
  test: (pod: Pod, context: FindingContext) => boolean,
  hit: (pod: Pod) => CheckHit,
  mayRaiseSeverity = false,
): ScopedCheck<"pod"> {
  return {
    ...info,
    scope: "pod",
    test,
    hit,
    mayRaiseSeverity,
    run: (pod, context) => (test(pod, context) ? [hit(pod)] : []),
  };
}

export type ScopedCheck<S extends Scope> = Extract<Check, { scope: S }>;

/** One hit of a check: the evidence objects, the one-line message and the fix. */
export interface CheckHit {
  readonly objects: readonly string[];
  readonly message: string;
  readonly remediation: string;
  /** Overrides the check's severity where this hit is worse or milder than usual. */
  readonly severity?: Severity;
}

export function toFinding(check: Check, hit: CheckHit): Finding {
  return {
    id: check.id,
    pillar: check.pillar,
    severity: hit.severity ?? check.severity,
    objects: hit.objects as string[],
    message: hit.message,
    remediation: hit.remediation,
    // Shared, never mutated: a cluster has hundreds of thousands of findings.
    controls: check.controls as string[],
  };
}

/** Quotes a name from the cluster inside a message, so that odd characters cannot blur it. */
export function quote(text: string): string {
  return /^[A-Za-z0-9._:/@-]+$/.test(text) ? text : JSON.stringify(text);
}

/** A YAML scalar that reads back as exactly `text`. */
export function yamlString(text: string): string {
  return /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(text) &&
    !/^(true|false|null|yes|no|on|off|y|n|~|\d.*)$/i.test(text)
    ? text
    : JSON.stringify(text);
}

/** The namespace an evidence reference ("Kind/namespace/name" or "Namespace/name") belongs to. */
export function namespaceOfRef(ref: string): string | undefined {
  const parts = ref.split("/");
  if (parts[0] === "Namespace") return parts[1];
  return parts.length >= 3 ? parts[1] : undefined;
}

/**
 * What a user who may not read the whole cluster may list, in two parts: the network picture
 * (pods, service accounts, NetworkPolicies) and RBAC (Roles, RoleBindings), each in the
 * namespaces where they may list all of its kinds.
 */
export interface Readable {
  /** Where they may list pods, service accounts and NetworkPolicies. */
  readonly graph: ReadonlySet<string>;
  /** Where they may list Roles and RoleBindings. */
  readonly rbac: ReadonlySet<string>;
  /** Where they may list Services, Ingresses and routes; absent: where the network picture is. */
  readonly exposure?: ReadonlySet<string>;
}

/** Every kind in these namespaces (a reader of whole namespaces). */
export function wholeNamespaces(namespaces: Iterable<string>): Readable {
  const set = new Set(namespaces);
  return { graph: set, rbac: set };
}

/** Whether a reader may list an object: a Role or RoleBinding where RBAC is theirs, any other where the network picture is. */
export function refReadable(ref: string, readable: Readable): boolean {
  const namespace = namespaceOfRef(ref);
  if (namespace === undefined) return false;
  const kind = ref.slice(0, ref.indexOf("/"));
  if (kind === "Role" || kind === "RoleBinding") return readable.rbac.has(namespace);
  if ((EXPOSING_KINDS as readonly string[]).includes(kind))
    return (readable.exposure ?? readable.graph).has(namespace) && readable.graph.has(namespace);
  return readable.graph.has(namespace);
}

/**
 * Whether a reader may see a finding: they may list every object it names (a finding about a
 * cluster-scoped object, or one that names what they may not list, is not theirs).
 */
export function findingReadable(finding: Finding, readable: Readable): boolean {
  return finding.objects.every((ref) => refReadable(ref, readable));
}

/** The namespaces a finding is about: those of its evidence objects (a namespace's page lists it). */
export function namespacesOfFinding(finding: Finding): Set<string> {
  const out = new Set<string>();
  for (const ref of finding.objects) {
    const namespace = namespaceOfRef(ref);
    if (namespace !== undefined) out.add(namespace);
  }
  return out;
}
