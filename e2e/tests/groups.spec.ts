import { expect, type Page, test } from "@playwright/test";
import { DemoCompany } from "../../apps/bff/src/sources/demo/company";
import type { Core } from "../../apps/web/node_modules/cytoscape";
import { cellAt, matrixLayout } from "../../apps/web/src/features/graph/matrix";
import {
  ClusterState,
  type Groupings,
  groupGraph,
  groupValue,
  NamespaceView,
  OverviewView,
  workloadGroupingKeys,
} from "../../packages/engine/src/index";
import { STILL_URL } from "../servers";
import { graphReady } from "./helpers";

// Namespaces grouped by a label, on the still demo company (seed 1): what the page draws is the
// engine's grouped view, a group opens in place as a frame around its namespaces, and the matrix
// draws the same edges, each cell opening its explanation.

function stillDemo(): ClusterState {
  const state = new ClusterState();
  state.applyAll(new DemoCompany(1).snapshot());
  return state;
}

/**
 * The grouped view a fresh engine computes on the still demo's objects: the cluster's, or that of
 * `namespace` with the namespaces around it (or its own workloads) grouped.
 */
function engineGrouped(groupings: Groupings, namespace?: string) {
  const state = stillDemo();
  const inner = namespace === undefined ? new OverviewView(state) : new NamespaceView(state, namespace);
  return groupGraph(inner.snapshot(), (ns, by) => groupValue(state, ns, by), groupings);
}

/** The view with its namespaces grouped by `by`, these groups opened. */
function engineGroups(by: string, open: (string | null)[], namespace?: string) {
  return engineGrouped({ namespaces: { by, open } }, namespace);
}

/** Double-clicks a node where the graph draws it. */
async function openNode(page: Page, id: string): Promise<void> {
  const at = await page.evaluate((node) => {
    const cy = (window as unknown as { trustmapGraph: { cy: Core } }).trustmapGraph.cy;
    return cy.getElementById(node).renderedPosition();
  }, id);
  const box = (await page.getByTestId("graph").boundingBox())!;
  await page.mouse.dblclick(box.x + at.x, box.y + at.y);
}

/** The view the page's URL names. */
/** The nodes outside an opened group whose shapes are drawn inside its frame (none, laid out right). */
function drawnInFrame(page: Page, group: string): Promise<string[]> {
  return page.evaluate((id) => {
    const cy = (window as unknown as { trustmapGraph: { cy: Core } }).trustmapGraph.cy;
    const frame = cy.getElementById(id).boundingBox({});
    return cy
      .nodes()
      .filter((node) => !node.isParent() && node.parent().length === 0)
      .filter((node) => {
        const box = node.boundingBox({ includeLabels: false });
        return box.x1 < frame.x2 && box.x2 > frame.x1 && box.y1 < frame.y2 && box.y2 > frame.y1;
      })
      .map((node) => node.id());
  }, group);
}

function viewOf(page: Page): string | null {
  return new URL(page.url()).searchParams.get("view");
}

async function drawn(page: Page): Promise<{ nodes: string[]; edges: string[] }> {
  const cy = await page.evaluateHandle(
    () => (window as unknown as { trustmapGraph: { cy: Core } }).trustmapGraph.cy,
  );
  try {
    return await cy.evaluate((c: Core) => ({
      nodes: c
        .nodes()
        .map((n) => n.id())
        .sort(),
      edges: c
        .edges()
        .map((e) => e.id())
        .sort(),
    }));
  } finally {
    await cy.dispose();
  }
}

test("the cluster grouped by team is the engine's grouping; a group opens in place and closes again", async ({
  page,
}) => {
  await page.goto(`${STILL_URL}/?bench=1`);
  await graphReady(page);
  await page.getByLabel("Group namespaces by").selectOption("team");
  await expect.poll(() => viewOf(page)).toBe("groups:team");
  await graphReady(page);
  const closed = engineGroups("team", []);
  await expect
    .poll(() => drawn(page))
    .toEqual({
      nodes: [...closed.nodes.keys()].sort(),
      edges: [...closed.edges.keys()].sort(),
    });
  await expect(page.getByRole("navigation", { name: "Breadcrumbs" })).toContainText("by team");

  // Double-clicking the payments group opens it where it is: its namespaces inside its frame.
  await openNode(page, "grp:team=payments");
  await expect.poll(() => viewOf(page)).toBe("groups:team/=payments");
  await graphReady(page);
  const opened = engineGroups("team", ["payments"]);
  await expect
    .poll(() => drawn(page))
    .toEqual({
      nodes: [...opened.nodes.keys()].sort(),
      edges: [...opened.edges.keys()].sort(),
    });
  const parents = await page.evaluate(() => {
    const cy = (window as unknown as { trustmapGraph: { cy: Core } }).trustmapGraph.cy;
    return ["ns:payments-prod", "ns:payments-staging", "ns:payments-dev"].map((id) =>
      cy.getElementById(id).parent()[0]?.id(),
    );
  });
  expect(parents).toEqual(["grp:team=payments", "grp:team=payments", "grp:team=payments"]);
  expect(await drawnInFrame(page, "grp:team=payments")).toEqual([]);

  // Its panel says what it sums up and closes it again.
  await page.goto(
    `${STILL_URL}/?view=${encodeURIComponent("groups:team/=payments")}&sel=${encodeURIComponent("node:grp:team=payments")}&bench=1`,
  );
  const panel = page.getByRole("region", { name: "Group team=payments" });
  await expect(panel).toContainText(`${opened.nodes.get("grp:team=payments")?.namespaces} namespaces`);
  await panel.getByRole("button", { name: "Close the group" }).click();
  await expect.poll(() => viewOf(page)).toBe("groups:team");
});

test("a namespace opened from the grouped cluster draws the namespaces around it grouped the same way, a group opening in place", async ({
  page,
}) => {
  await page.goto(`${STILL_URL}/?view=groups%3Ateam&bench=1`);
  await graphReady(page);
  // data-prod, reached through its team's group: the namespace with the most namespaces around it.
  await openNode(page, "grp:team=data");
  await expect.poll(() => viewOf(page)).toBe("groups:team/=data");
  await graphReady(page);
  await openNode(page, "ns:data-prod");
  await expect.poll(() => viewOf(page)).toBe("namespace:data-prod/team");
  await graphReady(page);
  const around = engineGroups("team", [], "data-prod");
  expect([...around.nodes.values()].filter((n) => n.kind === "group").length).toBeGreaterThan(1);
  await expect
    .poll(() => drawn(page))
    .toEqual({ nodes: [...around.nodes.keys()].sort(), edges: [...around.edges.keys()].sort() });
  const crumbs = page.getByRole("navigation", { name: "Breadcrumbs" });
  await expect(crumbs).toContainText("by team");
  await expect(crumbs).toContainText("data-prod");
  await expect(page.getByLabel("Group namespaces by")).toHaveValue("team");

  // The payments group opens around data-prod, where it is.
  await openNode(page, "grp:team=payments");
  await expect.poll(() => viewOf(page)).toBe("namespace:data-prod/team/=payments");
  await graphReady(page);
  const opened = engineGroups("team", ["payments"], "data-prod");
  await expect
    .poll(() => drawn(page))
    .toEqual({ nodes: [...opened.nodes.keys()].sort(), edges: [...opened.edges.keys()].sort() });
  expect(await drawnInFrame(page, "grp:team=payments")).toEqual([]);

  // Choosing "nothing" draws every namespace around it, one by one.
  await page.getByLabel("Group namespaces by").selectOption("");
  await expect.poll(() => viewOf(page)).toBe("namespace:data-prod");
  await graphReady(page);
  const state = new ClusterState();
  state.applyAll(new DemoCompany(1).snapshot());
  const single = new NamespaceView(state, "data-prod").snapshot();
  await expect
    .poll(() => drawn(page))
    .toEqual({ nodes: single.nodes.map((n) => n.id).sort(), edges: single.edges.map((e) => e.id).sort() });
});

test("a namespace's own workloads grouped by a pod label: the engine's grouping, a group opening in place, a search hit inside a closed group opening it", async ({
  page,
}) => {
  const offered = workloadGroupingKeys(stillDemo(), "data-prod");
  const by = offered.keys[0]?.key;
  if (by === undefined) throw new Error("the demo offers no pod label for data-prod");
  await page.goto(`${STILL_URL}/?view=namespace%3Adata-prod%2Fteam&bench=1`);
  await graphReady(page);
  await page.getByLabel("Group its workloads by").selectOption(by);
  await expect.poll(() => viewOf(page)).toBe(`namespace:data-prod/team;${by}`);
  await graphReady(page);
  const workloads = (open: (string | null)[]) => ({
    namespaces: { by: "team", open: [] },
    workloads: { namespace: "data-prod", by, open },
  });
  const closed = engineGrouped(workloads([]), "data-prod");
  await expect
    .poll(() => drawn(page))
    .toEqual({ nodes: [...closed.nodes.keys()].sort(), edges: [...closed.edges.keys()].sort() });
  await expect(page.getByTestId("view-revision")).toContainText(`its workloads grouped by ${by}`);

  // The group with the most workloads opens where it is: its workloads inside its frame.
  const largest = [...closed.nodes.values()]
    .filter((n) => n.workloads !== undefined)
    .sort((a, b) => (b.workloads ?? 0) - (a.workloads ?? 0))[0]!;
  expect(largest.workloads).toBeGreaterThan(1);
  // Drawn as the legend says a group of workloads is, not as a group of namespaces.
  const shapeOf = (id: string) =>
    page.evaluate(
      (node) =>
        (window as unknown as { trustmapGraph: { cy: Core } }).trustmapGraph.cy
          .getElementById(node)
          .style("shape"),
      id,
    );
  const legendShape = (key: string) =>
    page.getByTestId("legend").locator(`[data-legend-mark="${key}"]`).getAttribute("data-shape");
  expect(await shapeOf(largest.id)).toBe(await legendShape("workload-group"));
  const namespaceGroup = [...closed.nodes.values()].find((n) => n.id.startsWith("grp:"));
  if (namespaceGroup !== undefined) expect(await shapeOf(namespaceGroup.id)).toBe(await legendShape("group"));
  await openNode(page, largest.id);
  const value = largest.label.slice(by.length + 1);
  await expect.poll(() => viewOf(page)).toBe(`namespace:data-prod/team;${by}/=${value}`);
  await graphReady(page);
  const opened = engineGrouped(workloads([value]), "data-prod");
  await expect
    .poll(() => drawn(page))
    .toEqual({ nodes: [...opened.nodes.keys()].sort(), edges: [...opened.edges.keys()].sort() });
  const members = [...opened.nodes.values()].filter((n) => n.group === largest.id);
  expect(members.length).toBe(largest.workloads);
  expect(await drawnInFrame(page, largest.id)).toEqual([]);
  const panel = page.getByRole("region", { name: `Group ${largest.label}` });
  await page.locator(`[data-node-id="${largest.id}"]`).click();
  await expect(panel).toContainText(`${largest.workloads} workloads of namespace data-prod`);
  await panel.getByRole("button", { name: "Close the group" }).click();
  await expect.poll(() => viewOf(page)).toBe(`namespace:data-prod/team;${by}`);

  // A workload found by search, inside a closed group: going there opens its group and selects it.
  const member = members[0]!;
  await page.getByRole("searchbox").fill(member.label);
  await page.locator(`[data-search-node="${member.id}"]`).click();
  await expect.poll(() => viewOf(page)).toBe(`namespace:data-prod/team;${by}/=${value}`);
  await expect.poll(() => new URL(page.url()).searchParams.get("sel")).toBe(`node:${member.id}`);
  await graphReady(page);
  expect((await drawn(page)).nodes).toContain(member.id);
});

test("the matrix draws the grouped view's edges; a cell opens the edge's explanation", async ({ page }) => {
  await page.goto(`${STILL_URL}/?view=groups%3Ateam&as=matrix&bench=1`);
  const matrix = page.getByTestId("view-matrix");
  const closed = engineGroups("team", []);
  await expect(matrix.getByRole("img")).toHaveAttribute(
    "aria-label",
    `Matrix of ${closed.nodes.size} nodes and ${closed.edges.size} edges`,
  );
  // The cell of the edge from team=storefront to team=payments, where the page's layout puts it.
  const layout = matrixLayout([...closed.nodes.values()], [...closed.edges.values()]);
  const edge = [...closed.edges.values()].find(
    (e) => e.source === "grp:team=storefront" && e.target === "grp:team=payments",
  );
  if (edge === undefined) throw new Error("the demo has no edge from storefront to payments");
  const row = layout.axis.findIndex((n) => n.id === edge.source);
  const column = layout.axis.findIndex((n) => n.id === edge.target);
  const x = layout.margin + column * layout.cell + layout.cell / 2;
  const y = layout.margin + row * layout.cell + layout.cell / 2;
  expect(cellAt(layout, x, y)?.edge?.id).toBe(edge.id);
  await matrix.getByRole("img").click({ position: { x, y } });
  await expect
    .poll(() => new URL(page.url()).searchParams.get("sel"))
    .toBe(`edge:${edge.source} ${edge.target}`);
  await expect(page.getByTestId("edge-panel").getByRole("heading", { level: 2 })).toHaveText(
    "team=storefront → team=payments",
  );
});
