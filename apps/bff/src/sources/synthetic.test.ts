import { SyntheticWorld, scaleNamed } from "@trustmap/engine/synthetic-world";
import { describe, expect, it } from "vitest";
import { SyntheticSource } from "./synthetic";

describe("the synthetic cluster's scales", () => {
  it("adds a monolith's namespace to a scale by name, its pods taken out of the others'", () => {
    const scale = scaleNamed("S+300");
    expect(scale).toMatchObject({ name: "S+300", pods: 1_000, largeNamespace: 300 });
    const world = new SyntheticWorld(scale!, 1);
    const perNamespace = new Map<string, number>();
    for (const pod of world.cluster.pods)
      perNamespace.set(pod.namespace, (perNamespace.get(pod.namespace) ?? 0) + 1);
    const [largest, pods] = [...perNamespace].sort((a, b) => b[1] - a[1])[0]!;
    expect(largest).toMatch(/-large$/);
    expect(pods).toBe(300);
    // A pod per workload: as many deployments (service accounts) as pods.
    expect(world.cluster.serviceAccounts.filter((a) => a.namespace === largest).length).toBe(300);
    // The cluster stays the scale's size: the others share the rest (and kube-system its two).
    expect(world.cluster.pods.length).toBeGreaterThanOrEqual(1_000);
    expect(world.cluster.pods.length).toBeLessThan(1_010);
    expect(scaleNamed("S")?.largeNamespace).toBeUndefined();
  });

  it("refuses a name that is no scale, naming the ones there are", () => {
    for (const name of ["Q", "S+", "S+0", "S+2000", "s"]) expect(scaleNamed(name)).toBeUndefined();
    expect(() => new SyntheticSource("S+")).toThrow(/S, M, L, XL.*L\+5000/);
  });
});
