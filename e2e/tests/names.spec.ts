import { readFile } from "node:fs/promises";
import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import { parseCsvStrict } from "@trustmap/cli/testing/formats";
import { EvidenceReport, NamespaceList } from "@trustmap/shared";
import { LIVE_PORT, STILL_URL } from "../servers";
import { graphReady, inNodeList, screenshot } from "./helpers";

// No internal key and no control character reaches a page, a URL or a download: every page of
// the still demo is visited, its visible text, its address after each step and its links are
// scanned, and so are the report's JSON and CSV. Workloads show the names people use.

test.use({ baseURL: STILL_URL });

/** Control characters: U+0000–U+001F and U+007F; files may hold tabs and line breaks. */
function controlCharacters(text: string, layout: boolean): string[] {
  const found: string[] = [];
  for (const c of text) {
    const code = c.charCodeAt(0);
    if (layout && (c === "\t" || c === "\n" || c === "\r")) continue;
    if (code < 0x20 || code === 0x7f) found.push(`U+${code.toString(16).padStart(4, "0")}`);
  }
  return found;
}

/**
 * The identity keys of old: fields joined by U+0001–U+0003 (`%01` in links), or a JSON array
 * `["namespace",[["label","value"]],[]]` for odd names.
 */
function internalKeys(text: string): string[] {
  const found: string[] = [];
  for (const marker of ["\u0001", "\u0002", "\u0003", "%01", "%02", "%03", '",[["', "%22%2C%5B%5B%22"])
    if (text.toUpperCase().includes(marker.toUpperCase())) found.push(JSON.stringify(marker));
  if (text.startsWith('["')) found.push("a JSON array");
  return found;
}

function decoded(url: string): string {
  try {
    return decodeURIComponent(url.replaceAll("+", " "));
  } catch {
    return url;
  }
}

/** The page's text, address and link targets hold no control character and no internal key. */
async function scan(page: Page, where: string): Promise<void> {
  // All text of the page, shown or not, and the names of things a screen reader says.
  const text = await page.evaluate(() =>
    [
      document.body.textContent ?? "",
      ...[...document.querySelectorAll("[aria-label], [title], [data-node-label]")].flatMap((e) => [
        e.getAttribute("aria-label") ?? "",
        e.getAttribute("title") ?? "",
        e.getAttribute("data-node-label") ?? "",
      ]),
    ].join("\n"),
  );
  expect(controlCharacters(text, true), `${where}: text`).toEqual([]);
  expect(internalKeys(text), `${where}: text`).toEqual([]);
  const links = await page.evaluate(() =>
    [...document.querySelectorAll("a[href]")].map((a) => (a as HTMLAnchorElement).href),
  );
  for (const url of [page.url(), ...links]) {
    expect(controlCharacters(decoded(url), false), `${where}: ${url}`).toEqual([]);
    expect(internalKeys(url), `${where}: ${url}`).toEqual([]);
    expect(internalKeys(decoded(url)), `${where}: ${url}`).toEqual([]);
  }
  // The old way of showing a key: hundreds of characters without a space in a heading.
  const headings = await page.evaluate(() =>
    [...document.querySelectorAll("h1, h2, h3, nav")].map((h) => h.textContent ?? ""),
  );
  for (const heading of headings) expect(heading.length, `${where}: heading ${heading}`).toBeLessThan(200);
}

/** Every string of a JSON value. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, out);
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      out.push(key);
      strings(item, out);
    }
  }
  return out;
}

function expectClean(texts: readonly string[], where: string): void {
  const offending = texts.filter(
    (text) => controlCharacters(text, true).length + internalKeys(text).length > 0,
  );
  expect(
    offending.map((text) => text.slice(0, 120)),
    where,
  ).toEqual([]);
}

async function selectNode(page: Page, id: string, where: string): Promise<void> {
  await (await inNodeList(page, page.getByTestId("node-list").locator(`[data-node-id="${id}"]`))).click();
  await expect(page.getByTestId("node-panel")).toBeVisible();
  await scan(page, where);
}

test("no page, address or link shows a control character or an internal key", async ({ page }) => {
  await page.goto("/");
  await graphReady(page);
  await scan(page, "overview");
  await selectNode(page, "ns:payments-prod", "overview, payments-prod selected");
  await expect(page.getByTestId("node-panel").getByRole("heading", { level: 2 })).toHaveText("payments-prod");

  await (await inNodeList(page, page.getByRole("button", { name: "Open payments-prod" }))).click();
  await expect(page).toHaveURL(/view=namespace:payments-prod/);
  await graphReady(page);
  await scan(page, "namespace payments-prod");

  // The StatefulSet's two pods are two identities (each pod has its own pod-name label): named
  // by their owner and that label, not twice "postgres" nor by their keys.
  const list = page.getByTestId("node-list");
  const postgres = list.locator("[data-node-label^='payments-prod/postgres']");
  await expect(postgres).toHaveCount(2);
  expect(
    (await postgres.evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-node-label")))).sort(),
  ).toEqual(["payments-prod/postgres (postgres-0)", "payments-prod/postgres (postgres-1)"]);
  const first = postgres.first();
  const name = (await first.getAttribute("data-node-label"))!;
  const id = (await first.getAttribute("data-node-id"))!;
  expect(id).toMatch(/^wl:payments-prod\/app=postgres,/);
  await first.click();
  const panel = page.getByTestId("node-panel");
  await expect(panel.getByRole("heading", { level: 2 })).toHaveText(name);
  await scan(page, "postgres selected");

  // A pair: the edge panel's headings name both ends.
  const api = list.locator("[data-node-label='payments-prod/api']");
  await api.click({ modifiers: ["Shift"] });
  const edge = page.getByTestId("edge-panel");
  await expect(edge).toBeVisible();
  await expect(edge.getByRole("heading", { level: 2 })).toHaveText(`${name} → payments-prod/api`);
  await expect(edge.getByRole("heading", { level: 3 }).first()).toContainText(`${name} → payments-prod/api`);
  await scan(page, "pair postgres, api");
  await screenshot(page, "names-pair");

  // The shared link of the pair opens the same panel, and reads as ids, not escapes.
  const link = page.url();
  expect(link).toContain(`sel=pair:${id}%20wl:payments-prod/`);
  const other = await page.context().newPage();
  await other.goto(link);
  await expect(other.getByTestId("edge-panel").getByRole("heading", { level: 2 })).toHaveText(
    `${name} → payments-prod/api`,
  );
  await other.close();

  // The workload view: its crumb and caption carry the name.
  await page.getByRole("button", { name: `Open ${name}` }).click();
  await expect(page).toHaveURL(/view=workload:payments-prod\/app=postgres,/);
  await graphReady(page);
  await expect(page.getByRole("navigation", { name: "Breadcrumbs" })).toContainText(name);
  await scan(page, "workload postgres-0");
  await screenshot(page, "names-workload");

  // The graph's SVG names the workload in its caption, and its text holds no key.
  const controls = page.getByRole("group", { name: "Export the graph as an image" });
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    controls.getByRole("button", { name: "SVG", exact: true }).click(),
  ]);
  const svg = await readFile(await download.path(), "utf8");
  expect(svg).toContain(`Trustmap · Workload ${name} in namespace payments-prod`);
  expectClean([svg], "graph SVG");
  expectClean([download.suggestedFilename()], "graph SVG file name");

  // A pod: named by its name.
  const pod = page.getByTestId("node-list").locator("[data-node-id^='pod:payments-prod/postgres-']").first();
  const podId = (await pod.getAttribute("data-node-id"))!;
  await selectNode(page, podId, "pod selected");
  await expect(page.getByTestId("node-panel").getByRole("heading", { level: 2 })).toHaveText(
    podId.slice("pod:payments-prod/".length),
  );

  // An edge from the workload view's list of edges is not clickable; one by its link is.
  const outside = `/?view=${encodeURIComponent("namespace:payments-prod")}&sel=${encodeURIComponent(`edge:outside ${id}`)}`;
  await page.goto(outside);
  await expect(page.getByTestId("edge-panel")).toBeVisible();
  await expect(page.getByTestId("edge-panel").getByRole("heading", { level: 2 })).toHaveText(
    `outside the cluster → ${name}`,
  );
  await scan(page, "edge outside → postgres");

  await page.goto("/?tab=rbac");
  await expect(page.getByTestId("rbac-table")).toBeVisible();
  await scan(page, "RBAC");
  await page.goto("/?tab=gaps");
  await expect(page.getByTestId("gaps-total")).toBeVisible();
  await scan(page, "gaps");
  await page.goto("/report?namespace=payments-prod");
  await page.waitForSelector("html[data-report-ready]", { state: "attached", timeout: 60_000 });
  await scan(page, "report page");
});

test("a link with an identity key of old opens the cluster and says so", async ({ page }) => {
  await page.goto(`/?view=${encodeURIComponent("workload:payments-prod\u0001app\u0002postgres")}`);
  await expect(page.getByTestId("unknown-view")).toBeVisible();
  await graphReady(page);
  await expect(page.locator('[data-node-id="ns:payments-prod"]')).toBeVisible();
});

test("the report's JSON, CSV and SARIF hold no control character and no internal key", async ({
  request,
}) => {
  for (const query of ["", "?namespace=payments-prod"]) {
    const json = await request.get(`/api/export/report.json${query}`);
    expect(json.ok()).toBe(true);
    const report = EvidenceReport.parse(await json.json());
    expectClean(strings(report), `report.json${query}`);
    expect(report.graph.nodes.length).toBeGreaterThan(0);
    const csv = await request.get(`/api/export/report.csv${query}`);
    expect(csv.ok()).toBe(true);
    const table = parseCsvStrict(await csv.text());
    expect(table.errors).toEqual([]);
    expect(table.rows.length).toBeGreaterThan(1);
    expectClean(table.rows.flat(), `report.csv${query}`);
    const sarif = await request.get(`/api/export/report.sarif${query}`);
    expect(sarif.ok()).toBe(true);
    expectClean(strings(await sarif.json()), `report.sarif${query}`);
  }
});

interface Rollout {
  readonly namespace: string;
  readonly app: string;
  readonly names: string[];
  readonly expected: string[];
}

/**
 * Two identities of one Deployment with different versions: the live demo's rollouts make them.
 * Of the app `only` names when given, else of the first app of the first namespace that has one.
 */
async function rollout(
  request: APIRequestContext,
  base: string,
  only?: { namespace: string; app: string },
): Promise<Rollout | undefined> {
  const namespaces = NamespaceList.parse(await (await request.get(`${base}/api/namespaces`)).json());
  for (const { name: namespace } of namespaces.namespaces) {
    if (only !== undefined && namespace !== only.namespace) continue;
    const report = EvidenceReport.parse(
      await (await request.get(`${base}/api/export/report.json?namespace=${namespace}`)).json(),
    );
    const byApp = new Map<string, { label: string; version: string }[]>();
    for (const node of report.graph.nodes) {
      if (node.kind !== "identity" || node.namespace !== namespace) continue;
      const app = node.labels?.app;
      const version = node.labels?.["app.kubernetes.io/version"];
      if (app === undefined || version === undefined || node.labels?.["pod-template-hash"] === undefined)
        continue;
      byApp.set(app, [...(byApp.get(app) ?? []), { label: node.label, version }]);
    }
    for (const [app, nodes] of byApp) {
      if (only !== undefined && app !== only.app) continue;
      if (nodes.length !== 2 || nodes[0]!.version === nodes[1]!.version) continue;
      return {
        namespace,
        app,
        names: nodes.map((n) => n.label).sort(),
        // The Deployment is named after its app in the demo; its versions tell the two apart.
        expected: nodes.map((n) => `${namespace}/${app} app.kubernetes.io/version=${n.version}`).sort(),
      };
    }
  }
  return undefined;
}

test("two versions of one app, mid-rollout on the live demo, are named by their version", async ({
  page,
  request,
}) => {
  test.setTimeout(150_000);
  const live = `http://127.0.0.1:${LIVE_PORT}`;
  const deadline = Date.now() + 120_000;
  // A rollout may end before the page has drawn it: then the test waits for the next one.
  let seen: Rollout | undefined;
  while (seen === undefined && Date.now() < deadline) {
    let found: Rollout | undefined;
    await expect
      .poll(
        async () => {
          found = await rollout(request, live);
          return found !== undefined;
        },
        { timeout: Math.max(1000, deadline - Date.now()), intervals: [1000] },
      )
      .toBe(true);
    const running = found!;
    expect(running.names).toEqual(running.expected);
    await page.goto(`${live}/?view=${encodeURIComponent(`namespace:${running.namespace}`)}`);
    await graphReady(page);
    // The page draws the engine's names: both versions, named alike, while the rollout runs.
    const base = `${running.namespace}/${running.app}`;
    // The list is a window over the view's nodes: a search brings the app's rows into it, as a user finds them.
    await page.getByRole("searchbox").fill(base);
    const labels = page.getByTestId("node-list").locator(`[data-node-label^='${base} ']`);
    const outcome = { now: "differs" as "drawn" | "ended" | "differs" };
    await expect
      .poll(
        async () => {
          const shown = await labels.evaluateAll((nodes) =>
            nodes.map((n) => n.getAttribute("data-node-label")),
          );
          // The same app's rollout: another app's may be running meanwhile, and this one may have ended.
          const now = await rollout(request, live, running);
          outcome.now =
            now === undefined
              ? "ended"
              : JSON.stringify(shown.sort()) === JSON.stringify(now.names)
                ? "drawn"
                : "differs";
          return outcome.now;
        },
        { timeout: 10_000 },
      )
      .not.toBe("differs");
    if (outcome.now === "drawn") seen = running;
  }
  expect(seen, "no rollout stayed running long enough for the page to draw it").toBeDefined();
  test.info().annotations.push({ type: "rollout", description: seen!.names.join(" | ") });
  await scan(page, `live namespace ${seen!.namespace}`);
});
