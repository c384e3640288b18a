import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { layoutImage, tooLarge } from "./graphImage";

const size = fc.record({ width: fc.nat(5000), height: fc.nat(5000) });

describe("the layout of a graph picture", () => {
  it("is exactly the 1× layout times the scale: graph part, caption band and all", () => {
    fc.assert(
      fc.property(
        size,
        fc.double({ min: 0, max: 3000, noNaN: true }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(2, 4),
        (graph, caption, lines, scale) => {
          const one = layoutImage(graph, caption, lines, 1);
          const scaled = layoutImage(
            { width: graph.width * scale, height: graph.height * scale },
            caption,
            lines,
            scale,
          );
          expect(scaled.width).toBe(one.width * scale);
          expect(scaled.height).toBe(one.height * scale);
          expect(scaled.band.y).toBe(one.band.y * scale);
          expect(scaled.band.height).toBe(one.band.height * scale);
          expect(scaled.text.baselines).toEqual(one.text.baselines.map((y) => y * scale));
        },
      ),
    );
  });

  it("holds the graph and the widest caption line, with the band under the graph", () => {
    fc.assert(
      fc.property(
        size,
        fc.double({ min: 0, max: 3000, noNaN: true }),
        fc.integer({ min: 1, max: 5 }),
        (graph, caption, lines) => {
          const layout = layoutImage(graph, caption, lines, 1);
          expect(layout.graph.x).toBeGreaterThanOrEqual(0);
          expect(layout.graph.x + graph.width).toBeLessThanOrEqual(layout.width);
          expect(layout.width).toBeGreaterThanOrEqual(caption + 2 * layout.text.x);
          expect(layout.band.y).toBeGreaterThanOrEqual(layout.graph.y + graph.height);
          expect(layout.band.y + layout.band.height).toBe(layout.height);
          for (const y of layout.text.baselines) {
            expect(y).toBeGreaterThan(layout.band.y);
            expect(y).toBeLessThan(layout.height);
          }
        },
      ),
    );
  });

  it("refuses a PNG larger than a browser draws, saying what to do instead", () => {
    expect(tooLarge({ width: 4000, height: 3000 }, 2)).toBeUndefined();
    expect(tooLarge({ width: 20_000, height: 100 }, 4)).toMatch(/choose a smaller scale, or SVG/);
    expect(tooLarge({ width: 10_000, height: 10_000 }, 4)).toMatch(/10000 × 10000 pixels/);
  });
});
