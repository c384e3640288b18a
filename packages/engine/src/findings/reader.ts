import type { Finding, Severity } from "@trustmap/shared";
import { readableRights } from "../rbac/answers";
import type { SubjectRights } from "../rbac/effective";
import { compareRows, type MatrixRow, matrixRow } from "../rbac/matrix";
import { subjectRef } from "../rbac/subjects";
import type { ClusterState, LocatedFinding } from "../state/cluster-state";
import { CHECKS, compareFindings, findingsOf, worse } from "./catalog";
import { findingReadable, namespacesOfFinding, type Readable } from "./finding";

// The findings a user who may read some namespaces only sees. A finding about an object, a
// binding or a pod is theirs when they may list every object it names (findingReadable).
// A finding about a subject's rights is worded from the rights they may see (readableRights): the
// grants of RoleBindings in their namespaces to Roles beside them. Reading the cluster's finding
// instead would hide the right they can see whenever a binding they cannot see grants it too, and
// would let that hidden binding raise a severity or a score.

const SUBJECT_CHECKS = new Set(CHECKS.filter((check) => check.scope === "subject").map((check) => check.id));

/** Whether a finding is about a subject's rights (worded from every grant the subject holds). */
export function isSubjectFinding(finding: Finding): boolean {
  return SUBJECT_CHECKS.has(finding.id);
}

/** The findings of one reader, read once per question. */
export class FindingsReader {
  /** The subjects' findings, worded from the rights the reader may see, by subject reference. */
  private readonly bySubject = new Map<string, Finding[]>();
  /** The rights the reader may see, by subject reference. */
  private readonly rights = new Map<string, SubjectRights>();

  constructor(
    private readonly state: ClusterState,
    readonly readable: Readable,
  ) {
    for (const rights of readableRights(state, readable)) {
      this.rights.set(subjectRef(rights.subject), rights);
      const findings = findingsOf("subject", rights, state);
      if (findings.length > 0) this.bySubject.set(subjectRef(rights.subject), findings);
    }
  }

  /** Every finding the reader sees, kept: the reader lives for one revision. */
  private all: LocatedFinding[] | undefined;

  /** The findings the reader sees with the pod each is about, in a namespace or all (unsorted). */
  located(namespace?: string): LocatedFinding[] {
    if (namespace === undefined) {
      this.all ??= this.read(undefined);
      return [...this.all];
    }
    return this.read(namespace);
  }

  private read(namespace: string | undefined): LocatedFinding[] {
    // The pods of other namespaces have no finding the reader may see: they are not worded.
    const out = this.state
      .located(namespace, this.readable.graph)
      .filter(({ finding }) => !isSubjectFinding(finding) && findingReadable(finding, this.readable));
    for (const findings of this.bySubject.values())
      for (const finding of findings)
        if (namespace === undefined || namespacesOfFinding(finding).has(namespace))
          out.push({ finding, pod: undefined });
    return out;
  }

  /** The findings the reader sees, in a namespace or all, sorted as every list. */
  findings(namespace?: string): Finding[] {
    return this.located(namespace)
      .map(({ finding }) => finding)
      .sort(compareFindings);
  }

  /** Every subject's rights as the reader may see them (readableRights). */
  subjects(): SubjectRights[] {
    return [...this.rights.values()];
  }

  private rows: MatrixRow[] | undefined;

  /** The matrix as the reader may see it, ranked (readableMatrixRows), kept. */
  matrixRows(): readonly MatrixRow[] {
    this.rows ??= this.subjects()
      .map((rights) => matrixRow(rights, this.state.rulesOf))
      .sort(compareRows);
    return this.rows;
  }

  /** A subject's rights as the reader may see them; undefined for one they know nothing of. */
  rightsOf(ref: string): SubjectRights | undefined {
    return this.rights.get(ref);
  }

  /** The worst severity of a subject's risky rights as the reader sees them, or undefined. */
  riskOf(ref: string): Severity | undefined {
    let worst: Severity | undefined;
    for (const finding of this.bySubject.get(ref) ?? []) worst = worse(worst, finding.severity);
    return worst;
  }
}
