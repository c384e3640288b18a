// Pods that NetworkPolicy cannot tell apart share an identity: same namespace, same labels, and
// the same named ports (named ports in policies resolve per destination pod). A Deployment of
// 50 replicas is one identity.
import type { Pod, Protocol } from "../objects/model";

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
