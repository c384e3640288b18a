import { PROTOCOLS, type Protocol } from "../objects/model";

/** An inclusive range of port numbers. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

export const MIN_PORT = 1;
export const MAX_PORT = 65535;

/** Each protocol's slot in a set's ranges, in PROTOCOLS order. */
const SLOT: Readonly<Record<Protocol, number>> = { TCP: 0, UDP: 1, SCTP: 2 };
const NO_RANGES: readonly PortRange[] = [];
/** The sets of one range handed out by `PortSet.of`, per protocol slot, by from × 65536 + to. */
const SINGLE: Map<number, PortSet>[] = [new Map(), new Map(), new Map()];
/** How many such sets are kept per protocol: ranges beyond it are made anew each time. */
const SINGLE_LIMIT = 10_000;

/**
 * A set of (protocol, port) pairs, kept canonical: per protocol, sorted, disjoint, non-adjacent
 * ranges. Two sets are equal exactly when their keys are equal.
 */
export class PortSet {
  /** The ranges of each protocol by its slot; an empty list where the set has none of it. */
  private constructor(private readonly ranges: readonly (readonly PortRange[])[]) {}

  static readonly NONE = new PortSet([NO_RANGES, NO_RANGES, NO_RANGES]);
  static readonly ALL = new PortSet(PROTOCOLS.map(() => [{ from: MIN_PORT, to: MAX_PORT }]));

  /** One range of one protocol; the same set is handed out each time it is asked for. */
  static of(protocol: Protocol, from = MIN_PORT, to = MAX_PORT): PortSet {
    const slot = SLOT[protocol];
    const known = SINGLE[slot]!;
    const id = from * 65536 + to;
    let set = known.get(id);
    if (set === undefined) {
      const ranges = [NO_RANGES, NO_RANGES, NO_RANGES];
      ranges[slot] = [{ from, to }];
      set = new PortSet(ranges);
      if (known.size < SINGLE_LIMIT) known.set(id, set);
    }
    return set;
  }

  /** Reads what `key()` writes; undefined for any other text. */
  static fromKey(key: string): PortSet | undefined {
    if (key === "") return PortSet.NONE;
    let set = PortSet.NONE;
    for (const part of key.split(";")) {
      const match = /^(TCP|UDP|SCTP):(.+)$/.exec(part);
      if (match === null) return undefined;
      for (const item of match[2]!.split(",")) {
        const range = /^(\d+)(?:-(\d+))?$/.exec(item);
        if (range === null) return undefined;
        const from = Number(range[1]);
        const to = range[2] === undefined ? from : Number(range[2]);
        if (from < MIN_PORT || to > MAX_PORT || from > to) return undefined;
        set = set.union(PortSet.of(match[1] as Protocol, from, to));
      }
    }
    return set;
  }

  rangesOf(protocol: Protocol): readonly PortRange[] {
    return this.ranges[SLOT[protocol]]!;
  }

  isEmpty(): boolean {
    return this.ranges[0]!.length === 0 && this.ranges[1]!.length === 0 && this.ranges[2]!.length === 0;
  }

  isAll(): boolean {
    return this.key() === PortSet.ALL.key();
  }

  has(protocol: Protocol, port: number): boolean {
    return this.rangesOf(protocol).some((range) => range.from <= port && port <= range.to);
  }

  union(other: PortSet): PortSet {
    if (this === other || other.isEmpty() || this === PortSet.ALL) return this;
    if (this.isEmpty() || other === PortSet.ALL) return other;
    const out: (readonly PortRange[])[] = [];
    for (let slot = 0; slot < 3; slot++) {
      const a = this.ranges[slot]!;
      const b = other.ranges[slot]!;
      out.push(b.length === 0 ? a : a.length === 0 ? b : normalize([...a, ...b]));
    }
    return new PortSet(out);
  }

  intersect(other: PortSet): PortSet {
    if (this.isEmpty() || other.isEmpty()) return PortSet.NONE;
    if (this === other || other === PortSet.ALL) return this;
    if (this === PortSet.ALL) return other;
    const out: (readonly PortRange[])[] = [];
    let empty = true;
    for (let slot = 0; slot < 3; slot++) {
      const result: PortRange[] = [];
      for (const a of this.ranges[slot]!) {
        for (const b of other.ranges[slot]!) {
          const from = Math.max(a.from, b.from);
          const to = Math.min(a.to, b.to);
          if (from <= to) result.push({ from, to });
        }
      }
      const merged = result.length === 0 ? NO_RANGES : normalize(result);
      if (merged.length > 0) empty = false;
      out.push(merged);
    }
    return empty ? PortSet.NONE : new PortSet(out);
  }

  /** The pairs of this set that are not in `other`. */
  minus(other: PortSet): PortSet {
    if (this.isEmpty() || other.isEmpty()) return this;
    if (other === PortSet.ALL || this === other) return PortSet.NONE;
    const out: (readonly PortRange[])[] = [];
    let empty = true;
    for (let slot = 0; slot < 3; slot++) {
      let pieces: PortRange[] = [...this.ranges[slot]!];
      for (const cut of other.ranges[slot]!) {
        const next: PortRange[] = [];
        for (const piece of pieces) {
          if (cut.to < piece.from || cut.from > piece.to) {
            next.push(piece);
            continue;
          }
          if (piece.from < cut.from) next.push({ from: piece.from, to: cut.from - 1 });
          if (piece.to > cut.to) next.push({ from: cut.to + 1, to: piece.to });
        }
        pieces = next;
      }
      if (pieces.length > 0) empty = false;
      out.push(pieces.length === 0 ? NO_RANGES : pieces);
    }
    return empty ? PortSet.NONE : new PortSet(out);
  }

  private cachedKey: string | undefined;

  /** A canonical text form, e.g. "TCP:80,8000-8100;UDP:1-65535". */
  key(): string {
    if (this.cachedKey === undefined) {
      this.cachedKey = PROTOCOLS.filter((p) => this.rangesOf(p).length > 0)
        .map(
          (p) => `${p}:${this.rangesOf(p).map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`))}`,
        )
        .join(";");
    }
    return this.cachedKey;
  }
}

function normalize(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from || a.to - b.to);
  const out: PortRange[] = [];
  for (const range of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && range.from <= last.to + 1) {
      out[out.length - 1] = { from: last.from, to: Math.max(last.to, range.to) };
    } else {
      out.push(range);
    }
  }
  return out;
}
