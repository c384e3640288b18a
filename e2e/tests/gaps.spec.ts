import { fileURLToPath } from "node:url";
import { expect, type Locator, test } from "@playwright/test";
import {
  encodeNodeId,
  FindingsPage,
  GapsAnswer,
  GapsQuery,
  NamespaceList,
  NodeDetails,
} from "@trustmap/shared";
import { loadExceptions } from "../../apps/bff/src/exceptions/file";
import { DemoCompany } from "../../apps/bff/src/sources/demo/company";
import { ClusterState, gapsAnswer } from "../../packages/engine/src/index";
import { STILL_URL } from "../servers";
import { screenshot } from "./helpers";

// The gaps page on the still demo company (more than 1,000 findings), started with the demo's
// accepted exceptions: every heading holds the engine's true total, and paging reaches every finding.
test.use({ baseURL: STILL_URL });

type Answer = ReturnType<typeof GapsAnswer.parse>;

async function gaps(request: import("@playwright/test").APIRequestContext, query: string): Promise<Answer> {
  const response = await request.get(`/api/gaps${query}`);
  expect(response.status()).toBe(200);
  return GapsAnswer.parse(await response.json());
}

const keyOf = (f: { id: string; objects: readonly string[]; message: string }) =>
  `${f.id}|${f.objects.join(",")}|${f.message}`;

/** Every open finding the engine lists, through the findings API's own pages. */
async function allFindings(request: import("@playwright/test").APIRequestContext) {
  const keys: string[] = [];
  let total = Number.POSITIVE_INFINITY;
  for (let offset = 0; offset < total; offset += 1000) {
    const page = FindingsPage.parse(
      await (await request.get(`/api/findings?limit=1000&offset=${offset}`)).json(),
    );
    total = page.total;
    for (const f of page.findings) keys.push(keyOf(f));
  }
  return keys;
}

test("every pillar heading holds the true total, and paging reaches every finding once", async ({
  page,
  request,
}) => {
  test.setTimeout(240_000);
  const all = await allFindings(request);
  expect(all.length).toBeGreaterThan(1000);
  const cluster = await (await request.get("/api/cluster")).json();
  const answer = await gaps(request, "");
  // The findings list, the cluster's counts and the gaps agree on what is open and what is accepted.
  expect(cluster.counts.findings).toBe(all.length);
  expect(answer.pillars.reduce((sum, p) => sum + p.total, 0)).toBe(all.length);
  expect(answer.total).toBe(all.length);
  expect(cluster.counts.accepted).toBe(answer.accepted.total);
  // Open and accepted findings together are every finding of a fresh engine on the same objects.
  const engine = new ClusterState();
  engine.applyAll(new DemoCompany(1).snapshot());
  const every = engine.findings().map(keyOf);
  expect(all.length + answer.accepted.total).toBe(every.length);

  await page.goto("/?tab=gaps&groups=20&per=10");
  await expect(page.getByTestId("gaps-total")).toContainText(`${answer.total} findings`);
  for (const pillar of answer.pillars)
    await expect(page.getByTestId(`pillar-total-${pillar.pillar}`)).toHaveText(String(pillar.total));
  await screenshot(page, "gaps-grouped");

  const seen: string[] = [];
  const collect = async (group: Locator) => {
    for (const key of await group
      .locator("[data-finding-key]")
      .evaluateAll((items) => items.map((i) => i.getAttribute("data-finding-key")!)))
      seen.push(key);
  };
  let groupPages = 0;
  let findingPages = 0;
  const checks = page.getByTestId("gaps-check");
  const checkCount = await checks.count();
  const checkTotals = answer.pillars.flatMap((p) => p.checks).reduce((sum, c) => sum + c.total, 0);
  expect(checkTotals).toBe(answer.total);
  for (let c = 0; c < checkCount; c++) {
    const check = checks.nth(c);
    for (;;) {
      await collect(check);
      // Groups with more findings than a page: page each through to its end.
      const groups = check.locator(
        '[data-testid="gaps-group"]:has([data-testid="findings-pager-next"]:enabled)',
      );
      const paged = await groups.count();
      for (let g = 0; g < paged; g++) {
        const group = groups.first();
        const pager = group.getByTestId("findings-pager");
        const next = group.getByTestId("findings-pager-next");
        const key = await group.getAttribute("data-group");
        const same = check.locator(`[data-testid="gaps-group"][data-group="${key}"]`);
        while (await next.isEnabled()) {
          const before = await pager.textContent();
          await next.click();
          await expect(same.getByTestId("findings-pager")).not.toHaveText(before!);
          findingPages++;
          await collect(same);
          if (!(await same.getByTestId("findings-pager-next").isEnabled())) break;
        }
      }
      const next = check.getByTestId("groups-pager-next");
      if ((await next.count()) === 0 || !(await next.isEnabled())) break;
      const pager = check.getByTestId("groups-pager");
      const before = await pager.textContent();
      await next.click();
      await expect(pager).not.toHaveText(before!);
      groupPages++;
    }
  }
  expect(groupPages).toBeGreaterThan(0);
  expect(findingPages).toBeGreaterThan(0);
  // Each open finding exactly once; with the accepted ones, exactly the engine's list.
  expect(new Set(seen).size).toBe(seen.length);
  const accepted = (await gaps(request, "?acceptedLimit=500")).accepted.items.map(({ finding }) =>
    keyOf(finding),
  );
  expect([...seen].sort()).toEqual([...all].sort());
  expect([...seen, ...accepted].sort()).toEqual([...every].sort());
});

test("fix-first names the API's first entry and why; accepted exceptions are shown apart and counted", async ({
  page,
  request,
}) => {
  const answer = await gaps(request, "");
  const first = answer.fixFirst.items[0]!;
  // A fresh engine, built here from the demo company's own objects and the same exceptions file,
  // ranks the same first entry for the same reasons and gives every pillar the same total.
  const file = fileURLToPath(new URL("../../apps/bff/demo/exceptions.yaml", import.meta.url));
  const loaded = loadExceptions(file);
  if (!loaded.ok) throw new Error(loaded.messages.join("\n"));
  const state = new ClusterState();
  state.applyAll(new DemoCompany(1).snapshot());
  const fresh = gapsAnswer(state, {
    query: GapsQuery.parse({}),
    exceptions: loaded.exceptions,
    now: Date.now(),
  });
  expect(first).toEqual(fresh.fixFirst.items[0]);
  expect(answer.fixFirst.total).toBe(fresh.fixFirst.total);
  expect(answer.pillars.map((p) => [p.pillar, p.total])).toEqual(
    fresh.pillars.map((p) => [p.pillar, p.total]),
  );
  expect(answer.accepted.total).toBe(fresh.accepted.total);
  await page.goto("/?tab=gaps");
  const entry = page.getByTestId("fix-entry").first();
  await expect(entry.getByTestId("fix-name")).toHaveText(first.name);
  await expect(entry.getByTestId("fix-score")).toHaveText(String(first.score));
  await expect(entry.getByTestId("fix-why")).toHaveText(first.why.join("; "));
  await expect(page.getByTestId("fix-first-scoring")).toHaveText(answer.scoring);
  // The demo's exceptions: the CNI agent's privileged pods are accepted, a lapsed one is open again.
  expect(answer.accepted.total).toBeGreaterThan(0);
  expect(answer.expired).toBeGreaterThan(0);
  await expect(page.getByTestId("accepted-total")).toHaveText(String(answer.accepted.total));
  const shown = page.getByTestId("accepted-finding");
  await expect(shown).toHaveCount(Math.min(answer.accepted.total, 20));
  await expect(shown.first()).toContainText("must run privileged");
  await expect(shown.first()).toContainText("owner platform-team");
  await expect(page.getByTestId("expired")).toContainText(String(answer.expired));
  await page.getByTestId("accepted").scrollIntoViewIfNeeded();
  await screenshot(page, "gaps-accepted");
});

test("the graph leaves accepted findings out of its marks and lists them apart in the node panel", async ({
  page,
  request,
}) => {
  const id = encodeNodeId({ kind: "namespace", namespace: "kube-system" });
  const details = NodeDetails.parse(await (await request.get(`/api/nodes/${encodeURIComponent(id)}`)).json());
  // The demo's file accepts the CNI agent's privileged pods in kube-system.
  expect(details.accepted.length).toBeGreaterThan(0);
  expect(details.findings.some((f) => details.accepted.some((a) => a.finding.message === f.message))).toBe(
    false,
  );
  const namespaces = NamespaceList.parse(await (await request.get("/api/namespaces")).json()).namespaces;
  expect(namespaces.find((ns) => ns.name === "kube-system")!.accepted).toBe(details.accepted.length);
  await page.goto(`/?sel=${encodeURIComponent(`node:${id}`)}`);
  const panel = page.getByTestId("node-panel");
  const shown = Math.min(details.accepted.length, 50);
  await expect(panel.getByRole("heading", { name: /^Accepted \(/ })).toHaveText(
    details.accepted.length > 50 ? `Accepted (50 of ${details.accepted.length})` : `Accepted (${shown})`,
  );
  await expect(panel.getByText(`Accepted: ${details.accepted[0]!.exception.reason}`).first()).toBeVisible();
  await expect(panel.getByRole("heading", { name: /^Findings \(/ })).toHaveText(
    details.findings.length > 50
      ? `Findings (50 of ${details.findings.length})`
      : `Findings (${details.findings.length})`,
  );
});
