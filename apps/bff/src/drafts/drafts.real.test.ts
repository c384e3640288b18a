import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { CHROMIUM_ARGS, findChromium } from "../export/chromium";
import { ChangeLog } from "../history/change-log";
import { embeddedDatabase } from "../history/database";
import { clusterName } from "../history/settings";
import { jsonLogger } from "../log";
import { bffPath } from "../paths";
import type { RunningServer } from "../server";
import { createKubernetesSource } from "../sources/kubernetes";
import { eventually } from "../testing/bundle";
import { type ControlPlane, startControlPlane } from "../testing/control-plane";
import { serveKubernetes } from "../testing/serve";

// A draft as a user makes one, in Chromium against the test control plane: a live policy copied
// into a draft and edited, its difference (the edge it closes, the finding it brings), the graph
// as the draft makes it, the link opened in another page, the YAML downloaded; and the cluster
// untouched throughout.

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const NETWORKING = "/apis/networking.k8s.io/v1";
const POLICY = `${NETWORKING}/namespaces/shop/networkpolicies/web-from-db`;
let plane: ControlPlane;
let server: RunningServer;
const folder = mkdtempSync(path.join(tmpdir(), "trustmap-drafts-"));

beforeAll(async () => {
  execFileSync(process.execPath, ["scripts/build.mjs", "web"], { cwd: root, stdio: "ignore" });
  plane = await startControlPlane({ controllerManager: false });
  await plane.request("POST", "/api/v1/namespaces", { metadata: { name: "shop" } });
  for (const app of ["web", "db"])
    await plane.request("POST", "/api/v1/namespaces/shop/pods", {
      metadata: { name: `${app}-1`, labels: { app } },
      spec: { containers: [{ name: app, image: `${app}:1`, ports: [{ containerPort: 8080 }] }] },
    });
  await plane.request("POST", `${NETWORKING}/namespaces/shop/networkpolicies`, {
    metadata: { name: "deny-all" },
    spec: { podSelector: {}, policyTypes: ["Ingress"] },
  });
  // web may be reached by db on 8080.
  await plane.request("POST", `${NETWORKING}/namespaces/shop/networkpolicies`, {
    metadata: { name: "web-from-db" },
    spec: {
      podSelector: { matchLabels: { app: "web" } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: "db" } } }], ports: [{ port: 8080 }] }],
    },
  });
  const created = createKubernetesSource({ kubeconfigPath: plane.kubeconfigPath });
  if (!created.ok) throw new Error(created.message);
  server = await serveKubernetes(plane.kubeconfigPath, {
    logger: jsonLogger(() => {}, "error"),
    webRoot: bffPath("../web/dist"),
    changes: await ChangeLog.open(await embeddedDatabase(folder), clusterName(created.source.info)),
  });
  await eventually(
    "the change log to begin",
    async () => server.history!.status,
    (status) => status.state === "recording",
  );
}, 240_000);

afterAll(async () => {
  await server?.close();
  await plane?.stop();
  rmSync(folder, { recursive: true, force: true });
}, 60_000);

describe("a what-if draft in Chromium, against a real API server", () => {
  it("edits a live policy in a draft, shows the edge it closes and the finding it brings, shares the link and downloads the YAML", async () => {
    const executablePath = findChromium();
    if (executablePath === undefined) throw new Error("Chromium is needed: apt-get install -y chromium");
    const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
    const livePolicy = JSON.stringify(((await plane.request("GET", POLICY)) as { spec: unknown }).spec);
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}?tab=drafts`);
      await page.getByRole("button", { name: "New draft" }).click();
      await expect
        .poll(() => new URL(page.url()).searchParams.get("draft"), { timeout: 15_000 })
        .toMatch(/^.{22}$/);
      const id = new URL(page.url()).searchParams.get("draft")!;

      // The live policy, copied into the draft, then edited: web open to any address on 8080
      // instead of to db.
      await page.getByLabel("Namespace of the live object").fill("shop");
      await page.getByLabel("Name of the live object").fill("web-from-db");
      await page.getByRole("button", { name: "Add to the draft" }).click();
      const manifests = page.getByTestId("draft-manifests");
      await expect.poll(() => manifests.inputValue(), { timeout: 15_000 }).toContain("name: web-from-db");
      const copied = await manifests.inputValue();
      const edited = copied.replace(
        /podSelector:\n(\s+)matchLabels:\n\s+app: db/,
        "ipBlock:\n$1cidr: 0.0.0.0/0",
      );
      expect(edited).not.toBe(copied);
      await manifests.fill(edited);
      await page.getByLabel("Name", { exact: true }).fill("web open to the internet");
      await page.getByRole("button", { name: "Save and compare" }).click();

      // The difference: db's connection to web closed, one from outside opened, and the finding
      // of a rule open to any address; the gate a CI pipeline would stop it on.
      const changes = page.getByTestId("draft-change");
      const closed = changes.filter({ hasText: "shop/db-1 → shop/web-1 on TCP:8080" });
      await expect.poll(() => closed.count(), { timeout: 15_000 }).toBe(1);
      expect(await closed.getByTestId("change-kind").textContent()).toBe("closed");
      const opened = changes.filter({ hasText: "outside the cluster → shop/web-1 on TCP:8080" });
      expect(await opened.getByTestId("change-kind").textContent()).toBe("opened");
      expect(await opened.textContent()).toContain("trips opened");
      const finding = changes.filter({ hasText: "0.0.0.0/0" });
      expect(await finding.count()).toBeGreaterThan(0);
      expect(await finding.first().getByTestId("change-kind").textContent()).toBe("new finding");
      expect(await page.getByTestId("draft-causes").textContent()).toBe(
        "The draft changes: NetworkPolicy shop/web-from-db edited (ingress)",
      );
      expect(await page.getByTestId("draft-counts").textContent()).toMatch(
        /New findings: \d+.*Connections opened: 1.*Connections closed: 1/,
      );

      // The gaps page with the draft: the new finding listed above the live ones.
      await page.goto(`${server.url}?tab=gaps&ns=shop&draft=${id}`);
      const bar = page.getByTestId("draft-changes-bar");
      await expect
        .poll(() => bar.getByTestId("draft-change").count(), { timeout: 15_000 })
        .toBeGreaterThan(0);
      expect(await bar.getByTestId("draft-change").first().getByTestId("change-kind").textContent()).toBe(
        "new finding",
      );
      expect(await bar.textContent()).toContain("allows 0.0.0.0/0");
      expect(await bar.textContent()).not.toContain("shop/db-1 → shop/web-1");

      // The graph as the draft makes it: the edge from db is gone, drawn closed; explained with the draft.
      await page.goto(
        `${server.url}?bench=1&draft=${id}&view=${encodeURIComponent("namespace:shop")}&sel=${encodeURIComponent(
          "edge:wl:shop/app=db wl:shop/app=web",
        )}`,
      );
      await expect
        .poll(() => page.getByTestId("draft-overlay-counts").textContent(), { timeout: 15_000 })
        .toMatch(/^1 edge opened, 1 closed, 0 changed by the draft/);
      const graph = (id: string, name: string) =>
        page.evaluate(
          ([element, mark]) => {
            const cy = (
              globalThis as unknown as {
                trustmapGraph: {
                  cy: { getElementById(id: string): { empty(): boolean; hasClass(c: string): boolean } };
                };
              }
            ).trustmapGraph.cy;
            const found = cy.getElementById(element!);
            return found.empty() ? "absent" : found.hasClass(mark!) ? "marked" : "unmarked";
          },
          [id, name],
        );
      const edge = "wl:shop/app=db->wl:shop/app=web";
      expect(await graph(edge, "closed")).toBe("absent");
      expect(await graph(`overlay:${edge}`, "closed")).toBe("marked");
      expect(await graph("outside->wl:shop/app=web", "opened")).toBe("marked");
      const beside = (await page.getByTestId("overlay-panel").textContent()) ?? "";
      expect(beside).toContain("Closed by the draft");
      expect(beside).toContain("because NetworkPolicy shop/web-from-db edited (ingress)");
      await expect
        .poll(() => page.getByTestId("edge-ports").textContent(), { timeout: 15_000 })
        .toBe("Denied");

      // The link, opened in a page of its own, shows the same draft and difference.
      await page.goto(`${server.url}?tab=drafts&draft=${id}`);
      const link = await page.getByTestId("draft-link").inputValue();
      const colleague = await browser.newPage();
      await colleague.goto(link);
      await expect
        .poll(() => colleague.getByTestId("draft-kept").textContent(), { timeout: 15_000 })
        .toContain("kept until");
      expect(await colleague.getByLabel("Name", { exact: true }).inputValue()).toBe(
        "web open to the internet",
      );
      await expect
        .poll(
          () => colleague.getByTestId("draft-change").filter({ hasText: "shop/db-1 → shop/web-1" }).count(),
          {
            timeout: 15_000,
          },
        )
        .toBe(1);

      // The YAML to apply, downloaded: the edited policy, as the draft holds it.
      const [download] = await Promise.all([
        colleague.waitForEvent("download"),
        colleague.getByTestId("draft-download").click(),
      ]);
      const file = path.join(folder, "draft.yaml");
      await download.saveAs(file);
      const text = readFileSync(file, "utf8");
      expect(download.suggestedFilename()).toMatch(/^web-open-to-the-internet-.{8}\.yaml$/);
      expect(text).toContain("kubectl apply -f");
      const documents = parseAllDocuments(text).map((d) => d.toJS() as { kind: string; spec: unknown });
      expect(documents).toEqual([
        expect.objectContaining({
          kind: "NetworkPolicy",
          spec: expect.objectContaining({
            ingress: [
              { from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 8080 }] },
            ],
          }),
        }),
      ]);

      // Write the policy for db: every connection it has today but the one to web, the namespace's
      // others as they are; the draft it makes closes exactly that connection.
      await page.goto(`${server.url}?tab=drafts`);
      await page.getByLabel("Namespace to write the policy for").selectOption("shop");
      await expect
        .poll(() => page.getByLabel("Workload to write the policy for").locator("option").count(), {
          timeout: 15_000,
        })
        .toBe(3);
      await page.getByLabel("Workload to write the policy for").selectOption("shop/db-1");
      const choices = page.getByTestId("writer-connections");
      await expect
        .poll(() => choices.textContent(), { timeout: 15_000 })
        .toContain("shop/db-1 → shop/web-1 on TCP:8080");
      expect(await choices.textContent()).not.toContain("shop/web-1 → outside");
      await choices.getByLabel("shop/db-1 → shop/web-1 on TCP:8080").uncheck();
      await page.getByRole("button", { name: "Write the policies as a draft" }).click();
      await expect
        .poll(() => new URL(page.url()).searchParams.get("draft"), { timeout: 15_000 })
        .not.toBe(null);
      const written = page.getByTestId("draft-change");
      await expect.poll(() => written.count(), { timeout: 15_000 }).toBeGreaterThan(0);
      const reach = written
        .filter({ hasText: "→" })
        .filter({ has: page.getByText(/^(opened|closed|ports changed)$/) });
      expect(await reach.count()).toBe(1);
      expect(await reach.first().textContent()).toContain("shop/db-1 → shop/web-1 on TCP:8080");
      expect(await reach.first().getByTestId("change-kind").textContent()).toBe("closed");
      expect(await page.getByTestId("draft-manifests").inputValue()).toContain("name: default-deny");
      await page.goto(`${server.url}?tab=drafts&draft=${id}`);

      // A wrong draft names the document and the field, as the command line does.
      await page.getByTestId("draft-manifests").fill(edited.replace("port: 8080", "port: 99999"));
      await page.getByRole("button", { name: "Save and compare" }).click();
      await expect
        .poll(() => page.getByTestId("draft-errors").textContent(), { timeout: 15_000 })
        .toMatch(
          /draft manifests, document 1: NetworkPolicy shop\/web-from-db: spec\.ingress\[0\]\.ports\[0\]\.port: port 99999 is outside 1-65535/,
        );

      // Nothing reached the cluster.
      expect(JSON.stringify(((await plane.request("GET", POLICY)) as { spec: unknown }).spec)).toBe(
        livePolicy,
      );
    } finally {
      await browser.close();
    }
  }, 180_000);
});
