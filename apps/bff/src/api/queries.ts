import {
  type ClusterState,
  findingsPage,
  type MatrixRow,
  matrixPage,
  matrixRows,
  namespaceSummaries,
  readableCounts,
  readableMatrixRows,
  scopeEvidence,
  whoCanAnswer,
} from "@trustmap/engine";
import type {
  ClusterInfo,
  EvidenceReport,
  Finding,
  FindingsPage,
  MatrixPage,
  NamespaceSummary,
  ViewEdge,
  ViewNode,
  WhoCanAnswer,
} from "@trustmap/shared";
import type { QueryArgs } from "../engine/protocol";

// The answers that read whole-cluster lists (the findings, the RBAC matrix): the engine answers,
// and the lists are kept here, computed once per engine revision and only when asked for.

/** A value computed once per revision of the live cluster. */
class PerRevision<T> {
  private revision = -1;
  private value: T | undefined;

  constructor(private readonly compute: () => T) {}

  get(revision: number): T {
    if (this.value === undefined || revision !== this.revision) {
      this.value = this.compute();
      this.revision = revision;
    }
    return this.value;
  }
}

export class Queries {
  private readonly findings = new PerRevision(() => this.state.findings());
  private readonly namespaceList = new PerRevision(() => namespaceSummaries(this.state));
  private readonly matrix = new PerRevision<MatrixRow[]>(() => matrixRows(this.state));
  /** The matrix rows by subject reference (who-can reads each subject's worst right from them). */
  private readonly matrixByRef = new PerRevision(
    () => new Map(this.matrix.get(this.state.revision).map((row) => [row.ref, row])),
  );
  private readonly clusterFindings = (): readonly Finding[] => this.findings.get(this.state.revision);

  constructor(private readonly state: ClusterState) {}

  namespaces(): NamespaceSummary[] {
    return this.namespaceList.get(this.state.revision);
  }

  /** A page of the matrix; with `readable`, of the grants a reader of those namespaces may see. */
  matrixPage({ readable, ...query }: QueryArgs<"matrix">): MatrixPage {
    if (readable !== undefined) return matrixPage(readableMatrixRows(this.state, new Set(readable)), query);
    return matrixPage(this.matrix.get(this.state.revision), query);
  }

  whoCan(query: QueryArgs<"whoCan">): WhoCanAnswer {
    const rows = this.matrixByRef.get(this.state.revision);
    return whoCanAnswer(this.state, query, (ref) => rows.get(ref));
  }

  /** A page of the findings; with `readable`, of those a reader of those namespaces may see. */
  findingsPage({ readable, ...query }: QueryArgs<"findings">): FindingsPage {
    return findingsPage(
      this.state,
      query,
      this.clusterFindings,
      readable === undefined ? undefined : new Set(readable),
    );
  }

  /** The counts a reader of these namespaces may see. */
  readableCounts(readable: readonly string[]): ClusterInfo["counts"] {
    const namespaces = new Set(readable);
    return readableCounts(
      this.state,
      namespaces,
      this.clusterFindings(),
      readableMatrixRows(this.state, namespaces).length,
    );
  }

  /** The evidence report of a scope at this revision; `graph` is the scope's view, made by the caller. */
  evidence(
    query: QueryArgs<"evidence">,
    graph: { view: string; nodes: readonly ViewNode[]; edges: readonly ViewEdge[] },
  ): EvidenceReport {
    return scopeEvidence(this.state, query, graph, this.clusterFindings);
  }
}
