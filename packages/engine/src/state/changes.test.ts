import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { listChanges } from "./changes";

/** A list as counts per item. */
function counts(items: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(item, (out.get(item) ?? 0) + 1);
  return out;
}

describe("the changes between two lists of findings", () => {
  it("take a list to the other, counting an item listed twice twice, and never remove what they add", () => {
    const list = fc.array(fc.constantFrom("a", "b", "c"), { maxLength: 6 });
    fc.assert(
      fc.property(list, list, (before, after) => {
        const { removed, added } = listChanges(before, after, (item) => item);
        const result = counts(before);
        for (const item of removed) result.set(item, (result.get(item) ?? 0) - 1);
        for (const item of added) result.set(item, (result.get(item) ?? 0) + 1);
        expect(new Map([...result].filter(([, n]) => n !== 0))).toEqual(counts(after));
        for (const item of removed) expect(added).not.toContain(item);
      }),
    );
    // Listed twice, then once: one went.
    expect(listChanges(["x", "x"], ["x"], (item) => item)).toEqual({ removed: ["x"], added: [] });
    expect(listChanges(["x"], ["x", "y", "y"], (item) => item)).toEqual({ removed: [], added: ["y", "y"] });
  });
});
