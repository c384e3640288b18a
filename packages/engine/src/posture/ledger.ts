import type { Finding, PostureChange, PostureFact, ReachFact, RightFact } from "@trustmap/shared";
import { POD_CHECKS } from "../findings/catalog";
import { namespacesOfFinding, quote } from "../findings/finding";
import { podName } from "../findings/workload";
import { PortSet } from "../netpol/ports";
import { type Pod, refString } from "../objects/model";
import { matrixRow } from "../rbac/matrix";
import { riskSeverity, worstOf } from "../rbac/risk";
import { subjectRef } from "../rbac/subjects";
import type { Delta } from "../state/changes";
import type { ClusterState } from "../state/cluster-state";
import type { LiveIdentity } from "../state/netpol-index";
import { acceptsAny, explicitSources, explicitTargets, outsidePorts, sendsToAny } from "../views/graph";

// The posture as people read it, kept fact by fact so that each delta of the engine says which
// facts appeared, went or changed:
// - reach: the ports one workload may reach another on, in the engine's compact form: the pairs a
//   rule names explicitly (with every port allowed between them), and each workload's traffic with
//   "any pod" and with addresses outside the cluster (as the graph draws them). A workload is the
//   set of owners of its pods, so the identities of one Deployment's revisions are one workload
//   and a rollout that keeps the labels policies read changes nothing;
// - findings: every finding the engine holds (a finding listed twice is one fact);
// - rbac: each subject's matrix cells (verbs over a resource in a scope) with the bindings and
//   roles that grant them.

/** "Any pod" and "outside the cluster" as the ends of reach facts. */
export const ANY_END = "*";
export const OUTSIDE_END = "outside";

/** Between the parts of a key: a character no name, label or port text holds (PostgreSQL text holds no NUL). */
const SEP = "\u001f";

export function reachKey(from: string, to: string): string {
  return `reach${SEP}${from}${SEP}${to}`;
}

export function findingFactKey(finding: Finding): string {
  return `finding${SEP}${finding.id}${SEP}${finding.objects.join(",")}${SEP}${finding.severity}${SEP}${finding.message}`;
}

export function rightKey(subject: string, scope: string, resource: string): string {
  return `rbac${SEP}${subject}${SEP}${scope}${SEP}${resource}`;
}

/** Two facts say the same (their JSON is built in one field order). */
/**
 * Whether two facts of one key say the same. A finding's key holds all it says (the same key is
 * the same finding); a connection's, its ends; a right's, its subject, scope and resource.
 */
export function sameFact(a: PostureFact | undefined, b: PostureFact | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (a.area === "reach" && b.area === "reach") return a.ports === b.ports;
  if (a.area === "finding" && b.area === "finding") return true;
  if (a.area === "rbac" && b.area === "rbac")
    return (
      a.severity === b.severity &&
      sameList(a.verbs, b.verbs) &&
      sameList(a.resourceNames, b.resourceNames) &&
      sameList(a.risks, b.risks) &&
      sameList(a.via, b.via)
    );
  return false;
}

/** The changes of these keys' facts from `before` to `after` (those that differ), by key. */
export function changesOf(
  keys: Iterable<string>,
  before: ReadonlyMap<string, PostureFact | undefined>,
  after: ReadonlyMap<string, PostureFact>,
): PostureChange[] {
  const out: PostureChange[] = [];
  for (const key of keys) {
    const was = before.get(key);
    const now = after.get(key);
    if (sameFact(was, now)) continue;
    out.push({
      key,
      ...(was === undefined ? {} : { before: was }),
      ...(now === undefined ? {} : { after: now }),
    });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/** One identity's part in a reach fact: the pair (or the identity and "any" / "outside") and its ports. */
interface Term {
  readonly fact: string;
  readonly from: string;
  readonly to: string;
  readonly ports: PortSet;
  /** The identities (indexes) that hold the term: it is dropped when either is recounted. */
  readonly source: number | undefined;
  readonly destination: number | undefined;
}

/**
 * The posture's facts at the engine's last delta. `update(delta)` brings them up to date and
 * returns what changed; `build()` computes them from the state (at start, and as the reference the
 * property tests compare the updates with).
 */
export class PostureLedger {
  private readonly facts = new Map<string, PostureFact>();
  /** Reach terms by id, the ids each fact sums, and the ids each identity holds. */
  /**
   * Terms by id: a pair of identities is source.index * 2^26 + destination.index (indexes stay far
   * below 2^26); an identity's terms with "any pod" and outside are -(index * 4 + 1..4).
   */
  private readonly terms = new Map<number, Term>();
  private readonly termsOfFact = new Map<string, Set<number>>();
  private readonly termsInto = new Map<number, Set<number>>();
  private readonly termsOutOf = new Map<number, Set<number>>();
  /** Reach facts' keys by their ends, made once per pair of ends while the fact lives. */
  private readonly reachKeys = new Map<string, Map<string, string>>();
  /** Each identity's workload, read once per update. */
  private workloads = new Map<LiveIdentity, string>();
  /** The workload each identity's terms were counted under (by index). */
  private readonly named = new Map<number, string>();
  /** How many times each finding fact is listed now. */
  private readonly findingCounts = new Map<string, number>();
  /** The finding facts each pod's findings count towards ("namespace/name"). */
  private readonly podFindingFacts = new Map<string, string[]>();
  /** The rbac fact keys of each subject. */
  private readonly rightsOfSubject = new Map<string, Set<string>>();

  constructor(private readonly state: ClusterState) {}

  /** Every fact now, by key. */
  get current(): ReadonlyMap<string, PostureFact> {
    return this.facts;
  }

  /** Computes every fact from the state (read them from `current`). */
  build(): void {
    for (const _ of this.building()) {
      // Each part at once.
    }
  }

  /**
   * Computes every fact from the state a part at a time (`chunk` identities, pods, findings or
   * subjects each), yielding between parts: the caller may answer questions in between, as long
   * as the state does not change until the last part.
   */
  *building(chunk = 2000): Generator<void> {
    const parts = <T>(items: readonly T[]) =>
      Array.from({ length: Math.ceil(items.length / chunk) }, (_, i) =>
        items.slice(i * chunk, (i + 1) * chunk),
      );
    const identities = [...this.state.identities()];
    for (const part of parts(identities)) {
      this.apply(part, part, [], [], [], [], false);
      yield;
    }
    for (const part of parts(
      this.state.objectFindings().filter((finding) => !POD_CHECK_IDS.has(finding.id)),
    )) {
      this.apply([], [], part, [], [], [], false);
      yield;
    }
    for (const part of parts([...this.state.podsWithFindings()])) {
      this.apply([], [], [], [], part, [], false);
      yield;
    }
    for (const part of parts(this.state.rbac().map((rights) => subjectRef(rights.subject)))) {
      this.apply([], [], [], [], [], part, false);
      yield;
    }
  }

  /** What a delta of the engine changed of the facts. */
  update(delta: Delta): PostureChange[] {
    const { added, removed, renamed } = delta.identities;
    const { touched, ingressDirty, egressDirty } = delta.edges;
    for (const identity of removed) this.named.delete(identity.index);
    // An identity named again is recounted only if its workload's name changed (its owners did):
    // labels added to tell it from its siblings change no fact.
    const moved = renamed.filter(
      (identity) => this.named.get(identity.index) !== this.state.netpol.workloadOf(identity),
    );
    const destinations = new Set<LiveIdentity>([...added, ...removed, ...moved, ...touched, ...ingressDirty]);
    const sources = new Set<LiveIdentity>([...added, ...removed, ...moved, ...touched, ...egressDirty]);
    const subjects = [...delta.rbac.added, ...delta.rbac.changed, ...delta.rbac.removed];
    // Pods' findings are read again for the pods the delta names; the others' from the delta.
    const ofObjects = (list: readonly Finding[]) => list.filter((finding) => !POD_CHECK_IDS.has(finding.id));
    return this.apply(
      destinations,
      sources,
      ofObjects(delta.findings.worded.added),
      ofObjects(delta.findings.worded.removed),
      delta.findingPods,
      subjects,
      true,
    );
  }

  private apply(
    destinations: Iterable<LiveIdentity>,
    sources: Iterable<LiveIdentity>,
    findingsAdded: readonly Finding[],
    findingsRemoved: readonly Finding[],
    findingPods: readonly string[],
    subjects: readonly string[],
    collect: boolean,
  ): PostureChange[] {
    // The facts as they were, of every key the delta may change (none kept when building).
    const before = new Map<string, PostureFact | undefined>();
    const remember = collect
      ? (key: string) => {
          if (!before.has(key)) before.set(key, this.facts.get(key));
        }
      : () => {};

    // Reach: drop the terms of every identity recounted, then count them again as they are now.
    const dirtyFacts = new Set<string>();
    const asDestination = [...destinations];
    const asSource = [...sources];
    this.workloads = new Map();
    // Building, a term already counted was counted on the same state: it stays.
    if (collect) {
      for (const identity of asDestination)
        for (const id of [...(this.termsInto.get(identity.index) ?? [])]) this.dropTerm(id, dirtyFacts);
      for (const identity of asSource)
        for (const id of [...(this.termsOutOf.get(identity.index) ?? [])]) this.dropTerm(id, dirtyFacts);
    }
    for (const d of asDestination) {
      if (this.state.identity(d.key) !== d) continue;
      for (const s of explicitSources(d)) this.addTerm(s, d, dirtyFacts);
      this.addOwn(d, 0, acceptsAny(d), dirtyFacts);
      this.addOwn(d, 1, outsidePorts(this.state, d, "ingress"), dirtyFacts);
    }
    for (const s of asSource) {
      if (this.state.identity(s.key) !== s) continue;
      for (const d of explicitTargets(s)) this.addTerm(s, d, dirtyFacts);
      this.addOwn(s, 2, sendsToAny(s), dirtyFacts);
      this.addOwn(s, 3, outsidePorts(this.state, s, "egress"), dirtyFacts);
    }
    this.workloads = new Map();
    for (const key of dirtyFacts) {
      remember(key);
      const ids = this.termsOfFact.get(key);
      if (ids === undefined || ids.size === 0) {
        const fact = this.facts.get(key);
        if (fact?.area === "reach") this.forgetReachKey(fact.from, fact.to);
        this.facts.delete(key);
        continue;
      }
      let ports = PortSet.NONE;
      let term: Term | undefined;
      for (const id of ids) {
        term = this.terms.get(id)!;
        ports = ports.union(term.ports);
      }
      this.facts.set(key, reachFact(term!.from, term!.to, ports));
    }

    // Findings, counted: a fact while listed at least once.
    // A finding dropped and added back in one delta (a pod's findings read again) keeps its fact.
    const add = (key: string, fact: () => PostureFact) => {
      remember(key);
      const n = (this.findingCounts.get(key) ?? 0) + 1;
      this.findingCounts.set(key, n);
      if (n === 1 && !this.facts.has(key)) this.facts.set(key, fact());
    };
    const emptied: string[] = [];
    const drop = (key: string) => {
      remember(key);
      const n = (this.findingCounts.get(key) ?? 0) - 1;
      this.findingCounts.set(key, n);
      if (n <= 0) emptied.push(key);
    };
    for (const finding of findingsRemoved) drop(findingFactKey(finding));
    for (const key of findingPods) {
      for (const fact of this.podFindingFacts.get(key) ?? []) drop(fact);
      this.podFindingFacts.delete(key);
    }
    for (const finding of findingsAdded) add(findingFactKey(finding), () => findingFact(finding));
    for (const key of findingPods) {
      const found = this.state.findingsOfPod(key);
      if (found === undefined) continue;
      const keys: string[] = [];
      for (const listed of found.findings) {
        const finding = ofWorkload(listed, found.pod);
        const fact = findingFactKey(finding);
        add(fact, () => findingFact(finding));
        keys.push(fact);
      }
      this.podFindingFacts.set(key, keys);
    }
    for (const key of emptied) {
      if ((this.findingCounts.get(key) ?? 0) > 0) continue;
      this.findingCounts.delete(key);
      this.facts.delete(key);
    }

    // Rights: each subject whose rights changed has its cells read again.
    for (const ref of new Set(subjects)) {
      for (const key of this.rightsOfSubject.get(ref) ?? []) {
        remember(key);
        this.facts.delete(key);
      }
      this.rightsOfSubject.delete(ref);
      const rights = this.state.rightsOf(ref);
      if (rights === undefined || rights.grants.length === 0) continue;
      const keys = new Set<string>();
      const row = matrixRow(rights, this.state.rulesOf);
      for (const cell of row.cells) {
        const key = rightKey(ref, cell.scope, cell.resource);
        remember(key);
        keys.add(key);
        let severity: RightFact["severity"];
        for (const risk of cell.risks) severity = worstOf(severity, riskSeverity(risk, cell.scope === "*"));
        const namespaces = new Set<string>();
        if (cell.scope !== "*") namespaces.add(cell.scope);
        if (rights.subject.namespace !== undefined) namespaces.add(rights.subject.namespace);
        this.facts.set(key, {
          area: "rbac",
          subject: ref,
          scope: cell.scope,
          resource: cell.resource,
          verbs: [...cell.verbs],
          resourceNames: [...cell.resourceNames],
          risks: [...cell.risks],
          ...(severity === undefined ? {} : { severity }),
          via: [...new Set(cell.grants.map((g) => `${g.binding} → ${g.role}`))].sort(),
          namespaces: [...namespaces].sort(),
        });
      }
      this.rightsOfSubject.set(ref, keys);
    }

    return changesOf(before.keys(), before, this.facts);
  }

  private workload(identity: LiveIdentity): string {
    let name = this.workloads.get(identity);
    if (name === undefined) {
      name = this.state.netpol.workloadOf(identity);
      this.workloads.set(identity, name);
      this.named.set(identity.index, name);
    }
    return name;
  }

  private reachKeyOf(from: string, to: string): string {
    let byTo = this.reachKeys.get(from);
    if (byTo === undefined) {
      byTo = new Map();
      this.reachKeys.set(from, byTo);
    }
    let key = byTo.get(to);
    if (key === undefined) {
      key = reachKey(from, to);
      byTo.set(to, key);
    }
    return key;
  }

  private forgetReachKey(from: string, to: string): void {
    const byTo = this.reachKeys.get(from);
    if (byTo === undefined) return;
    byTo.delete(to);
    if (byTo.size === 0) this.reachKeys.delete(from);
  }

  private addTerm(s: LiveIdentity, d: LiveIdentity, dirty: Set<string>): void {
    const id = s.index * 2 ** 26 + d.index;
    if (this.terms.has(id)) return;
    const ports = this.state.allowed(s, d);
    if (ports.isEmpty()) return;
    const from = this.workload(s);
    const to = this.workload(d);
    this.putTerm(
      id,
      { fact: this.reachKeyOf(from, to), from, to, ports, source: s.index, destination: d.index },
      dirty,
    );
  }

  /** An identity's term with "any pod" or outside: 0 any → it, 1 outside → it, 2 it → any, 3 it → outside. */
  private addOwn(identity: LiveIdentity, which: 0 | 1 | 2 | 3, ports: PortSet, dirty: Set<string>): void {
    if (ports.isEmpty()) return;
    const own = this.workload(identity);
    const inbound = which < 2;
    const end = which % 2 === 0 ? ANY_END : OUTSIDE_END;
    const from = inbound ? end : own;
    const to = inbound ? own : end;
    this.putTerm(
      -(identity.index * 4 + which + 1),
      {
        fact: this.reachKeyOf(from, to),
        from,
        to,
        ports,
        source: inbound ? undefined : identity.index,
        destination: inbound ? identity.index : undefined,
      },
      dirty,
    );
  }

  private putTerm(id: number, term: Term, dirty: Set<string>): void {
    this.terms.set(id, term);
    addTo(this.termsOfFact, term.fact, id);
    if (term.source !== undefined) addTo(this.termsOutOf, term.source, id);
    if (term.destination !== undefined) addTo(this.termsInto, term.destination, id);
    dirty.add(term.fact);
  }

  private dropTerm(id: number, dirty: Set<string>): void {
    const term = this.terms.get(id);
    if (term === undefined) return;
    this.terms.delete(id);
    removeFrom(this.termsOfFact, term.fact, id);
    if (term.source !== undefined) removeFrom(this.termsOutOf, term.source, id);
    if (term.destination !== undefined) removeFrom(this.termsInto, term.destination, id);
    dirty.add(term.fact);
  }
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}

/** The namespace of a workload end ("ns/owner"); none for any pod and outside. */
export function namespaceOfEnd(end: string): string | undefined {
  if (end === ANY_END || end === OUTSIDE_END) return undefined;
  const slash = end.indexOf("/");
  return slash < 0 ? undefined : end.slice(0, slash);
}

function reachFact(from: string, to: string, ports: PortSet): ReachFact {
  const namespaces = new Set<string>();
  for (const end of [from, to]) {
    const namespace = namespaceOfEnd(end);
    if (namespace !== undefined) namespaces.add(namespace);
  }
  return { area: "reach", from, to, ports: ports.key(), namespaces: [...namespaces].sort() };
}

const POD_CHECK_IDS: ReadonlySet<string> = new Set(POD_CHECKS.map((check) => check.id));

/**
 * A finding about a pod its controller owns, said of the workload instead ("Pods of Deployment
 * shop/web, …"): pods come and go with every rollout, and the finding stays while some pod of the
 * workload has it. Findings about pods nothing owns stay as they are.
 */
function ofWorkload(finding: Finding, pod: Pod): Finding {
  if (refString(pod.owner) === refString(pod.source)) return finding;
  const named = podName(pod);
  const owner = `Pods of ${pod.owner.kind} ${quote(`${pod.owner.namespace}/${pod.owner.name}`)}`;
  return {
    ...finding,
    objects: [refString(pod.owner), ...finding.objects.slice(1)],
    message: finding.message.startsWith(named)
      ? owner + finding.message.slice(named.length)
      : finding.message,
  };
}

function findingFact(finding: Finding): PostureFact {
  return { area: "finding", finding, namespaces: [...namespacesOfFinding(finding)].sort() };
}

/** Applies changes to facts (a map by key), as the log's reader does to replay it. */
export function replay(facts: Map<string, PostureFact>, changes: readonly PostureChange[]): void {
  for (const change of changes) {
    if (change.after === undefined) facts.delete(change.key);
    else facts.set(change.key, change.after);
  }
}
