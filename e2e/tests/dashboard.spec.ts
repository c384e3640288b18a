import { expect, test } from "@playwright/test";
import {
  ClusterInfo,
  Explanation,
  FindingsPage,
  MatrixPage,
  NamespaceList,
  NodeDetails,
} from "@trustmap/shared";
import { expectAccessible, graphReady, inNodeList, screenshot } from "./helpers";

test("opens on the cluster by namespace, says it is the demo, and is accessible", async ({
  page,
  request,
}) => {
  await page.goto("/");
  await graphReady(page);
  await expect(page.getByTestId("source")).toContainText("Demo cluster");
  await expect(page.getByTestId("status-state")).toHaveText("connected");
  const namespaces = NamespaceList.parse(await (await request.get("/api/namespaces")).json()).namespaces;
  // Every namespace with pods is a node of the overview (the list beside the graph says the same).
  for (const ns of namespaces.filter((n) => n.pods > 0).slice(0, 5)) {
    await expect(page.locator(`[data-node-id="ns:${ns.name}"]`)).toBeVisible();
  }
  await screenshot(page, "overview");
  await expectAccessible(page);
});

test("filters the graph by finding severity and by open pods", async ({ page, request }) => {
  await page.goto("/");
  await graphReady(page);
  const all = await page.getByTestId("node-list").locator("[data-node-id^='ns:']").count();
  await page.getByLabel("Findings at least").selectOption("critical");
  await expect(page).toHaveURL(/severity=critical/);
  const critical = page.getByTestId("node-list").locator("[data-node-id^='ns:']");
  await expect.poll(() => critical.count()).toBeLessThan(all);
  const ids = await critical.evaluateAll((items) => items.map((item) => item.getAttribute("data-node-id")));
  expect(ids.length).toBeGreaterThan(0);
  const namespaces = NamespaceList.parse(await (await request.get("/api/namespaces")).json()).namespaces;
  const withCritical = new Set(namespaces.filter((n) => n.findings.critical > 0).map((n) => `ns:${n.name}`));
  for (const id of ids) expect(withCritical.has(id!)).toBe(true);
  await page.getByLabel("Findings at least").selectOption("");
  await page.getByLabel("Open only").check();
  const open = await page
    .getByTestId("node-list")
    .locator("[data-node-id^='ns:']")
    .evaluateAll((items) => items.map((item) => item.getAttribute("data-node-id")));
  const openNamespaces = new Set(
    namespaces.filter((n) => n.openIngressPods + n.openEgressPods > 0).map((n) => `ns:${n.name}`),
  );
  expect(open.length).toBeGreaterThan(0);
  for (const id of open) expect(openNamespaces.has(id!)).toBe(true);
});

test("drills down by click from the cluster to a namespace to a workload, and back by breadcrumbs", async ({
  page,
}) => {
  await page.goto("/");
  await graphReady(page);
  await (await inNodeList(page, page.getByRole("button", { name: "Open storefront-prod" }))).click();
  await expect(page).toHaveURL(/view=namespace:storefront-prod/);
  await graphReady(page);
  await expect(page.getByRole("navigation", { name: "Breadcrumbs" })).toContainText("storefront-prod");
  await screenshot(page, "namespace");
  const open = page
    .getByTestId("node-list")
    .getByRole("button", { name: /^Open storefront-prod\// })
    .first();
  await open.click();
  await expect(page).toHaveURL(/view=workload:/);
  await graphReady(page);
  await expect(page.locator('[data-node-id^="pod:storefront-prod/"]').first()).toBeVisible();
  await screenshot(page, "workload");
  await expectAccessible(page);
  await page
    .getByRole("navigation", { name: "Breadcrumbs" })
    .getByRole("button", { name: "storefront-prod" })
    .click();
  await expect(page).toHaveURL(/view=namespace:storefront-prod/);
  await page
    .getByRole("navigation", { name: "Breadcrumbs" })
    .getByRole("button", { name: "Cluster" })
    .click();
  await expect(page).toHaveURL(/view=overview/);
});

test("drills down by URL, and shows a node's details as the BFF gives them", async ({ page, request }) => {
  await page.goto(`/?view=${encodeURIComponent("namespace:storefront-prod")}`);
  await graphReady(page);
  const first = page.getByTestId("node-list").locator("[data-node-id^='wl:']").first();
  const id = (await first.getAttribute("data-node-id"))!;
  await first.click();
  await expect(page).toHaveURL(/sel=node/);
  const panel = page.getByTestId("node-panel");
  await expect(panel).toBeVisible();
  const details = NodeDetails.parse(await (await request.get(`/api/nodes/${encodeURIComponent(id)}`)).json());
  for (const [key, value] of Object.entries(details.labels)) {
    if (key === "pod-template-hash") continue; // may change with a rollout between the two reads
    await expect(panel.getByTestId("node-labels")).toContainText(`${key}=${value}`);
  }
  for (const policy of details.policies)
    await expect(panel).toContainText(`${policy.namespace}/${policy.name}`);
  // The link keeps the selection: a colleague opening it sees the same panel.
  const url = page.url();
  const other = await page.context().newPage();
  await other.goto(url);
  await expect(other.getByTestId("node-panel")).toBeVisible();
  await other.close();
});

test("explains why two workloads may or may not talk, as the BFF does", async ({ page, request }) => {
  await page.goto(`/?view=${encodeURIComponent("namespace:storefront-prod")}`);
  await graphReady(page);
  const list = page.getByTestId("node-list");
  const web = list.locator("[data-node-id^='wl:']", { hasText: /^● storefront-prod\/web / }).first();
  const api = list.locator("[data-node-id^='wl:']", { hasText: /^● storefront-prod\/api / }).first();
  const from = (await web.getAttribute("data-node-id"))!;
  const to = (await api.getAttribute("data-node-id"))!;
  await web.click();
  await api.click({ modifiers: ["Shift"] });
  const panel = page.getByTestId("edge-panel");
  await expect(panel).toBeVisible();
  const explanation = Explanation.parse(
    await (
      await request.get(`/api/explain?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)
    ).json(),
  );
  expect(explanation.ports).not.toBeNull();
  await expect(panel.getByTestId("edge-ports")).toContainText("Allowed on");
  for (const line of explanation.summary) await expect(panel.getByTestId("edge-summary")).toContainText(line);
  const rules = explanation.pairs[0]!.ingress.allowedBy;
  for (const rule of rules) await expect(panel).toContainText(`${rule.policy} ingress rule ${rule.rule + 1}`);
  await screenshot(page, "edge-explanation");
});

test("shows a live change of the demo without reload", async ({ page, request }) => {
  await page.goto("/");
  await graphReady(page);
  const before = (await page.getByTestId("view-revision").textContent())!;
  const engineBefore = ClusterInfo.parse(await (await request.get("/api/cluster")).json()).revision;
  await expect(page.getByTestId("view-revision")).not.toHaveText(before, { timeout: 45_000 });
  // The patch just shown may come from a step the engine had already reported; the next tick moves it on.
  await expect
    .poll(async () => ClusterInfo.parse(await (await request.get("/api/cluster")).json()).revision, {
      timeout: 30_000,
    })
    .toBeGreaterThan(engineBefore);
  // Paused, the picture stays still while changes queue; resumed, they apply.
  await page.getByRole("button", { name: "Pause" }).click();
  const frozen = (await page.getByTestId("view-revision").textContent())!;
  await expect(page.getByRole("button", { name: /Resume \([1-9]\d* queued\)/ })).toBeVisible({
    timeout: 45_000,
  });
  await expect(page.getByTestId("view-revision")).toHaveText(frozen);
  await page.getByRole("button", { name: /Resume/ }).click();
  await expect(page.getByTestId("view-revision")).not.toHaveText(frozen);
});

test("filters the RBAC matrix: risky only, by subject kind; a cell shows binding, role and rule", async ({
  page,
  request,
}) => {
  await page.goto("/?tab=rbac");
  await expect(page.getByTestId("rbac-table").locator("tbody tr").first()).toBeVisible();
  await screenshot(page, "rbac");
  await expectAccessible(page);
  await page.getByLabel("Risky only").check();
  await expect(page).toHaveURL(/risky=1/);
  const risky = MatrixPage.parse(await (await request.get("/api/rbac?risky=true&limit=100")).json());
  await expect(page.getByTestId("rbac-total")).toHaveText(`${risky.total} subjects`);
  const rows = page.getByTestId("rbac-table").locator("tbody tr");
  await expect(rows).toHaveCount(Math.min(100, risky.total));
  for (const row of await rows.all())
    expect(await row.locator('[data-risky="true"]').count()).toBeGreaterThan(0);
  await page.getByLabel("Subject kind").selectOption("Group");
  const groups = MatrixPage.parse(
    await (await request.get("/api/rbac?risky=true&subjectKind=Group&limit=100")).json(),
  );
  await expect(page.getByTestId("rbac-total")).toHaveText(`${groups.total} subjects`);
  const firstRow = groups.rows[0]!;
  const cell = firstRow.cells.find((c) => c.risks.length > 0)!;
  await page.locator(`[data-subject="${firstRow.ref}"]`).locator('[data-risky="true"]').first().click();
  const panel = page.getByTestId("grant-panel");
  await expect(panel).toContainText(firstRow.ref);
  await expect(panel).toContainText(
    `${cell.grants[0]!.binding} → ${cell.grants[0]!.role} → rule ${cell.grants[0]!.rule + 1}`,
  );
});

test("filters the gaps by severity and namespace, with remediation", async ({ page, request }) => {
  await page.goto("/?tab=gaps");
  await expect(page.getByTestId("gaps-total")).not.toHaveText("…");
  await screenshot(page, "gaps");
  await expectAccessible(page);
  await page.getByLabel("Severity").selectOption("critical");
  const critical = FindingsPage.parse(
    await (await request.get("/api/findings?severity=critical&limit=1000")).json(),
  );
  await expect(page.getByTestId("gaps-total")).toContainText(`${critical.total} findings`);
  const shown = page.locator("[data-finding]");
  // One section per check, each with its first page of findings.
  await expect(page.getByTestId("gaps-check")).toHaveCount(new Set(critical.findings.map((f) => f.id)).size);
  // The export takes the filters shown: the CSV holds the same findings.
  const href = await page.getByTestId("export-csv").getAttribute("href");
  expect(href).toContain("severity=critical");
  const csv = await (await request.get(href!)).text();
  expect(csv.trimEnd().split("\r\n").length).toBeGreaterThanOrEqual(critical.total + 1);
  expect(
    new Set(await shown.evaluateAll((items) => items.map((i) => i.getAttribute("data-finding")))),
  ).toEqual(new Set(critical.findings.map((f) => f.id)));
  await page.getByLabel("Severity").selectOption("");
  await page.getByLabel("Namespace").fill("dev");
  const none = FindingsPage.parse(await (await request.get("/api/findings?namespace=dev&limit=1000")).json());
  await expect(page.getByTestId("gaps-total")).toContainText(`${none.total} findings`);
});
