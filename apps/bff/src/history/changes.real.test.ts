import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CompareAnswer, EvidenceReport } from "@trustmap/shared";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, findChromium } from "../export/chromium";
import { jsonLogger } from "../log";
import { bffPath } from "../paths";
import type { RunningServer } from "../server";
import { createKubernetesSource } from "../sources/kubernetes";
import { eventually } from "../testing/bundle";
import { type ControlPlane, startControlPlane } from "../testing/control-plane";
import { serveKubernetes } from "../testing/serve";
import { ChangeLog } from "./change-log";
import { embeddedDatabase } from "./database";
import { clusterName } from "./settings";

// The change log as a user meets it, in Chromium against the test control plane: a change made
// through the API shows in the feed within seconds with its cause; comparing with a moment before
// it shows the opened connection and the new finding; the PDF's "changes since" section lists
// them (read back with pdftotext).

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const NETWORKING = "/apis/networking.k8s.io/v1";
let plane: ControlPlane;
let server: RunningServer;
const folder = mkdtempSync(path.join(tmpdir(), "trustmap-changes-"));

beforeAll(async () => {
  execFileSync(process.execPath, ["scripts/build.mjs", "web"], { cwd: root, stdio: "ignore" });
  plane = await startControlPlane({ controllerManager: false });
  await plane.request("POST", "/api/v1/namespaces", { metadata: { name: "shop" } });
  for (const app of ["web", "db"])
    await plane.request("POST", "/api/v1/namespaces/shop/pods", {
      metadata: { name: `${app}-1`, labels: { app } },
      spec: { containers: [{ name: app, image: `${app}:1` }] },
    });
  // shop is closed: nothing may reach its pods.
  await plane.request("POST", `${NETWORKING}/namespaces/shop/networkpolicies`, {
    metadata: { name: "deny-all" },
    spec: { podSelector: {}, policyTypes: ["Ingress"] },
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

describe("the change log in Chromium, against a real API server", () => {
  it("shows a change made through the API in the feed, compares with a moment before it, and lists it in the PDF", async () => {
    const executablePath = findChromium();
    if (executablePath === undefined) throw new Error("Chromium is needed: apt-get install -y chromium");
    const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}?tab=changes`);
      await expect.poll(() => page.getByTestId("feed-empty").count(), { timeout: 30_000 }).toBe(1);
      // A moment before the change, as the comparison will be asked from (the input holds seconds).
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const before = new Date(Math.floor(Date.now() / 1000) * 1000);
      await new Promise((resolve) => setTimeout(resolve, 1100));

      // web may now be reached by db on 8080: a policy made through the API.
      const made = Date.now();
      await plane.request("POST", `${NETWORKING}/namespaces/shop/networkpolicies`, {
        metadata: { name: "web-from-db" },
        spec: {
          podSelector: { matchLabels: { app: "web" } },
          ingress: [{ from: [{ podSelector: { matchLabels: { app: "db" } } }], ports: [{ port: 8080 }] }],
        },
      });
      const opened = page
        .getByTestId("change-entry")
        .filter({ hasText: "shop/db-1 → shop/web-1 on TCP:8080" });
      await expect.poll(() => opened.count(), { timeout: 15_000 }).toBe(1);
      const seconds = (Date.now() - made) / 1000;
      expect(seconds).toBeLessThan(10);
      expect(await opened.getByTestId("change-kind").textContent()).toBe("opened");
      expect(await opened.getByTestId("change-cause").textContent()).toBe(
        "because NetworkPolicy shop/web-from-db created",
      );

      // A finding appears: the ClusterRoleBinding that gives web's account cluster-admin.
      await plane.request("POST", "/api/v1/namespaces/shop/serviceaccounts", { metadata: { name: "web" } });
      await plane.request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
        metadata: { name: "web-admin" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
        subjects: [{ kind: "ServiceAccount", name: "web", namespace: "shop" }],
      });
      const finding = page
        .getByTestId("change-entry")
        .filter({ hasText: "ClusterRoleBinding web-admin gives cluster-admin" });
      await expect.poll(() => finding.count(), { timeout: 15_000 }).toBe(1);
      expect(await finding.getByTestId("change-cause").textContent()).toBe(
        "because ClusterRoleBinding web-admin created",
      );

      // Compared with the moment before: the opened connection and the new finding, each with its cause.
      const local = (d: Date) => {
        const pad = (n: number) => String(n).padStart(2, "0");
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
      };
      await page.getByLabel("Compare with the moment").fill(local(before));
      const comparison = page.getByTestId("comparison-entries");
      await expect
        .poll(() => comparison.textContent(), { timeout: 15_000 })
        .toContain("shop/db-1 → shop/web-1 on TCP:8080");
      const text = (await comparison.textContent()) ?? "";
      expect(text).toContain("ClusterRoleBinding web-admin gives cluster-admin");
      expect(text).toContain("because NetworkPolicy shop/web-from-db created");
      expect(await page.getByTestId("comparison-counts").textContent()).toMatch(
        /New findings: \d+.*Connections opened: 1/,
      );
      // The moment is in the link: a colleague who opens it sees the same comparison.
      expect(new URL(page.url()).searchParams.get("since")).toBe(before.toISOString());
      // The API answers the same for automation.
      const api = CompareAnswer.parse(
        await (
          await fetch(`${server.url}api/changes/compare?since=${before.toISOString()}&area=reach`)
        ).json(),
      );
      expect(api.entries.map((e) => [e.key.replaceAll("\u001f", " "), e.kind])).toEqual([
        ["reach shop/db-1 shop/web-1", "appeared"],
      ]);

      // The matrix marks the rights gained since, and the gaps the new findings, each with its cause.
      await page.goto(`${server.url}?tab=rbac&since=${encodeURIComponent(before.toISOString())}`);
      await expect
        .poll(() => page.getByTestId("since-entries").textContent(), { timeout: 15_000 })
        .toContain(
          "ServiceAccount/shop/web may * */* cluster-wide via ClusterRoleBinding/web-admin → ClusterRole/cluster-admin",
        );
      expect(await page.getByTestId("since-counts").textContent()).toMatch(/^Rights gained: \d+/);
      // The matrix's own cell is marked: web's account gained every verb on everything cluster-wide.
      const gained = page.locator('[data-subject="ServiceAccount/shop/web"] li', {
        hasText: "cluster · */*: *",
      });
      await expect
        .poll(() => gained.getByTestId("cell-since").textContent(), { timeout: 15_000 })
        .toBe("gained");
      expect(await page.getByTestId("since-entries").textContent()).not.toContain("shop/db-1 → shop/web-1");
      await page.goto(`${server.url}?tab=gaps&since=${encodeURIComponent(before.toISOString())}`);
      await expect
        .poll(() => page.getByTestId("since-entries").textContent(), { timeout: 15_000 })
        .toContain("ClusterRoleBinding web-admin gives cluster-admin");
      expect(await page.getByTestId("since-counts").textContent()).toMatch(/^New findings: \d+/);

      // The graph of shop compared with the moment: the opened edge drawn as opened, with its
      // connection and cause beside it when selected.
      const edge = "wl:shop/app=db->wl:shop/app=web";
      const graphAt = (since: Date, selection: string) =>
        `${server.url}?bench=1&view=${encodeURIComponent("namespace:shop")}&since=${encodeURIComponent(
          since.toISOString(),
        )}&sel=${encodeURIComponent(selection)}`;
      await page.goto(graphAt(before, "edge:wl:shop/app=db wl:shop/app=web"));
      await expect
        .poll(() => page.getByTestId("overlay-counts").textContent(), { timeout: 15_000 })
        .toMatch(/: 1 edge opened, 0 closed, 0 changed/);
      const hasClass = (id: string, name: string) =>
        page.evaluate(
          ([element, mark]) =>
            (
              globalThis as unknown as {
                trustmapGraph: { cy: { getElementById(id: string): { hasClass(c: string): boolean } } };
              }
            ).trustmapGraph.cy
              .getElementById(element!)
              .hasClass(mark!),
          [id, name],
        );
      expect(await hasClass(edge, "opened")).toBe(true);
      const beside = (await page.getByTestId("overlay-panel").textContent()) ?? "";
      expect(beside).toContain("Opened since the moment");
      expect(beside).toContain("shop/db-1 → shop/web-1 on TCP:8080");
      expect(beside).toContain("because NetworkPolicy shop/web-from-db created");

      // The PDF's "changes since" section lists them, read back with pdftotext.
      const pdf = await fetch(
        `${server.url}api/export/report.pdf?since=${encodeURIComponent(before.toISOString())}`,
      );
      expect(pdf.status).toBe(200);
      const file = path.join(folder, "report.pdf");
      writeFileSync(file, Buffer.from(await pdf.arrayBuffer()));
      const printed = execFileSync("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8" }).replace(
        /\s+/g,
        " ",
      );
      expect(printed).toContain(`Changes since ${before.toUTCString()}`);
      expect(printed).toContain(
        "opened shop/db-1 → shop/web-1 on TCP:8080 Because NetworkPolicy shop/web-from-db created",
      );
      expect(printed).toContain("ClusterRoleBinding web-admin gives cluster-admin");
      expect(printed).toMatch(/Connections opened: 1/);

      // "Since the last report of the same scope": the PDF just made; nothing changed since.
      const json = EvidenceReport.parse(
        await (await fetch(`${server.url}api/export/report.json?since=last`)).json(),
      );
      expect(json.changes?.basis).toBe("last-report");
      expect(json.changes?.total).toBe(0);

      // The report just made is a moment to compare with. web-1 deleted since: its edges (from db,
      // to any pod, to outside) closed, drawn dashed to a node that stands for the workload gone.
      const reports = (await (await fetch(`${server.url}api/changes/reports`)).json()) as {
        reports: { at: string; scope: string }[];
      };
      const report = reports.reports[0]!;
      expect(report.scope).toBe("cluster");
      await plane.request("DELETE", "/api/v1/namespaces/shop/pods/web-1?gracePeriodSeconds=0");
      await page.goto(`${server.url}?bench=1&view=${encodeURIComponent("namespace:shop")}`);
      await page.getByLabel("Compare the graph with the moment: a report made").selectOption(report.at);
      await expect
        .poll(() => page.getByTestId("overlay-counts").textContent(), { timeout: 15_000 })
        .toMatch(/: 0 edges opened, 3 closed, 0 changed/);
      expect(new URL(page.url()).searchParams.get("since")).toBe(report.at);
      expect(await hasClass("overlay:wl:shop/app=db->was:shop%2Fweb-1", "closed")).toBe(true);
      expect(await hasClass("overlay:was:shop%2Fweb-1", "gone")).toBe(true);
    } finally {
      await browser.close();
    }
  }, 180_000);
});
