import type { ExposureAnswer, ExposureEdge, ExposurePath, ExposureQuery, PathReach } from "@trustmap/shared";
import type { ClusterState } from "../state/cluster-state";
import type { LiveIdentity } from "../state/netpol-index";
import { OUTSIDE } from "../views/view";
import type { Places } from "../views/views";

/** Who may read what of the exposure: the namespaces whose network picture (and exposing objects) are theirs. */
export interface ExposureReadable {
  readonly namespaces: ReadonlySet<string>;
}

/** The namespace of an object reference ("Kind/namespace/name"). */
function namespaceOfRef(ref: string): string | undefined {
  return ref.split("/")[1];
}

/**
 * The paths a reader sees: those whose pods and publishing object lie in namespaces they may read.
 * A controller in a namespace they may not read is told as such, not by name.
 */
function narrowed(path: ExposurePath, readable: ExposureReadable): ExposurePath | undefined {
  const { namespaces } = readable;
  if (!namespaces.has(path.namespace)) return undefined;
  const via = namespaceOfRef(path.via);
  if (via === undefined || !namespaces.has(via)) return undefined;
  if (path.service !== null && !namespaces.has(namespaceOfRef(path.service) ?? "")) return undefined;
  const hidden = path.controllers.some((c) => !namespaces.has(c.workload.slice(0, c.workload.indexOf("/"))));
  if (!hidden) return path;
  const unnamed = "a controller in a namespace you may not read";
  const controllers = path.controllers.map((c) =>
    namespaces.has(c.workload.slice(0, c.workload.indexOf("/"))) ? c : { ...c, workload: unnamed },
  );
  let why = path.why;
  for (const c of path.controllers)
    if (!namespaces.has(c.workload.slice(0, c.workload.indexOf("/"))))
      why = why.split(c.workload).join(unnamed);
  return { ...path, controllers, why };
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
  const byName = new Map<string, LiveIdentity>();
  const identityNamed = (workload: string): LiveIdentity | undefined => {
    if (byName.size === 0) for (const identity of state.identities()) byName.set(identity.name, identity);
    return byName.get(workload);
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
