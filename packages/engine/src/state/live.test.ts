import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { referenceConnectivity } from "../netpol/reference";
import type { Connectivity } from "../netpol/result";
import type { Cluster } from "../objects/model";
import { parseCluster } from "../objects/parse";
import { formatInputError } from "../objects/reader";
import { computeRbac } from "../rbac/effective";
import { subjectRef } from "../rbac/subjects";
import { wireRule } from "../report/report";
import { type Command, command, networkCluster, rbacCluster } from "../testing/arbitraries";
import { RUNS } from "../testing/runs";
import { ClusterState, type Kind, type KindObjects, objectKey, type WatchEvent } from "./cluster-state";

type Json = Record<string, unknown>;

/** The one model object a manifest stands for, with the kind the engine files it under. */
function modelOf(raw: Json): { kind: Kind; object: KindObjects[Kind] } {
  const parsed = parseCluster([{ source: "event", object: raw }]);
  expect(parsed.errors.map(formatInputError)).toEqual([]);
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
    default:
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
    default:
      return cluster.bindings.filter((b) => b.kind === kind);
  }
}

/** The watch events a command stands for, given what the state holds now. */
function eventsOf(state: ClusterState, cmd: Command): WatchEvent[] {
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

function comparableConnectivity(result: Connectivity) {
  return {
    connections: result.connections.map((c) => `${c.from} -> ${c.to}: ${c.ports.key()}`),
    external: result.external.map(
      (e) => `${e.pod} ${e.direction} ${e.cidr} ${e.except.join(",")}: ${e.ports.key()}`,
    ),
  };
}

function comparableRbac(subjects: ReturnType<typeof computeRbac>["subjects"]) {
  return subjects.map((s) => ({ subject: s.subject, rules: s.grants.map(wireRule) }));
}

describe("the live engine", () => {
  it("equals the from-scratch answers after every event of random sequences", () => {
    fc.assert(
      fc.property(
        networkCluster,
        rbacCluster,
        fc.array(command, { minLength: 1, maxLength: 20 }),
        (network, rbac, commands) => {
          const initial = parseCluster(
            [...network, ...rbac].map((object, i) => ({ source: `doc ${i}`, object })),
          );
          const state = ClusterState.from(initial.cluster);
          const findings = new Map<string, number>();
          const count = (json: string, by: number) => findings.set(json, (findings.get(json) ?? 0) + by);
          for (const f of state.findings()) count(JSON.stringify(f), 1);
          const subjects = new Set(state.rbac().map((s) => subjectRef(s.subject)));
          for (const cmd of commands) {
            for (const event of eventsOf(state, cmd)) {
              const delta = state.apply(event);
              const cluster = state.cluster();
              expect(comparableConnectivity(state.connectivity())).toEqual(
                comparableConnectivity(referenceConnectivity(cluster)),
              );
              expect(comparableRbac(state.rbac())).toEqual(comparableRbac(computeRbac(cluster).subjects));
              const fresh = ClusterState.from(cluster);
              expect(state.findings()).toEqual(fresh.findings());
              expect([...state.identities()].map((i) => i.key).sort()).toEqual(
                [...fresh.identities()].map((i) => i.key).sort(),
              );
              // The delta alone carries the findings from the previous answer to this one.
              for (const f of delta.findings.removed) count(JSON.stringify(f), -1);
              for (const f of delta.findings.added) count(JSON.stringify(f), 1);
              const expected = new Map<string, number>();
              for (const f of state.findings())
                expected.set(JSON.stringify(f), (expected.get(JSON.stringify(f)) ?? 0) + 1);
              expect(new Map([...findings].filter(([, n]) => n !== 0))).toEqual(expected);
              // And the RBAC rows that appeared and went away.
              for (const ref of delta.rbac.removed) subjects.delete(ref);
              for (const ref of delta.rbac.added) subjects.add(ref);
              expect([...subjects].sort()).toEqual(
                state
                  .rbac()
                  .map((s) => subjectRef(s.subject))
                  .sort(),
              );
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
