import { decodeNodeId } from "./node-id";
import type { GraphState, ViewEdge, ViewNode, ViewPatch, ViewSnapshot } from "./view";

// A view as a user who may read only some namespaces sees it: the nodes of those namespaces and
// those of no namespace (any pod, outside the cluster), and the edges between them. Whatever else
// the view holds is withheld, element by element, so a patch narrowed the same way turns the
// narrowed snapshot into the narrowed next one.

/**
 * The namespace a view node belongs to: null for nodes of none (any pod, outside the cluster),
 * undefined for nodes that stand for several (a group of namespaces) or ids the codec cannot read.
 */
export function nodeNamespace(id: string): string | null | undefined {
  const ref = decodeNodeId(id);
  switch (ref?.kind) {
    case "namespace":
    case "pod":
    case "workloads":
      return ref.namespace;
    case "workload":
      return ref.workload.namespace;
    case "any":
    case "outside":
      return null;
    default:
      return undefined;
  }
}

/** Whether a reader of `namespaces` sees this node. */
export function nodeVisible(id: string, namespaces: ReadonlySet<string>): boolean {
  const namespace = nodeNamespace(id);
  return namespace === null || (namespace !== undefined && namespaces.has(namespace));
}

export function edgeVisible(edge: ViewEdge, namespaces: ReadonlySet<string>): boolean {
  return nodeVisible(edge.source, namespaces) && nodeVisible(edge.target, namespaces);
}

/** The snapshot as a reader of `namespaces` sees it, and how many nodes it withholds. */
export function narrowSnapshot(
  snapshot: ViewSnapshot,
  namespaces: ReadonlySet<string>,
): { snapshot: ViewSnapshot; withheld: number } {
  const nodes = snapshot.nodes.filter((node) => nodeVisible(node.id, namespaces));
  return {
    snapshot: { ...snapshot, nodes, edges: snapshot.edges.filter((edge) => edgeVisible(edge, namespaces)) },
    withheld: snapshot.nodes.length - nodes.length,
  };
}

/** Whether an edge id ("<source>-><target>", as the engine writes it) joins two visible nodes. */
function edgeIdVisible(id: string, namespaces: ReadonlySet<string>): boolean {
  const ends = id.split("->");
  return ends.length === 2 && nodeVisible(ends[0]!, namespaces) && nodeVisible(ends[1]!, namespaces);
}

/** The patch as a reader of `namespaces` sees it: not even the ids of what is withheld. */
export function narrowPatch(patch: ViewPatch, namespaces: ReadonlySet<string>): ViewPatch {
  return {
    ...patch,
    putNodes: patch.putNodes.filter((node) => nodeVisible(node.id, namespaces)),
    removeNodes: patch.removeNodes.filter((id) => nodeVisible(id, namespaces)),
    putEdges: patch.putEdges.filter((edge) => edgeVisible(edge, namespaces)),
    removeEdges: patch.removeEdges.filter((id) => edgeIdVisible(id, namespaces)),
  };
}

/** How many nodes of a whole view a reader of `namespaces` does not see. */
export function withheldNodes(nodes: Iterable<ViewNode>, namespaces: ReadonlySet<string>): number {
  let count = 0;
  for (const node of nodes) if (!nodeVisible(node.id, namespaces)) count++;
  return count;
}

/** A view narrowed in place (the reference the tests compare with). */
export function narrowGraph(graph: GraphState, namespaces: ReadonlySet<string>): GraphState {
  return {
    nodes: new Map([...graph.nodes].filter(([id]) => nodeVisible(id, namespaces))),
    edges: new Map([...graph.edges].filter(([, edge]) => edgeVisible(edge, namespaces))),
  };
}
