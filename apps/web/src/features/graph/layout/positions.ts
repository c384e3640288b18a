// Where the graph's nodes go, as plain functions of the view (no cytoscape, no DOM): the worker
// lays a view out with them, the page places a patch's new nodes with them. The same nodes and
// edges always give the same positions: inputs are sorted by id and every "random" choice is
// seeded from the ids, never Math.random.

// The generator alone, not the contract's index: the layout worker's bundle stays small.
import { seededRandom } from "@trustmap/shared/random";

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A node as the layout sees it: its id and the group it is drawn with (its namespace). */
export interface LayoutNode {
  readonly id: string;
  readonly group: string;
  /**
   * How many times a plain node's room it needs, when more (a closed group is drawn larger, with
   * its members' count): the view is then laid out at that many spacings, so no shape covers
   * another.
   */
  readonly extent?: number;
  /** The opened group whose frame is drawn around it, if any: no other node is placed inside a frame. */
  readonly frame?: string;
}

export interface LayoutEdge {
  readonly source: string;
  readonly target: string;
}

export interface LayoutInput {
  readonly nodes: readonly LayoutNode[];
  readonly edges: readonly LayoutEdge[];
}

/** The distance the layout keeps between neighbouring nodes, in graph units (a node and its label). */
export const SPACING = 90;

/**
 * The room a node takes with its label below it, in spacings: two nodes closer than this across
 * and down (an ellipse) would draw one's shape or name over the other's.
 */
export const ROOM_ACROSS = 1.6;
export const ROOM_DOWN = 0.8;

/** The spacing a view is laid out at: SPACING, or more when some node is drawn larger. */
export function spacingOf(input: LayoutInput): number {
  let extent = 1;
  for (const node of input.nodes) if (node.extent !== undefined && node.extent > extent) extent = node.extent;
  return SPACING * extent;
}

/** How much two points overlap: below 1 when each is inside the other's room. */
function crowding(dx: number, dy: number, spacing: number): number {
  const ex = dx / (ROOM_ACROSS * spacing);
  const ey = dy / (ROOM_DOWN * spacing);
  return ex * ex + ey * ey;
}

/** Up to this many nodes every pair of nodes repels; above, only pairs a few spacings apart. */
const EVERY_PAIR_LIMIT = 400;

/** Up to this many nodes a view is laid out by forces; above, by groups on a grid alone. */
export const FORCE_LIMIT = 6000;

const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

/** FNV-1a: a stable 32-bit hash of a string (the seed of everything a node's id decides). */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function byId(a: LayoutNode, b: LayoutNode): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The nodes once each, sorted by id; the edges between two of them (no loops), each pair once. */
function normalise(input: LayoutInput): { nodes: LayoutNode[]; pairs: [number, number][] } {
  const seen = new Set<string>();
  const nodes = [...input.nodes].sort(byId).filter((node) => {
    if (seen.has(node.id)) return false;
    seen.add(node.id);
    return true;
  });
  const index = new Map(nodes.map((node, i) => [node.id, i]));
  const keys = new Set<number>();
  const pairs: [number, number][] = [];
  for (const edge of input.edges) {
    const a = index.get(edge.source);
    const b = index.get(edge.target);
    if (a === undefined || b === undefined || a === b) continue;
    const low = Math.min(a, b);
    const high = Math.max(a, b);
    const key = low * nodes.length + high;
    if (keys.has(key)) continue;
    keys.add(key);
    pairs.push([low, high]);
  }
  pairs.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  return { nodes, pairs };
}

/** A point of a sunflower (Vogel's spiral): evenly spread points filling a disc, the i-th at radius ~ sqrt(i). */
function sunflower(i: number, spacing: number): Point {
  const radius = spacing * 0.55 * Math.sqrt(i + 0.5);
  const angle = i * GOLDEN_ANGLE;
  return { x: radius * Math.cos(angle), y: radius * Math.sin(angle) };
}

interface Size {
  readonly width: number;
  readonly height: number;
}

/**
 * Boxes in rows (shelves), in the order given, each row about as wide as the whole is tall: the
 * top-left corner of each box.
 */
function shelves(boxes: readonly Size[]): Point[] {
  const area = boxes.reduce((sum, box) => sum + box.width * box.height, 0);
  const rowWidth = Math.max(Math.sqrt(area), ...boxes.map((box) => box.width));
  const corners: Point[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const box of boxes) {
    if (x > 0 && x + box.width > rowWidth) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    corners.push({ x, y });
    x += box.width;
    rowHeight = Math.max(rowHeight, box.height);
  }
  return corners;
}

/**
 * Groups as discs on a grid: the biggest first, shelf by shelf, each group's nodes as a sunflower
 * around its centre. Linear in the nodes; the start of the force layout and, for the largest
 * views, the layout itself.
 */
export function groupGrid(nodes: readonly LayoutNode[], spacing = SPACING): Map<string, Point> {
  const groups = new Map<string, LayoutNode[]>();
  for (const node of [...nodes].sort(byId)) {
    const members = groups.get(node.group);
    if (members === undefined) groups.set(node.group, [node]);
    else members.push(node);
  }
  const ordered = [...groups.entries()].sort(
    (a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
  );
  const sides = ordered.map(([, members]) => 2 * spacing * 0.55 * Math.sqrt(members.length + 0.5) + spacing);
  const corners = shelves(sides.map((side) => ({ width: side, height: side })));
  const positions = new Map<string, Point>();
  ordered.forEach(([, members], g) => {
    const centre = { x: corners[g]!.x + sides[g]! / 2, y: corners[g]!.y + sides[g]! / 2 };
    members.forEach((node, i) => {
      const point = sunflower(i, spacing);
      positions.set(node.id, { x: centre.x + point.x, y: centre.y + point.y });
    });
  });
  return positions;
}

/**
 * Fruchterman and Reingold's forces, with repulsion only between nodes closer than a few spacings
 * (found through a grid of cells) so that an iteration is linear in the nodes and edges, plus a
 * weak pull to the centre that keeps unconnected parts together.
 */
function relax(
  xs: Float64Array,
  ys: Float64Array,
  pairs: readonly [number, number][],
  spacing: number,
): void {
  const n = xs.length;
  const k = spacing;
  const cutoff = 2.5 * k;
  const iterations = n <= 300 ? 300 : Math.max(60, Math.round(90_000 / n));
  const dx = new Float64Array(n);
  const dy = new Float64Array(n);
  const degree = new Float64Array(n);
  for (const [a, b] of pairs) {
    degree[a]! += 1;
    degree[b]! += 1;
  }
  const cells = new Cells(cutoff);
  // Small views: every pair repels, as Fruchterman and Reingold have it; large ones: near pairs only.
  const everyPair = n <= EVERY_PAIR_LIMIT;
  const repel = (i: number, j: number) => {
    let ddx = xs[i]! - xs[j]!;
    let ddy = ys[i]! - ys[j]!;
    let d2 = ddx * ddx + ddy * ddy;
    if (!everyPair && d2 > cutoff * cutoff) return;
    if (d2 < 1e-6) {
      // Two nodes on one point: pushed apart along a direction their indices decide.
      ddx = ((i * 7 + j * 13) % 17) / 17 - 0.5;
      ddy = ((i * 11 + j * 5) % 19) / 19 - 0.5;
      d2 = ddx * ddx + ddy * ddy;
    }
    const force = (k * k) / d2;
    dx[i]! += ddx * force;
    dy[i]! += ddy * force;
    dx[j]! -= ddx * force;
    dy[j]! -= ddy * force;
  };
  let temperature = k * Math.max(2, Math.sqrt(n) / 4);
  const cooling = temperature / iterations;
  for (let step = 0; step < iterations; step++) {
    dx.fill(0);
    dy.fill(0);
    if (everyPair) {
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) repel(i, j);
    } else {
      cells.file(xs, ys);
      for (let i = 0; i < n; i++)
        cells.near(xs[i]!, ys[i]!, (j) => {
          if (j > i) repel(i, j);
        });
    }
    for (const [a, b] of pairs) {
      const ddx = xs[a]! - xs[b]!;
      const ddy = ys[a]! - ys[b]!;
      const d = Math.sqrt(ddx * ddx + ddy * ddy);
      if (d < 1e-9) continue;
      // A hub's many edges each pull less: a thousand namespaces calling DNS stay in a ring
      // around it rather than on top of each other.
      const force = d / k / Math.sqrt(Math.max(1, Math.min(degree[a]!, degree[b]!)));
      dx[a]! -= ddx * force;
      dy[a]! -= ddy * force;
      dx[b]! += ddx * force;
      dy[b]! += ddy * force;
    }
    for (let i = 0; i < n; i++) {
      dx[i]! -= xs[i]! * 0.01;
      dy[i]! -= ys[i]! * 0.01;
      const length = Math.sqrt(dx[i]! * dx[i]! + dy[i]! * dy[i]!);
      if (length < 1e-9) continue;
      const move = Math.min(length, temperature);
      xs[i]! += (dx[i]! / length) * move;
      ys[i]! += (dy[i]! / length) * move;
    }
    temperature = Math.max(temperature - cooling, k * 0.02);
  }
}

/**
 * Scales a part up about its centre until one node in four has its room (pushing pairs apart
 * then makes room for the rest): a thousand namespaces pulled around one hub (DNS) make a ring
 * far denser than their names allow, which pushing pairs apart alone would take thousands of
 * passes to open. Scaling keeps the shape.
 */
function spread(xs: Float64Array, ys: Float64Array, spacing: number): void {
  const n = xs.length;
  if (n < 2) return;
  // Each node's crowding by its nearest neighbour, looked for in the cells around it.
  const cells = new Cells(ROOM_ACROSS * spacing);
  cells.file(xs, ys);
  const nearest = new Float64Array(n).fill(1);
  for (let i = 0; i < n; i++)
    cells.near(xs[i]!, ys[i]!, (j) => {
      if (j !== i) nearest[i] = Math.min(nearest[i]!, crowding(xs[j]! - xs[i]!, ys[j]! - ys[i]!, spacing));
    });
  nearest.sort();
  // Crowding grows with the square of the scale; nodes on one point say nothing of it.
  const fourth = nearest[Math.floor((n * 3) / 4)]!;
  if (fourth >= 1 || fourth < 1e-6) return;
  const factor = 1 / Math.sqrt(fourth);
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  for (let i = 0; i < n; i++) {
    xs[i] = mx + (xs[i]! - mx) * factor;
    ys[i] = my + (ys[i]! - my) * factor;
  }
}

/**
 * Pushes apart nodes inside each other's room, pair by pair, until none is (or `passes` ran out).
 * Forces alone leave nodes that share every neighbour (the pods of a StatefulSet talking to the
 * same clients) in a clump at their neighbours' centre; this spreads the clump just enough.
 */
function separate(xs: Float64Array, ys: Float64Array, spacing: number, passes = 60): void {
  const n = xs.length;
  const cells = new Cells(ROOM_ACROSS * spacing);
  const push = (i: number, j: number): boolean => {
    let dx = xs[j]! - xs[i]!;
    let dy = ys[j]! - ys[i]!;
    let overlap = crowding(dx, dy, spacing);
    if (overlap >= 1) return false;
    if (overlap < 1e-12) {
      // Two nodes on one point: apart along a direction their indices decide.
      const angle = ((i * 7 + j * 13) % 17) * ((2 * Math.PI) / 17);
      dx = Math.cos(angle);
      dy = Math.sin(angle);
      overlap = crowding(dx, dy, spacing);
    }
    // Each moves half the way to the edge of the other's room (a little past it, so that it stays out).
    const scale = (1.02 / Math.sqrt(overlap) - 1) / 2;
    xs[i]! -= dx * scale;
    ys[i]! -= dy * scale;
    xs[j]! += dx * scale;
    ys[j]! += dy * scale;
    return true;
  };
  for (let pass = 0; pass < passes; pass++) {
    cells.file(xs, ys);
    let moved = false;
    for (let i = 0; i < n; i++)
      cells.near(xs[i]!, ys[i]!, (j) => {
        if (j > i && push(i, j)) moved = true;
      });
    if (!moved) return;
  }
}

/** The points filed by square cells of a side: what lies within a side of a point is in the 3×3 cells around its own. */
class Cells {
  private readonly members = new Map<number, number[]>();

  constructor(private readonly side: number) {}

  /** Files every point afresh. */
  file(xs: Float64Array, ys: Float64Array): void {
    this.members.clear();
    for (let i = 0; i < xs.length; i++) {
      const key = cellKey(Math.floor(xs[i]! / this.side), Math.floor(ys[i]! / this.side));
      const members = this.members.get(key);
      if (members === undefined) this.members.set(key, [i]);
      else members.push(i);
    }
  }

  /** Calls `visit` with every point filed in the cells around (x, y), its own cell included. */
  near(x: number, y: number, visit: (j: number) => void): void {
    const cx = Math.floor(x / this.side);
    const cy = Math.floor(y / this.side);
    for (let ox = -1; ox <= 1; ox++)
      for (let oy = -1; oy <= 1; oy++)
        for (const j of this.members.get(cellKey(cx + ox, cy + oy)) ?? []) visit(j);
  }
}

function cellKey(x: number, y: number): number {
  // Cells within ±2^20 of the origin: far more than any view spans.
  return (x + 0x100000) * 0x200000 + (y + 0x100000);
}

/** The connected parts of the view, biggest first (then by their first node): node indices, and their pairs in the part's own indices. */
function components(
  n: number,
  pairs: readonly [number, number][],
): { nodes: number[]; pairs: [number, number][] }[] {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const root = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[i] !== r) {
      const next = parent[i]!;
      parent[i] = r;
      i = next;
    }
    return r;
  };
  for (const [a, b] of pairs) {
    const ra = root(a);
    const rb = root(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const parts = new Map<number, { nodes: number[]; pairs: [number, number][] }>();
  const local = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = root(i);
    let part = parts.get(r);
    if (part === undefined) {
      part = { nodes: [], pairs: [] };
      parts.set(r, part);
    }
    local[i] = part.nodes.length;
    part.nodes.push(i);
  }
  for (const [a, b] of pairs) parts.get(root(a))!.pairs.push([local[a]!, local[b]!]);
  return [...parts.values()].sort((p, q) => q.nodes.length - p.nodes.length || p.nodes[0]! - q.nodes[0]!);
}

/** One connected part laid out by forces from its groups' grid, with its top-left corner at 0, 0. */
function layOutPart(nodes: readonly LayoutNode[], pairs: readonly [number, number][], spacing: number) {
  const start = groupGrid(nodes, spacing);
  const xs = new Float64Array(nodes.length);
  const ys = new Float64Array(nodes.length);
  nodes.forEach((node, i) => {
    const point = start.get(node.id)!;
    // A small offset of its own breaks the ties of a perfectly regular start.
    const random = seededRandom(hashString(node.id));
    xs[i] = point.x + (random() - 0.5) * spacing * 0.1;
    ys[i] = point.y + (random() - 0.5) * spacing * 0.1;
  });
  if (pairs.length > 0) {
    centre(xs, ys);
    relax(xs, ys, pairs, spacing);
  }
  spread(xs, ys, spacing);
  separate(xs, ys, spacing);
  const minX = Math.min(...xs);
  const minY = Math.min(...ys);
  for (let i = 0; i < nodes.length; i++) {
    xs[i]! -= minX;
    ys[i]! -= minY;
  }
  return { xs, ys, width: Math.max(...xs) + spacing, height: Math.max(...ys) + spacing };
}

/**
 * A fresh layout of a view: each connected part by forces that bring connected nodes together
 * (starting from its namespaces on a grid), the parts side by side, biggest first; above
 * FORCE_LIMIT nodes, the namespaces on a grid alone. Positions are whole numbers centred on the
 * origin; the same input in any order gives the same positions.
 */
export function layOut(input: LayoutInput, spacing = spacingOf(input)): Map<string, Point> {
  const { nodes, pairs } = normalise(input);
  const xs = new Float64Array(nodes.length);
  const ys = new Float64Array(nodes.length);
  if (nodes.length > FORCE_LIMIT) {
    const grid = groupGrid(nodes, spacing);
    nodes.forEach((node, i) => {
      const point = grid.get(node.id)!;
      xs[i] = point.x;
      ys[i] = point.y;
    });
  } else {
    const parts = components(nodes.length, pairs).map((part) => ({
      members: part.nodes,
      ...layOutPart(
        part.nodes.map((i) => nodes[i]!),
        part.pairs,
        spacing,
      ),
    }));
    const corners = shelves(parts);
    parts.forEach((part, p) => {
      part.members.forEach((i, local) => {
        xs[i] = corners[p]!.x + part.xs[local]!;
        ys[i] = corners[p]!.y + part.ys[local]!;
      });
    });
  }
  clearFrames(nodes, xs, ys, spacing);
  centre(xs, ys);
  const positions = new Map<string, Point>();
  nodes.forEach((node, i) => {
    positions.set(node.id, { x: Math.round(xs[i]!), y: Math.round(ys[i]!) });
  });
  return positions;
}

/**
 * Moves the nodes outside every opened group's frame: a frame is drawn around its members
 * wherever the forces put them, and edges pull other nodes in among them. A frame's box is its
 * members' with the room of a node around it; a node of no frame found in a box goes to the
 * nearest side of it, and the nodes are then pushed apart again, until no such node is in a box.
 * The last round only clears the boxes: a node may then crowd another, never sit in a frame.
 */
function clearFrames(
  nodes: readonly LayoutNode[],
  xs: Float64Array,
  ys: Float64Array,
  spacing: number,
): void {
  const frames = new Map<string, number[]>();
  nodes.forEach((node, i) => {
    if (node.frame !== undefined) append(frames, node.frame, i);
  });
  if (frames.size === 0) return;
  const across = ROOM_ACROSS * spacing;
  const down = 2 * ROOM_DOWN * spacing;
  for (let round = 0; ; round++) {
    let moved = false;
    for (const members of frames.values()) {
      let left = Number.POSITIVE_INFINITY;
      let right = Number.NEGATIVE_INFINITY;
      let top = Number.POSITIVE_INFINITY;
      let bottom = Number.NEGATIVE_INFINITY;
      for (const i of members) {
        left = Math.min(left, xs[i]! - across);
        right = Math.max(right, xs[i]! + across);
        top = Math.min(top, ys[i]! - down);
        bottom = Math.max(bottom, ys[i]! + down);
      }
      nodes.forEach((node, i) => {
        if (node.frame !== undefined) return;
        const x = xs[i]!;
        const y = ys[i]!;
        if (x <= left || x >= right || y <= top || y >= bottom) return;
        // Out by the nearest side, one unit past it.
        const ways = [x - left, right - x, y - top, bottom - y];
        const nearest = ways.indexOf(Math.min(...ways));
        if (nearest === 0) xs[i] = left - 1;
        else if (nearest === 1) xs[i] = right + 1;
        else if (nearest === 2) ys[i] = top - 1;
        else ys[i] = bottom + 1;
        moved = true;
      });
    }
    if (!moved || round === FRAME_ROUNDS) return;
    separate(xs, ys, spacing, 10);
  }
}

/** Rounds of clearing the frames and pushing nodes apart again before the last clearing. */
const FRAME_ROUNDS = 8;

function centre(xs: Float64Array, ys: Float64Array): void {
  if (xs.length === 0) return;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < xs.length; i++) {
    sx += xs[i]!;
    sy += ys[i]!;
  }
  const mx = sx / xs.length;
  const my = sy / ys.length;
  for (let i = 0; i < xs.length; i++) {
    xs[i]! -= mx;
    ys[i]! -= my;
  }
}

/** Points on a grid of cells, to find whether a spot is free without looking at every node. */
class SpatialIndex {
  private readonly cells = new Map<number, Point[]>();
  constructor(private readonly size: number) {}

  add(point: Point): void {
    const key = cellKey(Math.floor(point.x / this.size), Math.floor(point.y / this.size));
    const cell = this.cells.get(key);
    if (cell === undefined) this.cells.set(key, [point]);
    else cell.push(point);
  }

  /** Whether no point is inside the room of a node at `point` (the room at most the cell size across). */
  free(point: Point, spacing: number): boolean {
    const cx = Math.floor(point.x / this.size);
    const cy = Math.floor(point.y / this.size);
    for (let ox = -1; ox <= 1; ox++)
      for (let oy = -1; oy <= 1; oy++)
        for (const other of this.cells.get(cellKey(cx + ox, cy + oy)) ?? [])
          if (crowding(other.x - point.x, other.y - point.y, spacing) < 1) return false;
    return true;
  }
}

function centroid(points: readonly Point[]): Point | undefined {
  if (points.length === 0) return undefined;
  let x = 0;
  let y = 0;
  for (const point of points) {
    x += point.x;
    y += point.y;
  }
  return { x: x / points.length, y: y / points.length };
}

/** The first free spot at or near `anchor`, on a spiral starting in a direction the node's id decides. */
function freeSpot(id: string, anchor: Point, index: SpatialIndex, spacing: number): Point {
  const start = seededRandom(hashString(id))() * 2 * Math.PI;
  for (let step = 0; step < 2000; step++) {
    // The anchor itself first (free when it is the middle of neighbours far apart), then outwards.
    const radius = spacing * Math.sqrt(step);
    const angle = start + step * GOLDEN_ANGLE;
    const point = {
      x: Math.round(anchor.x + radius * Math.cos(angle)),
      y: Math.round(anchor.y + radius * Math.sin(angle)),
    };
    if (index.free(point, spacing)) return point;
  }
  return { x: Math.round(anchor.x), y: Math.round(anchor.y) };
}

/**
 * Positions for the nodes of `input` that `placed` lacks, leaving every placed node where it is:
 * a new node goes beside the nodes it connects to (near their centroid), else beside its group
 * (its namespace), else beside the rest of the view, always on a free spot. New nodes that only
 * connect to other new nodes follow those, in order. Returns the new positions only.
 */
export function placeNew(
  placed: ReadonlyMap<string, Point>,
  input: LayoutInput,
  spacing = spacingOf(input),
): Map<string, Point> {
  const { nodes, pairs } = normalise(input);
  const added = new Map<string, Point>();
  const missing = nodes.filter((node) => !placed.has(node.id));
  if (missing.length === 0) return added;
  const index = new SpatialIndex(ROOM_ACROSS * spacing);
  for (const point of placed.values()) index.add(point);
  const where = (id: string) => placed.get(id) ?? added.get(id);
  const neighbours = new Map<string, string[]>();
  for (const [a, b] of pairs) {
    const idA = nodes[a]!.id;
    const idB = nodes[b]!.id;
    append(neighbours, idA, idB);
    append(neighbours, idB, idA);
  }
  const put = (node: LayoutNode, anchor: Point) => {
    const point = freeSpot(node.id, anchor, index, spacing);
    added.set(node.id, point);
    index.add(point);
  };
  // Waves: the nodes beside placed ones first, then those beside the nodes just placed.
  let waiting = missing;
  for (;;) {
    const next: LayoutNode[] = [];
    const wave: [LayoutNode, Point][] = [];
    for (const node of waiting) {
      const known = (neighbours.get(node.id) ?? []).map(where).filter((p): p is Point => p !== undefined);
      const anchor = centroid(known);
      if (anchor === undefined) next.push(node);
      else wave.push([node, anchor]);
    }
    for (const [node, anchor] of wave) put(node, anchor);
    waiting = next;
    if (wave.length === 0 || waiting.length === 0) break;
  }
  const everything = [...placed.values()];
  const groups = new Map<string, string[]>();
  for (const node of nodes) append(groups, node.group, node.id);
  for (const node of waiting) {
    const group = (groups.get(node.group) ?? []).map(where).filter((p): p is Point => p !== undefined);
    put(node, centroid(group) ?? centroid(everything) ?? { x: 0, y: 0 });
  }
  return added;
}

function append<T>(lists: Map<string, T[]>, key: string, value: T): void {
  const list = lists.get(key);
  if (list === undefined) lists.set(key, [value]);
  else list.push(value);
}
