import type { ExposureAnswer, ExposurePath, ExposureQuery } from "@trustmap/shared";
import type { ClusterState } from "../state/cluster-state";

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

/** GET /api/exposure: every path, or those of one namespace (its pods', or published from it). */
export function exposureAnswer(
  state: ClusterState,
  query: ExposureQuery,
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
