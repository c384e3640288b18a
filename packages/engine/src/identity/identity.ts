// Pods that NetworkPolicy cannot tell apart share an identity: same namespace, same labels, and
// the same named ports (named ports in policies resolve per destination pod). A Deployment of
// 50 replicas is one identity.
import type { Pod, Protocol } from "../objects/model";

export function identityKey(pod: Pod): string {
  // Fields are joined with control characters, which valid label keys and values never hold;
  // a pod from a file with such characters gets the slower, unambiguous JSON key instead.
  let key = pod.namespace;
  for (const label of Object.keys(pod.labels).sort()) key += `\u0001${label}\u0002${pod.labels[label]}`;
  const named: string[] = [];
  for (const port of pod.ports) {
    if (port.name !== undefined) named.push(`${port.name}/${port.protocol}/${port.containerPort}`);
  }
  if (named.length > 0) key += `\u0003${named.sort().join("\u0003")}`;
  if (/[\u0000-\u001f]/.test(key.replace(/[\u0001-\u0003]/g, "")) || !matchesFieldCount(key, pod)) {
    return JSON.stringify([pod.namespace, Object.entries(pod.labels).sort(), named]);
  }
  return key;
}

function matchesFieldCount(key: string, pod: Pod): boolean {
  let separators = 0;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) === 1) separators++;
  return separators === Object.keys(pod.labels).length;
}

export function namedPortKey(name: string, protocol: Protocol): string {
  return `${name}/${protocol}`;
}
