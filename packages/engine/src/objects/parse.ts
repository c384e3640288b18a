import { CLUSTER_KINDS } from "@trustmap/shared";
import { cidrContains, parseCidr } from "../netpol/cidr";
import { selectorIsEmpty, selectorMatches } from "../selectors/labelSelector";
import { readClusterPolicy } from "./cluster-policy";
import { readGateway, readIngress, readRoute, readService } from "./exposure";
import type {
  BindingSubject,
  Cluster,
  ClusterNetworkPolicy,
  ContainerPort,
  ContainerSecurity,
  ExposingObject,
  LabelSelector,
  Namespace,
  NetworkPolicy,
  NetworkPolicyRule,
  ObjectRef,
  Peer,
  Pod,
  PolicyPort,
  PolicyRule,
  Protocol,
  Role,
  RoleBinding,
  ServiceAccount,
} from "./model";
import { EXPOSING_KINDS, podKey, READ_KINDS } from "./model";
import {
  describe,
  FieldReader,
  type InputError,
  isObject,
  isPortName,
  type JsonObject,
  readPortNumber,
  readProtocol,
} from "./reader";

export { isPortName };

import {
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  nameProblem,
  nonFiniteText,
  quoted,
} from "./validation";

/** One decoded document of input: a Kubernetes object (or a List of them) and where it came from. */
export interface InputDocument {
  readonly source: string;
  readonly object: unknown;
}

export interface ParseResult {
  readonly cluster: Cluster;
  /** Non-empty means the input is wrong and no answer may be given. */
  readonly errors: readonly InputError[];
  /** Things skipped on purpose, said so that nothing is dropped silently. */
  readonly notes: readonly string[];
}

/** Kinds whose pod template stands for one representative pod in offline input. */
const WORKLOAD_KINDS = new Set([
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "ReplicationController",
  "Job",
  "CronJob",
]);

/** The kinds without a namespace (the wire contract's list). */
const CLUSTER_SCOPED: ReadonlySet<string> = CLUSTER_KINDS;

interface Entry {
  readonly reader: FieldReader;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly object: JsonObject;
  readonly ownerKeys: readonly string[];
}

/** A Pod of the input, read, with what ties it to the workloads that made it. */
interface InputPod {
  readonly entry: Entry;
  readonly pod: Pod;
  /** Phase Succeeded or Failed: its containers have stopped for good. */
  readonly finished: string | undefined;
}

export function parseCluster(documents: readonly InputDocument[]): ParseResult {
  const errors: InputError[] = [];
  const notes: string[] = [];
  const entries: Entry[] = [];
  for (const document of documents) collectEntries(document.object, document.source, entries, errors, notes);

  // Names are unique per kind (and namespace): a Deployment and a StatefulSet may both be `redis`.
  const seen = new Map<string, string>();
  const unique: Entry[] = [];
  for (const entry of entries) {
    const key = objectKey(entry.kind, entry.namespace, entry.name);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      entry.reader.fail("metadata.name", `defined twice: also in ${earlier}`);
      errors.push(...entry.reader.errors);
      continue;
    }
    seen.set(key, entry.reader.source);
    unique.push(entry);
  }

  const namespaces = new Map<string, Namespace>();
  const pods: Pod[] = [];
  const networkPolicies: NetworkPolicy[] = [];
  const serviceAccounts: ServiceAccount[] = [];
  const roles: Role[] = [];
  const bindings: RoleBinding[] = [];
  const clusterPolicies: ClusterNetworkPolicy[] = [];
  const exposures: ExposingObject[] = [];

  const inputPods: InputPod[] = [];
  for (const entry of unique) {
    if (entry.kind !== "Pod") continue;
    const { reader, kind, name, object } = entry;
    const pod = readPod(
      reader,
      { kind, namespace: entry.namespace ?? "", name },
      object.spec,
      object.metadata,
      "spec",
    );
    if (pod !== undefined) inputPods.push({ entry, pod, finished: finishedPhase(reader, object) });
  }
  const represented = representedWorkloads(unique, inputPods);
  const standIns: Pod[] = [];

  for (const { entry, pod, finished } of inputPods) {
    if (finished === undefined) {
      pods.push(pod);
      continue;
    }
    notes.push(
      `${entry.reader.source}: Pod ${pod.namespace}/${pod.name}: left out: phase ${finished}, its containers have stopped for good (a live cluster's picture leaves it out too)`,
    );
  }

  for (const entry of unique) {
    const { reader, kind, namespace, name, object } = entry;
    const ns = namespace ?? "";
    switch (kind) {
      case "Namespace":
        namespaces.set(name, readNamespace(reader, name, object));
        break;
      case "Pod": // read above, before the workloads they may stand for
        break;
      case "NetworkPolicy": {
        const policy = readNetworkPolicy(reader, ns, name, object);
        if (policy !== undefined) networkPolicies.push(policy);
        break;
      }
      case "ServiceAccount":
        serviceAccounts.push(readServiceAccount(reader, ns, name, object));
        break;
      case "Role":
      case "ClusterRole": {
        const role = readRole(reader, kind, namespace, name, object);
        if (role !== undefined) roles.push(role);
        break;
      }
      case "RoleBinding":
      case "ClusterRoleBinding": {
        const binding = readBinding(reader, kind, namespace, name, object);
        if (binding !== undefined) bindings.push(binding);
        break;
      }
      case "AdminNetworkPolicy":
      case "BaselineAdminNetworkPolicy":
      case "ClusterNetworkPolicy": {
        const policy = readClusterPolicy(reader, kind, name, object);
        if (policy !== undefined) clusterPolicies.push(policy);
        break;
      }
      default: {
        if ((EXPOSING_KINDS as readonly string[]).includes(kind)) {
          const exposing = readExposing(reader, kind as ExposingObject["kind"], ns, name, object);
          if (exposing !== undefined) exposures.push(exposing);
          break;
        }
        if (!WORKLOAD_KINDS.has(kind)) break;
        const by = represented.get(objectKey(kind, namespace, name));
        if (by !== undefined) {
          notes.push(
            `${reader.source}: ${kind} ${ns}/${name}: represented by ${by} in the input, not by its template`,
          );
          break;
        }
        const pod = readWorkload(reader, { kind, namespace: ns, name }, object);
        if (pod !== undefined) standIns.push(pod);
      }
    }
  }
  pods.push(...nameStandIns(standIns, pods));
  for (const entry of unique) errors.push(...entry.reader.errors);

  for (const namespaceName of impliedNamespaces(
    pods,
    networkPolicies,
    serviceAccounts,
    roles,
    bindings,
    exposures,
  )) {
    if (!namespaces.has(namespaceName)) {
      namespaces.set(namespaceName, {
        name: namespaceName,
        labels: { "kubernetes.io/metadata.name": namespaceName },
        annotations: {},
        declared: false,
      });
    }
  }

  return {
    cluster: {
      namespaces: [...namespaces.values()].sort((a, b) => compare(a.name, b.name)),
      pods: pods.sort((a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name)),
      networkPolicies: networkPolicies.sort(
        (a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name),
      ),
      serviceAccounts: serviceAccounts.sort(
        (a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name),
      ),
      roles: roles.sort((a, b) => compare(refKey(a), refKey(b))),
      bindings: bindings.sort((a, b) => compare(refKey(a), refKey(b))),
      ...(clusterPolicies.length === 0
        ? {}
        : { clusterPolicies: clusterPolicies.sort((a, b) => compare(refKey(a), refKey(b))) }),
      ...(exposures.length === 0
        ? {}
        : { exposures: exposures.sort((a, b) => compare(refKey(a), refKey(b))) }),
    },
    errors,
    notes,
  };
}

/** The phase of a pod that has stopped for good (Succeeded or Failed), else undefined. */
function finishedPhase(reader: FieldReader, object: JsonObject): string | undefined {
  const status = reader.record(object.status, "status");
  const phase = reader.string(status?.phase, "status.phase");
  return phase === "Succeeded" || phase === "Failed" ? phase : undefined;
}

/**
 * The workloads of the input whose pods are in the input too, or that belong to a workload that
 * is: they stand in for no pod, as the pods (or the workload above them) already say what runs.
 * Maps each to what represents it, for the note.
 *
 * A workload is represented when an input Pod (in any phase) is tied to it, or to a workload it
 * owns, however deep (Pod → ReplicaSet → Deployment, Pod → Job → CronJob). A Pod is tied to
 * - every object its ownerReferences name;
 * - the Deployment its ReplicaSet was named after (`<deployment>-<pod-template-hash>`), so a dump
 *   without the ReplicaSet still ties the pods to their Deployment;
 * - when no workload of the input owns it, every workload of its namespace whose selector
 *   (spec.selector; a ReplicationController's map, else its template's labels) is not empty and
 *   matches the pod's labels: the controller would adopt such a pod.
 * A workload that an input workload owns (an old ReplicaSet of a Deployment, a Job of a CronJob)
 * is represented by its owner: the owner stands in for it or is represented itself.
 */
function representedWorkloads(
  entries: readonly Entry[],
  inputPods: readonly InputPod[],
): Map<string, string> {
  const workloads = new Map<string, Entry>();
  for (const entry of entries) {
    if (WORKLOAD_KINDS.has(entry.kind))
      workloads.set(objectKey(entry.kind, entry.namespace, entry.name), entry);
  }
  const represented = new Map<string, string>();
  const mark = (key: string, by: string) => {
    const workload = workloads.get(key);
    if (workload === undefined || represented.has(key)) return;
    represented.set(key, by);
    for (const owner of workload.ownerKeys) mark(owner, by);
  };

  const selectors = [...workloads.entries()].flatMap(([key, entry]) => {
    const selector = workloadSelector(entry);
    return selector === undefined || selectorIsEmpty(selector) ? [] : [{ key, entry, selector }];
  });
  for (const { entry, pod } of inputPods) {
    const by = "its pods";
    for (const owner of entry.ownerKeys) mark(owner, by);
    mark(objectKey(pod.owner.kind, pod.owner.namespace, pod.owner.name), by);
    // Controllers adopt only pods no other controller owns.
    if (entry.ownerKeys.some((owner) => workloads.has(owner))) continue;
    for (const { key, entry: workload, selector } of selectors) {
      if (workload.namespace === pod.namespace && selectorMatches(selector, pod.labels)) mark(key, by);
    }
  }

  for (const [key, workload] of workloads) {
    if (represented.has(key)) continue;
    const owner = workload.ownerKeys.find((ownerKey) => workloads.has(ownerKey));
    if (owner !== undefined) represented.set(key, `its owner ${owner.replace("/", " ")}`);
  }
  return represented;
}

/** The selector of a workload's pods as written, read without reporting twice what readWorkload reports. */
function workloadSelector(entry: Entry): LabelSelector | undefined {
  const { reader, object } = entry;
  const spec = isObject(object.spec) ? object.spec : undefined;
  if (spec === undefined) return undefined;
  if (entry.kind === "ReplicationController") {
    // An RC's selector is a plain label map, defaulted to the template's labels.
    if (spec.selector !== undefined && spec.selector !== null) {
      return { matchLabels: reader.labels(spec.selector, "spec.selector"), matchExpressions: [] };
    }
    const template = isObject(spec.template) ? spec.template : undefined;
    const metadata = isObject(template?.metadata) ? template.metadata : undefined;
    return {
      matchLabels: reader.labels(metadata?.labels, "spec.template.metadata.labels"),
      matchExpressions: [],
    };
  }
  if (entry.kind === "CronJob") return undefined;
  return reader.selector(spec.selector, "spec.selector");
}

/**
 * Stand-in pods take their workload's name. Where that name is taken in the namespace (by a Pod,
 * or by a workload of another kind with the same name), each stand-in of that name says its kind,
 * e.g. `redis (StatefulSet)`: a name no real pod can have, as pod names hold no spaces.
 */
function nameStandIns(standIns: readonly Pod[], pods: readonly Pod[]): Pod[] {
  const count = new Map<string, number>();
  for (const pod of [...pods, ...standIns]) count.set(podKey(pod), (count.get(podKey(pod)) ?? 0) + 1);
  return standIns.map((pod) =>
    (count.get(podKey(pod)) ?? 0) > 1 ? { ...pod, name: `${pod.name} (${pod.source.kind})` } : pod,
  );
}
/** The kinds a live source watches, and the trimmed object of each. */
export type LiveKind = (typeof READ_KINDS)[number];

/** One object of a live watch, read into the engine's trimmed form, or why it cannot be. */
export type LiveObjectResult =
  | { readonly ok: true; readonly kind: LiveKind; readonly object: LiveObject }
  | { readonly ok: false; readonly errors: readonly InputError[] };

export type LiveObject =
  | Namespace
  | Pod
  | NetworkPolicy
  | ServiceAccount
  | Role
  | RoleBinding
  | ClusterNetworkPolicy
  | ExposingObject;

/**
 * Reads one object as a live source receives it (a list item or a watch event's object, with
 * `kind` known from the resource it came from). Validation is the same as for files; the
 * source says where the object came from (e.g. "watch pods").
 */
export function parseLiveObject(kind: LiveKind, value: unknown, source: string): LiveObjectResult {
  const reader = new FieldReader(source);
  if (!isObject(value)) {
    reader.fail("(object)", "expected a Kubernetes object");
    return { ok: false, errors: reader.errors };
  }
  const metadata = reader.record(value.metadata, "metadata");
  const name = reader.requiredString(metadata?.name, "metadata.name");
  const declaredNamespace = reader.string(metadata?.namespace, "metadata.namespace");
  if (name === undefined) return { ok: false, errors: reader.errors };
  const namespace = CLUSTER_SCOPED.has(kind) ? undefined : declaredNamespace || "default";
  if (!readMetadata(reader, kind, namespace, name, metadata)) return { ok: false, errors: reader.errors };
  const ns = namespace ?? "";
  let object: LiveObject | undefined;
  switch (kind) {
    case "Namespace":
      object = readNamespace(reader, name, value);
      break;
    case "Pod":
      object = readPod(reader, { kind, namespace: ns, name }, value.spec, value.metadata, "spec");
      break;
    case "NetworkPolicy":
      object = readNetworkPolicy(reader, ns, name, value);
      break;
    case "ServiceAccount":
      object = readServiceAccount(reader, ns, name, value);
      break;
    case "Role":
    case "ClusterRole":
      object = readRole(reader, kind, namespace, name, value);
      break;
    case "RoleBinding":
    case "ClusterRoleBinding":
      object = readBinding(reader, kind, namespace, name, value);
      break;
    case "AdminNetworkPolicy":
    case "BaselineAdminNetworkPolicy":
    case "ClusterNetworkPolicy":
      object = readClusterPolicy(reader, kind, name, value);
      break;
    default:
      object = readExposing(reader, kind, ns, name, value);
  }
  if (object === undefined || reader.errors.length > 0) return { ok: false, errors: reader.errors };
  return { ok: true, kind, object };
}

/** A Service, Ingress, Gateway or route. */
function readExposing(
  reader: FieldReader,
  kind: ExposingObject["kind"],
  namespace: string,
  name: string,
  object: JsonObject,
): ExposingObject | undefined {
  switch (kind) {
    case "Service":
      return readService(reader, namespace, name, object);
    case "Ingress":
      return readIngress(reader, namespace, name, object);
    case "Gateway":
      return readGateway(reader, namespace, name, object);
    default:
      return readRoute(reader, kind, namespace, name, object);
  }
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function refKey(object: { kind: string; namespace?: string; name: string }): string {
  return `${object.kind}/${object.namespace ?? ""}/${object.name}`;
}

function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ""}/${name}`;
}

/** Namespaces that pods use but that have no object; only pods' namespaces matter to policies. */
function impliedNamespaces(
  pods: readonly Pod[],
  policies: readonly NetworkPolicy[],
  serviceAccounts: readonly ServiceAccount[],
  roles: readonly Role[],
  bindings: readonly RoleBinding[],
  exposures: readonly ExposingObject[],
): Set<string> {
  const names = new Set<string>();
  for (const pod of pods) names.add(pod.namespace);
  for (const policy of policies) names.add(policy.namespace);
  for (const account of serviceAccounts) names.add(account.namespace);
  for (const role of roles) if (role.namespace !== undefined) names.add(role.namespace);
  for (const binding of bindings) if (binding.namespace !== undefined) names.add(binding.namespace);
  for (const exposing of exposures) names.add(exposing.namespace);
  return names;
}

function collectEntries(
  value: unknown,
  source: string,
  entries: Entry[],
  errors: InputError[],
  notes: string[],
): void {
  if (value === null || value === undefined) return; // an empty YAML document
  const reader = new FieldReader(source);
  if (!isObject(value)) {
    reader.fail("(document)", "expected a Kubernetes object with apiVersion, kind and metadata");
    errors.push(...reader.errors);
    return;
  }
  const metadataName = isObject(value.metadata) ? value.metadata.name : undefined;
  if (typeof metadataName === "string" && metadataName !== "")
    reader.object = `object ${JSON.stringify(metadataName)}`;
  const kind = reader.requiredString(value.kind, "kind");
  if (kind === undefined) {
    errors.push(...reader.errors);
    return;
  }
  if (kind === "List" || (kind.endsWith("List") && Array.isArray(value.items))) {
    const items = reader.array(value.items, "items");
    errors.push(...reader.errors);
    items.forEach((item, index) => {
      collectEntries(item, `${source}, items[${index}]`, entries, errors, notes);
    });
    return;
  }
  const metadata = reader.record(value.metadata, "metadata");
  const name = reader.requiredString(metadata?.name, "metadata.name");
  const declaredNamespace = reader.string(metadata?.namespace, "metadata.namespace");
  if (name === undefined) {
    errors.push(...reader.errors);
    return;
  }
  const known = WORKLOAD_KINDS.has(kind) || KNOWN_KINDS.has(kind);
  if (!known) {
    // Names of kinds not read are not validated: shown escaped unless plainly a name.
    const shown = dns1123SubdomainProblem(name) === undefined ? name : quoted(name);
    notes.push(
      `${source}: skipped ${JSON.stringify(kind).slice(1, -1)} ${shown}: Trustmap does not read this kind`,
    );
    return;
  }
  const namespace = CLUSTER_SCOPED.has(kind) ? undefined : declaredNamespace || "default";
  if (!readMetadata(reader, kind, namespace, name, metadata) || !allNumbersFinite(reader, value, "")) {
    errors.push(...reader.errors);
    return;
  }
  const ownerKeys: string[] = [];
  reader.array(metadata?.ownerReferences, "metadata.ownerReferences").forEach((owner, index) => {
    const ref = reader.record(owner, `metadata.ownerReferences[${index}]`);
    const ownerKind = reader.string(ref?.kind, `metadata.ownerReferences[${index}].kind`);
    const ownerName = reader.string(ref?.name, `metadata.ownerReferences[${index}].name`);
    if (ownerKind !== undefined && ownerName !== undefined)
      ownerKeys.push(objectKey(ownerKind, namespace, ownerName));
  });
  entries.push(
    namespace === undefined
      ? { reader, kind, name, object: value, ownerKeys }
      : { reader, kind, namespace, name, object: value, ownerKeys },
  );
}

const KNOWN_KINDS = new Set<string>(READ_KINDS);

/**
 * Names the object for messages and checks its metadata as the API server's ValidateObjectMeta
 * does: the name by its kind's rule, the namespace as a DNS-1123 label, labels and annotations.
 * False when the name or namespace is invalid: the object has no identity to be read under.
 */
function readMetadata(
  reader: FieldReader,
  kind: string,
  namespace: string | undefined,
  name: string,
  metadata: JsonObject | undefined,
): boolean {
  const nameProblemText = nameProblem(kind, name);
  const namespaceProblem = namespace === undefined ? undefined : dns1123LabelProblem(namespace);
  const valid = nameProblemText === undefined && namespaceProblem === undefined;
  const shown = namespace === undefined ? name : `${namespace}/${name}`;
  // An invalid name may hold anything (markup, control characters): shown quoted and escaped.
  reader.object = valid ? `${kind} ${shown}` : `${kind} ${quoted(shown)}`;
  if (nameProblemText !== undefined) {
    reader.fail("metadata.name", `${quoted(name)} is not a valid ${kind} name: it ${nameProblemText}`);
  }
  if (namespaceProblem !== undefined && namespace !== undefined) {
    reader.fail(
      "metadata.namespace",
      `${quoted(namespace)} is not a valid namespace name: it ${namespaceProblem}`,
    );
  }
  reader.labels(metadata?.labels, "metadata.labels");
  reader.annotations(metadata?.annotations, "metadata.annotations");
  return valid;
}

/**
 * YAML's `.inf`, `-.inf` and `.nan` are numbers JSON cannot carry, so the API server never
 * receives them: each is reported at its field, wherever in the object it is.
 */
function allNumbersFinite(reader: FieldReader, value: unknown, path: string): boolean {
  if (typeof value === "number") {
    if (Number.isFinite(value)) return true;
    reader.fail(
      path,
      `${nonFiniteText(value)} is not a finite number; Kubernetes accepts only finite numbers`,
    );
    return false;
  }
  let finite = true;
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      finite = allNumbersFinite(reader, item, `${path}[${index}]`) && finite;
    });
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      finite = allNumbersFinite(reader, item, path === "" ? key : `${path}.${key}`) && finite;
    }
  }
  return finite;
}

function readNamespace(reader: FieldReader, name: string, object: JsonObject): Namespace {
  const metadata = reader.record(object.metadata, "metadata");
  const labels = reader.labels(metadata?.labels, "metadata.labels");
  const annotations = reader.annotations(metadata?.annotations, "metadata.annotations");
  // The API server sets this label on every namespace, whatever the manifest says.
  return { name, labels: { ...labels, "kubernetes.io/metadata.name": name }, annotations, declared: true };
}

function readWorkload(reader: FieldReader, ref: ObjectRef & { namespace: string }, object: JsonObject) {
  const spec = reader.record(object.spec, "spec");
  if (ref.kind === "CronJob") {
    const jobTemplate = reader.record(spec?.jobTemplate, "spec.jobTemplate");
    const jobSpec = reader.record(jobTemplate?.spec, "spec.jobTemplate.spec");
    const template = reader.record(jobSpec?.template, "spec.jobTemplate.spec.template");
    if (template === undefined) return reader.fail("spec.jobTemplate.spec.template", "is required");
    return readPod(reader, ref, template.spec, template.metadata, "spec.jobTemplate.spec.template.spec");
  }
  const template = reader.record(spec?.template, "spec.template");
  if (template === undefined) return reader.fail("spec.template", "is required");
  return readPod(reader, ref, template.spec, template.metadata, "spec.template.spec");
}

function readPod(
  reader: FieldReader,
  ref: ObjectRef & { namespace: string },
  specValue: unknown,
  metadataValue: unknown,
  specPath: string,
): Pod | undefined {
  const metadataPath = specPath === "spec" ? "metadata" : specPath.replace(/spec$/, "metadata");
  const metadata = reader.record(metadataValue, metadataPath);
  const labels = reader.labels(metadata?.labels, `${metadataPath}.labels`);
  const spec = reader.record(specValue, specPath);
  const ports: ContainerPort[] = [];
  const containers: ContainerSecurity[] = [];
  const podContext = reader.record(spec?.securityContext, `${specPath}.securityContext`);
  const readContainers = (field: string, collectPorts: boolean) => {
    reader.array(spec?.[field], `${specPath}.${field}`).forEach((item, index) => {
      const path = `${specPath}.${field}[${index}]`;
      const container = reader.record(item, path);
      if (container === undefined) return;
      if (collectPorts) ports.push(...readContainerPorts(reader, container.ports, `${path}.ports`));
      containers.push(readContainerSecurity(reader, container, path));
    });
  };
  readContainers("containers", true);
  readContainers("initContainers", false);
  const hostPathVolumes: string[] = [];
  reader.array(spec?.volumes, `${specPath}.volumes`).forEach((item, index) => {
    const volume = reader.record(item, `${specPath}.volumes[${index}]`);
    const hostPath = reader.record(volume?.hostPath, `${specPath}.volumes[${index}].hostPath`);
    if (hostPath === undefined) return;
    hostPathVolumes.push(reader.string(hostPath.path, `${specPath}.volumes[${index}].hostPath.path`) ?? "");
  });
  const automount = reader.boolean(
    spec?.automountServiceAccountToken,
    `${specPath}.automountServiceAccountToken`,
  );
  const runAsNonRoot = reader.boolean(podContext?.runAsNonRoot, `${specPath}.securityContext.runAsNonRoot`);
  const runAsUser = reader.integer(podContext?.runAsUser, `${specPath}.securityContext.runAsUser`);
  const serviceAccountName =
    reader.string(spec?.serviceAccountName, `${specPath}.serviceAccountName`) ||
    reader.string(spec?.serviceAccount, `${specPath}.serviceAccount`) ||
    "default";
  return {
    namespace: ref.namespace,
    name: ref.name,
    labels,
    ports,
    serviceAccountName,
    ...(automount === undefined ? {} : { automountServiceAccountToken: automount }),
    security: {
      hostNetwork: reader.boolean(spec?.hostNetwork, `${specPath}.hostNetwork`) ?? false,
      hostPID: reader.boolean(spec?.hostPID, `${specPath}.hostPID`) ?? false,
      hostIPC: reader.boolean(spec?.hostIPC, `${specPath}.hostIPC`) ?? false,
      hostPathVolumes,
      ...(runAsNonRoot === undefined ? {} : { runAsNonRoot }),
      ...(runAsUser === undefined ? {} : { runAsUser }),
      containers,
    },
    source: ref,
    owner: ref.kind === "Pod" ? podOwner(ref, metadata, labels) : ref,
  };
}

/**
 * The workload that owns a pod: the ownerReference marked `controller` (the one a controller
 * manages the pod through), else the first. A ReplicaSet whose pods carry `pod-template-hash` and
 * whose name is `<deployment>-<hash>` was made by that Deployment (the Deployment controller's
 * naming convention); people know the pods by the Deployment. Malformed references were already
 * reported where the object was read; here they only make the pod its own owner.
 */
function podOwner(
  ref: ObjectRef & { namespace: string },
  metadata: JsonObject | undefined,
  labels: Readonly<Record<string, string>>,
): ObjectRef & { namespace: string } {
  const refs = Array.isArray(metadata?.ownerReferences) ? metadata.ownerReferences : [];
  const candidates = refs.filter(
    (owner): owner is JsonObject & { kind: string; name: string } =>
      isObject(owner) &&
      typeof owner.kind === "string" &&
      typeof owner.name === "string" &&
      owner.name !== "",
  );
  const controller = candidates.find((owner) => owner.controller === true) ?? candidates[0];
  if (controller === undefined) return ref;
  const hash = labels["pod-template-hash"];
  const suffix = hash === undefined ? undefined : `-${hash}`;
  if (
    controller.kind === "ReplicaSet" &&
    suffix !== undefined &&
    controller.name.endsWith(suffix) &&
    controller.name.length > suffix.length
  ) {
    return { kind: "Deployment", namespace: ref.namespace, name: controller.name.slice(0, -suffix.length) };
  }
  return { kind: controller.kind, namespace: ref.namespace, name: controller.name };
}

function readContainerPorts(reader: FieldReader, value: unknown, field: string): ContainerPort[] {
  const out: ContainerPort[] = [];
  reader.array(value, field).forEach((item, index) => {
    const path = `${field}[${index}]`;
    const port = reader.record(item, path);
    if (port === undefined) return;
    const number = readPortNumber(reader, port.containerPort, `${path}.containerPort`);
    const protocol = readProtocol(reader, port.protocol, `${path}.protocol`);
    const name = reader.string(port.name, `${path}.name`);
    if (name !== undefined && !isPortName(name)) {
      reader.fail(`${path}.name`, `${JSON.stringify(name)} is not a valid port name (IANA_SVC_NAME)`);
      return;
    }
    if (number === undefined) {
      if (port.containerPort === undefined) reader.fail(`${path}.containerPort`, "is required");
      return;
    }
    if (protocol === undefined) return;
    out.push(
      name === undefined ? { containerPort: number, protocol } : { name, containerPort: number, protocol },
    );
  });
  return out;
}

function readContainerSecurity(reader: FieldReader, container: JsonObject, path: string): ContainerSecurity {
  const context = reader.record(container.securityContext, `${path}.securityContext`);
  const capabilities = reader.record(context?.capabilities, `${path}.securityContext.capabilities`);
  const optional = <T>(key: string, value: T | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    name: reader.string(container.name, `${path}.name`) ?? "",
    image: reader.string(container.image, `${path}.image`) ?? "",
    ...optional("privileged", reader.boolean(context?.privileged, `${path}.securityContext.privileged`)),
    ...optional(
      "allowPrivilegeEscalation",
      reader.boolean(context?.allowPrivilegeEscalation, `${path}.securityContext.allowPrivilegeEscalation`),
    ),
    ...optional(
      "runAsNonRoot",
      reader.boolean(context?.runAsNonRoot, `${path}.securityContext.runAsNonRoot`),
    ),
    ...optional("runAsUser", reader.integer(context?.runAsUser, `${path}.securityContext.runAsUser`)),
    ...optional(
      "readOnlyRootFilesystem",
      reader.boolean(context?.readOnlyRootFilesystem, `${path}.securityContext.readOnlyRootFilesystem`),
    ),
    capabilitiesAdd: reader.stringList(capabilities?.add, `${path}.securityContext.capabilities.add`),
  };
}

function readNetworkPolicy(
  reader: FieldReader,
  namespace: string,
  name: string,
  object: JsonObject,
): NetworkPolicy | undefined {
  const spec = reader.record(object.spec, "spec");
  if (spec === undefined) return reader.fail("spec", "is required");
  const podSelector = reader.selector(spec.podSelector, "spec.podSelector") ?? {
    matchLabels: {},
    matchExpressions: [],
  };
  const ingress = readRules(reader, spec.ingress, "spec.ingress", "from");
  const egress = readRules(reader, spec.egress, "spec.egress", "to");
  const types = reader.stringList(spec.policyTypes, "spec.policyTypes");
  types.forEach((type, index) => {
    if (type !== "Ingress" && type !== "Egress") {
      reader.fail(
        `spec.policyTypes[${index}]`,
        `unknown policy type ${JSON.stringify(type)}; use Ingress or Egress`,
      );
    }
  });
  // SetDefaults_NetworkPolicy: without policyTypes, every policy affects Ingress, and
  // Egress too when it has at least one egress rule.
  const defaulted = types.length === 0;
  const affectsIngress = defaulted || types.includes("Ingress");
  const affectsEgress = defaulted ? egress.length > 0 : types.includes("Egress");
  return { namespace, name, podSelector, affectsIngress, affectsEgress, ingress, egress };
}

function readRules(
  reader: FieldReader,
  value: unknown,
  field: string,
  peersKey: "from" | "to",
): NetworkPolicyRule[] {
  const rules: NetworkPolicyRule[] = [];
  reader.array(value, field).forEach((item, index) => {
    const path = `${field}[${index}]`;
    const rule = item === null ? {} : reader.record(item, path);
    if (rule === undefined) return;
    const peers: Peer[] = [];
    reader.array(rule[peersKey], `${path}.${peersKey}`).forEach((peerValue, peerIndex) => {
      const peer = readPeer(reader, peerValue, `${path}.${peersKey}[${peerIndex}]`);
      if (peer !== undefined) peers.push(peer);
    });
    const ports: PolicyPort[] = [];
    reader.array(rule.ports, `${path}.ports`).forEach((portValue, portIndex) => {
      const port = readPolicyPort(reader, portValue, `${path}.ports[${portIndex}]`);
      if (port !== undefined) ports.push(port);
    });
    rules.push({ peers, ports });
  });
  return rules;
}

function readPeer(reader: FieldReader, value: unknown, field: string): Peer | undefined {
  const peer = reader.record(value, field);
  if (peer === undefined)
    return reader.fail(field, "expected a peer with podSelector, namespaceSelector or ipBlock");
  const podSelector = reader.selector(peer.podSelector, `${field}.podSelector`);
  const namespaceSelector = reader.selector(peer.namespaceSelector, `${field}.namespaceSelector`);
  const ipBlock = reader.record(peer.ipBlock, `${field}.ipBlock`);
  if (ipBlock !== undefined) {
    if (podSelector !== undefined || namespaceSelector !== undefined) {
      return reader.fail(field, "ipBlock may not be combined with podSelector or namespaceSelector");
    }
    return readIPBlock(reader, ipBlock, `${field}.ipBlock`);
  }
  if (podSelector === undefined && namespaceSelector === undefined) {
    // The API server rejects an empty peer; reading it as "all" or "none" would both be a guess.
    return reader.fail(field, "a peer needs podSelector, namespaceSelector or ipBlock");
  }
  const selectors: { podSelector?: LabelSelector; namespaceSelector?: LabelSelector } = {};
  if (podSelector !== undefined) selectors.podSelector = podSelector;
  if (namespaceSelector !== undefined) selectors.namespaceSelector = namespaceSelector;
  return { type: "selector", ...selectors };
}

function readIPBlock(reader: FieldReader, ipBlock: JsonObject, field: string): Peer | undefined {
  const cidrText = reader.requiredString(ipBlock.cidr, `${field}.cidr`);
  if (cidrText === undefined) return undefined;
  const cidr = parseCidr(cidrText);
  if (cidr === undefined) return reader.fail(`${field}.cidr`, `${JSON.stringify(cidrText)} is not a CIDR`);
  const except: string[] = [];
  reader.stringList(ipBlock.except, `${field}.except`).forEach((text, index) => {
    const inner = parseCidr(text);
    if (inner === undefined) {
      reader.fail(`${field}.except[${index}]`, `${JSON.stringify(text)} is not a CIDR`);
      return;
    }
    if (!cidrContains(cidr, inner) || inner.prefix <= cidr.prefix) {
      reader.fail(`${field}.except[${index}]`, `${text} must be a strict subset of ${cidrText}`);
      return;
    }
    except.push(text);
  });
  return { type: "ipBlock", cidr: cidrText, except };
}

function readPolicyPort(reader: FieldReader, value: unknown, field: string): PolicyPort | undefined {
  const record = reader.record(value, field);
  if (record === undefined) return reader.fail(field, "expected a port {protocol, port, endPort}");
  const protocol = readProtocol(reader, record.protocol, `${field}.protocol`);
  const raw = record.port;
  let port: number | string | undefined;
  if (typeof raw === "number") {
    port = readPortNumber(reader, raw, `${field}.port`);
    if (port === undefined) return undefined;
  } else if (typeof raw === "string") {
    if (!isPortName(raw)) {
      return reader.fail(
        `${field}.port`,
        `${JSON.stringify(raw)} is neither a port number nor a valid port name (write numbers without quotes)`,
      );
    }
    port = raw;
  } else if (raw !== undefined && raw !== null) {
    return reader.fail(`${field}.port`, `expected a port number or name, found ${describe(raw)}`);
  }
  const endPort =
    record.endPort === undefined || record.endPort === null
      ? undefined
      : readPortNumber(reader, record.endPort, `${field}.endPort`);
  if (record.endPort !== undefined && record.endPort !== null) {
    if (endPort === undefined) return undefined;
    if (typeof port !== "number")
      return reader.fail(`${field}.endPort`, "may only be set with a numeric port");
    if (endPort < port) return reader.fail(`${field}.endPort`, `${endPort} is below port ${port}`);
  }
  if (protocol === undefined) return undefined;
  const result: { protocol: Protocol; port?: number | string; endPort?: number } = { protocol };
  if (port !== undefined) result.port = port;
  if (endPort !== undefined) result.endPort = endPort;
  return result;
}

function readServiceAccount(
  reader: FieldReader,
  namespace: string,
  name: string,
  object: JsonObject,
): ServiceAccount {
  const automount = reader.boolean(object.automountServiceAccountToken, "automountServiceAccountToken");
  return automount === undefined
    ? { namespace, name }
    : { namespace, name, automountServiceAccountToken: automount };
}

function readRole(
  reader: FieldReader,
  kind: "Role" | "ClusterRole",
  namespace: string | undefined,
  name: string,
  object: JsonObject,
): Role | undefined {
  const metadata = reader.record(object.metadata, "metadata");
  const labels = reader.labels(metadata?.labels, "metadata.labels");
  const rules: PolicyRule[] = [];
  reader.array(object.rules, "rules").forEach((item, index) => {
    const path = `rules[${index}]`;
    const rule = reader.record(item, path);
    if (rule === undefined) return;
    const parsed: PolicyRule = {
      verbs: reader.stringList(rule.verbs, `${path}.verbs`),
      apiGroups: reader.stringList(rule.apiGroups, `${path}.apiGroups`),
      resources: reader.stringList(rule.resources, `${path}.resources`),
      resourceNames: reader.stringList(rule.resourceNames, `${path}.resourceNames`),
      nonResourceURLs: reader.stringList(rule.nonResourceURLs, `${path}.nonResourceURLs`),
    };
    if (validatePolicyRule(reader, parsed, path, kind)) rules.push(parsed);
  });
  const aggregation =
    kind === "ClusterRole" ? reader.record(object.aggregationRule, "aggregationRule") : undefined;
  if (aggregation === undefined) {
    return namespace === undefined ? { kind, name, labels, rules } : { kind, namespace, name, labels, rules };
  }
  const aggregationSelectors: LabelSelector[] = [];
  reader
    .array(aggregation.clusterRoleSelectors, "aggregationRule.clusterRoleSelectors")
    .forEach((item, index) => {
      const selector = reader.selector(item, `aggregationRule.clusterRoleSelectors[${index}]`);
      if (selector !== undefined) aggregationSelectors.push(selector);
    });
  return { kind, name, labels, rules, aggregationSelectors };
}

function readBinding(
  reader: FieldReader,
  kind: "RoleBinding" | "ClusterRoleBinding",
  namespace: string | undefined,
  name: string,
  object: JsonObject,
): RoleBinding | undefined {
  const roleRef = reader.record(object.roleRef, "roleRef");
  if (roleRef === undefined) return reader.fail("roleRef", "is required");
  const roleKind = reader.requiredString(roleRef.kind, "roleRef.kind");
  const roleName = reader.requiredString(roleRef.name, "roleRef.name");
  if (roleKind === undefined || roleName === undefined) return undefined;
  const allowed = kind === "RoleBinding" ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (!allowed.includes(roleKind)) {
    return reader.fail(
      "roleRef.kind",
      `a ${kind} may refer to ${allowed.join(" or ")}, not ${JSON.stringify(roleKind)}`,
    );
  }
  const subjects: BindingSubject[] = [];
  reader.array(object.subjects, "subjects").forEach((item, index) => {
    const subject = readSubject(reader, item, `subjects[${index}]`);
    if (subject === undefined) return;
    if (subject.kind !== "ServiceAccount" || subject.namespace !== undefined) {
      subjects.push(subject);
      return;
    }
    // rbac appliesTo: a ServiceAccount subject without a namespace means the binding's own
    // namespace; a ClusterRoleBinding has none to lend, and the API server rejects it.
    if (namespace === undefined) {
      reader.fail(`subjects[${index}].namespace`, "is required for a ServiceAccount in a ClusterRoleBinding");
      return;
    }
    subjects.push({ ...subject, namespace });
  });
  const binding = {
    kind,
    name,
    roleRef: { kind: roleKind as "Role" | "ClusterRole", name: roleName },
    subjects,
  };
  return namespace === undefined ? binding : { ...binding, namespace };
}

function readSubject(reader: FieldReader, value: unknown, field: string): BindingSubject | undefined {
  const subject = reader.record(value, field);
  if (subject === undefined) return reader.fail(field, "expected a subject {kind, name}");
  const kind = reader.requiredString(subject.kind, `${field}.kind`);
  const name = reader.requiredString(subject.name, `${field}.name`);
  const namespace = reader.string(subject.namespace, `${field}.namespace`);
  if (kind === undefined || name === undefined) return undefined;
  if (kind !== "User" && kind !== "Group" && kind !== "ServiceAccount") {
    return reader.fail(
      `${field}.kind`,
      `unknown subject kind ${JSON.stringify(kind)}; use User, Group or ServiceAccount`,
    );
  }
  return kind === "ServiceAccount" && namespace ? { kind, name, namespace } : { kind, name };
}

/** rbac validation.ValidatePolicyRule: what the API server would refuse, said before it is misread. */
function validatePolicyRule(
  reader: FieldReader,
  rule: PolicyRule,
  path: string,
  kind: "Role" | "ClusterRole",
): boolean {
  if (rule.verbs.length === 0) return reader.fail(`${path}.verbs`, "must list at least one verb") ?? false;
  if (rule.nonResourceURLs.length > 0) {
    if (kind === "Role") {
      return (
        reader.fail(`${path}.nonResourceURLs`, "a Role cannot grant non-resource URLs; use a ClusterRole") ??
        false
      );
    }
    if (rule.apiGroups.length > 0 || rule.resources.length > 0) {
      return reader.fail(path, "a rule applies to resources or to non-resource URLs, not both") ?? false;
    }
    return true;
  }
  if (rule.apiGroups.length === 0) {
    return (
      reader.fail(`${path}.apiGroups`, 'must list at least one API group ("" is the core group)') ?? false
    );
  }
  if (rule.resources.length === 0)
    return reader.fail(`${path}.resources`, "must list at least one resource") ?? false;
  return true;
}
