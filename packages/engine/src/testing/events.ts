// Random commands turned into the watch events they stand for on the current state.
import { type Cluster, EXPOSING_KINDS, type ExposingObject } from "../objects/model";
import { parseCluster } from "../objects/parse";
import { formatInputError } from "../objects/reader";
import {
  type ClusterState,
  type Kind,
  type KindObjects,
  objectKey,
  type WatchEvent,
} from "../state/cluster-state";
import type { Command } from "./arbitraries";

type Json = Record<string, unknown>;

function isExposing(kind: unknown): kind is ExposingObject["kind"] {
  return (EXPOSING_KINDS as readonly unknown[]).includes(kind);
}

/** The one model object a manifest stands for, with the kind the engine files it under. */
export function modelOf(raw: Json): { kind: Kind; object: KindObjects[Kind] } {
  const parsed = parseCluster([{ source: "event", object: raw }]);
  if (parsed.errors.length > 0) throw new Error(parsed.errors.map(formatInputError).join("\n"));
  const c = parsed.cluster;
  switch (raw.kind) {
    case "Namespace":
      return { kind: "Namespace", object: c.namespaces.find((n) => n.declared)! };
    case "Pod":
      return { kind: "Pod", object: c.pods[0]! };
    case "NetworkPolicy":
      return { kind: "NetworkPolicy", object: c.networkPolicies[0]! };
    case "ServiceAccount":
      return { kind: "ServiceAccount", object: c.serviceAccounts[0]! };
    case "Role":
    case "ClusterRole":
      return { kind: raw.kind, object: c.roles[0]! };
    case "AdminNetworkPolicy":
    case "BaselineAdminNetworkPolicy":
    case "ClusterNetworkPolicy":
      return { kind: raw.kind, object: c.clusterPolicies![0]! };
    default:
      if (isExposing(raw.kind)) return { kind: raw.kind, object: c.exposures![0]! };
      return { kind: raw.kind as "RoleBinding" | "ClusterRoleBinding", object: c.bindings[0]! };
  }
}

function currentOf(cluster: Cluster, kind: Kind): KindObjects[Kind][] {
  switch (kind) {
    case "Namespace":
      return cluster.namespaces.filter((n) => n.declared);
    case "Pod":
      return [...cluster.pods];
    case "NetworkPolicy":
      return [...cluster.networkPolicies];
    case "ServiceAccount":
      return [...cluster.serviceAccounts];
    case "Role":
    case "ClusterRole":
      return cluster.roles.filter((r) => r.kind === kind);
    case "AdminNetworkPolicy":
    case "BaselineAdminNetworkPolicy":
    case "ClusterNetworkPolicy":
      return (cluster.clusterPolicies ?? []).filter((p) => p.kind === kind);
    default:
      if (isExposing(kind)) return (cluster.exposures ?? []).filter((o) => o.kind === kind);
      return cluster.bindings.filter((b) => b.kind === kind);
  }
}

/** The watch events a command stands for, given what the state holds now. */
let replica = 0;

export function eventsOf(state: ClusterState, cmd: Command): WatchEvent[] {
  if (cmd.op === "SCALE") {
    // A replica more or less of an existing pod: the identity stays, only its size changes.
    const pods = state.cluster().pods;
    const pod = pods[cmd.pick % Math.max(1, pods.length)];
    if (pod === undefined) return [];
    if (!cmd.up) return [{ type: "DELETED", kind: "Pod", object: pod }];
    // A replica is a Pod object of its own: its source names it, as a watched pod's does.
    const name = `${pod.name}-r${replica++}`;
    const source = pod.source.kind === "Pod" ? { ...pod.source, name } : pod.source;
    return [{ type: "ADDED", kind: "Pod", object: { ...pod, name, source } }];
  }
  if (cmd.op === "ROLLOUT") {
    const old = state.cluster().pods.filter((p) => p.namespace === cmd.namespace && p.labels.app === cmd.app);
    const events: WatchEvent[] = [];
    old.forEach((pod, i) => {
      const labels = { ...pod.labels, "pod-template-hash": cmd.hash };
      events.push({
        type: "ADDED",
        kind: "Pod",
        object: { ...pod, name: `${cmd.app}-${cmd.hash}-${i}`, labels },
      });
    });
    for (const pod of old) events.push({ type: "DELETED", kind: "Pod", object: pod });
    return events;
  }
  if (cmd.op === "RELIST") {
    const kind = (cmd.objects[0] ? modelOf(cmd.objects[0]).kind : "Pod") as Kind;
    const current = currentOf(state.cluster(), kind).filter((_, i) => ((cmd.keep >> i) & 1) === 1);
    const fresh = cmd.objects.map(modelOf).filter((m) => m.kind === kind);
    const byKey = new Map(current.map((o) => [objectKey(kind, o), o]));
    for (const m of fresh) byKey.set(objectKey(kind, m.object), m.object);
    return [{ type: "RELIST", kind, objects: [...byKey.values()] } as WatchEvent];
  }
  const { kind, object } = modelOf(cmd.object);
  return [{ type: cmd.op, kind, object } as WatchEvent];
}
