// The names people know identities by. An identity is named after the workloads that own its
// pods (`payments-prod/postgres`), plus, when other identities have the same owners, the labels
// that tell it apart from them (`shop/api version=v2` beside `shop/api version=v1`). Names
// depend on the other identities of the same owners, so the index keeps each group of
// identities with the same owners and names the whole group again when it changes, once per
// settle however many of its pods came and went.
import { decodeWorkloadKey, hasControlCharacter, isControlCode } from "@trustmap/shared";
import type { Labels, Pod } from "../objects/model";

export interface Nameable {
  readonly key: string;
  readonly namespace: string;
  readonly labels: Labels;
  name: string;
}

/** What naming reads of an identity of a group: its key and labels. */
export interface NamingInput {
  readonly key: string;
  readonly labels: Labels;
}

/** A group's owners as its names show them: the first two names in order (without namespace), and how many in all. */
export interface OwnersSummary {
  readonly leading: readonly string[];
  readonly count: number;
}

/** The summary of a list of owners' names, sorted, each once. */
export function summarize(sorted: readonly string[]): OwnersSummary {
  return { leading: sorted.slice(0, 2), count: sorted.length };
}

// Labels that tell two identities of one owner apart, most telling first; the labels controllers
// stamp on every revision (hashes, generations) only when nothing else does.
const PREFERRED = ["version", "app.kubernetes.io/version", "statefulset.kubernetes.io/pod-name"];
const LAST = new Set(["pod-template-hash", "controller-revision-hash", "pod-template-generation"]);

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Names are shown as text: control characters become visible escapes instead of boxes. */
export function printable(text: string): string {
  if (!hasControlCharacter(text)) return text;
  let out = "";
  for (const c of text) {
    const code = c.charCodeAt(0);
    out += isControlCode(code) ? `\\x${code.toString(16).padStart(2, "0")}` : c;
  }
  return out;
}

/** The owners part of a name: `ns/a`, `ns/a + ns/b`, or `ns/a (+N)` for three or more. */
export function ownersName(namespace: string, owners: OwnersSummary): string {
  const named = owners.leading.map((owner) => printable(`${namespace}/${owner}`));
  if (owners.count === 0) return printable(`${namespace}/(no pods)`);
  if (owners.count <= 2) return named.join(" + ");
  return `${named[0]} (+${owners.count - 1})`;
}

function labelOrder(a: string, b: string): number {
  const rank = (key: string) => {
    const preferred = PREFERRED.indexOf(key);
    if (preferred >= 0) return preferred;
    return LAST.has(key) ? PREFERRED.length + 1 : PREFERRED.length;
  };
  return rank(a) - rank(b) || compare(a, b);
}

/** The label as a name shows it; `undefined` (absent) stays apart from every value. */
function labelValue(labels: Labels, key: string): string | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/** Splits classes of members by a label; true when some class was split. */
function splitBy(classes: NamingInput[][], key: string): { classes: NamingInput[][]; split: boolean } {
  const out: NamingInput[][] = [];
  let split = false;
  for (const members of classes) {
    const byValue = new Map<string | undefined, NamingInput[]>();
    for (const member of members) {
      const value = labelValue(member.labels, key);
      const list = byValue.get(value);
      if (list === undefined) byValue.set(value, [member]);
      else list.push(member);
    }
    if (byValue.size > 1) split = true;
    out.push(...byValue.values());
  }
  return { classes: out, split };
}

/**
 * A distinguishing label as a name shows it. The pod-name label a StatefulSet sets on each of its
 * pods holds the pod's own name, which says it all: "(postgres-0)" instead of the 40-character key.
 */
function labelText(key: string, value: string): string {
  return key === "statefulset.kubernetes.io/pod-name" ? `(${value})` : `${key}=${value}`;
}

function portsText(key: string): string {
  const ports = decodeWorkloadKey(key)?.namedPorts ?? [];
  if (ports.length === 0) return "ports=none";
  return `ports=${ports.map((p) => `${p.name}/${p.protocol}/${p.port}`).join(",")}`;
}

/**
 * The names of one group: identities of one namespace with the same owners. A lone identity is
 * named by its owners; in a larger group each name adds the labels, chosen in order (PREFERRED,
 * then by key, hashes last), that split identities still sharing a name, until every name is
 * unique; identities with the same labels (they differ by named ports) add their ports.
 */
export function groupNames(
  namespace: string,
  owners: OwnersSummary,
  members: readonly NamingInput[],
): Map<string, string> {
  const names = new Map<string, string>();
  const first = members[0];
  if (first === undefined) return names;
  const base = ownersName(namespace, owners);
  if (members.length === 1) {
    names.set(first.key, base);
    return names;
  }
  const keys = new Set<string>();
  for (const member of members) for (const key of Object.keys(member.labels)) keys.add(key);
  let classes: NamingInput[][] = [[...members]];
  const chosen: string[] = [];
  for (const key of [...keys].sort(labelOrder)) {
    if (classes.every((members) => members.length === 1)) break;
    const next = splitBy(classes, key);
    if (!next.split) continue;
    chosen.push(key);
    classes = next.classes;
  }
  for (const same of classes) {
    for (const member of same) {
      const parts = [base];
      for (const key of chosen) {
        const value = labelValue(member.labels, key);
        if (value !== undefined) parts.push(printable(labelText(key, value)));
      }
      if (same.length > 1) parts.push(printable(portsText(member.key)));
      names.set(member.key, parts.join(" "));
    }
  }
  return names;
}

/** An owner as names show it: the workload's name (its namespace is the identity's). */
function ownerOf(pod: Pod): string {
  return pod.owner.name;
}

/** Two 32-bit hashes of an owner's name, summed into the fingerprint of a set of owners. */
export type OwnerHashes = (owner: string) => readonly [number, number];

/** Two independent 32-bit hashes of a string (FNV-1a with two bases and primes). */
function defaultHashes(text: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return [a >>> 0, b >>> 0];
}

/**
 * An identity's owners, each with its number of pods, and a fingerprint of the set of names that
 * does not depend on their order: the sums of their hashes. Identities with the same owners have
 * the same fingerprint; the index still compares the sets themselves before grouping them.
 */
class Owners {
  readonly counts = new Map<string, number>();
  private sumA = 0;
  private sumB = 0;

  constructor(private readonly hashes: OwnerHashes) {}

  /** Adds (by 1) or removes (by -1) a pod of an owner; true when the set of owners changed. */
  count(owner: string, by: 1 | -1): boolean {
    const before = this.counts.get(owner) ?? 0;
    const after = before + by;
    if (after < 0) return false;
    if (after === 0) this.counts.delete(owner);
    else this.counts.set(owner, after);
    if (before !== 0 && after !== 0) return false;
    const [a, b] = this.hashes(owner);
    this.sumA = (this.sumA + by * a) >>> 0;
    this.sumB = (this.sumB + by * b) >>> 0;
    return true;
  }

  fingerprint(namespace: string): string {
    return `${namespace}\u0000${this.counts.size}\u0000${this.sumA}\u0000${this.sumB}`;
  }

  sameSet(other: Owners): boolean {
    if (other.counts.size !== this.counts.size) return false;
    for (const owner of this.counts.keys()) if (!other.counts.has(owner)) return false;
    return true;
  }

  /** The first two names in order and the count, without sorting them all. */
  summary(): OwnersSummary {
    let first: string | undefined;
    let second: string | undefined;
    for (const owner of this.counts.keys()) {
      if (first === undefined || owner < first) {
        second = first;
        first = owner;
      } else if (second === undefined || owner < second) {
        second = owner;
      }
    }
    const leading = first === undefined ? [] : second === undefined ? [first] : [first, second];
    return { leading, count: this.counts.size };
  }
}

/** Identities of one namespace with the same owners. */
interface Group<I> {
  readonly fingerprint: string;
  readonly members: Set<I>;
}

/**
 * Keeps every identity's name up to date as pods come and go: counts each identity's pods per
 * owner, groups identities by namespace and owners, and names a group again when it changes.
 * Pods only mark their identity; `flush` regroups each marked identity once and names each group
 * that changed once, so a list of many pods of one identity costs no more than its size.
 */
export class IdentityNames<I extends Nameable> {
  private readonly owners = new Map<I, Owners>();
  private readonly groupOf = new Map<I, Group<I>>();
  /** Groups by fingerprint: more than one only if different sets of owners share a fingerprint. */
  private readonly groups = new Map<string, Group<I>[]>();
  /** Identities whose set of owners changed since the last flush. */
  private readonly dirty = new Set<I>();

  /** `hashes` other than the default only to make fingerprints collide in tests. */
  constructor(private readonly hashes: OwnerHashes = defaultHashes) {}

  /**
   * The owners part of an identity's name (`shop/web`, `shop/a + shop/b`, `shop/a (+2)`): its name
   * changes whenever this does, so a change of it is reported among the renamed identities.
   */
  ownersNameOf(identity: I): string {
    const owners = this.owners.get(identity);
    return ownersName(
      identity.namespace,
      owners === undefined ? { leading: [], count: 0 } : owners.summary(),
    );
  }

  /** Files a pod's owner. */
  podAdded(identity: I, pod: Pod): void {
    let owners = this.owners.get(identity);
    if (owners === undefined) {
      owners = new Owners(this.hashes);
      this.owners.set(identity, owners);
    }
    if (owners.count(ownerOf(pod), 1)) this.dirty.add(identity);
  }

  podRemoved(identity: I, pod: Pod): void {
    const owners = this.owners.get(identity);
    if (owners === undefined) return;
    if (!owners.count(ownerOf(pod), -1)) return;
    if (owners.counts.size === 0) this.owners.delete(identity);
    this.dirty.add(identity);
  }

  /** Regroups the identities whose owners changed and names again every group that changed; identities whose name changed are added to `renamed`. */
  flush(renamed: Set<I>): void {
    if (this.dirty.size === 0) return;
    const changed = new Set<Group<I>>();
    const moving = [...this.dirty];
    this.dirty.clear();
    // Every moving identity leaves its group first, so that the groups they join hold only
    // identities whose owners are as they are now.
    for (const identity of moving) {
      const group = this.groupOf.get(identity);
      if (group === undefined) continue;
      this.groupOf.delete(identity);
      group.members.delete(identity);
      changed.add(group);
      if (group.members.size === 0) this.dropGroup(group);
    }
    for (const identity of moving) {
      const owners = this.owners.get(identity);
      if (owners === undefined) continue;
      const group = this.groupFor(identity, owners);
      group.members.add(identity);
      this.groupOf.set(identity, group);
      changed.add(group);
    }
    for (const group of changed) if (group.members.size > 0) this.rename(group, renamed);
  }

  private groupFor(identity: I, owners: Owners): Group<I> {
    const fingerprint = owners.fingerprint(identity.namespace);
    let candidates = this.groups.get(fingerprint);
    if (candidates === undefined) {
      candidates = [];
      this.groups.set(fingerprint, candidates);
    }
    for (const group of candidates) {
      const other = group.members.values().next().value as I;
      if (this.owners.get(other)!.sameSet(owners)) return group;
    }
    const group: Group<I> = { fingerprint, members: new Set() };
    candidates.push(group);
    return group;
  }

  private dropGroup(group: Group<I>): void {
    const candidates = this.groups.get(group.fingerprint)!;
    candidates.splice(candidates.indexOf(group), 1);
    if (candidates.length === 0) this.groups.delete(group.fingerprint);
  }

  private rename(group: Group<I>, renamed: Set<I>): void {
    const members = [...group.members];
    const first = members[0]!;
    const names = groupNames(first.namespace, this.owners.get(first)!.summary(), members);
    for (const identity of members) {
      const name = names.get(identity.key)!;
      if (identity.name === name) continue;
      identity.name = name;
      renamed.add(identity);
    }
  }
}
