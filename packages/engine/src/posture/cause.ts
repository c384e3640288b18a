import type { ChangeCause } from "@trustmap/shared";
import { type ClusterState, type Kind, objectKey, type WatchEvent } from "../state/cluster-state";

// The cause of a step of the log: the objects its events changed, how, and which of the fields
// Trustmap reads of them differ (the trimmed object's, e.g. `labels.app`, `ingress`, `rules`).

/** Fields whose value is an object are named with the keys inside that differ (`labels.team`). */
function changedFields(before: unknown, after: unknown): string[] {
  const out: string[] = [];
  const a = (before ?? {}) as Record<string, unknown>;
  const b = (after ?? {}) as Record<string, unknown>;
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const x = a[key];
    const y = b[key];
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    const plain = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
    if ((plain(x) || x === undefined) && (plain(y) || y === undefined) && (plain(x) || plain(y))) {
      const inner = changedFields(x, y);
      if (inner.length > 0 && inner.length <= 8) {
        for (const field of inner) out.push(`${key}.${field.split(".")[0]}`);
        continue;
      }
    }
    out.push(key);
  }
  return [...new Set(out)];
}

/**
 * What an event changes, read before it is applied (the state still holds the object as it was).
 * Undefined when it changes nothing Trustmap reads (an object listed again as it was), and for a
 * relist, whose objects are each compared: one cause per object that differs.
 */
export function causesOf(state: ClusterState, event: WatchEvent): ChangeCause[] {
  if (event.type === "RELIST") {
    const out: ChangeCause[] = [];
    const seen = new Set<string>();
    for (const object of event.objects) {
      const key = objectKey(event.kind, object);
      seen.add(key);
      const cause = causeOf(event.kind, key, state.object(event.kind, key), object);
      if (cause !== undefined) out.push(cause);
    }
    for (const [key, before] of state.objectsOf(event.kind))
      if (!seen.has(key)) out.push(causeOf(event.kind, key, before, undefined)!);
    return out;
  }
  const key = objectKey(event.kind, event.object);
  const cause = causeOf(
    event.kind,
    key,
    state.object(event.kind, key),
    event.type === "DELETED" ? undefined : event.object,
  );
  return cause === undefined ? [] : [cause];
}

function causeOf(kind: Kind, key: string, before: unknown, after: unknown): ChangeCause | undefined {
  if (before === undefined && after === undefined) return undefined;
  // Roles' and bindings' keys begin with their kind ("ClusterRoleBinding/ops"): the cause names it once.
  const name = key.startsWith(`${kind}/`) ? key.slice(kind.length + 1) : key;
  if (before === undefined) return { kind, name, change: "created", fields: [] };
  if (after === undefined) return { kind, name, change: "deleted", fields: [] };
  const fields = changedFields(before, after);
  if (fields.length === 0) return undefined;
  return { kind, name, change: "edited", fields };
}
