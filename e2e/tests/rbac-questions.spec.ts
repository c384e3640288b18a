import { expect, test } from "@playwright/test";
import { MatrixPage, WhoCanAnswer } from "@trustmap/shared";
import { DemoSource } from "../../apps/bff/src/sources/demo";
import {
  ClusterState,
  type RulesOf,
  resourceQueryOf,
  roleRef,
  whoCan,
} from "../../packages/engine/src/index";
import { STILL_URL } from "../servers";
import { expectAccessible, screenshot } from "./helpers";

// "Who can read secrets in payments-prod?" asked on the RBAC page of the still demo company
// (seed 1, no changes): the page's answer is the API's, and a fresh engine's over the same company.

function freshEngine() {
  const state = new ClusterState();
  state.applyAll(new DemoSource({ seed: 1, intervalMs: 0 }).snapshot());
  return state;
}

test("answers who can get secrets in payments-prod: every cluster-wide * holder first, each traced", async ({
  page,
  request,
}) => {
  await page.goto(`${STILL_URL}/?tab=rbac`);
  const form = page.getByTestId("who-can");
  await form.getByLabel("who can: verb").fill("get");
  await form.getByLabel("who can: resource").fill("secrets");
  await form.getByLabel("who can: in namespace").fill("payments-prod");
  await form.getByRole("button", { name: "Ask" }).click();
  const answer = page.getByTestId("who-can-answer");
  await expect(answer).toBeVisible({ timeout: 30_000 });
  const shown = await answer
    .locator("ol > li")
    .evaluateAll((items) => items.map((li) => li.getAttribute("data-subject")));

  const api = WhoCanAnswer.parse(
    await (
      await request.get(
        `${STILL_URL}/api/rbac/who-can?verb=get&resource=secrets&namespace=payments-prod&limit=1000`,
      )
    ).json(),
  );
  expect(api.total).toBe(api.subjects.length);
  expect(shown).toEqual(api.subjects.map((s) => s.ref));
  await expect(page.getByTestId("who-can-total")).toHaveText(`${api.total} subjects:`);

  const state = freshEngine();
  const rulesOf: RulesOf = (role) => state.rbacIndex.resolved.get(roleRef(role))?.rules ?? role.rules;
  const engine = whoCan(
    state.rbac(),
    { verb: "get", target: resourceQueryOf("secrets"), namespace: "payments-prod" },
    rulesOf,
  );
  expect(shown).toEqual(engine.map((e) => e.ref));

  // Every subject holding "*" on "*/*" through a ClusterRoleBinding, read from the grants here,
  // comes first (the still company has not yet made the incident's binding of s.ito).
  const fullAccess = state
    .rbac()
    .filter((rights) =>
      rights.grants.some(
        (g) =>
          g.namespace === "*" &&
          g.rule.verbs.includes("*") &&
          g.rule.apiGroups.includes("*") &&
          g.rule.resources.includes("*") &&
          g.rule.resourceNames.length === 0,
      ),
    )
    .map((rights) => engine.find((e) => e.subject === rights.subject)?.ref);
  expect(fullAccess).toEqual(
    expect.arrayContaining([
      "ServiceAccount/argocd/argocd-application-controller",
      "Group/system:masters",
      "Group/platform-admins",
      "User/m.keller@acme.example",
    ]),
  );
  expect(new Set(shown.slice(0, fullAccess.length))).toEqual(new Set(fullAccess));
  for (const ref of fullAccess) expect(api.subjects.find((s) => s.ref === ref)?.worst).toBe("critical");

  // The ledger may only get its one named secret, and says so.
  const ledger = answer.locator('li[data-subject="ServiceAccount/payments-prod/ledger"]');
  await expect(ledger).toContainText("only ledger-db-credentials");
  await expect(answer.locator('li[data-subject="Group/system:masters"]')).toContainText(
    "ClusterRoleBinding/cluster-admin → ClusterRole/cluster-admin",
  );
  await screenshot(page, "rbac-who-can");
  await expectAccessible(page);

  // What may the Argo CD controller do: its rules, from the answer.
  await answer.getByRole("button", { name: "ServiceAccount/argocd/argocd-application-controller" }).click();
  const panel = page.getByTestId("can-i-panel");
  await expect(panel).toContainText("* on */*");
  await expect(panel).toContainText("rbac-cluster-admin-binding");
});

test("filters the matrix by what the grants allow: a wildcard holder is listed with the cell that grants", async ({
  page,
  request,
}) => {
  await page.goto(`${STILL_URL}/?tab=rbac&kind=ServiceAccount&ns=payments-prod&resource=secrets&verb=get`);
  const api = MatrixPage.parse(
    await (
      await request.get(
        `${STILL_URL}/api/rbac?subjectKind=ServiceAccount&namespace=payments-prod&resource=secrets&verb=get&limit=100`,
      )
    ).json(),
  );
  await expect(page.getByTestId("rbac-total")).toHaveText(`${api.total} subjects`, { timeout: 30_000 });
  const rows = page.getByTestId("rbac-table").locator("tbody tr");
  await expect(rows).toHaveCount(api.rows.length);
  expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-subject")))).toEqual(
    api.rows.map((r) => r.ref),
  );
  const argocd = page.locator('tr[data-subject="ServiceAccount/argocd/argocd-application-controller"]');
  await expect(argocd).toContainText("cluster · */*: *");
  await expect(page.locator('tr[data-subject="ServiceAccount/payments-prod/ledger"]')).toContainText(
    "core/secrets: get (only ledger-db-credentials)",
  );
});

test("shows that a new filter is loading while the previous rows are still drawn", async ({ page }) => {
  await page.goto(`${STILL_URL}/?tab=rbac`);
  await expect(page.getByTestId("rbac-table").locator("tbody tr").first()).toBeVisible({ timeout: 30_000 });
  // Hold the next answer of the matrix until the page has been looked at.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route(/\/api\/rbac\?.*verb=list/, async (route) => {
    await held;
    await route.continue();
  });
  await page.getByLabel("Verb", { exact: true }).fill("list");
  await expect(page.getByTestId("rbac-loading")).toHaveText("Loading…");
  await expect(page.getByTestId("rbac-table")).toHaveAttribute("aria-busy", "true");
  release();
  await expect(page.getByTestId("rbac-loading")).toHaveCount(0);
  await expect(page.getByTestId("rbac-table")).toHaveAttribute("aria-busy", "false");
});
