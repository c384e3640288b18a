import { type ChildProcess, spawn } from "node:child_process";
import { expect, type Page, test } from "@playwright/test";
import { STILL_PORT, STILL_URL } from "../servers";
import { graphReady, screenshot } from "./helpers";

// The graph's layout stays put: a view shows the same positions when the user comes back to it
// (from the tab's memory, after a reload from its storage, and in a new tab by computing the same
// layout again), and a live change that adds a node leaves every other node where it was.

/** The demo company changing ten times a second (rollouts add workloads often), on its own port. */
const FAST_PORT = STILL_PORT + 1;

async function fastDemo(): Promise<ChildProcess> {
  const server = spawn(
    "node",
    [
      "--import",
      "tsx",
      "../apps/bff/src/main.ts",
      "--demo",
      "--seed",
      "1",
      "--demo-interval",
      "100",
      "--port",
      String(FAST_PORT),
    ],
    {
      stdio: ["ignore", "ignore", "inherit"],
      env: { TRUSTMAP_CHANGES: "memory", ...process.env, TRUSTMAP_LOG: "warn" },
    },
  );
  await expect
    .poll(
      async () => {
        try {
          return (
            (await (await fetch(`http://127.0.0.1:${FAST_PORT}/api/health`)).json()) as { connected: boolean }
          ).connected;
        } catch {
          return false;
        }
      },
      { timeout: 60_000 },
    )
    .toBe(true);
  return server;
}

type Positions = Record<string, { x: number; y: number }>;

/** The positions of the nodes drawn now, read from the graph's handle (exposed with ?bench=1). */
function positions(page: Page): Promise<Positions> {
  return page.evaluate(() => {
    type Node = { id(): string; position(): { x: number; y: number }; data(key: string): unknown };
    type Core = { nodes(): { map<T>(f: (node: Node) => T): T[] } };
    const graph = (window as unknown as { trustmapGraph?: { cy: Core } }).trustmapGraph;
    if (graph === undefined) return {};
    return Object.fromEntries(
      graph.cy
        .nodes()
        .map((node) => [node.id(), node.data("leaving") === true ? undefined : { ...node.position() }])
        .filter(([, point]) => point !== undefined),
    );
  });
}

/** How many fresh layouts the page has computed (each one is a `trustmap:layout` measure). */
function layoutsComputed(page: Page): Promise<number> {
  return page.evaluate(() => performance.getEntriesByName("trustmap:layout").length);
}

/** Whether no two nodes share a spot: a layout, not everything piled on one point. */
function spread(points: Positions): boolean {
  return (
    new Set(Object.values(points).map((p) => `${Math.round(p.x)},${Math.round(p.y)}`)).size ===
    Object.keys(points).length
  );
}

/**
 * How the view sits on the screen: the nodes drawn outside the canvas, and the pairs of nodes
 * whose shapes overlap (labels apart), by id.
 */
function onScreen(page: Page): Promise<{ outside: string[]; overlapping: string[] }> {
  return page.evaluate(() => {
    type Box = { x1: number; y1: number; x2: number; y2: number };
    type Node = {
      id(): string;
      isParent(): boolean;
      data(key: string): unknown;
      renderedBoundingBox(options: { includeLabels: boolean }): Box;
    };
    type Core = { nodes(): { toArray(): Node[] }; width(): number; height(): number };
    const cy = (window as unknown as { trustmapGraph: { cy: Core } }).trustmapGraph.cy;
    const nodes = cy
      .nodes()
      .toArray()
      .filter((node) => !node.isParent() && node.data("leaving") !== true);
    const boxes = nodes.map((node) => ({
      id: node.id(),
      box: node.renderedBoundingBox({ includeLabels: false }),
    }));
    const outside = boxes
      .filter(({ box }) => box.x1 < 0 || box.y1 < 0 || box.x2 > cy.width() || box.y2 > cy.height())
      .map(({ id }) => id);
    const overlapping: string[] = [];
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!.box;
        const b = boxes[j]!.box;
        if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2)
          overlapping.push(`${boxes[i]!.id} ${boxes[j]!.id}`);
      }
    return { outside, overlapping };
  });
}

test("a view is fitted to the screen and draws no node over another, a StatefulSet's pods included", async ({
  page,
}) => {
  // data-prod: five Kafka pods, each its own workload, all talking to each other and to the same
  // namespaces (forces alone pile such nodes on one spot).
  await page.goto(`${STILL_URL}/?bench=1&view=${encodeURIComponent("namespace:data-prod")}`);
  await graphReady(page);
  const kafka = Object.keys(await positions(page)).filter((id) => id.includes("kafka"));
  expect(kafka.length).toBeGreaterThanOrEqual(5);
  expect(await onScreen(page)).toEqual({ outside: [], overlapping: [] });
  await screenshot(page, "layout-data-prod");
  await page.goto(`${STILL_URL}/?bench=1&view=overview`);
  await graphReady(page);
  expect(await onScreen(page)).toEqual({ outside: [], overlapping: [] });
});

test("a view shows the same positions when the user comes back, after a reload and in a new tab", async ({
  page,
  browser,
}) => {
  await page.goto(`${STILL_URL}/?bench=1`);
  await graphReady(page);
  // Laid out once, in the worker.
  expect(await layoutsComputed(page)).toBe(1);
  const overview = await positions(page);
  expect(Object.keys(overview).length).toBeGreaterThan(10);
  expect(spread(overview)).toBe(true);
  await screenshot(page, "layout-overview");

  // Into a namespace, and back.
  const list = page.getByTestId("node-list");
  await list
    .getByRole("button", { name: /^Open / })
    .first()
    .click();
  await expect(page).toHaveURL(/view=namespace/);
  await graphReady(page);
  await screenshot(page, "layout-namespace");
  expect(await positions(page)).not.toEqual(overview);
  await page.goBack();
  await expect(page).not.toHaveURL(/view=namespace/);
  await graphReady(page);
  await expect.poll(() => positions(page)).toEqual(overview);
  // From the tab's memory: no layout was computed again (one for each view so far).
  expect(await layoutsComputed(page)).toBe(2);

  // A reload keeps the tab's storage.
  await page.reload();
  await graphReady(page);
  expect(await positions(page)).toEqual(overview);
  expect(await layoutsComputed(page)).toBe(0);

  // A new tab with nothing kept computes the same layout again.
  const context = await browser.newContext();
  const other = await context.newPage();
  await other.goto(`${STILL_URL}/?bench=1`);
  await graphReady(other);
  expect(await layoutsComputed(other)).toBe(1);
  expect(await positions(other)).toEqual(overview);
  await context.close();
});

test("a live change that adds nodes places them beside their neighbours and moves no other node", async ({
  page,
}) => {
  test.setTimeout(150_000);
  const server = await fastDemo();
  try {
    await page.goto(
      `http://127.0.0.1:${FAST_PORT}/?bench=1&view=${encodeURIComponent("namespace:payments-prod")}`,
    );
    await graphReady(page);
    const before = await positions(page);
    // Rollouts replace workloads: a new one (a new pod template) comes while the old one still runs.
    let after: Positions = {};
    await expect
      .poll(
        async () => {
          after = await positions(page);
          return Object.keys(after).filter((id) => !(id in before)).length;
        },
        { timeout: 90_000, intervals: [100] },
      )
      .toBeGreaterThan(0);
    const stayed = Object.keys(before).filter((id) => id in after);
    expect(stayed.length).toBeGreaterThan(5);
    for (const id of stayed) expect(after[id], id).toEqual(before[id]);
    // Each new node is close to the nodes it connects to (or, with none, to the view).
    const added = Object.keys(after).filter((id) => !(id in before));
    const neighbours = await page.evaluate((ids) => {
      type Node = { id(): string; neighborhood(selector: string): { map<T>(f: (node: Node) => T): T[] } };
      const cy = (window as unknown as { trustmapGraph: { cy: { getElementById(id: string): Node } } })
        .trustmapGraph.cy;
      return Object.fromEntries(
        ids.map((id) => [
          id,
          cy
            .getElementById(id)
            .neighborhood("node")
            .map((n) => n.id()),
        ]),
      );
    }, added);
    const xs = Object.values(after).map((p) => p.x);
    const ys = Object.values(after).map((p) => p.y);
    const span = Math.hypot(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
    for (const id of added) {
      const near = (neighbours[id] ?? []).map((n) => after[n]).filter((p) => p !== undefined);
      if (near.length === 0) continue;
      const centre = {
        x: near.reduce((sum, p) => sum + p.x, 0) / near.length,
        y: near.reduce((sum, p) => sum + p.y, 0) / near.length,
      };
      const point = after[id]!;
      expect(Math.hypot(point.x - centre.x, point.y - centre.y), id).toBeLessThan(span / 2);
    }
    expect(spread(after)).toBe(true);
  } finally {
    server.kill("SIGTERM");
  }
});
