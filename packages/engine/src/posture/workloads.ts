import type { ClusterState } from "../state/cluster-state";
import type { LiveIdentity } from "../state/netpol-index";

/** A namespace's identities by the workload they belong to, read once per namespace asked. */
export class WorkloadsByName {
  private readonly byNamespace = new Map<string, Map<string, LiveIdentity[]>>();

  constructor(private readonly state: ClusterState) {}

  of(namespace: string, workload: string): readonly LiveIdentity[] {
    return this.all(namespace).get(workload) ?? [];
  }

  /** Every workload of the namespace, by name, with its identities. */
  all(namespace: string): ReadonlyMap<string, LiveIdentity[]> {
    let byName = this.byNamespace.get(namespace);
    if (byName === undefined) {
      byName = new Map();
      for (const identity of this.state.identitiesIn(namespace)) {
        const name = this.state.netpol.workloadOf(identity);
        const list = byName.get(name) ?? [];
        list.push(identity);
        byName.set(name, list);
      }
      this.byNamespace.set(namespace, byName);
    }
    return byName;
  }
}
