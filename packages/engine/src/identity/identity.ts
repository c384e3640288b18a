// Pods that NetworkPolicy cannot tell apart share an identity: same namespace, same labels, and
// the same named ports (named ports in policies resolve per destination pod). A Deployment of
// 50 replicas is one identity.
import type { Pod, Protocol } from "../objects/model";

export function identityKey(pod: Pod): string {
  // Fields are joined with control characters, which valid label keys and values never hold;
  // a pod from a file with such characters gets the slower, unambiguous JSON key instead.
  const labels = Object.keys(pod.labels).sort();
  const named: string[] = [];
  for (const port of pod.ports) {
    if (port.name !== undefined) named.push(`${port.name}/${port.protocol}/${port.containerPort}`);
  }
  named.sort();
  let plain = !hasControlCharacter(pod.namespace);
  let key = pod.namespace;
  for (const label of labels) {
    const value = pod.labels[label]!;
    plain &&= !hasControlCharacter(label) && !hasControlCharacter(value);
    key += `\u0001${label}\u0002${value}`;
  }
  if (named.length > 0) key += `\u0003${named.join("\u0003")}`;
  if (plain) return key;
  return JSON.stringify([pod.namespace, labels.map((label) => [label, pod.labels[label]]), named]);
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20) return true;
  return false;
}

export function namedPortKey(name: string, protocol: Protocol): string {
  return `${name}/${protocol}`;
}
