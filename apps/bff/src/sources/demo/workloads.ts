// Workloads and the pods they run, written the way their controllers name and label them, so
// that the graph groups them the way a real cluster's would.

import type { PortSpec } from "./catalog";
import { type JsonMap, type Labels, type Manifest, metadata } from "./manifest";
import type { Random } from "./random";

export type Controller = "Deployment" | "StatefulSet" | "DaemonSet";

export interface ContainerSpec {
  readonly name: string;
  readonly ports: readonly PortSpec[];
  readonly securityContext?: JsonMap;
}

/** A sidecar or init container: its image does not change when the workload rolls out. */
export interface FixedContainer extends ContainerSpec {
  readonly image: string;
}

/** The container a rollout updates: its image follows the workload's template. */
export interface MainContainer extends ContainerSpec {
  readonly repository: string;
  /** Referenced by digest (with the tag beside it, as charts that pin do). */
  readonly pinned: boolean;
}

export interface WorkloadSpec {
  readonly namespace: string;
  readonly name: string;
  readonly controller: Controller;
  /** The selector labels and the others every pod carries. */
  readonly labels: Labels;
  /** Adds `app.kubernetes.io/version`, which then changes with every rollout. */
  readonly versionLabel: boolean;
  readonly serviceAccount: string;
  /** Absent: not set on the pod (the token is mounted unless the service account says otherwise). */
  readonly automountToken?: boolean;
  readonly main: MainContainer;
  readonly sidecars: readonly FixedContainer[];
  readonly initContainers: readonly FixedContainer[];
  readonly podSecurityContext?: JsonMap;
  readonly hostNetwork: boolean;
  readonly hostPID: boolean;
  readonly hostPaths: readonly string[];
  readonly version: string;
  /** Deployments and StatefulSets; a DaemonSet runs one pod per node. */
  readonly replicas: number;
}

/** What a rollout changes: the pod template, named by its hash. */
export interface Template {
  readonly hash: string;
  readonly version: string;
  readonly digest: string;
}

export interface Node {
  readonly name: string;
  readonly ip: string;
  readonly index: number;
}

export interface RunningPod {
  readonly name: string;
  readonly template: Template;
  readonly node: Node;
  readonly ip: string;
}

/** A workload as it runs now: its current template and its pods, old template or new. */
export interface Workload {
  readonly spec: WorkloadSpec;
  readonly uid: string;
  template: Template;
  replicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  pods: RunningPod[];
}

export function newTemplate(random: Random, version: string): Template {
  // pod-template-hash is a hash of the template; 10 characters of the name alphabet look like one.
  return { hash: random.nameSuffix(10), version, digest: random.hex(64) };
}

/** The next patch version: what a routine rollout ships. */
export function nextVersion(version: string): string {
  const parts = version.split(".");
  const patch = Number(parts.at(-1));
  if (parts.length < 2 || !Number.isInteger(patch)) return `${version}-1`;
  return [...parts.slice(0, -1), String(patch + 1)].join(".");
}

export function imageOf(main: MainContainer, template: Template): string {
  const tagged = `${main.repository}:${template.version}`;
  return main.pinned ? `${tagged}@sha256:${template.digest}` : tagged;
}

export function podName(workload: Workload, random: Random): string {
  const { spec, template } = workload;
  if (spec.controller === "StatefulSet") return `${spec.name}-${freeOrdinal(workload)}`;
  const prefix = spec.controller === "Deployment" ? `${spec.name}-${template.hash}` : spec.name;
  const taken = new Set(workload.pods.map((pod) => pod.name));
  // A random suffix, drawn again in the rare case it is taken, as the API server's generateName does.
  for (;;) {
    const name = `${prefix}-${random.nameSuffix(5)}`;
    if (!taken.has(name)) return name;
  }
}

/** A StatefulSet's pods are numbered from 0, and a replaced pod takes its predecessor's number. */
function freeOrdinal(workload: Workload): number {
  const taken = new Set(workload.pods.map((pod) => pod.name));
  let ordinal = 0;
  while (taken.has(`${workload.spec.name}-${ordinal}`)) ordinal++;
  return ordinal;
}

/** The labels each controller adds to the template's, which tell one template from another. */
function controllerLabels(spec: WorkloadSpec, pod: RunningPod): Labels {
  switch (spec.controller) {
    case "Deployment":
      return { "pod-template-hash": pod.template.hash };
    case "DaemonSet":
      return { "controller-revision-hash": pod.template.hash, "pod-template-generation": "1" };
    case "StatefulSet":
      return {
        "controller-revision-hash": `${spec.name}-${pod.template.hash}`,
        "statefulset.kubernetes.io/pod-name": pod.name,
      };
  }
}

function owner(workload: Workload, pod: RunningPod): JsonMap {
  const { spec } = workload;
  const replicaSet = spec.controller === "Deployment";
  return {
    apiVersion: "apps/v1",
    kind: replicaSet ? "ReplicaSet" : spec.controller,
    name: replicaSet ? `${spec.name}-${pod.template.hash}` : spec.name,
    uid: workload.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function container(spec: ContainerSpec, image: string): JsonMap {
  const ports = spec.ports.map((port) => ({
    name: port.name,
    containerPort: port.port,
    protocol: port.protocol ?? "TCP",
  }));
  return {
    name: spec.name,
    image,
    imagePullPolicy: "IfNotPresent",
    ...(ports.length > 0 ? { ports } : {}),
    ...(spec.securityContext === undefined ? {} : { securityContext: spec.securityContext }),
  };
}

function volumes(spec: WorkloadSpec): JsonMap {
  if (spec.hostPaths.length === 0) return {};
  return {
    volumes: spec.hostPaths.map((path, index) => ({
      name: `host-${index}`,
      hostPath: { path, type: path === "/run/xtables.lock" ? "FileOrCreate" : "Directory" },
    })),
  };
}

export function podManifest(workload: Workload, pod: RunningPod): Manifest {
  const { spec } = workload;
  const labels = {
    ...spec.labels,
    ...(spec.versionLabel ? { "app.kubernetes.io/version": pod.template.version } : {}),
    ...controllerLabels(spec, pod),
  };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: metadata(pod.name, spec.namespace, labels, { ownerReferences: [owner(workload, pod)] }),
    spec: {
      nodeName: pod.node.name,
      serviceAccountName: spec.serviceAccount,
      ...(spec.automountToken === undefined ? {} : { automountServiceAccountToken: spec.automountToken }),
      ...(spec.hostNetwork ? { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" } : {}),
      ...(spec.hostPID ? { hostPID: true } : {}),
      ...(spec.podSecurityContext === undefined ? {} : { securityContext: spec.podSecurityContext }),
      ...(spec.initContainers.length > 0
        ? { initContainers: spec.initContainers.map((c) => container(c, c.image)) }
        : {}),
      containers: [
        container(spec.main, imageOf(spec.main, pod.template)),
        ...spec.sidecars.map((c) => container(c, c.image)),
      ],
      ...volumes(spec),
    },
    status: {
      phase: "Running",
      hostIP: pod.node.ip,
      podIP: pod.ip,
      podIPs: [{ ip: pod.ip }],
    },
  };
}
