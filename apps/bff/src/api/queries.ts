import {
  type ClusterState,
  FindingsReader,
  findingsPage,
  type MatrixRow,
  matrixPage,
  matrixRows,
  namespaceSummaries,
  readableCounts,
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
import type { QueryArgs, ReadableWire } from "../engine/protocol";

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

  /** The last reader asked about, kept while the revision stays (a page asks several questions). */
  private reader: { revision: number; key: string; value: FindingsReader } | undefined;

  constructor(private readonly state: ClusterState) {}

  /** What a reader sees of the findings and rights, at this revision. */
  readerOf(readable: ReadableWire): FindingsReader {
    const key = JSON.stringify([readable.graph, readable.rbac, readable.exposure]);
    if (this.reader?.revision !== this.state.revision || this.reader.key !== key)
      this.reader = {
        revision: this.state.revision,
        key,
        value: new FindingsReader(this.state, {
          graph: new Set(readable.graph),
          rbac: new Set(readable.rbac),
          ...(readable.exposure === undefined ? {} : { exposure: new Set(readable.exposure) }),
        }),
      };
    return this.reader.value;
  }

  namespaces(): NamespaceSummary[] {
    return this.namespaceList.get(this.state.revision);
  }

  /** A page of the matrix; with `readable`, of the grants a reader of those namespaces may see. */
  matrixPage({ readable, ...query }: QueryArgs<"matrix">): MatrixPage {
    if (readable !== undefined) return matrixPage(this.readerOf(readable).matrixRows(), query);
    return matrixPage(this.matrix.get(this.state.revision), query);
  }

  /** Who can do it; with `readable`, of the grants a reader of those namespaces may see, ranked by those. */
  whoCan({ readable, ...query }: QueryArgs<"whoCan">): WhoCanAnswer {
    if (readable !== undefined) {
      const reader = this.readerOf(readable);
      const rows = new Map(reader.matrixRows().map((row) => [row.ref, row]));
      return whoCanAnswer(this.state, query, (ref) => rows.get(ref), reader.subjects());
    }
    const rows = this.matrixByRef.get(this.state.revision);
    return whoCanAnswer(this.state, query, (ref) => rows.get(ref));
  }

  /** A page of the findings; with `readable`, of those a reader of those namespaces may see. */
  findingsPage({ readable, ...query }: QueryArgs<"findings">): FindingsPage {
    return findingsPage(
      this.state,
      query,
      this.clusterFindings,
      readable === undefined ? undefined : this.readerOf(readable),
    );
  }

  /** The counts a reader of these namespaces may see. */
  readableCounts(readable: ReadableWire): ClusterInfo["counts"] {
    const reader = this.readerOf(readable);
    return readableCounts(this.state, reader, reader.matrixRows().length);
  }

  /** The evidence report of a scope at this revision; `graph` is the scope's view, made by the caller. */
  evidence(
    query: Omit<QueryArgs<"evidence">, "readable">,
    graph: { view: string; nodes: readonly ViewNode[]; edges: readonly ViewEdge[] },
    /** A reader of some namespaces only: what they may see (`graph` narrowed to them already). */
    readable?: ReadableWire,
  ): EvidenceReport {
    const reader = readable === undefined ? undefined : this.readerOf(readable);
    return scopeEvidence(this.state, query, graph, this.clusterFindings, reader);
  }
}
