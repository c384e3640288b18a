import { ANY_NODE_ID, OUTSIDE_NODE_ID, type ViewEdge, type ViewNode } from "@trustmap/shared";
import type { PortSet } from "../netpol/ports";
import { wirePorts } from "../report/report";

export type { NodeKind, ViewEdge, ViewNode } from "@trustmap/shared";

export interface ViewGraph {
  readonly nodes: ReadonlyMap<string, ViewNode>;
  readonly edges: ReadonlyMap<string, ViewEdge>;
}

/** What turns one revision of a view into the next: put replaces or adds, remove deletes, by id. */
export interface ViewPatch {
  readonly revision: number;
  readonly base: number;
  readonly putNodes: readonly ViewNode[];
  readonly removeNodes: readonly string[];
  readonly putEdges: readonly ViewEdge[];
  readonly removeEdges: readonly string[];
}

export interface ViewSnapshot {
  readonly revision: number;
  readonly nodes: readonly ViewNode[];
  readonly edges: readonly ViewEdge[];
}

export const ANY_POD = ANY_NODE_ID;
export const OUTSIDE = OUTSIDE_NODE_ID;

export function anyNode(): ViewNode {
  return { id: ANY_POD, kind: "any", label: "any pod", pods: 0, openIngressPods: 0, openEgressPods: 0 };
}

export function outsideNode(): ViewNode {
  return {
    id: OUTSIDE,
    kind: "outside",
    label: "outside the cluster",
    pods: 0,
    openIngressPods: 0,
    openEgressPods: 0,
  };
}

/** Sums edges into a graph under construction, uniting ports. */
export class EdgeSums {
  private readonly sums = new Map<
    string,
    { source: string; target: string; ports: PortSet; pairs: number; tiers: boolean }
  >();

  /** Adds a term; `tiers`: an admin or baseline policy's rule names it. */
  add(source: string, target: string, ports: PortSet, pairs: number, tiers = false): void {
    if (ports.isEmpty()) return;
    const id = `${source}->${target}`;
    const sum = this.sums.get(id);
    if (sum === undefined) this.sums.set(id, { source, target, ports, pairs, tiers });
    else
      this.sums.set(id, {
        source,
        target,
        ports: sum.ports.union(ports),
        pairs: sum.pairs + pairs,
        tiers: sum.tiers || tiers,
      });
  }

  edges(): Map<string, ViewEdge> {
    const out = new Map<string, ViewEdge>();
    for (const [id, sum] of this.sums) {
      out.set(id, {
        id,
        source: sum.source,
        target: sum.target,
        ports: wirePorts(sum.ports),
        pairs: sum.pairs,
        ...(sum.tiers ? { tiers: true as const } : {}),
      });
    }
    return out;
  }
}

/** The patch from one graph to the next (nodes and edges compared by value). */
export function diffGraphs(before: ViewGraph, after: ViewGraph, base: number, revision: number): ViewPatch {
  const putNodes: ViewNode[] = [];
  const removeNodes: string[] = [];
  const putEdges: ViewEdge[] = [];
  const removeEdges: string[] = [];
  for (const [id, node] of after.nodes) {
    const old = before.nodes.get(id);
    if (old === undefined || JSON.stringify(old) !== JSON.stringify(node)) putNodes.push(node);
  }
  for (const id of before.nodes.keys()) if (!after.nodes.has(id)) removeNodes.push(id);
  for (const [id, edge] of after.edges) {
    const old = before.edges.get(id);
    if (old === undefined || JSON.stringify(old) !== JSON.stringify(edge)) putEdges.push(edge);
  }
  for (const id of before.edges.keys()) if (!after.edges.has(id)) removeEdges.push(id);
  return { revision, base, putNodes, removeNodes, putEdges, removeEdges };
}

/** The patch from one snapshot of a view to another (undefined: they are the same). */
export function diffSnapshots(before: ViewSnapshot, after: ViewSnapshot): ViewPatch | undefined {
  const graph = (snapshot: ViewSnapshot): ViewGraph => ({
    nodes: new Map(snapshot.nodes.map((node) => [node.id, node])),
    edges: new Map(snapshot.edges.map((edge) => [edge.id, edge])),
  });
  const patch = diffGraphs(graph(before), graph(after), before.revision, before.revision + 1);
  return isEmptyPatch(patch) ? undefined : patch;
}

export function isEmptyPatch(patch: ViewPatch): boolean {
  return (
    patch.putNodes.length === 0 &&
    patch.removeNodes.length === 0 &&
    patch.putEdges.length === 0 &&
    patch.removeEdges.length === 0
  );
}

export { applyPatch } from "@trustmap/shared";
