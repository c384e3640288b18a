// Pods that NetworkPolicy cannot tell apart share an identity: same namespace, same labels, and
// the same named ports (named ports in policies resolve per destination pod). A Deployment of
// 50 replicas is one identity.
import { type NamedPort, workloadKey } from "@trustmap/shared";
import type { Pod, Protocol } from "../objects/model";

/** The identity's key: the body of its node id (`wl:<key>`), readable, derived from its content only. */
export function identityKey(pod: Pod): string {
  const namedPorts: NamedPort[] = [];
  for (const port of pod.ports) {
    if (port.name !== undefined)
      namedPorts.push({ name: port.name, protocol: port.protocol, port: port.containerPort });
  }
  return workloadKey({ namespace: pod.namespace, labels: pod.labels, namedPorts });
}

export function namedPortKey(name: string, protocol: Protocol): string {
  return `${name}/${protocol}`;
}
