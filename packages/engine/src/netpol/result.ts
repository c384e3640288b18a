import type { PortSet } from "./ports";

export type Direction = "ingress" | "egress";

/** An ordered pair of distinct pods and the ports on which the first may connect to the second. */
export interface PodConnection {
  readonly from: string;
  readonly to: string;
  readonly ports: PortSet;
}

/** What one pod may send to, or receive from, an address block outside the cluster. */
export interface ExternalAccess {
  readonly pod: string;
  readonly direction: Direction;
  readonly cidr: string;
  readonly except: readonly string[];
  readonly ports: PortSet;
}

export interface Connectivity {
  /** Sorted by (from, to); only pairs with at least one allowed port. */
  readonly connections: readonly PodConnection[];
  /** Sorted by (pod, direction, cidr, except). */
  readonly external: readonly ExternalAccess[];
}

/** Everything outside the cluster, as seen by a pod that no policy isolates or a rule with no peers. */
export const WORLD_CIDRS: readonly string[] = ["0.0.0.0/0", "::/0"];

export function compareExternal(a: ExternalAccess, b: ExternalAccess): number {
  return (
    cmp(a.pod, b.pod) ||
    cmp(a.direction, b.direction) ||
    cmp(a.cidr, b.cidr) ||
    cmp(a.except.join(","), b.except.join(","))
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Merges accesses to the same block (same cidr and except) by uniting their ports; drops empty ones. */
export function mergeExternal(accesses: readonly ExternalAccess[]): ExternalAccess[] {
  const byKey = new Map<string, ExternalAccess>();
  for (const access of accesses) {
    if (access.ports.isEmpty()) continue;
    const except = [...access.except].sort();
    const key = `${access.pod}|${access.direction}|${access.cidr}|${except.join(",")}`;
    const earlier = byKey.get(key);
    byKey.set(
      key,
      earlier === undefined
        ? { ...access, except }
        : { ...earlier, ports: earlier.ports.union(access.ports) },
    );
  }
  return [...byKey.values()].sort(compareExternal);
}
