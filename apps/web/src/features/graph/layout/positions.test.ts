import { seededRandom } from "@trustmap/shared/random";
import { describe, expect, it, vi } from "vitest";
import {
  groupGrid,
  hashString,
  type LayoutInput,
  type LayoutNode,
  layOut,
  type Point,
  placeNew,
  ROOM_ACROSS,
  ROOM_DOWN,
  SPACING,
  spacingOf,
} from "./positions";

/** A view of `groups` namespaces of `size` workloads each, every workload calling the next of its namespace and one of the first namespace (like DNS). */
function view(groups: number, size: number): LayoutInput {
  const nodes: LayoutNode[] = [];
  const edges: { source: string; target: string }[] = [];
  for (let g = 0; g < groups; g++)
    for (let i = 0; i < size; i++) {
      nodes.push({ id: `wl:ns${g}/app-${i}`, group: `ns${g}` });
      if (i > 0) edges.push({ source: `wl:ns${g}/app-${i - 1}`, target: `wl:ns${g}/app-${i}` });
      if (g > 0 && i === 0) edges.push({ source: `wl:ns${g}/app-0`, target: "wl:ns0/app-0" });
    }
  return { nodes, edges };
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

function closest(points: readonly Point[]): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < points.length; i++)
    for (let j = i + 1; j < points.length; j++) best = Math.min(best, distance(points[i]!, points[j]!));
  return best;
}

/** The pairs of nodes inside each other's room (a node with its label below it), by their ids. */
function crowded(positions: ReadonlyMap<string, Point>, spacing = SPACING): string[] {
  const entries = [...positions];
  const out: string[] = [];
  for (let i = 0; i < entries.length; i++)
    for (let j = i + 1; j < entries.length; j++) {
      const [a, p] = entries[i]!;
      const [b, q] = entries[j]!;
      // Whole-number positions: a pair may come a rounding short of the room's edge.
      const across = (Math.abs(p.x - q.x) + 1) / (ROOM_ACROSS * spacing);
      const down = (Math.abs(p.y - q.y) + 1) / (ROOM_DOWN * spacing);
      if (across * across + down * down < 1) out.push(`${a} ${b}`);
    }
  return out;
}

describe("the seed of a layout", () => {
  it("hashes ids with FNV-1a, so that a node's id alone decides its offsets", () => {
    // The published FNV-1a 32-bit values of "" and "a".
    expect(hashString("")).toBe(0x811c9dc5);
    expect(hashString("a")).toBe(0xe40c292c);
    expect(hashString("ns:shop")).toBe(hashString("ns:shop"));
    expect(hashString("ns:shop")).not.toBe(hashString("ns:shoq"));
  });

  it("draws the same numbers in [0, 1) from the same seed", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const first = Array.from({ length: 100 }, a);
    expect(Array.from({ length: 100 }, b)).toEqual(first);
    expect(first.every((n) => n >= 0 && n < 1)).toBe(true);
    expect(new Set(first).size).toBe(100);
  });
});

describe("a fresh layout", () => {
  it("gives the same whole-number positions for the same view, in whatever order its nodes and edges come", () => {
    const input = view(6, 8);
    const random = vi.spyOn(Math, "random");
    const first = layOut(input);
    expect(random).not.toHaveBeenCalled();
    random.mockRestore();
    expect([...first.keys()].sort()).toEqual(input.nodes.map((n) => n.id).sort());
    for (const point of first.values()) {
      expect(Number.isInteger(point.x)).toBe(true);
      expect(Number.isInteger(point.y)).toBe(true);
    }
    for (const seed of [1, 2, 3]) {
      const again = layOut({
        nodes: shuffled([...input.nodes, input.nodes[3]!], seed),
        edges: shuffled([...input.edges, { source: "wl:ns1/app-0", target: "wl:ns1/app-1" }], seed),
      });
      expect(Object.fromEntries(again)).toEqual(Object.fromEntries(first));
    }
  });

  it("keeps nodes apart and brings connected ones closer than the rest", () => {
    const input = view(5, 10);
    const positions = layOut(input);
    const points = [...positions.values()];
    expect(crowded(positions)).toEqual([]);
    const edgeLengths = input.edges.map((e) => distance(positions.get(e.source)!, positions.get(e.target)!));
    const meanEdge = edgeLengths.reduce((a, b) => a + b, 0) / edgeLengths.length;
    let sum = 0;
    let pairs = 0;
    for (let i = 0; i < points.length; i++)
      for (let j = i + 1; j < points.length; j++) {
        sum += distance(points[i]!, points[j]!);
        pairs++;
      }
    expect(meanEdge).toBeLessThan(sum / pairs / 2);
  });

  it("gives nodes drawn larger (closed groups) the room of their size", () => {
    // A namespace's workloads in six groups, every group calling every other, and "any pod": the
    // groups are drawn about twice a workload's height, so the view is laid out at twice the spacing.
    const groups = ["api", "cache", "db", "queue", "web", "worker"].map((tier) => `wls:shop/tier=${tier}`);
    const input: LayoutInput = {
      nodes: [...groups.map((id) => ({ id, group: "shop", extent: 1.9 })), { id: "any", group: "any" }],
      edges: groups.flatMap((a) => groups.filter((b) => b !== a).map((b) => ({ source: a, target: b }))),
    };
    expect(spacingOf(input)).toBe(SPACING * 1.9);
    const positions = layOut(input);
    expect(crowded(positions, SPACING * 1.9)).toEqual([]);
    // Without the extents the same view packs them at a workload's spacing, inside each other's room.
    const plain = layOut({ ...input, nodes: input.nodes.map(({ id, group }) => ({ id, group })) });
    expect(crowded(plain, SPACING * 1.9)).not.toEqual([]);
  });

  it("spreads nodes that share every neighbour (a StatefulSet's pods) so that none is drawn over another", () => {
    // Five pods of one StatefulSet, each its own identity, all talking to each other and to the
    // same 25 namespaces: forces alone leave them in a clump at their neighbours' centre.
    const pods = Array.from({ length: 5 }, (_, i) => `wl:data/kafka-${i}`);
    const clients = Array.from({ length: 25 }, (_, i) => `ns:client-${i}`);
    const input: LayoutInput = {
      nodes: [
        ...pods.map((id) => ({ id, group: "data" })),
        ...clients.map((id) => ({ id, group: id.slice(3) })),
      ],
      edges: pods.flatMap((pod, i) => [
        ...clients.map((client) => ({ source: client, target: pod })),
        ...pods.slice(i + 1).map((other) => ({ source: pod, target: other })),
      ]),
    };
    const positions = layOut(input);
    expect(crowded(positions)).toEqual([]);
    // Spread, not scattered: the pods stay nearer each other than the clients are to them on average.
    const centre = {
      x: pods.reduce((sum, id) => sum + positions.get(id)!.x, 0) / pods.length,
      y: pods.reduce((sum, id) => sum + positions.get(id)!.y, 0) / pods.length,
    };
    const podSpread = Math.max(...pods.map((id) => distance(positions.get(id)!, centre)));
    const clientDistance =
      clients.reduce((sum, id) => sum + distance(positions.get(id)!, centre), 0) / clients.length;
    expect(podSpread).toBeLessThan(clientDistance);
  });

  it("keeps every other node out of an opened group's frame, however its edges pull them in", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      // An opened group of 12 namespaces in a ring, and 30 others each talking to two of them:
      // forces put the others among the members.
      const random = seededRandom(seed);
      const members = Array.from({ length: 12 }, (_, i) => `ns:team-${i}`);
      const others = Array.from({ length: 30 }, (_, i) => `ns:other-${i}`);
      const pick = () => members[Math.floor(random() * members.length)]!;
      const input: LayoutInput = {
        nodes: [
          ...members.map((id) => ({ id, group: "group:team", frame: "group:team" })),
          ...others.map((id) => ({ id, group: id.slice(3) })),
        ],
        edges: [
          ...members.map((id, i) => ({ source: id, target: members[(i + 1) % members.length]! })),
          ...others.flatMap((id) => [
            { source: id, target: pick() },
            { source: pick(), target: id },
          ]),
        ],
      };
      const positions = layOut(input);
      // The frame as drawn: around its members' shapes and names, half a room each way.
      const xs = members.map((id) => positions.get(id)!.x);
      const ys = members.map((id) => positions.get(id)!.y);
      const frame = {
        left: Math.min(...xs) - (ROOM_ACROSS * SPACING) / 2,
        right: Math.max(...xs) + (ROOM_ACROSS * SPACING) / 2,
        top: Math.min(...ys) - (ROOM_DOWN * SPACING) / 2,
        bottom: Math.max(...ys) + (ROOM_DOWN * SPACING) / 2,
      };
      const inside = others.filter((id) => {
        const { x, y } = positions.get(id)!;
        return x > frame.left && x < frame.right && y > frame.top && y < frame.bottom;
      });
      expect(inside, `seed ${seed}`).toEqual([]);
    }
  });

  it("lays out a view of 2,500 namespaces, each apart from the others", () => {
    const input = view(2500, 1);
    const positions = layOut(input);
    expect(positions.size).toBe(2500);
    const points = [...positions.values()];
    const distinct = new Set(points.map((p) => `${p.x},${p.y}`));
    expect(distinct.size).toBe(2500);
    expect(crowded(positions)).toEqual([]);
  });

  it("puts each group's nodes together on the grid by group", () => {
    const input = view(4, 12);
    const grid = groupGrid(input.nodes);
    const centres = new Map<string, Point>();
    for (let g = 0; g < 4; g++) {
      const members = input.nodes.filter((n) => n.group === `ns${g}`).map((n) => grid.get(n.id)!);
      centres.set(`ns${g}`, {
        x: members.reduce((s, p) => s + p.x, 0) / members.length,
        y: members.reduce((s, p) => s + p.y, 0) / members.length,
      });
    }
    for (const node of input.nodes) {
      const own = distance(grid.get(node.id)!, centres.get(node.group)!);
      for (const [group, centre] of centres)
        if (group !== node.group) expect(own).toBeLessThan(distance(grid.get(node.id)!, centre));
    }
    expect(closest([...grid.values()])).toBeGreaterThan(SPACING / 4);
  });
});

describe("the nodes a patch adds", () => {
  const placed = new Map<string, Point>([
    ["a", { x: 0, y: 0 }],
    ["b", { x: 400, y: 0 }],
    ["c", { x: 0, y: 600 }],
    ["d", { x: 2000, y: 2000 }],
  ]);
  const nodes: LayoutNode[] = [
    { id: "a", group: "shop" },
    { id: "b", group: "shop" },
    { id: "c", group: "shop" },
    { id: "d", group: "bank" },
  ];

  it("go beside the nodes they connect to, and nothing already placed moves", () => {
    const input: LayoutInput = {
      nodes: [...nodes, { id: "new", group: "elsewhere" }],
      edges: [
        { source: "new", target: "a" },
        { source: "b", target: "new" },
      ],
    };
    const before = new Map(placed);
    const added = placeNew(placed, input);
    expect([...added.keys()]).toEqual(["new"]);
    expect(placed).toEqual(before);
    const point = added.get("new")!;
    // Near the middle of a and b, on a spot of its own.
    expect(distance(point, { x: 200, y: 0 })).toBeLessThanOrEqual(2 * SPACING);
    for (const other of placed.values()) expect(distance(point, other)).toBeGreaterThanOrEqual(0.8 * SPACING);
  });

  it("without a placed neighbour go beside their namespace, chains following their first node", () => {
    const input: LayoutInput = {
      nodes: [
        ...nodes,
        { id: "lone", group: "bank" },
        { id: "first", group: "x" },
        { id: "second", group: "x" },
      ],
      edges: [
        { source: "first", target: "c" },
        { source: "second", target: "first" },
      ],
    };
    const added = placeNew(placed, input);
    expect(distance(added.get("lone")!, placed.get("d")!)).toBeLessThanOrEqual(2 * SPACING);
    expect(distance(added.get("first")!, placed.get("c")!)).toBeLessThanOrEqual(2 * SPACING);
    expect(distance(added.get("second")!, added.get("first")!)).toBeLessThanOrEqual(2 * SPACING);
    expect(placeNew(placed, input)).toEqual(added);
  });

  it("many at once around one node stay apart from each other", () => {
    const extra = Array.from({ length: 50 }, (_, i) => ({ id: `bench:${i}`, group: "bench" }));
    const input: LayoutInput = {
      nodes: [...nodes, ...extra],
      edges: extra.map((n) => ({ source: n.id, target: "b" })),
    };
    const added = placeNew(placed, input);
    expect(added.size).toBe(50);
    expect(closest([...added.values(), ...placed.values()])).toBeGreaterThanOrEqual(0.8 * SPACING);
    // The nearest free spots: all within a few rings of b.
    for (const point of added.values()) expect(distance(point, placed.get("b")!)).toBeLessThan(10 * SPACING);
  });

  it("in an empty view start at the origin", () => {
    const added = placeNew(new Map(), { nodes: [{ id: "only", group: "g" }], edges: [] });
    expect(added.get("only")).toEqual({ x: 0, y: 0 });
  });
});
