// The names people know identities by. An identity is named after the workloads that own its
// pods (`payments-prod/postgres`), plus, when other identities have the same owners, the labels
// that tell it apart from them (`shop/api version=v2` beside `shop/api version=v1`). Names
// depend on the other identities of the same owners, so the index keeps each group of
// identities with the same owners and names the whole group again when it changes.
import { decodeWorkloadKey, hasControlCharacter, isControlCode } from "@trustmap/shared";
import type { Labels, Pod } from "../objects/model";

export interface Nameable {
  readonly key: string;
  readonly namespace: string;
  readonly labels: Labels;
  name: string;
}

/** What naming reads of an identity: its key, namespace, labels and its pods' owners' names. */
export interface NamingInput {
  readonly key: string;
  readonly namespace: string;
  readonly labels: Labels;
  /** The owners' names, without namespace, sorted, each once. */
  readonly owners: readonly string[];
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
export function ownersName(namespace: string, owners: readonly string[]): string {
  const named = owners.map((owner) => printable(`${namespace}/${owner}`));
  if (named.length === 0) return printable(`${namespace}/(no pods)`);
  if (named.length <= 2) return named.join(" + ");
  return `${named[0]} (+${named.length - 1})`;
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
export function groupNames(members: readonly NamingInput[]): Map<string, string> {
  const names = new Map<string, string>();
  const first = members[0];
  if (first === undefined) return names;
  const base = ownersName(first.namespace, first.owners);
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

/**
 * Keeps every identity's name up to date as pods come and go: counts each identity's pods per
 * owner, groups identities by namespace and owners, and names a group again when it changes.
 */
export class IdentityNames<I extends Nameable> {
  private readonly owners = new Map<I, Map<string, number>>();
  private readonly groupOf = new Map<I, string>();
  private readonly groups = new Map<string, Set<I>>();

  /** Files a pod's owner; identities whose name changed are added to `renamed`. */
  podAdded(identity: I, pod: Pod, renamed: Set<I>): void {
    let counts = this.owners.get(identity);
    if (counts === undefined) {
      counts = new Map();
      this.owners.set(identity, counts);
    }
    const owner = ownerOf(pod);
    const count = counts.get(owner) ?? 0;
    counts.set(owner, count + 1);
    if (count === 0) this.regroup(identity, renamed);
  }

  podRemoved(identity: I, pod: Pod, renamed: Set<I>): void {
    const counts = this.owners.get(identity);
    if (counts === undefined) return;
    const owner = ownerOf(pod);
    const count = counts.get(owner) ?? 0;
    if (count > 1) {
      counts.set(owner, count - 1);
      return;
    }
    counts.delete(owner);
    if (counts.size === 0) this.owners.delete(identity);
    this.regroup(identity, renamed);
  }

  /** The owners' names of an identity, sorted. */
  ownersOf(identity: I): string[] {
    return [...(this.owners.get(identity)?.keys() ?? [])].sort(compare);
  }

  private regroup(identity: I, renamed: Set<I>): void {
    const before = this.groupOf.get(identity);
    const owners = this.ownersOf(identity);
    const after = owners.length === 0 ? undefined : JSON.stringify([identity.namespace, owners]);
    if (before === after) return;
    if (before !== undefined) {
      const group = this.groups.get(before)!;
      group.delete(identity);
      if (group.size === 0) this.groups.delete(before);
      else this.rename(group, renamed);
    }
    if (after === undefined) {
      this.groupOf.delete(identity);
      return;
    }
    this.groupOf.set(identity, after);
    let group = this.groups.get(after);
    if (group === undefined) {
      group = new Set();
      this.groups.set(after, group);
    }
    group.add(identity);
    this.rename(group, renamed);
  }

  private rename(group: ReadonlySet<I>, renamed: Set<I>): void {
    const members = [...group];
    const names = groupNames(
      members.map((identity) => ({
        key: identity.key,
        namespace: identity.namespace,
        labels: identity.labels,
        owners: this.ownersOf(identity),
      })),
    );
    for (const identity of members) {
      const name = names.get(identity.key)!;
      if (identity.name === name) continue;
      identity.name = name;
      renamed.add(identity);
    }
  }
}
