import type { Finding } from "@trustmap/shared";
import { podFindings } from "../findings/catalog";
import type { Pod } from "../objects/model";
import type { LiveIdentity } from "./netpol-index";

/** The pod checks that hit one pod, as a bit mask over POD_CHECKS. */
export interface PodHits {
  readonly pod: Pod;
  readonly mask: number;
}

/**
 * What one event changed, gathered while it is applied. Edges are described by their ends:
 * an edge may have changed only if one of its ends is touched, or if its destination's
 * ingress or its source's egress is dirty.
 */
export class Changes {
  readonly identitiesAdded = new Set<LiveIdentity>();
  readonly identitiesRemoved = new Set<LiveIdentity>();
  /** Identities whose pods changed (joined, left or were replaced) but which stay. */
  readonly identitiesResized = new Set<LiveIdentity>();
  /** Identities whose name changed (their owners changed, or another identity of their owners came or went). */
  readonly identitiesRenamed = new Set<LiveIdentity>();
  /** Every edge with this identity at either end may have changed (peer sets it belongs to changed). */
  readonly touched = new Set<LiveIdentity>();
  /** Every edge into this identity may have changed (the rules that isolate its ingress changed). */
  readonly ingressDirty = new Set<LiveIdentity>();
  /** Every edge out of this identity may have changed. */
  readonly egressDirty = new Set<LiveIdentity>();
  /** Identities whose isolation (isolated or not, per direction) flipped. */
  readonly isolationFlipped = new Set<LiveIdentity>();
  /** Policies whose selection went from empty to non-empty or back. */
  readonly selectionFlipped = new Set<string>();
  readonly namespacesTouched = new Set<string>();
  /** Namespaces whose object came, went or changed (not only their contents). */
  readonly namespaceObjects = new Set<string>();
  /** Identities (keys) a pod left or joined, or whose pods' findings changed: their nodes' marks may differ. */
  readonly marked = new Set<string>();
  readonly subjectsAdded = new Set<string>();
  readonly subjectsChanged = new Set<string>();
  readonly subjectsRemoved = new Set<string>();
  readonly bindingsTouched = new Set<string>();
  /** Pods ("namespace/name") whose checks run again, with the pod held now (undefined: gone). */
  readonly podsTouched = new Map<string, Pod | undefined>();
  readonly policiesTouched = new Set<string>();
  /** Pods ("namespace/name") whose findings were checked again and may read differently (their checks or their object changed). */
  readonly podsRefreshed = new Set<string>();
  findingsAdded: Finding[] = [];
  findingsRemoved: Finding[] = [];
  /** Pod findings, kept as hit masks and worded only if the delta's findings are read. */
  readonly podHitsAdded: PodHits[] = [];
  readonly podHitsRemoved: PodHits[] = [];
}

/** Findings of a delta: the ones of pods are worded on first read. */
class DeltaFindings {
  private addedList: Finding[] | undefined;
  private removedList: Finding[] | undefined;

  constructor(
    private readonly findingsAdded: Finding[],
    private readonly podHitsAdded: readonly PodHits[],
    private readonly findingsRemoved: Finding[],
    private readonly podHitsRemoved: readonly PodHits[],
  ) {}

  get added(): readonly Finding[] {
    this.addedList ??= worded(this.findingsAdded, this.podHitsAdded);
    return this.addedList;
  }

  get removed(): readonly Finding[] {
    this.removedList ??= worded(this.findingsRemoved, this.podHitsRemoved);
    return this.removedList;
  }

  /**
   * The findings of the delta that were worded as it was made: every finding about an object that
   * is not a pod, and those of pods whose object changed; the pod findings kept as hit masks are
   * left out (and not worded).
   */
  get worded(): { readonly added: readonly Finding[]; readonly removed: readonly Finding[] } {
    return { added: this.findingsAdded, removed: this.findingsRemoved };
  }

  get size(): { readonly added: number; readonly removed: number } {
    const count = (hits: readonly PodHits[]) => hits.reduce((n, h) => n + bitCount(h.mask), 0);
    return {
      added: this.findingsAdded.length + count(this.podHitsAdded),
      removed: this.findingsRemoved.length + count(this.podHitsRemoved),
    };
  }
}

function worded(findings: Finding[], pods: readonly PodHits[]): Finding[] {
  const out = [...findings];
  for (const hits of pods) podFindings(hits.pod, hits.mask, out);
  return out;
}

export function bitCount(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
}

/** The public account of one event: what appeared, changed or went away. */
export interface Delta {
  readonly identities: {
    readonly added: readonly LiveIdentity[];
    readonly removed: readonly LiveIdentity[];
    readonly resized: readonly LiveIdentity[];
    /** Identities that stay, under another name. */
    readonly renamed: readonly LiveIdentity[];
  };
  readonly edges: {
    readonly touched: readonly LiveIdentity[];
    readonly ingressDirty: readonly LiveIdentity[];
    readonly egressDirty: readonly LiveIdentity[];
  };
  /** Namespaces whose object, labels or contents changed. */
  readonly namespaces: readonly string[];
  /** Of those, the namespaces whose object itself came, went or changed. */
  readonly namespaceObjects: readonly string[];
  /**
   * Identities (keys) whose node may read differently though their pods are as many: a pod left or
   * joined, or the findings of their pods changed. Some may be gone.
   */
  readonly marked: readonly string[];
  readonly rbac: {
    readonly added: readonly string[];
    readonly changed: readonly string[];
    readonly removed: readonly string[];
  };
  /** Pods ("namespace/name") whose findings, or the pod object they are worded from, may have changed. */
  readonly findingPods: readonly string[];
  /** Findings that appeared and went away (worded on first read: the initial lists bring hundreds of thousands). */
  readonly findings: {
    readonly added: readonly Finding[];
    readonly removed: readonly Finding[];
    /** How many findings appeared and went away, without wording them. */
    readonly size: { readonly added: number; readonly removed: number };
    /** Those worded already (about objects, and pods whose object changed), without wording the rest. */
    readonly worded: { readonly added: readonly Finding[]; readonly removed: readonly Finding[] };
  };
}

/**
 * What went from `before` and came in `after`, as lists, not sets (items equal by `key`): an item
 * listed twice and then once went once. Removing `removed` from `before` and adding `added` gives
 * `after`, and no item is in both.
 */
export function listChanges<T>(
  before: readonly T[],
  after: readonly T[],
  key: (item: T) => string,
): { removed: T[]; added: T[] } {
  // Per key: how many more came than went (negative: went). Each item's key is made once.
  const afterKeys = after.map(key);
  const beforeKeys = before.map(key);
  const balance = new Map<string, number>();
  for (const k of afterKeys) balance.set(k, (balance.get(k) ?? 0) + 1);
  for (const k of beforeKeys) balance.set(k, (balance.get(k) ?? 0) - 1);
  const removed: T[] = [];
  const added: T[] = [];
  before.forEach((item, i) => {
    const k = beforeKeys[i]!;
    const n = balance.get(k)!;
    if (n < 0) {
      removed.push(item);
      balance.set(k, n + 1);
    }
  });
  after.forEach((item, i) => {
    const k = afterKeys[i]!;
    const n = balance.get(k)!;
    if (n > 0) {
      added.push(item);
      balance.set(k, n - 1);
    }
  });
  return { removed, added };
}

export function toDelta(changes: Changes): Delta {
  return {
    identities: {
      added: [...changes.identitiesAdded].filter((i) => !changes.identitiesRemoved.has(i)),
      removed: [...changes.identitiesRemoved].filter((i) => !changes.identitiesAdded.has(i)),
      resized: [...changes.identitiesResized].filter((i) => !changes.identitiesRemoved.has(i)),
      renamed: [...changes.identitiesRenamed].filter(
        (i) => !changes.identitiesRemoved.has(i) && !changes.identitiesAdded.has(i),
      ),
    },
    edges: {
      touched: [...changes.touched],
      ingressDirty: [...changes.ingressDirty],
      egressDirty: [...changes.egressDirty],
    },
    namespaces: [...changes.namespacesTouched],
    namespaceObjects: [...changes.namespaceObjects],
    marked: [...changes.marked],
    rbac: {
      added: [...changes.subjectsAdded],
      changed: [...changes.subjectsChanged],
      removed: [...changes.subjectsRemoved],
    },
    findingPods: [...changes.podsRefreshed],
    findings: new DeltaFindings(
      changes.findingsAdded,
      changes.podHitsAdded,
      changes.findingsRemoved,
      changes.podHitsRemoved,
    ),
  };
}
