// Builders of Kubernetes objects for tests: plain manifests, as a user would write them.
import type { Cluster } from "../objects/model";
import { parseCluster } from "../objects/parse";
import { formatInputError } from "../objects/reader";

type Json = Record<string, unknown>;

export function ns(name: string, labels: Record<string, string> = {}): Json {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } };
}

export function pod(
  namespace: string,
  name: string,
  labels: Record<string, string> = {},
  spec: Json = {},
): Json {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace, name, labels },
    spec: { containers: [{ name: "main", image: "app:1" }], ...spec },
  };
}

/** A pod whose single container exposes the given ports. */
export function podWithPorts(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  ports: { name?: string; containerPort: number; protocol?: string }[],
): Json {
  return pod(namespace, name, labels, { containers: [{ name: "main", image: "app:1", ports }] });
}

export function netpol(namespace: string, name: string, spec: Json): Json {
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { namespace, name }, spec };
}

export function parsed(...objects: Json[]): Cluster {
  const result = parseCluster(objects.map((object, index) => ({ source: `test object ${index}`, object })));
  if (result.errors.length > 0) throw new Error(result.errors.map(formatInputError).join("\n"));
  return result.cluster;
}
