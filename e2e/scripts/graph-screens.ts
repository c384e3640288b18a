// Pictures of the graph page in light and dark mode, for a person to look at:
//   tsx scripts/graph-screens.ts http://127.0.0.1:4317 /tmp/screens
// (a BFF on the demo company serving the built web app must be running at that address).
import { mkdirSync } from "node:fs";
import { chromium } from "@playwright/test";
import type { Core } from "../../apps/web/node_modules/cytoscape";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../chromium";

const base = process.argv[2] ?? "http://127.0.0.1:4317";
const out = process.argv[3] ?? "/tmp/trustmap-screens";
mkdirSync(out, { recursive: true });

const views = [
  ["overview", "/?view=overview"],
  ["namespace", `/?view=${encodeURIComponent("namespace:storefront-prod")}`],
  ["search", `/?view=${encodeURIComponent("namespace:payments-prod")}&q=postgres`],
] as const;

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
for (const scheme of ["light", "dark"] as const) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, colorScheme: scheme });
  for (const [name, path] of views) {
    await page.goto(`${base}${path}`);
    await page.getByTestId("view-revision").filter({ hasNotText: "revision -1" }).waitFor();
    await page.waitForTimeout(1500);
    await page.screenshot({ path: `${out}/${name}-${scheme}.png` });
  }
  // The namespace view with one edge selected: its ports are labelled, the others' are not.
  await page.goto(`${base}/?view=${encodeURIComponent("namespace:storefront-prod")}&bench=1`);
  await page.getByTestId("view-revision").filter({ hasNotText: "revision -1" }).waitFor();
  await page.waitForTimeout(1500);
  const edge = await page.evaluate(() => {
    const cy = (window as unknown as { trustmapGraph: { cy: Core } }).trustmapGraph.cy;
    const chosen = cy.edges().max((e) => e.source().degree(false)).ele;
    return { from: chosen.source().id(), to: chosen.target().id() };
  });
  await page.goto(
    `${base}/?view=${encodeURIComponent("namespace:storefront-prod")}&sel=${encodeURIComponent(`edge:${edge.from} ${edge.to}`)}`,
  );
  await page.getByTestId("view-revision").filter({ hasNotText: "revision -1" }).waitFor();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${out}/edge-selected-${scheme}.png` });
  await page.close();
}
await browser.close();
console.log(`pictures in ${out}`);
