import type { ExposureAnswer, ExposureEdge, ExposurePath, ExposureQuery, PathReach } from "@trustmap/shared";
import { namespaceOfRef } from "../findings/finding";
import type { ClusterState } from "../state/cluster-state";
import type { LiveIdentity } from "../state/netpol-index";
import { OUTSIDE } from "../views/view";
import type { Places } from "../views/views";

/** Who may read what of the exposure: the namespaces whose network picture (and exposing objects) are theirs. */
export interface ExposureReadable {
  readonly namespaces: ReadonlySet<string>;
}

/** The namespace of a workload as the graph names it ("shop/web": its namespace, then its owners). */
function namespaceOfWorkload(workload: string): string {
  return workload.slice(0, workload.indexOf("/"));
}

/**
 * The paths a reader sees: those whose pods and publishing object lie in namespaces they may read.
 * A controller in a namespace they may not read is told as such, not by name.
 */
function narrowed(path: ExposurePath, readable: ExposureReadable): ExposurePath | undefined {
  const { namespaces } = readable;
  const readableRef = (ref: string) => namespaces.has(namespaceOfRef(ref) ?? "");
  if (!namespaces.has(path.namespace) || !readableRef(path.via)) return undefined;
  if (path.service !== null && !readableRef(path.service)) return undefined;
  const hidden = path.controllers.filter((c) => !namespaces.has(namespaceOfWorkload(c.workload)));
  if (hidden.length === 0) return path;
  const unnamed = "a controller in a namespace you may not read";
  let why = path.why;
  for (const c of hidden) why = why.split(c.workload).join(unnamed);
  return {
    ...path,
    controllers: path.controllers.map((c) => (hidden.includes(c) ? { ...c, workload: unnamed } : c)),
    why,
  };
}

const OPENNESS: readonly PathReach[] = ["none", "denied", "restricted", "open"];

/**
 * The paths placed on a view's nodes: each from outside (or from each controller's node) to the
 * node that draws its pods, where the view draws that namespace. One edge per pair of nodes,
 * as open as the most open path on it.
 */
export function exposureEdges(
  state: ClusterState,
  places: Places | undefined,
  paths: readonly ExposurePath[],
): ExposureEdge[] {
  if (places === undefined) return [];
  // The identities of the namespaces the paths name, by name (a workload's name starts with its namespace).
  const byName = new Map<string, Map<string, LiveIdentity>>();
  const identityNamed = (workload: string): LiveIdentity | undefined => {
    const namespace = namespaceOfWorkload(workload);
    let named = byName.get(namespace);
    if (named === undefined) {
      named = new Map([...state.identitiesIn(namespace)].map((identity) => [identity.name, identity]));
      byName.set(namespace, named);
    }
    return named.get(workload);
  };
  const nodeOf = (identity: LiveIdentity): string =>
    places.drawsApart(identity.namespace) ? places.identity(identity) : places.namespace(identity.namespace);
  const edges = new Map<
    string,
    { source: string; target: string; reach: PathReach; via: Set<string>; entries: Set<string> }
  >();
  const add = (source: string, target: string, reach: PathReach, path: ExposurePath) => {
    const id = `${source}->${target}`;
    let edge = edges.get(id);
    if (edge === undefined) {
      edge = { source, target, reach, via: new Set(), entries: new Set() };
      edges.set(id, edge);
    }
    if (OPENNESS.indexOf(reach) > OPENNESS.indexOf(edge.reach)) edge.reach = reach;
    edge.via.add(path.via);
    edge.entries.add(path.entry.text);
  };
  for (const path of paths) {
    if (path.workload === null || path.reach === "none" || !places.draws([path.namespace])) continue;
    const target = identityNamed(path.workload);
    if (target === undefined) continue;
    if (path.from === "outside") {
      add(OUTSIDE, nodeOf(target), path.reach, path);
      continue;
    }
    for (const controller of path.controllers) {
      const identity = identityNamed(controller.workload);
      if (identity === undefined || !places.draws([identity.namespace, path.namespace])) continue;
      const reach: PathReach = !controller.allowed ? "denied" : path.reach === "open" ? "open" : "restricted";
      add(nodeOf(identity), nodeOf(target), reach, path);
    }
  }
  return [...edges].map(([id, edge]) => ({
    id,
    source: edge.source,
    target: edge.target,
    reach: edge.reach,
    via: [...edge.via],
    entries: [...edge.entries],
  }));
}

/** GET /api/exposure: every path, or those of one namespace (its pods', or published from it). */
export function exposureAnswer(
  state: ClusterState,
  query: Omit<ExposureQuery, "view">,
  readable?: ExposureReadable,
): ExposureAnswer {
  const paths: ExposurePath[] = [];
  for (const path of state.allExposurePaths()) {
    if (
      query.namespace !== undefined &&
      path.namespace !== query.namespace &&
      namespaceOfRef(path.via) !== query.namespace
    )
      continue;
    const seen = readable === undefined ? path : narrowed(path, readable);
    if (seen !== undefined) paths.push(seen);
  }
  return { revision: state.revision, paths };
}
