import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anyObject } from "../testing/arbitraries";
import { modelOf } from "../testing/events";
import { RUNS } from "../testing/runs";
import { manifestOf } from "./manifest";

describe("an object written back as a manifest", () => {
  it("reads again as the same object, for every kind but pods", () => {
    fc.assert(
      fc.property(anyObject, (raw) => {
        const { kind, object } = modelOf(raw);
        const manifest = manifestOf(kind, object);
        if (kind === "Pod") {
          expect(manifest).toBeUndefined();
          return;
        }
        expect(manifest).toBeDefined();
        const again = modelOf(manifest!);
        expect(again.kind).toBe(kind);
        // Where it came from is the manifest read, as each reading names it.
        const { source: _a, ...read } = again.object as unknown as Record<string, unknown>;
        const { source: _b, ...held } = object as unknown as Record<string, unknown>;
        expect(read).toEqual(held);
      }),
      { numRuns: RUNS },
    );
  });
});
