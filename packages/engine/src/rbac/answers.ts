import type { CanIAnswer, EngineQueries, MatrixPage, WhoCanAnswer } from "@trustmap/shared";
import type { Readable } from "../findings/finding";
import type { ClusterState } from "../state/cluster-state";
import type { Grant, SubjectRights } from "./effective";
import { compareRows, filterRow, type MatrixRow, matrixRow } from "./matrix";
import { canI, type GrantTrace, whoCan } from "./questions";
import type { ResourceQuery } from "./resources";
import { resourceQueryOf } from "./resources";
import { subjectRef } from "./subjects";

// The RBAC answers the API serves: a page of the matrix, who can do something, what may a
// subject do; each read from the state's effective rights, as wire values.

type WireRow = MatrixPage["rows"][number];

/** Every subject's matrix row, ranked (worst right, cluster-wide, name). */
export function matrixRows(state: ClusterState): MatrixRow[] {
  return state
    .rbac()
    .map((rights) => matrixRow(rights, state.rulesOf))
    .sort(compareRows);
}

/**
 * Whether a reader of RBAC in `namespaces` may see a grant: one of a RoleBinding in those
 * namespaces to a Role beside it, both of which they may list. A ClusterRoleBinding, and a
 * RoleBinding's ClusterRole (whose rules they may not list), are not theirs to see.
 */
export function grantReadable(grant: Grant, namespaces: ReadonlySet<string>): boolean {
  return (
    grant.binding.kind === "RoleBinding" &&
    grant.binding.namespace !== undefined &&
    namespaces.has(grant.binding.namespace) &&
    grant.role.kind === "Role"
  );
}

/**
 * The rights a reader may see: each subject's grants they may see (grantReadable, where RBAC is
 * theirs), of the subjects they may know of: those a RoleBinding they may list names (whatever
 * role it binds), and the service accounts they may list (where the network picture is theirs; a
 * service account holds rights through its groups too).
 * A user named only elsewhere is not theirs to know of, even when a grant they see reaches it (a
 * service account's user name is the account).
 */
export function readableRights(state: ClusterState, readable: Readable): SubjectRights[] {
  const namespaces = readable.rbac;
  const named = new Set<string>();
  for (const binding of state.roleBindings()) {
    if (binding.namespace === undefined || !namespaces.has(binding.namespace)) continue;
    for (const subject of binding.subjects)
      named.add(
        subject.kind === "ServiceAccount"
          ? `ServiceAccount/${subject.namespace ?? ""}/${subject.name}`
          : `${subject.kind}/${subject.name}`,
      );
  }
  return state.rbac().flatMap((rights) => {
    const grants = rights.grants.filter((grant) => grantReadable(grant, namespaces));
    if (grants.length === 0) return [];
    const subject = rights.subject;
    const known =
      subject.kind === "ServiceAccount"
        ? (subject.namespace !== undefined &&
            readable.graph.has(subject.namespace) &&
            state.serviceAccount(subject.namespace, subject.name) !== undefined) ||
          named.has(`ServiceAccount/${subject.namespace ?? ""}/${subject.name}`)
        : named.has(`${subject.kind}/${subject.name}`);
    return known ? [{ subject, grants }] : [];
  });
}

/** The matrix as a reader may see it: the rows of their readable rights, ranked. */
export function readableMatrixRows(state: ClusterState, readable: Readable): MatrixRow[] {
  return readableRights(state, readable)
    .map((rights) => matrixRow(rights, state.rulesOf))
    .sort(compareRows);
}

/** A matrix row as the API serves it (plain arrays, no shared references). */
export function wireRow(row: MatrixRow): WireRow {
  return {
    subject: { ...row.subject },
    ref: row.ref,
    cells: row.cells.map((cell) => ({
      ...cell,
      verbs: [...cell.verbs],
      risks: [...cell.risks],
      resourceNames: [...cell.resourceNames],
      grants: cell.grants.map((g) => ({
        ...g,
        verbs: [...g.verbs],
        resourceNames: [...g.resourceNames],
      })),
    })),
    ...(row.worst === undefined ? {} : { worst: row.worst }),
    riskyCells: row.riskyCells,
    clusterWide: row.clusterWide,
  };
}

/** The rows (ranked, as matrixRows gives them) that pass the query's filters, one page of them. */
export function matrixPage(rows: readonly MatrixRow[], query: EngineQueries["matrix"]["args"]): MatrixPage {
  const filter = {
    ...(query.subjectKind === undefined ? {} : { subjectKind: query.subjectKind }),
    ...(query.namespace === undefined ? {} : { namespace: query.namespace }),
    ...(query.resource === undefined ? {} : { resource: query.resource }),
    ...(query.verb === undefined ? {} : { verb: query.verb }),
    ...(query.risky === undefined ? {} : { riskyOnly: query.risky }),
    ...(query.search === undefined ? {} : { search: query.search }),
  };
  const filtered = rows.flatMap((row) => filterRow(row, filter) ?? []);
  return {
    total: filtered.length,
    offset: query.offset,
    limit: query.limit,
    rows: filtered.slice(query.offset, query.offset + query.limit).map(wireRow),
  };
}

/**
 * Who can do what the query asks (kubectl who-can), ranked, one page; `rowOf` gives a subject's
 * matrix row by reference, whose worst right ranks it.
 */
export function whoCanAnswer(
  state: ClusterState,
  query: EngineQueries["whoCan"]["args"],
  rowOf: (ref: string) => MatrixRow | undefined,
  /** The rights asked about: every subject's, or those a user may see (readableRights). */
  subjects: readonly SubjectRights[] = state.rbac(),
): WhoCanAnswer {
  const { verb, offset, limit } = query;
  const apiGroup = query.apiGroup === "core" ? "" : query.apiGroup;
  const target: ResourceQuery =
    query.nonResourceURL !== undefined
      ? { url: query.nonResourceURL }
      : withSubresource(resourceQueryOf(query.resource ?? "", apiGroup), query.subresource);
  const question = {
    verb,
    target,
    ...(query.name === undefined ? {} : { name: query.name }),
    ...(query.namespace === undefined ? {} : { namespace: query.namespace }),
  };
  const entries = whoCan(
    subjects,
    question,
    state.rulesOf,
    (rights) => rowOf(subjectRef(rights.subject))?.worst,
  );
  return {
    question: {
      verb,
      ...("url" in target
        ? { nonResourceURL: target.url }
        : {
            apiGroup: target.apiGroup ?? null,
            resource: target.resource,
            ...(target.subresource === undefined ? {} : { subresource: target.subresource }),
          }),
      ...(query.name === undefined ? {} : { name: query.name }),
      ...(query.namespace === undefined ? {} : { namespace: query.namespace }),
    },
    total: entries.length,
    offset,
    limit,
    subjects: entries.slice(offset, offset + limit).map((entry) => ({
      subject: { ...entry.subject },
      ref: entry.ref,
      ...(entry.worst === undefined ? {} : { worst: entry.worst }),
      clusterWide: entry.clusterWide,
      ...(entry.onlyNames === undefined ? {} : { onlyNames: [...entry.onlyNames] }),
      grants: entry.grants.map(wireTrace),
    })),
  };
}

/** What may a subject do (kubectl auth can-i --list); undefined when the cluster names no such subject. */
export function canIAnswer(
  state: ClusterState,
  query: EngineQueries["canI"]["args"],
  /** A reader of some namespaces only (FindingsReader): what they may see of the subject, undefined if they know of none. */
  reader?: { rightsOf(ref: string): SubjectRights | undefined },
): CanIAnswer | undefined {
  const rights = (reader ?? state).rightsOf(query.subject);
  if (rights === undefined) return undefined;
  const answer = canI(rights, query.namespace, state.rulesOf);
  return {
    subject: { ...answer.subject },
    ref: answer.ref,
    ...(answer.worst === undefined ? {} : { worst: answer.worst }),
    ...(query.namespace === undefined ? {} : { namespace: query.namespace }),
    rules: answer.rules.map((rule) => ({ ...wireTrace(rule), risks: [...rule.risks] })),
  };
}

function withSubresource(target: ResourceQuery, subresource: string | undefined): ResourceQuery {
  return subresource === undefined || "url" in target ? target : { ...target, subresource };
}

function wireTrace(t: GrantTrace): WhoCanAnswer["subjects"][number]["grants"][number] {
  return {
    namespace: t.namespace,
    binding: t.binding,
    role: t.role,
    rule: t.rule,
    verbs: [...t.verbs],
    apiGroups: [...t.apiGroups],
    resources: [...t.resources],
    resourceNames: [...t.resourceNames],
    nonResourceURLs: [...t.nonResourceURLs],
  };
}
