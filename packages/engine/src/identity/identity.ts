import { PortSet } from "../netpol/ports";
import type { Labels, Pod, Protocol } from "../objects/model";

/**
 * Pods that NetworkPolicy cannot tell apart: same namespace, same labels, and the same named
 * ports (named ports in policies resolve per destination pod). A Deployment of 50 replicas is
 * one identity.
 */
export interface Identity {
  readonly index: number;
  readonly key: string;
  readonly namespace: string;
  readonly labels: Labels;
  /** "name/protocol" to the container ports of that name and protocol. */
  readonly namedPorts: ReadonlyMap<string, PortSet>;
  readonly pods: Pod[];
}

export function identityKey(pod: Pod): string {
  const labels = Object.keys(pod.labels)
    .sort()
    .map((key) => [key, pod.labels[key]]);
  const named = pod.ports
    .filter((port) => port.name !== undefined)
    .map((port) => `${port.name}/${port.protocol}/${port.containerPort}`)
    .sort();
  return JSON.stringify([pod.namespace, labels, named]);
}

export function namedPortKey(name: string, protocol: Protocol): string {
  return `${name}/${protocol}`;
}

/** Groups pods into identities, in the order their first pod appears. */
export function groupIdentities(pods: readonly Pod[]): {
  identities: Identity[];
  identityOf: Map<Pod, Identity>;
} {
  const byKey = new Map<string, Identity>();
  const identityOf = new Map<Pod, Identity>();
  for (const pod of pods) {
    const key = identityKey(pod);
    let identity = byKey.get(key);
    if (identity === undefined) {
      identity = {
        index: byKey.size,
        key,
        namespace: pod.namespace,
        labels: pod.labels,
        namedPorts: namedPortsOf(pod),
        pods: [],
      };
      byKey.set(key, identity);
    }
    identity.pods.push(pod);
    identityOf.set(pod, identity);
  }
  return { identities: [...byKey.values()], identityOf };
}

function namedPortsOf(pod: Pod): Map<string, PortSet> {
  const out = new Map<string, PortSet>();
  for (const port of pod.ports) {
    if (port.name === undefined) continue;
    const key = namedPortKey(port.name, port.protocol);
    const ports = PortSet.of(port.protocol, port.containerPort, port.containerPort);
    out.set(key, (out.get(key) ?? PortSet.NONE).union(ports));
  }
  return out;
}
