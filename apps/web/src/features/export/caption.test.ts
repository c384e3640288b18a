import { describe, expect, it } from "vitest";
import { type CaptionFacts, captionLines, imageFileName } from "./caption";

const facts: CaptionFacts = {
  scope: "Namespace shop",
  takenAt: new Date("2025-03-04T05:06:07.890Z"),
  engineRevision: 123,
  viewRevision: 45,
  paused: false,
  source: { kind: "demo", name: "acme", demo: true },
  filters: { search: "", openOnly: false, minSeverity: undefined, edgesOfSelectionOnly: false },
};

describe("the caption of a graph picture", () => {
  it("says the scope, the time in UTC, the revisions, Trustmap and the demo", () => {
    expect(captionLines(facts)).toEqual([
      "Trustmap · Namespace shop",
      "2025-03-04T05:06:07Z · engine revision 123 · view revision 45",
      "Source: the demo cluster, a made-up company, not a real cluster",
    ]);
  });

  it("names a real source, and says what the filters and a pause leave out", () => {
    const lines = captionLines({
      ...facts,
      paused: true,
      source: { kind: "kubernetes", name: "prod-eu", demo: false },
      filters: { search: " web ", openOnly: true, minSeverity: "high", edgesOfSelectionOnly: true },
    });
    expect(lines[1]).toContain("engine revision 123 (live updates paused: the picture may be older)");
    expect(lines[2]).toBe("Source: kubernetes prod-eu");
    expect(lines[3]).toBe(
      'Filtered: search "web" (the rest faded); open nodes only; findings at least high; only the selection\'s edges drawn',
    );
  });
});

describe("the file name of a graph picture", () => {
  it("says scope, revision and scale in safe characters only", () => {
    expect(imageFileName("Namespace shop", 123, 1, "png")).toBe("trustmap-graph-namespace-shop-r123.png");
    expect(imageFileName("Whole cluster by namespace", 7, 2, "svg")).toBe(
      "trustmap-graph-whole-cluster-by-namespace-r7-2x.svg",
    );
    const odd = imageFileName('Workload ../../etc/"x"\n<é> in namespace ünï', 9, 4, "png");
    expect(odd).toBe("trustmap-graph-workload-etc-x-e-in-namespace-uni-r9-4x.png");
    expect(imageFileName("日本", 1, 1, "png")).toBe("trustmap-graph-view-r1.png");
  });

  it("keeps long scopes short", () => {
    const name = imageFileName(`Namespace ${"a".repeat(200)}`, 1, 1, "png");
    expect(name.length).toBeLessThan(90);
    expect(name).toMatch(/^[a-z0-9.-]+$/);
  });
});
