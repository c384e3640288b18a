import { PROTOCOLS, type Protocol } from "../objects/model";

/** An inclusive range of port numbers. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

export const MIN_PORT = 1;
export const MAX_PORT = 65535;

/**
 * A set of (protocol, port) pairs, kept canonical: per protocol, sorted, disjoint, non-adjacent
 * ranges. Two sets are equal exactly when their keys are equal.
 */
export class PortSet {
  private constructor(private readonly ranges: ReadonlyMap<Protocol, readonly PortRange[]>) {}

  static readonly NONE = new PortSet(new Map());
  static readonly ALL = new PortSet(new Map(PROTOCOLS.map((p) => [p, [{ from: MIN_PORT, to: MAX_PORT }]])));

  static of(protocol: Protocol, from = MIN_PORT, to = MAX_PORT): PortSet {
    return new PortSet(new Map([[protocol, [{ from, to }]]]));
  }

  rangesOf(protocol: Protocol): readonly PortRange[] {
    return this.ranges.get(protocol) ?? [];
  }

  isEmpty(): boolean {
    return this.ranges.size === 0;
  }

  isAll(): boolean {
    return this.key() === PortSet.ALL.key();
  }

  has(protocol: Protocol, port: number): boolean {
    return this.rangesOf(protocol).some((range) => range.from <= port && port <= range.to);
  }

  union(other: PortSet): PortSet {
    if (other.isEmpty() || this === PortSet.ALL) return this;
    if (this.isEmpty() || other === PortSet.ALL) return other;
    const out = new Map<Protocol, readonly PortRange[]>();
    for (const protocol of PROTOCOLS) {
      const merged = normalize([...this.rangesOf(protocol), ...other.rangesOf(protocol)]);
      if (merged.length > 0) out.set(protocol, merged);
    }
    return new PortSet(out);
  }

  intersect(other: PortSet): PortSet {
    if (this.isEmpty() || other.isEmpty()) return PortSet.NONE;
    if (this === PortSet.ALL) return other;
    if (other === PortSet.ALL) return this;
    const out = new Map<Protocol, readonly PortRange[]>();
    for (const protocol of PROTOCOLS) {
      const result: PortRange[] = [];
      for (const a of this.rangesOf(protocol)) {
        for (const b of other.rangesOf(protocol)) {
          const from = Math.max(a.from, b.from);
          const to = Math.min(a.to, b.to);
          if (from <= to) result.push({ from, to });
        }
      }
      const merged = normalize(result);
      if (merged.length > 0) out.set(protocol, merged);
    }
    return new PortSet(out);
  }

  private cachedKey: string | undefined;

  /** A canonical text form, e.g. "TCP:80,8000-8100;UDP:1-65535". */
  key(): string {
    if (this.cachedKey === undefined) {
      this.cachedKey = PROTOCOLS.filter((p) => this.ranges.has(p))
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
