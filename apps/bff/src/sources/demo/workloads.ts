// Workloads and the pods their controllers make from them, named and labelled the way the
// Deployment, StatefulSet and DaemonSet controllers do, so that the graph groups them the way a
// real cluster's would.

import { type JsonMap, type Labels, type Manifest, metadata } from "./manifest";
import type { Random } from "./random";

export type Controller = "Deployment" | "StatefulSet" | "DaemonSet";

/** The label a rollout updates when the template carries it. */
export const VERSION_LABEL = "app.kubernetes.io/version";

/** The image of a workload's first container, the one a rollout updates: repository:version[@sha256:digest]. */
export interface MainImage {
  readonly repository: string;
  readonly version: string;
  /** Referenced by digest (with the tag beside it, as charts that pin do). */
  readonly digest?: string;
}

/** A workload as its manifest declares it. */
export interface WorkloadSpec {
  readonly namespace: string;
  readonly name: string;
  readonly controller: Controller;
  /** Deployments and StatefulSets; a DaemonSet runs one pod per node. */
  readonly replicas: number;
  /** The template's labels, which every pod carries. */
  readonly labels: Labels;
  /** The template's pod spec; its first container's image is `main`'s. */
  readonly podSpec: JsonMap;
  readonly main: MainImage;
  /** Pods on the host's network take the node's address. */
  readonly hostNetwork: boolean;
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

/**
 * Reads `repository:tag` or `repository:tag@sha256:digest`; undefined when the image names no tag
 * (a rollout could not say which version it ships).
 */
export function parseImage(image: string): MainImage | undefined {
  const [named = "", digest] = image.split("@sha256:");
  const colon = named.lastIndexOf(":");
  if (colon <= named.lastIndexOf("/") || colon === named.length - 1) return undefined;
  if (digest !== undefined && !/^[0-9a-f]{64}$/.test(digest)) return undefined;
  return {
    repository: named.slice(0, colon),
    version: named.slice(colon + 1),
    ...(digest === undefined ? {} : { digest }),
  };
}

export function imageOf(main: MainImage, template: Template): string {
  const tagged = `${main.repository}:${template.version}`;
  return main.digest === undefined ? tagged : `${tagged}@sha256:${template.digest}`;
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

/** The pod's containers: the template's, the first one running the pod's template version. */
function containers(spec: WorkloadSpec, template: Template): JsonMap[] {
  const [main, ...rest] = spec.podSpec.containers as readonly JsonMap[];
  return [{ ...main, image: imageOf(spec.main, template) }, ...rest];
}

export function podManifest(workload: Workload, pod: RunningPod): Manifest {
  const { spec } = workload;
  const labels = {
    ...spec.labels,
    ...(spec.labels[VERSION_LABEL] === undefined ? {} : { [VERSION_LABEL]: pod.template.version }),
    ...controllerLabels(spec, pod),
  };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: metadata(pod.name, spec.namespace, labels, { ownerReferences: [owner(workload, pod)] }),
    spec: { nodeName: pod.node.name, ...spec.podSpec, containers: containers(spec, pod.template) },
    status: {
      phase: "Running",
      hostIP: pod.node.ip,
      podIP: pod.ip,
      podIPs: [{ ip: pod.ip }],
    },
  };
}
