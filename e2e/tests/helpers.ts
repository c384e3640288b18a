import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { expect, type Locator, type Page } from "@playwright/test";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** axe-core on the page as it is: no violation allowed. */
export async function expectAccessible(page: Page): Promise<void> {
  // Evaluated through the DevTools protocol: the page's CSP (no inline scripts) stays as it is.
  await page.evaluate(`(() => { ${AXE}\n })()`);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            context: Document,
          ) => Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document);
    return result.violations.map(
      (v) =>
        `${v.id}: ${v.help} (${v.nodes
          .map((n) => n.target.join(" "))
          .slice(0, 3)
          .join("; ")})`,
    );
  });
  expect(violations).toEqual([]);
}

/** Saves a screenshot of the page as a test artifact. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: false });
}

/** Waits until the graph holds a view (its revision is shown) at its own positions (laid out). */
export async function graphReady(page: Page): Promise<void> {
  await expect(page.getByTestId("view-revision")).not.toContainText("revision -1", { timeout: 30_000 });
  await expect(page.getByTestId("node-list").locator("li").first()).toBeVisible();
  await expect(page.getByTestId("graph")).toHaveAttribute("data-layout", "settled", { timeout: 30_000 });
}

/**
 * Scrolls the node list (a window: only the rows in sight are in the page) until this row of it
 * is rendered, then returns it.
 */
export async function inNodeList(page: Page, row: Locator): Promise<Locator> {
  const window = page.getByTestId("node-list-window");
  await window.evaluate((element) => {
    element.scrollTop = 0;
  });
  for (;;) {
    if ((await row.count()) > 0) return row;
    const moved = await window.evaluate((element) => {
      const before = element.scrollTop;
      element.scrollTop = before + element.clientHeight;
      return element.scrollTop !== before;
    });
    if (!moved) break;
    // The list renders the rows of the new window on its scroll event.
    await page.waitForTimeout(50);
  }
  await expect(row, "a row of the node list").not.toHaveCount(0);
  return row;
}
