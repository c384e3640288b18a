import type { Cluster } from "../objects/model";
import { ClusterState } from "../state/cluster-state";
import type { Connectivity } from "./result";

/** Connectivity by the live engine (identities, compiled policies and selector indexes). */
export function computeConnectivity(cluster: Cluster): Connectivity {
  return ClusterState.from(cluster).connectivity();
}
