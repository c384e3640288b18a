import {
  formulaCells,
  parseCsvStrict,
  unescapeSarifText,
  validateSarif,
} from "@trustmap/cli/testing/formats";
import { compareFindings } from "@trustmap/engine";
import {
  ClusterInfo,
  EvidenceReport,
  Explanation,
  encodeNodeId,
  FindingsPage,
  MatrixPage,
  NamespaceList,
  NodeDetails,
  namespaceNodeId,
  podNodeId,
} from "@trustmap/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvCell } from "../export/csv";
import type { RunningServer } from "../server";
import { SHOP, serveObjects } from "../testing/serve";

let server: RunningServer;
const get = async (path: string) => {
  const response = await fetch(new URL(path, server.url));
  return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
};

beforeAll(async () => {
  ({ server } = await serveObjects(SHOP));
});

afterAll(async () => {
  await server.close();
});

describe("the REST API", () => {
  it("lists namespaces with their isolation and finding counts", async () => {
    const { status, body } = await get("/api/namespaces");
    expect(status).toBe(200);
    const { namespaces } = NamespaceList.parse(body);
    expect(namespaces.map((n) => n.name)).toEqual(["lab", "shop"]);
    const shop = namespaces.find((n) => n.name === "shop")!;
    expect(shop).toMatchObject({ pods: 2, identities: 2, networkPolicies: 1, defaultDenyIngress: false });
    expect(shop.openIngressPods).toBe(1); // web; api is isolated
    const lab = namespaces.find((n) => n.name === "lab")!;
    expect(lab.findings.critical).toBe(1); // the privileged container
  });

  it("explains an allowed edge by its policy and rule, and a denied pair by what isolates it", async () => {
    const allowed = Explanation.parse(
      (
        await get(
          `/api/explain?from=${encodeURIComponent(podNodeId("shop", "web-1"))}&to=${encodeURIComponent(podNodeId("shop", "api-1"))}`,
        )
      ).body,
    );
    expect(allowed.ports).toEqual([{ protocol: "TCP", port: 8080 }]);
    expect(allowed.pairs[0]!.ingress.allowedBy).toEqual([
      expect.objectContaining({ policy: "shop/api-from-web", direction: "ingress", rule: 0 }),
    ]);
    const denied = Explanation.parse(
      (
        await get(
          `/api/explain?from=${encodeURIComponent(podNodeId("lab", "toy"))}&to=${encodeURIComponent(podNodeId("shop", "api-1"))}`,
        )
      ).body,
    );
    expect(denied.ports).toBeNull();
    expect(denied.pairs[0]!.ingress).toMatchObject({
      isolated: true,
      policies: ["shop/api-from-web"],
      allowedBy: [],
    });
    expect(denied.summary.join(" ")).toContain("denied");
  });

  it("names nodes and the ends of explanations as people know them, and finds a workload by its readable id", async () => {
    const api = encodeNodeId({
      kind: "workload",
      workload: {
        namespace: "shop",
        labels: { app: "api" },
        namedPorts: [{ name: "http", protocol: "TCP", port: 8080 }],
      },
    });
    expect(api).toBe("wl:shop/app=api;http/TCP/8080");
    const node = NodeDetails.parse((await get(`/api/nodes/${encodeURIComponent(api)}`)).body);
    expect(node).toMatchObject({ id: api, kind: "identity", name: "shop/api-1", podCount: 1 });
    const web = encodeNodeId({
      kind: "workload",
      workload: { namespace: "shop", labels: { app: "web" }, namedPorts: [] },
    });
    const explained = Explanation.parse(
      (await get(`/api/explain?from=${encodeURIComponent(web)}&to=${encodeURIComponent(api)}`)).body,
    );
    expect([explained.fromName, explained.toName]).toEqual(["shop/web-1", "shop/api-1"]);
    expect([explained.pairs[0]!.from.name, explained.pairs[0]!.to.name]).toEqual([
      "shop/web-1",
      "shop/api-1",
    ]);
    const namespace = Explanation.parse(
      (await get(`/api/explain?from=${encodeURIComponent(namespaceNodeId("shop"))}&to=any`)).body,
    );
    expect(namespace.fromName).toBe("shop");
    expect(namespace.toName).toBe("any pod");
    expect((await get(`/api/nodes/${encodeURIComponent("wl:shop/app=none")}`)).status).toBe(404);
  });

  it("details a node: pods, the policies that select it, findings and its service account's risky rights", async () => {
    const { body } = await get(`/api/nodes/${encodeURIComponent(podNodeId("shop", "api-1"))}`);
    const node = NodeDetails.parse(body);
    expect(node.pods.map((p) => p.name)).toEqual(["api-1"]);
    expect(node.policies).toEqual([
      { namespace: "shop", name: "api-from-web", ingress: true, egress: false },
    ]);
    expect(node.isolatedIngress).toBe(true);
    expect(node.serviceAccounts).toEqual([
      { ref: "ServiceAccount/shop/api", risks: ["rbac-read-secrets"], rights: 1 },
    ]);
    expect(node.findings.every((f) => f.objects.some((o) => o === "Pod/shop/api-1"))).toBe(true);
    expect((await get(`/api/nodes/${encodeURIComponent(podNodeId("shop", "none"))}`)).status).toBe(404);
  });

  it("pages and filters the RBAC matrix, risky subjects first, each cell traced to binding, role and rule", async () => {
    const page = MatrixPage.parse((await get("/api/rbac?limit=1")).body);
    expect(page.total).toBe(2);
    expect(page.rows).toHaveLength(1);
    expect(page.rows[0]!.ref).toBe("ServiceAccount/shop/api");
    expect(page.rows[0]!.cells[0]).toMatchObject({
      scope: "shop",
      resource: "core/secrets",
      verbs: ["get", "list"],
      risks: ["rbac-read-secrets"],
      grants: [
        expect.objectContaining({
          binding: "RoleBinding/shop/api-reads-secrets",
          role: "Role/shop/secret-reader",
          rule: 0,
        }),
      ],
    });
    const risky = MatrixPage.parse((await get("/api/rbac?risky=true")).body);
    expect(risky.rows.map((r) => r.ref)).toEqual(["ServiceAccount/shop/api"]);
    const none = MatrixPage.parse((await get("/api/rbac?namespace=lab&resource=secrets")).body);
    expect(none.total).toBe(0);
  });

  it("filters findings by namespace and severity", async () => {
    const lab = FindingsPage.parse((await get("/api/findings?namespace=lab&severity=critical")).body);
    expect(lab.findings.map((f) => f.id)).toEqual(["privileged-container"]);
    const all = FindingsPage.parse((await get("/api/findings?limit=1000")).body);
    expect(all.total).toBe(all.findings.length);
    expect(all.counts.critical).toBe(1);
  });

  it("answers a bad query parameter with 400 and its name, an unknown route with 404", async () => {
    const bad = await get("/api/rbac?limit=0");
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: expect.stringContaining('query parameter "limit"') });
    const unknown = await get("/api/findings?colour=red");
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({ error: 'unknown query parameter "colour"' });
    expect((await get("/api/nothing")).status).toBe(404);
  });

  it("says who it is, how it is connected, and sets strict security headers", async () => {
    const { headers, body } = await get("/api/cluster");
    const info = ClusterInfo.parse(body);
    expect(info.counts).toMatchObject({ namespaces: 2, pods: 3, networkPolicies: 1 });
    expect(info.status.state).toBe("connected");
    expect(headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(headers.get("content-security-policy")).not.toContain("unsafe-inline");
    expect(headers.get("x-content-type-options")).toBe("nosniff");
    expect(headers.get("x-powered-by")).toBeNull();
    const metrics = await (await fetch(new URL("/api/metrics", server.url))).text();
    expect(metrics).toContain("trustmap_source_connected 1");
    expect(metrics).toContain("trustmap_pods 3");
  });
});

/** The CSV's records, header first, after checking it is RFC 4180 to the letter. */
function parseCsv(text: string): string[][] {
  const parsed = parseCsvStrict(text);
  expect(parsed.errors).toEqual([]);
  return [parsed.header, ...parsed.rows];
}

describe("the exports", () => {
  it("give the evidence report as JSON, CSV and SARIF from one model, saying the same thing", async () => {
    const page = FindingsPage.parse((await get("/api/findings?namespace=shop&limit=1000")).body);
    const expected = [...page.findings].sort(compareFindings);
    const response = await fetch(new URL("/api/export/report.json?namespace=shop", server.url));
    expect(response.headers.get("content-disposition")).toMatch(
      /attachment; filename="trustmap-report-namespace-shop-.*\.json"/,
    );
    const report = EvidenceReport.parse(await response.json());
    expect(response.headers.get("x-trustmap-revision")).toBe(String(report.meta.revision));
    expect(report.meta.scope).toEqual({ kind: "namespace", namespace: "shop" });
    expect(report.meta.filters).toEqual({ namespace: "shop" });
    expect(report.findings).toEqual(expected);
    // Every finding sits under each of its controls, and nowhere else.
    const listed = new Map<number, number>();
    for (const section of report.controls)
      for (const index of section.findings) listed.set(index, (listed.get(index) ?? 0) + 1);
    for (const [index, finding] of report.findings.entries())
      expect(listed.get(index)).toBe(Math.max(1, finding.controls.length));
    expect(report.pillars.reduce((n, p) => n + p.findings, 0)).toBe(report.findings.length);
    // The graph is the namespace's view; RBAC the matrix's risky rows for the namespace.
    expect(report.graph.view).toBe("namespace:shop");
    expect(report.graph.nodes.map((n) => n.label).sort()).toEqual([
      "any pod",
      "outside the cluster",
      "shop/api-1",
      "shop/web-1",
    ]);
    expect(report.graph.noDefaultDeny).toEqual(["shop"]);
    const matrix = MatrixPage.parse((await get("/api/rbac?namespace=shop&risky=true&limit=1000")).body);
    expect(report.rbac).toEqual(matrix.rows);
    expect(report.networkPolicies).toEqual([
      {
        namespace: "shop",
        name: "api-from-web",
        podSelector: "app=api",
        policyTypes: ["Ingress"],
        pods: 1,
        ingress: [{ peers: "pods app=web in shop", ports: "TCP port named http" }],
        egress: [],
      },
    ]);

    const csvResponse = await fetch(new URL("/api/export/report.csv?namespace=shop", server.url));
    expect(csvResponse.headers.get("content-type")).toMatch(/^text\/csv/);
    const rows = parseCsv(await csvResponse.text());
    expect(formulaCells(rows)).toEqual([]);
    expect(rows[0]).toEqual(["id", "severity", "pillar", "objects", "message", "controls", "remediation"]);
    expect(rows.slice(1).map((r) => [r[0], r[4], r[6]])).toEqual(
      expected.map((f) => [f.id, f.message, f.remediation]),
    );
    const sarifText = await (
      await fetch(new URL("/api/export/report.sarif?namespace=shop", server.url))
    ).text();
    expect(validateSarif(sarifText)).toEqual([]);
    const sarif = JSON.parse(sarifText) as {
      version: string;
      runs: {
        tool: { driver: { rules: { id: string }[] } };
        results: { ruleId: string; message: { text: string } }[];
        properties: { scope: string; revision: number };
      }[];
    };
    expect(sarif.version).toBe("2.1.0");
    const run = sarif.runs[0]!;
    expect(run.results.map((r) => unescapeSarifText(r.message.text))).toEqual(expected.map((f) => f.message));
    expect(run.properties.scope).toBe("Namespace shop");
    const rules = new Set(run.tool.driver.rules.map((r) => r.id));
    for (const result of run.results) expect(rules.has(result.ruleId)).toBe(true);
  });

  it("filter the report as the gaps page does, and say so", async () => {
    const report = EvidenceReport.parse((await get("/api/export/report.json?severity=critical")).body);
    expect(report.meta.scope).toEqual({ kind: "cluster" });
    expect(report.meta.filtersText).toEqual(['severity is "critical"']);
    const page = FindingsPage.parse((await get("/api/findings?severity=critical&limit=1000")).body);
    expect(report.findings.length).toBe(page.total);
    expect(report.findings.every((f) => f.severity === "critical")).toBe(true);
    expect(report.graph.view).toBe("overview");
  });

  it("refuse a PDF it cannot print, saying what to do, and bad parameters", async () => {
    // This server does not serve the web app, which the PDF is printed from.
    const pdf = await get("/api/export/report.pdf");
    expect(pdf.status).toBe(503);
    expect((pdf.body as { error: string }).error).toMatch(/pnpm --filter @trustmap\/web build/);
    expect((await get("/api/export/report.csv?paper=a4")).status).toBe(400);
    expect((await get("/api/export/report.pdf?paper=a3")).status).toBe(400);
    expect((await get("/api/export/report.docx")).status).toBe(404);
    expect((await get("/api/export/page.png?page=graph")).status).toBe(400);
  });

  it("give the RBAC matrix as CSV, one line per cell with what grants it", async () => {
    const rows = parseCsv(await (await fetch(new URL("/api/export/rbac.csv?risky=true", server.url))).text());
    expect(rows).toEqual([
      ["subject", "scope", "resource", "verbs", "risks", "granted by"],
      [
        "ServiceAccount/shop/api",
        "shop",
        "core/secrets",
        "get list",
        "rbac-read-secrets",
        "RoleBinding/shop/api-reads-secrets -> Role/shop/secret-reader -> rule 1",
      ],
    ]);
    expect((await get("/api/export/rbac.pdf")).status).toBe(404);
    expect((await get("/api/export/rbac.csv?limit=5")).status).toBe(400);
  });

  it("write a cell a spreadsheet would run as a formula as text", () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell("-1")).toBe("'-1");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell("plain")).toBe("plain");
  });
});
