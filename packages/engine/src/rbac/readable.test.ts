import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { rbacCluster } from "../testing/arbitraries";
import { RUNS } from "../testing/runs";
import { matrixRows, readableMatrixRows } from "./answers";

// The matrix a user who may read some namespaces gets is the matrix of the cluster as they could
// list it: only the RoleBindings and Roles where RBAC is theirs, the service accounts where the
// network picture is, no ClusterRole and no ClusterRoleBinding; a subject is listed when some grant
// they may see gives it a right.

type Json = Record<string, unknown>;

/** Where a reader may list the network picture's kinds (service accounts among them), and where RBAC's: chosen apart. */
const listable = fc.record({
  graph: fc.subarray(["ns0", "ns1", "ns2", "ns3"]),
  rbac: fc.subarray(["ns0", "ns1", "ns2", "ns3"]),
});

describe("the matrix narrowed to a user's namespaces", () => {
  it("equals the matrix of the cluster holding only the bindings and roles they may list", () => {
    let rows = 0;
    fc.assert(
      fc.property(rbacCluster, listable, (objects, { graph, rbac }) => {
        const namespaces = new Set(rbac);
        const accounts = new Set(graph);
        const state = ClusterState.from(
          parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object }))).cluster,
        );
        const listable = objects.filter((object: Json) => {
          const namespace = (object.metadata as Json | undefined)?.namespace as string | undefined;
          if (object.kind === "Role") return namespace !== undefined && namespaces.has(namespace);
          // Their RoleBindings whatever they bind: one to a ClusterRole (which they may not list) grants nothing here.
          if (object.kind === "RoleBinding") return namespace !== undefined && namespaces.has(namespace);
          // Service accounts they may list: those where the network picture is theirs.
          if (object.kind === "ServiceAccount") return namespace !== undefined && accounts.has(namespace);
          return object.kind !== "ClusterRole" && object.kind !== "ClusterRoleBinding";
        });
        const reference = matrixRows(
          ClusterState.from(
            parseCluster(listable.map((object, i) => ({ source: `doc ${i}`, object }))).cluster,
          ),
        ).filter((row) => row.cells.length > 0);
        const narrowed = readableMatrixRows(state, { graph: accounts, rbac: namespaces });
        expect(narrowed).toEqual(reference);
        rows += narrowed.length;
      }),
      { numRuns: RUNS },
    );
    expect(rows).toBeGreaterThan(0);
  });
});
