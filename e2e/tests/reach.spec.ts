import { expect, type Page, test } from "@playwright/test";
import { Explanation, Reach, SearchAnswer } from "@trustmap/shared";
import { DemoCompany } from "../../apps/bff/src/sources/demo/company";
import { portsText } from "../../apps/web/src/features/graph/ports";
import {
  ClusterState,
  namespaceNodeId,
  OUTSIDE,
  reachOf,
  searchNodes,
} from "../../packages/engine/src/index";
import { STILL_URL } from "../servers";
import { expectAccessible, graphReady, screenshot } from "./helpers";

// Who can reach the payments database, asked as a user asks it, on the still demo company (seed
// 1, no changes): the page, the API and an engine built here from the demo's own objects must
// say the same.

function freshEngine(): ClusterState {
  const state = new ClusterState();
  state.applyAll(new DemoCompany(1).snapshot());
  return state;
}

const params = (page: Page) => new URL(page.url()).searchParams;

/**
 * Clicks the middle of the drawn edge from → to, with every element but the two nodes and the
 * edges between them set aside (so that no other node lies over the point): if A → B and B → A
 * were drawn on one line, both clicks would hit the same edge.
 */
async function clickEdge(page: Page, from: string, to: string): Promise<void> {
  const point = await page.evaluate(
    ([f, t]) => {
      type Collection = {
        edgesTo: (other: Collection) => Collection;
        union: (other: Collection) => Collection;
        renderedMidpoint: () => { x: number; y: number };
        removeStyle: (name: string) => void;
        style: (name: string, value: string) => void;
        difference: (other: Collection) => Collection;
        length: number;
      };
      type Core = { getElementById: (id: string) => Collection; elements: () => Collection };
      // The graph's handle, exposed with ?bench=1.
      const cy = (window as unknown as { trustmapGraph: { cy: Core } }).trustmapGraph.cy;
      const a = cy.getElementById(f!);
      const b = cy.getElementById(t!);
      const edge = a.edgesTo(b);
      if (edge.length !== 1) return undefined;
      const pair = a.union(b).union(edge).union(b.edgesTo(a));
      cy.elements().removeStyle("display");
      cy.elements().difference(pair).style("display", "none");
      return edge.renderedMidpoint();
    },
    [from, to],
  );
  expect(point, `an edge ${from} → ${to} is drawn`).toBeDefined();
  const box = (await page.getByTestId("graph").boundingBox())!;
  await page.mouse.click(box.x + point!.x, box.y + point!.y);
}

test("who can reach the payments database: found by search from the cluster view, on which ports, by which rules of both sides", async ({
  page,
  request,
}) => {
  const engine = freshEngine();
  await page.goto(`${STILL_URL}/`);
  await graphReady(page);
  await page.getByRole("searchbox").fill("postgres");
  const search = SearchAnswer.parse(await (await request.get(`${STILL_URL}/api/search?q=postgres`)).json());
  expect(search).toEqual(searchNodes(engine, "postgres", 20));
  const database = search.hits.find((h) => h.kind === "identity" && h.namespace === "payments-prod")!;
  expect(database).toBeDefined();
  const results = page.getByTestId("search-results");
  await expect(results).toContainText(`(${search.hits.length} of ${search.total})`);
  await results
    .locator("li")
    .filter({ hasText: "workload in payments-prod" })
    .first()
    .getByRole("button")
    .click();
  // Taken there: the namespace's view, the workload selected.
  await expect.poll(() => params(page).get("view")).toBe(database.view);
  expect(params(page).get("sel")).toBe(`node:${database.node}`);
  const inbound = page.getByTestId("reach-in");
  await expect(inbound.getByTestId("reach-totals")).toBeVisible();

  const question = { node: database.node, direction: "in" as const, blocked: false, offset: 0, limit: 20 };
  const reach = Reach.parse(
    await (
      await request.get(
        `${STILL_URL}/api/reach?node=${encodeURIComponent(database.node)}&direction=in&limit=20`,
      )
    ).json(),
  );
  expect(reach).toEqual(reachOf(engine, question));
  // The payments api and ledger call postgres on its port 5432 (the demo's catalog says so).
  for (const caller of ["api", "ledger"]) {
    const entry = reach.peers.find(
      (p) => p.peer.namespace === "payments-prod" && p.peer.label === `payments-prod/${caller}`,
    );
    expect(entry, `payments-prod ${caller} reaches the database`).toBeDefined();
    expect(entry!.ports).toContainEqual({ protocol: "TCP", port: 5432 });
    expect(entry!.ingress!.isolated).toBe(true);
    expect(entry!.ingress!.allowedBy.length).toBeGreaterThan(0);
    expect(entry!.egress!.isolated === false || entry!.egress!.allowedBy.length > 0).toBe(true);
  }
  // The panel lists the same peers, in the same order, with their ports and both sides' rules.
  const items = inbound.getByTestId("reach-peer");
  await expect(items).toHaveCount(reach.peers.length);
  expect(
    await items
      .locator("[data-peer-node]")
      .evaluateAll((b) => b.map((e) => e.getAttribute("data-peer-node"))),
  ).toEqual(reach.peers.map((p) => p.peer.node));
  for (const [i, entry] of reach.peers.entries()) {
    await expect(items.nth(i).getByTestId("reach-ports")).toHaveText(portsText(entry.ports));
    const rules = items.nth(i).getByTestId("reach-rules");
    for (const side of [entry.egress, entry.ingress]) {
      for (const rule of side?.allowedBy ?? [])
        await expect(rules).toContainText(`${rule.policy} ${rule.direction} rule ${rule.rule + 1}`);
    }
  }
  await screenshot(page, "reach-payments-database");
  await expectAccessible(page);

  // Blocked peers on request, with the side that denies.
  const blocked = Reach.parse(
    await (
      await request.get(
        `${STILL_URL}/api/reach?node=${encodeURIComponent(database.node)}&direction=in&blocked=true&limit=1000`,
      )
    ).json(),
  );
  expect(blocked.blockedTotal).toBeGreaterThan(0);
  await inbound.getByLabel("show blocked").check();
  await expect(inbound.getByTestId("reach-totals")).toContainText(
    `${blocked.allowedTotal} allowed, ${blocked.blockedTotal} blocked`,
  );
  const denied = blocked.peers.find((p) => p.ports === null && p.ingress?.allowedBy.length === 0)!;
  expect(denied.ingress!.isolated).toBe(true);

  // A peer is a link: it takes the user to that workload.
  const ledger = reach.peers.find((p) => p.peer.label === "payments-prod/ledger")!;
  await inbound
    .locator("[data-peer-node]")
    .filter({ hasText: /^payments-prod\/ledger$/ })
    .first()
    .click();
  await expect.poll(() => params(page).get("sel")).toBe(`node:${ledger.peer.node}`);
});

test("two-way edges are drawn apart: clicking each opens its own direction", async ({ page, request }) => {
  await page.goto(`${STILL_URL}/?bench=1`);
  await graphReady(page);
  const kubeSystem = namespaceNodeId("kube-system");
  for (const [from, to] of [
    [OUTSIDE, kubeSystem],
    [kubeSystem, OUTSIDE],
  ] as const) {
    await clickEdge(page, from, to);
    await expect.poll(() => params(page).get("sel")).toBe(`edge:${from} ${to}`);
    const explanation = Explanation.parse(
      await (
        await request.get(
          `${STILL_URL}/api/explain?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
        )
      ).json(),
    );
    await expect(page.getByTestId("edge-panel").locator("h2")).toHaveText(
      `${explanation.fromName} → ${explanation.toName}`,
    );
    await expect(page.getByTestId("edge-summary")).toContainText(explanation.summary[0]!);
  }
  await screenshot(page, "two-way-edges");
});

test("a panel shows only its own selection's lines, each once, while loading too", async ({ page }) => {
  await page.goto(`${STILL_URL}/?bench=1`);
  await graphReady(page);
  const panel = page.getByTestId("edge-panel");
  const kubeSystem = namespaceNodeId("kube-system");
  const storefront = namespaceNodeId("storefront-prod");
  const payments = namespaceNodeId("payments-prod");
  await clickEdge(page, kubeSystem, OUTSIDE);
  await expect.poll(() => params(page).get("sel")).toBe(`edge:${kubeSystem} ${OUTSIDE}`);
  await expect(panel.locator("li").first()).toBeVisible();
  const first = await panel.locator("li").allInnerTexts();
  expect(first.length).toBeGreaterThan(0);
  expect(new Set(first).size).toBe(first.length);
  // The second answer is slowed down, and every line the panel shows under the second heading
  // is recorded as it appears: the time between the click and the answer is what is judged.
  await page.route(/\/api\/explain\?.*storefront-prod/, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await route.continue();
  });
  const heading = "storefront-prod → payments-prod";
  await page.evaluate((wanted) => {
    const seen: string[] = [];
    Object.assign(window, { linesSeen: seen });
    const record = () => {
      const shown = document.querySelector('[data-testid="edge-panel"]');
      if (shown?.querySelector("h2")?.textContent !== wanted) return;
      for (const li of shown.querySelectorAll("li")) seen.push(li.textContent ?? "");
    };
    new MutationObserver(record).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
    });
  }, heading);
  await clickEdge(page, storefront, payments);
  await expect.poll(() => params(page).get("sel")).toBe(`edge:${storefront} ${payments}`);
  await expect(panel.locator("h2")).toHaveText(heading);
  await expect(panel.getByTestId("edge-ports")).toBeVisible();
  const second = await panel.locator("li").allInnerTexts();
  const seen = await page.evaluate(() => (window as unknown as { linesSeen: string[] }).linesSeen);
  expect(seen.length).toBeGreaterThan(0);
  for (const line of first) {
    expect(second).not.toContain(line);
    expect(seen).not.toContain(line);
  }
  await expect(panel).not.toContainText("kube-system");
});

test("a pod found by search opens its workload's view with the pod selected", async ({ page, request }) => {
  await page.goto(`${STILL_URL}/`);
  await graphReady(page);
  await page.getByRole("searchbox").fill("postgres-1");
  const search = SearchAnswer.parse(await (await request.get(`${STILL_URL}/api/search?q=postgres-1`)).json());
  expect(search).toEqual(searchNodes(freshEngine(), "postgres-1", 20));
  const pod = search.hits.find((h) => h.kind === "pod" && h.namespace === "payments-prod")!;
  expect(pod.label).toBe("postgres-1");
  await page
    .getByTestId("search-results")
    .locator("li")
    .filter({ hasText: "pod in payments-prod" })
    .first()
    .getByRole("button")
    .click();
  await expect.poll(() => params(page).get("view")).toBe(pod.view);
  expect(params(page).get("sel")).toBe(`node:${pod.node}`);
  await expect(page.getByTestId("node-panel")).toBeVisible();
  await expect(page.getByTestId("node-list").locator("[aria-pressed=true]")).toHaveText(/postgres-1/);
});
