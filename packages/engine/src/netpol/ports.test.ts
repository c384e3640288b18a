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

describe("a port set's difference", () => {
  it("holds exactly the pairs of the first set the second lacks", () => {
    fc.assert(
      fc.property(
        portSet,
        portSet,
        fc.constantFrom(...PROTOCOLS),
        fc.integer({ min: MIN_PORT, max: MAX_PORT }),
        (a, b, protocol, port) => {
          const rest = a.minus(b);
          expect(rest.has(protocol, port)).toBe(a.has(protocol, port) && !b.has(protocol, port));
          // What is left and what was cut make the whole, and share nothing.
          expect(rest.union(a.intersect(b)).key()).toBe(a.key());
          expect(rest.intersect(b).isEmpty()).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
    expect(PortSet.ALL.minus(PortSet.of("TCP", 80, 80)).key()).toBe(
      "TCP:1-79,81-65535;UDP:1-65535;SCTP:1-65535",
    );
  });
});
