import { expect, test } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../chromium";
import { LIVE_PORT } from "../servers";

// DNS rebinding: a web site's own name made to resolve to this machine, its page then reads the
// BFF as its own origin. Chromium here resolves evil.example to 127.0.0.1, as such a site would.
test.use({
  launchOptions: {
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, "--host-resolver-rules=MAP evil.example 127.0.0.1"],
  },
});

const EVIL = `http://evil.example:${LIVE_PORT}`;
const OWN = `http://127.0.0.1:${LIVE_PORT}`;

test("a page under another name that resolves to this machine reads nothing: API and app refused", async ({
  page,
}) => {
  const api = await page.goto(`${EVIL}/api/cluster`);
  expect(api?.status()).toBe(421);
  const refusal = (await api!.json()) as { error: string };
  expect(refusal.error).toContain(`Host "evil.example:${LIVE_PORT}" is not a name this Trustmap answers to`);
  expect(refusal.error).toContain("--allow-host");
  expect(JSON.stringify(refusal)).not.toContain("revision");

  const app = await page.goto(`${EVIL}/`);
  expect(app?.status()).toBe(421);
  await expect(page.locator("body")).toContainText(`Allowed: localhost:${LIVE_PORT}, 127.0.0.1:${LIVE_PORT}`);
  await expect(page.getByTestId("status")).toHaveCount(0);

  // The page's own script, same-origin as far as the browser knows, gets the refusal too.
  const read = await page.evaluate(async () =>
    Promise.all(
      ["/api/rbac", "/api/export/report.json", "/assets/"].map(async (path) => {
        const response = await fetch(path);
        return { status: response.status, text: await response.text() };
      }),
    ),
  );
  for (const { status, text } of read) {
    expect(status).toBe(421);
    expect(text).toContain("is not a name this Trustmap answers to");
  }
});

test("the dashboard opens under its loopback names", async ({ page }) => {
  for (const origin of [OWN, `http://localhost:${LIVE_PORT}`]) {
    const response = await page.goto(`${origin}/`);
    expect(response?.status()).toBe(200);
    await expect(page.getByTestId("status-state")).toHaveText("connected", { timeout: 10_000 });
  }
});

test("an export is made when the dashboard asks for it, and refused when another site sends the browser", async ({
  page,
}) => {
  // Same origin (the dashboard's own link): made.
  await page.goto(`${OWN}/`);
  const own = await page.evaluate(async () => (await fetch("/api/export/report.json")).status);
  expect(own).toBe(200);

  // A page of another site (localhost and 127.0.0.1 are two sites) navigating to the export.
  await page.goto(`http://localhost:${LIVE_PORT}/`);
  await expect(page.getByTestId("status-state")).toHaveText("connected", { timeout: 10_000 });
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().startsWith(`${OWN}/api/export/report.json`)),
    page.evaluate((url) => {
      window.location.href = url;
    }, `${OWN}/api/export/report.json`),
  ]);
  expect(response.status()).toBe(403);
  expect(((await response.json()) as { error: string }).error).toContain(
    "exports are made for this dashboard's own pages only: the request came from another site (Sec-Fetch-Site: cross-site)",
  );
});
