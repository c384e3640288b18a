import type { ChangeCause, PostureChange } from "@trustmap/shared";
import type { Cluster, Pod } from "../objects/model";
import {
  type ClusterState,
  type Kind,
  type KindObjects,
  objectKey,
  type WatchEvent,
} from "../state/cluster-state";
import { causesOf } from "./cause";
import type { PostureLedger } from "./ledger";

// A draft: objects put or deleted over the live cluster, never sent to it. A draft holds its own
// objects only. To see what it changes, its edits are applied to the live state, the reads done on
// the state as the draft makes it, and the state put back as it was, all in one synchronous turn:
// no event and no other question ever sees the drafted state, and the live state is shared, not
// copied. The ledger's update over the draft's delta is exactly the difference draft versus now.

/** One edit of a draft: an object put (created, or replacing the live one), or an object deleted. */
export type DraftEdit =
  | { readonly op: "put"; readonly kind: Kind; readonly object: KindObjects[Kind] }
  | { readonly op: "delete"; readonly kind: Kind; readonly key: string };

/** The objects of a cluster read from manifests, as the edits that put them. */
export function putsOf(cluster: Cluster): DraftEdit[] {
  const put = <K extends Kind>(kind: K, object: KindObjects[K]): DraftEdit => ({ op: "put", kind, object });
  return [
    ...cluster.namespaces.filter((ns) => ns.declared).map((ns) => put("Namespace", ns)),
    ...cluster.serviceAccounts.map((sa) => put("ServiceAccount", sa)),
    ...cluster.networkPolicies.map((policy) => put("NetworkPolicy", policy)),
    ...(cluster.clusterPolicies ?? []).map((policy) => put(policy.kind, policy)),
    ...cluster.roles.map((role) => put(role.kind, role)),
    ...cluster.bindings.map((binding) => put(binding.kind, binding)),
    ...cluster.pods.map((pod) => put("Pod", pod)),
  ];
}

/** The key of the object of a kind named so (objectKey's), for a deletion. */
export function deletionKey(kind: Kind, namespace: string | undefined, name: string): string {
  const scoped = namespace === undefined || namespace === "" ? name : `${namespace}/${name}`;
  switch (kind) {
    case "Namespace":
      return name;
    case "ClusterRole":
    case "ClusterRoleBinding":
    case "AdminNetworkPolicy":
    case "BaselineAdminNetworkPolicy":
    case "ClusterNetworkPolicy":
      return `${kind}/${name}`;
    case "Role":
    case "RoleBinding":
      return `${kind}/${scoped}`;
    default:
      return scoped;
  }
}

/** The key an edit is filed under (objectKey's). */
export function editKey(edit: DraftEdit): string {
  return edit.op === "put" ? objectKey(edit.kind, edit.object) : edit.key;
}

/**
 * The edits, with a workload's manifest put in place of its pods: a draft's Deployment (read as
 * one pod of its template, as the command line reads it) replaces the live pods that workload owns,
 * so editing its template changes what its pods are rather than adding one beside them.
 */
function withWorkloadsReplaced(state: ClusterState, edits: readonly DraftEdit[]): DraftEdit[] {
  const out: DraftEdit[] = [];
  for (const edit of edits) {
    if (edit.op === "put" && edit.kind === "Pod") {
      const pod = edit.object as Pod;
      const own = objectKey("Pod", pod);
      if (pod.source.kind !== "Pod")
        for (const [key, live] of state.objectsOf("Pod")) {
          const owner = (live as Pod).owner;
          if (
            key !== own &&
            owner.kind === pod.owner.kind &&
            owner.namespace === pod.owner.namespace &&
            owner.name === pod.owner.name
          )
            out.push({ op: "delete", kind: "Pod", key });
        }
    }
    out.push(edit);
  }
  return out;
}

/** What the draft does, read on the state it makes. */
export interface DraftReading<T> {
  /** The posture's facts that differ, draft versus now (the ledger's `PostureChange`s). */
  readonly changes: PostureChange[];
  /** The objects the draft changes, as the log names a step's causes (read on the live state). */
  readonly causes: ChangeCause[];
  /** Deletions of objects the cluster does not hold now (they change nothing). */
  readonly absent: { readonly kind: Kind; readonly key: string }[];
  readonly read: T;
}

/**
 * Applies a draft to the live state (settled, with its ledger up to date), reads what `read` asks
 * of the drafted state, and puts the state and the ledger back as they were, even when `read`
 * throws. Later edits of the same object win over earlier ones.
 */
export function withDraft<T>(
  state: ClusterState,
  ledger: PostureLedger,
  edits: readonly DraftEdit[],
  read: (changes: readonly PostureChange[], causes: readonly ChangeCause[]) => T,
): DraftReading<T> {
  if (state.unsettled) throw new Error("a draft is read on a settled state");
  // The last edit of each object stands: one event per object.
  const last = new Map<string, DraftEdit>();
  for (const edit of withWorkloadsReplaced(state, edits)) {
    const id = `${edit.kind}\u0000${editKey(edit)}`;
    last.delete(id);
    last.set(id, edit);
  }
  const events: WatchEvent[] = [];
  const undo: WatchEvent[] = [];
  const absent: { kind: Kind; key: string }[] = [];
  for (const edit of last.values()) {
    const key = editKey(edit);
    const live = state.object(edit.kind, key);
    if (edit.op === "delete") {
      if (live === undefined) {
        absent.push({ kind: edit.kind, key });
        continue;
      }
      events.push({ type: "DELETED", kind: edit.kind, object: live } as WatchEvent);
      undo.push({ type: "ADDED", kind: edit.kind, object: live } as WatchEvent);
    } else {
      events.push({
        type: live === undefined ? "ADDED" : "MODIFIED",
        kind: edit.kind,
        object: edit.object,
      } as WatchEvent);
      undo.push(
        (live === undefined
          ? { type: "DELETED", kind: edit.kind, object: edit.object }
          : { type: "MODIFIED", kind: edit.kind, object: live }) as WatchEvent,
      );
    }
  }
  const causes = events.flatMap((event) => causesOf(state, event));
  const changes = ledger.update(state.applyAll(events));
  try {
    return { changes, causes, absent, read: read(changes, causes) };
  } finally {
    ledger.update(state.applyAll(undo));
  }
}
