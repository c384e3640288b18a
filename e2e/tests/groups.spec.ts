import { expect, type Page, test } from "@playwright/test";
import { DemoCompany } from "../../apps/bff/src/sources/demo/company";
import type { Core } from "../../apps/web/node_modules/cytoscape";
import { cellAt, matrixLayout } from "../../apps/web/src/features/graph/matrix";
import { ClusterState, groupGraph, groupValue, OverviewView } from "../../packages/engine/src/index";
import { STILL_URL } from "../servers";
import { graphReady } from "./helpers";

// Namespaces grouped by a label, on the still demo company (seed 1): what the page draws is the
// engine's grouped view, a group opens in place as a frame around its namespaces, and the matrix
// draws the same edges, each cell opening its explanation.

/** The grouped view a fresh engine computes on the still demo's objects. */
function engineGroups(by: string, open: (string | null)[]) {
  const state = new ClusterState();
  state.applyAll(new DemoCompany(1).snapshot());
  return groupGraph(new OverviewView(state).snapshot(), (ns) => groupValue(state, ns, by), { by, open });
}

/** The view the page's URL names. */
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
  const at = await page.evaluate(() => {
    const cy = (window as unknown as { trustmapGraph: { cy: Core } }).trustmapGraph.cy;
    return cy.getElementById("grp:team=payments").renderedPosition();
  });
  const box = (await page.getByTestId("graph").boundingBox())!;
  await page.mouse.dblclick(box.x + at.x, box.y + at.y);
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

  // Its panel says what it sums up and closes it again.
  await page.goto(
    `${STILL_URL}/?view=${encodeURIComponent("groups:team/=payments")}&sel=${encodeURIComponent("node:grp:team=payments")}&bench=1`,
  );
  const panel = page.getByRole("region", { name: "Group team=payments" });
  await expect(panel).toContainText(`${opened.nodes.get("grp:team=payments")?.namespaces} namespaces`);
  await panel.getByRole("button", { name: "Close the group" }).click();
  await expect.poll(() => viewOf(page)).toBe("groups:team");
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
