import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PROTOCOLS } from "../objects/model";
import { RUNS } from "../testing/runs";
import { MAX_PORT, MIN_PORT, PortSet } from "./ports";

const range = fc
  .tuple(
    fc.constantFrom(...PROTOCOLS),
    fc.integer({ min: MIN_PORT, max: MAX_PORT }),
    fc.integer({ min: 0, max: 300 }),
  )
  .map(([protocol, from, width]) => PortSet.of(protocol, from, Math.min(MAX_PORT, from + width)));
const portSet = fc
  .array(range, { maxLength: 6 })
  .map((sets) => sets.reduce((a, b) => a.union(b), PortSet.NONE));

describe("a port set's key", () => {
  it("reads back as the same set, and only what key() writes is read", () => {
    fc.assert(
      fc.property(portSet, (set) => {
        expect(PortSet.fromKey(set.key())?.key()).toBe(set.key());
      }),
      { numRuns: RUNS },
    );
    expect(PortSet.fromKey("TCP:80,8000-8100;UDP:53")?.has("UDP", 53)).toBe(true);
    for (const bad of ["TCP", "TCP:0", "TCP:9-8", "ICMP:1", "TCP:80;", "TCP:65536", "tcp:80"])
      expect([bad, PortSet.fromKey(bad)]).toEqual([bad, undefined]);
  });
});
