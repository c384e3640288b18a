import type { ViewRef } from "@trustmap/shared";
import type { ClusterState } from "../state/cluster-state";

// Whether a view's subject exists now: an empty picture means "nothing here", never "no such
// namespace", so the pages ask this and say which.

export type ViewPresence =
  | { readonly exists: true }
  | { readonly exists: false; readonly kind: "namespace" | "workload"; readonly message: string };

/**
 * The overview always exists; a namespace when it is declared or any object lives in it (as the
 * API server would hold it); a workload when a pod of that identity runs now.
 */
export function viewPresence(state: ClusterState, ref: ViewRef): ViewPresence {
  switch (ref.kind) {
    case "overview":
      return { exists: true };
    case "namespace":
      return state.namespaceNamed(ref.namespace) !== undefined
        ? { exists: true }
        : {
            exists: false,
            kind: "namespace",
            message: `no namespace named ${JSON.stringify(ref.namespace)} in the cluster now`,
          };
    case "workload":
      return state.identity(ref.identity) !== undefined
        ? { exists: true }
        : {
            exists: false,
            kind: "workload",
            message: `no workload ${JSON.stringify(ref.identity)} in the cluster now`,
          };
  }
}
