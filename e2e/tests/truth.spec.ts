import { expect, type Page, test } from "@playwright/test";
import { checkCodeScanningSarif, validateSarif } from "@trustmap/cli/testing/formats";
import { ClusterInfo } from "@trustmap/shared";
import { PNG } from "pngjs";
import { screenshot } from "./helpers";

// Pages that tell the truth about themselves: the connection's real status on every page and in
// their pictures, each page's own URL parameters, and a namespace that does not exist said so.

async function expectTrueStatus(page: Page): Promise<void> {
  const cluster = ClusterInfo.parse(await (await page.request.get("/api/cluster")).json());
  expect(cluster.status.state).toBe("connected");
  await expect(page.getByTestId("status-state")).toHaveText("connected", { timeout: 5_000 });
  await expect(page.getByTestId("source")).toContainText("Demo cluster", { timeout: 5_000 });
}

test("the matrix and the gaps opened directly show the real status and the demo badge, after a reload too", async ({
  page,
}) => {
  for (const path of ["/?tab=rbac", "/?tab=gaps&severity=critical"]) {
    await page.goto(path);
    await expectTrueStatus(page);
    await page.reload();
    await expectTrueStatus(page);
    await expect(page.getByTestId("status-state")).not.toContainText("reconnecting");
  }
  await screenshot(page, "truth-gaps-status");
});

test("each page keeps its own URL parameters, and a shared link shows its own alone", async ({ page }) => {
  await page.goto("/?tab=gaps&severity=critical&ns=payments-prod");
  await expect(page.getByLabel("Severity")).toHaveValue("critical");
  await expect(page.getByLabel("Namespace", { exact: true })).toHaveValue("payments-prod");

  await page.getByRole("tab", { name: "Graph" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByLabel("Findings at least")).toHaveValue("");
  await page.getByLabel("Findings at least").selectOption("high");
  await expect(page).toHaveURL(/\?severity=high$/);

  await page.getByRole("tab", { name: "RBAC matrix" }).click();
  await expect(page).toHaveURL(/\?tab=rbac$/);
  await expect(page.getByLabel("Namespace", { exact: true })).toHaveValue("");
  await page.getByLabel("Namespace", { exact: true }).fill("kube-system");
  await expect(page).toHaveURL(/ns=kube-system/);
  await screenshot(page, "truth-rbac-own-params");

  await page.getByRole("tab", { name: "Gaps" }).click();
  await expect(page.getByLabel("Severity")).toHaveValue("critical");
  await expect(page.getByLabel("Namespace", { exact: true })).toHaveValue("payments-prod");
  expect(new URL(page.url()).searchParams.get("ns")).toBe("payments-prod");

  await page.getByRole("tab", { name: "Graph" }).click();
  await expect(page.getByLabel("Findings at least")).toHaveValue("high");
  expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ severity: "high" });

  await page.getByRole("tab", { name: "RBAC matrix" }).click();
  await expect(page.getByLabel("Namespace", { exact: true })).toHaveValue("kube-system");

  // Back goes to the page before with its parameters.
  await page.goBack();
  await expect(page.getByLabel("Findings at least")).toHaveValue("high");

  // A reload keeps each page's parameters for this tab.
  await page.reload();
  await page.getByRole("tab", { name: "Gaps" }).click();
  await expect(page.getByLabel("Severity")).toHaveValue("critical");
  await expect(page.getByLabel("Namespace", { exact: true })).toHaveValue("payments-prod");
});

test("a namespace or a workload that does not exist is said so, not drawn blank", async ({ page }) => {
  await page.goto(`/?view=${encodeURIComponent("namespace:no-such-namespace")}`);
  const state = page.getByTestId("view-state");
  await expect(state).toHaveText('No namespace named "no-such-namespace" in the cluster now.', {
    timeout: 15_000,
  });
  await expect(state).toHaveAttribute("role", "alert");
  await screenshot(page, "truth-no-namespace");

  await page.goto(`/?view=${encodeURIComponent("workload:payments-prod/app=ghost")}`);
  await expect(page.getByTestId("view-state")).toContainText("No workload", { timeout: 15_000 });

  // A namespace that exists: drawn, and no such sentence.
  await page.goto(`/?view=${encodeURIComponent("namespace:payments-prod")}`);
  await expect(page.getByTestId("node-list").locator("li").first()).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId("view-state")).toHaveCount(0);
});

test("the PNG of the gaps page carries the source's true status as of the capture", async ({ page }) => {
  // The capture page as the BFF's Chromium opens it: no stream, the status the BFF answers.
  await page.goto("/?tab=gaps&severity=critical&capture=1");
  const status = page.getByTestId("status");
  await expect(status).toHaveAttribute("data-ready", "true", { timeout: 15_000 });
  const badge = page.getByTestId("status-state");
  await expect(badge).toHaveText("connected");
  await expect(status).toContainText(/captured .* · revision \d+/);
  await expect(page.getByTestId("source")).toContainText("Demo cluster");
  await screenshot(page, "truth-capture");
  // The badge's own colour (a pixel of its padding), as this Chromium draws it.
  const box = (await badge.boundingBox())!;
  const own = PNG.sync.read(await page.screenshot());
  const pick = (png: PNG, x: number, y: number) => {
    const i = (Math.round(y) * png.width + Math.round(x)) * 4;
    return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
  };
  const colour = pick(own, box.x + 2, box.y + box.height / 2);

  const response = await page.request.get(
    `/api/export/page.png?page=gaps&query=${encodeURIComponent("tab=gaps&severity=critical")}`,
  );
  expect(response.ok(), await response.text().catch(() => "")).toBe(true);
  const shot = PNG.sync.read(await response.body());
  // The header band of the picture holds a badge of that colour, about the badge's size.
  let matching = 0;
  for (let y = 0; y < Math.min(shot.height, Math.ceil(box.y + box.height + 20)); y++) {
    for (let x = 0; x < shot.width; x++) {
      const [r, g, b] = pick(shot, x, y);
      if (Math.abs(r! - colour[0]!) + Math.abs(g! - colour[1]!) + Math.abs(b! - colour[2]!) < 12) matching++;
    }
  }
  expect(matching).toBeGreaterThan(box.width * box.height * 0.5);
  expect(matching).toBeLessThan(box.width * box.height * 1.5);
});

test("the demo cluster's SARIF passes the OASIS schema and GitHub code scanning's upload rules", async ({
  request,
}) => {
  const text = await (await request.get("/api/export/report.sarif")).text();
  expect(validateSarif(text)).toEqual([]);
  expect(checkCodeScanningSarif(text)).toEqual([]);
  const results = JSON.parse(text).runs[0].results as { locations: unknown[] }[];
  expect(results.length).toBeGreaterThan(1000);
  expect(results.every((result) => result.locations.length === 1)).toBe(true);
});
