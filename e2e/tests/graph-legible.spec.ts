import { expect, type Page, test } from "@playwright/test";
import { NamespaceList } from "@trustmap/shared";
import { PNG } from "pngjs";
import type { Core } from "../../apps/web/node_modules/cytoscape";
import { STILL_URL } from "../servers";
import { graphReady, screenshot } from "./helpers";

// The graph legible by default, on the still demo company: port labels only where the user
// looks, fading that fades everything of a node, the system's theme followed live, every node
// reachable from the list, search that shows its matches, and a legend that draws what the
// graph draws.

const still = (path: string) => `${STILL_URL}${path}`;
const namespaceView = (name: string) => `/?view=${encodeURIComponent(`namespace:${name}`)}&bench=1`;

/** Runs in the page on the graph's cytoscape (exposed with ?bench=1), as it is now. */
async function inGraph<T, A>(page: Page, body: (cy: Core, arg: A) => T, arg: A): Promise<T> {
  const cy = await page.evaluateHandle(
    () => (window as unknown as { trustmapGraph: { cy: Core } }).trustmapGraph.cy,
  );
  try {
    return await cy.evaluate(body as (cy: Core, arg: unknown) => T, arg as unknown);
  } finally {
    await cy.dispose();
  }
}

/** "#10b981" as cytoscape writes colours: "rgb(16,185,129)". */
function rgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255})`;
}

/** The colour of one pixel of the graph's canvas area, as drawn on screen. */
async function pixel(page: Page, x: number, y: number): Promise<[number, number, number]> {
  const png = PNG.sync.read(await page.getByTestId("graph").screenshot());
  const at = (png.width * y + x) * 4;
  return [png.data[at]!, png.data[at + 1]!, png.data[at + 2]!];
}

/** Whether two colours are the same but for rounding (Tailwind's colours are oklch, rounded to bytes). */
function near(a: readonly number[], b: readonly number[]): boolean {
  return a.every((channel, i) => Math.abs(channel - b[i]!) <= 2);
}

/** The port labels drawn now: the edges whose label is not empty, by id. */
function labelledEdges(page: Page): Promise<string[]> {
  return inGraph(
    page,
    (cy) =>
      cy
        .edges()
        .filter((edge) => edge.style("label") !== "")
        .map((edge) => edge.id())
        .sort(),
    undefined,
  );
}

test("port labels are drawn only on the selected edge and on the edges under the pointer", async ({
  page,
}) => {
  await page.goto(still(namespaceView("storefront-prod")));
  await graphReady(page);
  expect(await inGraph(page, (cy) => cy.edges().length, undefined)).toBeGreaterThan(5);
  // Fitted, nothing selected: no label, whatever the zoom.
  expect(await labelledEdges(page)).toEqual([]);
  await inGraph(
    page,
    (cy) => {
      cy.zoom({ level: 2.5, renderedPosition: { x: 300, y: 300 } });
    },
    undefined,
  );
  expect(await labelledEdges(page)).toEqual([]);
  await inGraph(
    page,
    (cy) => {
      cy.fit(undefined, 30);
    },
    undefined,
  );

  // Pointing at a node labels its edges, and only while it is pointed at.
  const hover = await inGraph(
    page,
    (cy) => {
      const node = cy.nodes().max((n) => n.degree(false)).ele;
      return {
        at: node.renderedPosition(),
        edges: node
          .connectedEdges()
          .map((e) => e.id())
          .sort(),
      };
    },
    undefined,
  );
  const box = (await page.getByTestId("graph").boundingBox())!;
  await page.mouse.move(box.x + hover.at.x, box.y + hover.at.y);
  await expect.poll(() => labelledEdges(page)).toEqual(hover.edges);
  await page.mouse.move(box.x + 2, box.y + 2);
  await expect.poll(() => labelledEdges(page)).toEqual([]);
  // Leaving the graph straight from the node (to the page's header, as towards an export
  // button) takes its labels away too: an export never draws what the pointer last pointed at.
  await page.mouse.move(box.x + hover.at.x, box.y + hover.at.y);
  await expect.poll(() => labelledEdges(page)).toEqual(hover.edges);
  await page.mouse.move(box.x + hover.at.x, 2);
  await expect.poll(() => labelledEdges(page)).toEqual([]);

  // A clicked edge is selected and labelled with its ports; no other edge is.
  const edge = await inGraph(
    page,
    (cy) => {
      const one = cy.edges().filter((e) => !e.hasClass("two-way"))[0]!;
      // Nothing else under the point: the click lands on this edge.
      cy.elements().difference(one.union(one.connectedNodes())).style("display", "none");
      return { id: one.id(), from: one.source().id(), to: one.target().id(), at: one.renderedMidpoint() };
    },
    undefined,
  );
  await page.mouse.click(box.x + edge.at.x, box.y + edge.at.y);
  await expect(page).toHaveURL(/sel=edge/);
  expect(new URL(page.url()).searchParams.get("sel")).toBe(`edge:${edge.from} ${edge.to}`);
  await inGraph(
    page,
    (cy) => {
      cy.elements().removeStyle("display");
    },
    undefined,
  );
  await page.mouse.move(box.x + 2, box.y + 2);
  await expect.poll(() => labelledEdges(page)).toEqual([edge.id]);
  const ports = await inGraph(
    page,
    (cy, id) => ({
      label: cy.getElementById(id).style("label"),
      data: cy.getElementById(id).data("portsText"),
    }),
    edge.id,
  );
  expect(ports.label).toBe(ports.data);
  expect(ports.label).not.toBe("");
  await screenshot(page, "legible-edge-selected");
});

test("two-way edges are drawn apart: two lines on screen, not one", async ({ page }) => {
  await page.goto(still("/?bench=1"));
  await graphReady(page);
  const pair = await inGraph(
    page,
    (cy) => {
      const edge = cy.edges(".two-way").filter((e) => !e.isLoop())[0]!;
      const back = edge.target().edgesTo(edge.source())[0]!;
      return {
        style: edge.style("curve-style"),
        there: edge.renderedMidpoint(),
        back: back.renderedMidpoint(),
      };
    },
    undefined,
  );
  expect(pair.style).toBe("bezier");
  // The two midpoints lie apart on screen: the user sees two lines.
  expect(Math.hypot(pair.there.x - pair.back.x, pair.there.y - pair.back.y)).toBeGreaterThan(10);
});

test("the graph follows the system's theme while the page is open", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto(still("/?bench=1"));
  await graphReady(page);
  const labelColour = () => inGraph(page, (cy) => cy.nodes()[0]!.style("color") as string, undefined);
  expect(await labelColour()).toBe(rgb("#0f172a"));
  expect(near(await pixel(page, 3, 3), [255, 255, 255])).toBe(true);

  await page.emulateMedia({ colorScheme: "dark" });
  await expect.poll(labelColour).toBe(rgb("#e2e8f0"));
  // The canvas' background is the page's: slate-950 now.
  await expect.poll(async () => near(await pixel(page, 3, 3), [2, 6, 23])).toBe(true);
  await expect(page.getByTestId("legend").locator("[data-legend-mark=critical]")).toHaveAttribute(
    "data-glow",
    "#fb923c",
  );
  await screenshot(page, "legible-dark");

  await page.emulateMedia({ colorScheme: "light" });
  await expect.poll(labelColour).toBe(rgb("#0f172a"));
});

test("every node of a view is reachable from the list, however many", async ({ page }) => {
  await page.goto(still("/"));
  await graphReady(page);
  const total = Number((await page.getByTestId("view-revision").textContent())!.match(/(\d+) nodes/)![1]);
  const list = page.getByTestId("node-list");
  const rows = list.locator("li");
  // More nodes than the window holds: only some rows are in the page.
  expect(await rows.count()).toBeLessThan(total);
  await expect(rows.first()).toHaveAttribute("aria-setsize", String(total));

  await page.getByTestId("node-list-window").evaluate((element) => {
    element.scrollTop = element.scrollHeight;
  });
  const last = list.locator(`li[aria-posinset="${total}"]`);
  await expect(last).toBeVisible();
  const open = last.getByRole("button", { name: /^Open / });
  const name = (await last.locator("[data-node-label]").getAttribute("data-node-label"))!;
  await open.click();
  await expect(page).toHaveURL(new RegExp(`view=namespace(:|%3A)${name}`));
  await graphReady(page);
});

test("search fades the rest with its edges, and Enter or a result zooms to the matches", async ({ page }) => {
  await page.goto(still(namespaceView("payments-prod")));
  await graphReady(page);
  await page.getByRole("searchbox").fill("postgres");
  const faded = await inGraph(
    page,
    (cy) => ({
      matches: cy.nodes(".match").length,
      fadedEdges: cy
        .nodes(".faded")
        .connectedEdges()
        .map((e) => Number(e.style("opacity"))),
    }),
    undefined,
  );
  expect(faded.matches).toBe(2);
  expect(faded.fadedEdges.length).toBeGreaterThan(0);
  for (const opacity of faded.fadedEdges) expect(opacity).toBeLessThan(0.5);

  // Zoomed out and off to a side: Enter brings the matches back to the middle, closer.
  const before = await inGraph(
    page,
    (cy) => {
      cy.zoom(cy.zoom() / 3);
      cy.panBy({ x: 200, y: -150 });
      return cy.zoom();
    },
    undefined,
  );
  await page.getByRole("searchbox").press("Enter");
  await expect.poll(() => inGraph(page, (cy) => cy.zoom(), undefined)).toBeGreaterThan(before);
  const centred = (p: Page) =>
    inGraph(
      p,
      (cy) => {
        const box = cy.nodes(".match").renderedBoundingBox();
        return {
          dx: Math.abs((box.x1 + box.x2) / 2 - cy.width() / 2),
          dy: Math.abs((box.y1 + box.y2) / 2 - cy.height() / 2),
          inside: box.x1 >= 0 && box.y1 >= 0 && box.x2 <= cy.width() && box.y2 <= cy.height(),
        };
      },
      undefined,
    );
  const shown = await centred(page);
  expect(shown.inside).toBe(true);
  expect(shown.dx).toBeLessThan(5);
  expect(shown.dy).toBeLessThan(5);

  // A result in another namespace: its view opens centred on it.
  const hit = page.locator("[data-search-node^='wl:data-prod/']").first();
  const id = (await hit.getAttribute("data-search-node"))!;
  await hit.click();
  await expect(page).toHaveURL(/view=namespace(:|%3A)data-prod/);
  await graphReady(page);
  await expect
    .poll(() =>
      inGraph(
        page,
        (cy, node) => {
          const shown = cy.getElementById(node);
          if (shown.empty()) return Number.POSITIVE_INFINITY;
          // Its shape and its name, as fitted.
          const box = shown.renderedBoundingBox();
          return Math.hypot((box.x1 + box.x2) / 2 - cy.width() / 2, (box.y1 + box.y2) / 2 - cy.height() / 2);
        },
        id,
      ),
    )
    .toBeLessThan(5);
  await screenshot(page, "legible-search-hit");
});

test("the legend draws each mark as the graph does; a namespace without pods is neutral", async ({
  page,
  request,
}) => {
  await page.goto(still("/?bench=1"));
  await graphReady(page);
  const legend = page.getByTestId("legend");
  const mark = async (key: string) => {
    const swatch = legend.locator(`[data-legend-mark="${key}"]`);
    return {
      shape: (await swatch.getAttribute("data-shape"))!,
      fill: (await swatch.getAttribute("data-fill"))!,
      glow: await swatch.getAttribute("data-glow"),
    };
  };
  const drawn = (selector: string) =>
    inGraph(
      page,
      (cy, s) => {
        const node = cy.nodes(s)[0];
        return node === undefined
          ? undefined
          : {
              shape: node.style("shape") as string,
              fill: node.style("background-color") as string,
              glow: node.style("underlay-color") as string,
            };
      },
      selector,
    );

  for (const kind of ["namespace", "any", "outside"]) {
    const graph = (await drawn(`[kind = "${kind}"]`))!;
    const key = await mark(kind);
    expect(graph.shape, kind).toBe(key.shape);
    if (kind !== "namespace") expect(graph.fill, kind).toBe(rgb(key.fill));
  }
  expect((await mark("outside")).shape).toBe("hexagon");
  for (const posture of ["isolated", "open", "empty"]) {
    const graph = (await drawn(`[kind = "namespace"].${posture}`))!;
    expect(graph, posture).toBeDefined();
    expect(graph.fill, posture).toBe(rgb((await mark(posture)).fill));
  }
  const glow = (await drawn(".critical"))!;
  expect(glow.glow).toBe(rgb((await mark("critical")).glow!));

  // A namespace without pods is drawn neutral, not as isolated, in the graph and in the list.
  const namespaces = NamespaceList.parse(
    await (await request.get(still("/api/namespaces"))).json(),
  ).namespaces;
  const empty = namespaces.find((n) => n.pods === 0)!;
  expect(empty).toBeDefined();
  const node = await inGraph(
    page,
    (cy, id) => ({
      fill: cy.getElementById(id).style("background-color") as string,
      classes: cy.getElementById(id).classes() as string[],
    }),
    `ns:${empty.name}`,
  );
  expect(node.fill).toBe(rgb((await mark("empty")).fill));
  expect(node.fill).not.toBe(rgb((await mark("isolated")).fill));
  expect(node.classes).toContain("empty");
  const dot = page.locator(`[data-node-id="ns:${empty.name}"] span[aria-hidden]`);
  await expect(dot).toHaveCSS("color", rgb((await mark("empty")).fill).replaceAll(",", ", "));
  // The glow singles out the critical: fewer namespaces than have any finding.
  const glowing = await inGraph(page, (cy) => cy.nodes(".critical").length, undefined);
  expect(glowing).toBeGreaterThan(0);
  expect(glowing).toBe(namespaces.filter((n) => n.findings.critical > 0).length);
});
