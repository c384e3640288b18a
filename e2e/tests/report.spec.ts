import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { type APIRequestContext, expect, test } from "@playwright/test";
import { formulaCells, parseCsvStrict, validateSarif } from "@trustmap/cli/testing/formats";
import { EvidenceReport, NamespaceList } from "@trustmap/shared";
import { PNG } from "pngjs";
import { STILL_URL } from "../servers";

// The compliance exports against the still demo (no changes while a test compares a PDF with its
// JSON twin): the PDF is read back with poppler-utils, as an auditor's tools would.

test.use({ baseURL: STILL_URL });

function poppler(tool: string, ...args: string[]): string {
  return execFileSync(tool, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

interface ReadPdf {
  readonly pages: number;
  readonly pageSize: string;
  /** pdftotext's text with runs of white space made one space. */
  readonly text: string;
  readonly images: { page: number; width: number; height: number }[];
  /** Each page's text, first page first. */
  readonly pageTexts: string[];
}

function readPdf(file: string): ReadPdf {
  const info = poppler("pdfinfo", file);
  const pages = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
  const pageSize = /^Page size:\s+(.*)$/m.exec(info)?.[1] ?? "";
  // pdfimages -list: "page num type width height ..." after two header lines.
  const images = poppler("pdfimages", "-list", file)
    .split("\n")
    .slice(2)
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const cols = line.trim().split(/\s+/);
      return { page: Number(cols[0]), width: Number(cols[3]), height: Number(cols[4]) };
    });
  const raw = poppler("pdftotext", "-enc", "UTF-8", file, "-");
  const text = raw.replace(/\s+/g, " ");
  // pdftotext ends every page with a form feed.
  const pageTexts = raw.split("\f").slice(0, pages);
  return { pages, pageSize, text, images, pageTexts };
}

async function twins(request: APIRequestContext, query: string, paper: "a4" | "letter", file: string) {
  const json = await request.get(`/api/export/report.json?${query}`);
  expect(json.ok()).toBe(true);
  const report = EvidenceReport.parse(await json.json());
  const started = new Date(Math.floor(Date.now() / 1000) * 1000);
  const pdf = await request.get(`/api/export/report.pdf?${query}${query === "" ? "" : "&"}paper=${paper}`, {
    timeout: 120_000,
  });
  const ms = Date.now() - started.getTime();
  const ended = new Date();
  expect(pdf.ok(), await pdf.text().catch(() => "")).toBe(true);
  expect(pdf.headers()["content-type"]).toBe("application/pdf");
  // The still demo does not change: the PDF was read at the JSON's revision.
  expect(pdf.headers()["x-trustmap-revision"]).toBe(String(report.meta.revision));
  const body = await pdf.body();
  expect(body.subarray(0, 5).toString()).toBe("%PDF-");
  writeFileSync(file, body);
  test.info().annotations.push({
    type: "pdf",
    description: `${query || "cluster"}: ${body.length} bytes in ${ms} ms`,
  });
  const read = readPdf(file);
  // The PDF's own time: when it was made, between the request and the answer.
  const generated = new Date(/Generated (\S+)/.exec(read.text)?.[1] ?? "");
  expect(generated.getTime()).toBeGreaterThanOrEqual(started.getTime());
  expect(generated.getTime()).toBeLessThanOrEqual(ended.getTime());
  return { report, read };
}

/** Facts of the cover, every finding id and control, the risky subjects and the policies: all in the text. */
function expectSays(read: ReadPdf, report: EvidenceReport): number {
  const { meta } = report;
  expect(read.text).toContain("Trustmap evidence report");
  expect(read.text).toContain(meta.cluster);
  expect(read.text).toContain(`${meta.source.kind}: ${meta.source.name}`);
  expect(read.text).toContain(meta.scopeText);
  expect(read.text).toContain(`Revision ${meta.revision}`);
  expect(read.text).toContain(`Trustmap version ${meta.trustmapVersion}`);
  expect(read.text).toContain("Demo data: a made-up cluster");
  for (const pillar of report.pillars) expect(read.text).toContain(pillar.title);
  const ids = new Set(report.findings.map((f) => f.id));
  expect(ids.size).toBeGreaterThan(3);
  for (const id of ids) expect(read.text, `finding ${id}`).toContain(`${id} · `);
  for (const control of report.controls)
    if (control.framework === "CIS Kubernetes Benchmark")
      expect(read.text).toContain(`CIS ${control.control} `);
  for (const row of report.rbac) expect(read.text, row.ref).toContain(row.ref);
  // Accepted exceptions (the still server's demo file) are listed apart, with their reason.
  if (report.accepted !== undefined && report.accepted.length > 0) {
    expect(read.text).toContain(`Accepted exceptions (${report.accepted.length})`);
    expect(read.text).toContain(report.accepted[0]!.exception.reason);
  }
  for (const policy of report.networkPolicies)
    expect(read.text, policy.name).toContain(`${policy.namespace}/${policy.name}`);
  // Numbered pages, and a picture of the graph that fills the page's width.
  expect(read.text).toContain(`Page 1 of ${read.pages}`);
  expect(read.text).toContain(`Page ${read.pages} of ${read.pages}`);
  // The graph's picture is on the page that says "Graph of the scope", drawn at twice the screen's
  // resolution (its size follows the layout, which differs from one run to the next).
  const graphPage = read.pageTexts.findIndex((text) => text.includes("Graph of the scope")) + 1;
  expect(graphPage).toBeGreaterThan(0);
  const graph = read.images.find(
    (image) => image.page === graphPage && Math.max(image.width, image.height) >= 300,
  );
  expect(graph, JSON.stringify(read.images)).toBeDefined();
  return graphPage;
}

/** The graph's picture, taken out of the PDF: a drawing, not an empty frame. */
function expectGraphDrawn(file: string, page: number) {
  const prefix = `${file}-graph`;
  poppler("pdfimages", "-png", "-f", String(page), "-l", String(page), file, prefix);
  const png = PNG.sync.read(readFileSync(`${prefix}-000.png`));
  expect(inked(png) / (png.width * png.height)).toBeGreaterThan(0.01);
}

test("the PDF evidence pack of the whole demo cluster, on A4", async ({ request }, info) => {
  const file = info.outputPath("cluster.pdf");
  const { report, read } = await twins(request, "", "a4", file);
  expect(read.pageSize).toMatch(/^595\.\d+ x 84[12]\.\d+ pts \(A4\)/);
  expectGraphDrawn(file, expectSays(read, report));
  // Each finding printed once (under its first control): at least ten to a page on average.
  expect(read.pages).toBeGreaterThanOrEqual(6);
  expect(read.pages).toBeLessThanOrEqual(10 + Math.ceil(report.findings.length / 10));
});

test("the PDF of the namespace with the most findings, on Letter", async ({ request }, info) => {
  const namespaces = NamespaceList.parse(await (await request.get("/api/namespaces")).json()).namespaces;
  const total = (n: (typeof namespaces)[number]) =>
    Object.values(n.findings).reduce((a, b) => a + (b ?? 0), 0);
  const busiest = [...namespaces].sort((a, b) => total(b) - total(a))[0]!;
  const file = info.outputPath("namespace.pdf");
  const { report, read } = await twins(
    request,
    `namespace=${encodeURIComponent(busiest.name)}`,
    "letter",
    file,
  );
  expect(report.meta.scope).toEqual({ kind: "namespace", namespace: busiest.name });
  // The still server runs with the demo's accepted exceptions: those findings are listed apart,
  // in the report as in the namespace list.
  expect(report.findings.length).toBe(total(busiest));
  expect(report.accepted?.length ?? 0).toBe(busiest.accepted);
  expect(read.pageSize).toMatch(/^612 x 792 pts \(letter\)/);
  expectGraphDrawn(file, expectSays(read, report));
  expect(read.pages).toBeGreaterThanOrEqual(5);
  expect(read.pages).toBeLessThanOrEqual(10 + Math.ceil(report.findings.length / 10));
});

test("one click on the gaps page downloads the PDF of what it shows, and the data exports validate", async ({
  page,
}) => {
  await page.goto("/?tab=gaps&severity=high");
  await expect(page.getByTestId("gaps-total")).not.toHaveText("…");
  await expect(page.getByText("Export (with these filters)")).toBeVisible();
  const [pdf] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-pdf-a4").click()]);
  expect(pdf.suggestedFilename()).toMatch(/^trustmap-report-severity-high-paper-a4-.*\.pdf$/);
  const file = test.info().outputPath("gaps.pdf");
  await pdf.saveAs(file);
  const read = readPdf(file);
  expect(read.text).toContain('severity is "high"');

  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
  const csvText = readFileSync((await csv.path())!, "utf8");
  const parsed = parseCsvStrict(csvText);
  expect(parsed.errors).toEqual([]);
  expect(formulaCells(parsed.rows)).toEqual([]);
  expect(parsed.rows.length).toBeGreaterThan(0);
  expect(parsed.rows.every((row) => row[1] === "high")).toBe(true);

  const [sarif] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId("export-sarif").click(),
  ]);
  const sarifText = readFileSync((await sarif.path())!, "utf8");
  expect(validateSarif(sarifText)).toEqual([]);
  const log = JSON.parse(sarifText) as { runs: { results: unknown[]; properties: { filters: unknown } }[] };
  expect(log.runs[0]!.results.length).toBe(parsed.rows.length);
  expect(log.runs[0]!.properties.filters).toEqual({ severity: "high" });
});

test("the graph page's report button gives the report of the namespace it shows", async ({ page }) => {
  await page.goto("/?view=namespace:storefront-prod");
  await expect(page.getByText("Evidence report of namespace storefront-prod")).toBeVisible();
  const [pdf] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId("export-pdf-letter").click(),
  ]);
  expect(pdf.suggestedFilename()).toMatch(/^trustmap-report-namespace-storefront-prod-paper-letter-.*\.pdf$/);
  const file = test.info().outputPath("graph.pdf");
  await pdf.saveAs(file);
  const read = readPdf(file);
  expect(read.pageSize).toMatch(/^612 x 792 pts/);
  expect(read.text).toContain("Scope Namespace storefront-prod");
});

test("names from the cluster and the query are text in the report, never markup", async ({
  page,
  request,
}) => {
  // The report page is fed a real report whose names carry markup, as a hostile cluster could.
  const real = EvidenceReport.parse(await (await request.get("/api/export/report.json")).json());
  const hostile = '<img src=x onerror="window.pwned=1">';
  const report = {
    ...real,
    meta: { ...real.meta, cluster: hostile },
    rbac: real.rbac.map((row, i) => (i === 0 ? { ...row, ref: `User/${hostile}` } : row)),
  };
  await page.route("**/api/export/report.json**", (route) => route.fulfill({ json: report }));
  await page.goto("/report");
  await expect(page.locator("html[data-report-ready]")).toBeAttached({ timeout: 30_000 });
  await expect(page.getByTestId("cover")).toContainText(hostile);
  await expect(page.getByText(`User/${hostile}`)).toBeVisible();
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();

  // The footer is HTML that the BFF writes: a namespace asked for with markup stays text there.
  const pdf = await request.get(`/api/export/report.pdf?namespace=${encodeURIComponent("<b>x</b>")}`);
  expect(pdf.ok()).toBe(true);
  const file = test.info().outputPath("markup.pdf");
  writeFileSync(file, await pdf.body());
  const read = readPdf(file);
  expect(read.text).toContain("Trustmap evidence report · Namespace <b>x</b> · revision");
  expect(read.text).toContain("Scope Namespace <b>x</b>");
});

function decodePng(bytes: Buffer): PNG {
  expect(bytes.subarray(1, 4).toString()).toBe("PNG");
  return PNG.sync.read(bytes);
}

/** How many pixels differ from the top-left one (the page's background). */
function inked(png: PNG): number {
  let count = 0;
  const [r, g, b] = [png.data[0], png.data[1], png.data[2]];
  for (let i = 0; i < png.data.length; i += 4)
    if (png.data[i] !== r || png.data[i + 1] !== g || png.data[i + 2] !== b) count++;
  return count;
}

test("PNGs of the matrix and the gaps pages, their whole length, at the scale asked", async ({ request }) => {
  const matrix = await request.get(`/api/export/page.png?page=rbac&query=${encodeURIComponent("risky=1")}`);
  expect(matrix.ok(), await matrix.text().catch(() => "")).toBe(true);
  expect(matrix.headers()["content-disposition"]).toMatch(
    /filename="trustmap-rbac-risky-1-tab-rbac-.*\.png"/,
  );
  const one = decodePng(await matrix.body());
  expect(one.width).toBe(1400);
  expect(one.height).toBeGreaterThan(900);
  expect(inked(one) / (one.width * one.height)).toBeGreaterThan(0.02);

  const gaps = await request.get(
    `/api/export/page.png?page=gaps&scale=2&query=${encodeURIComponent("severity=high")}`,
  );
  expect(gaps.ok()).toBe(true);
  const two = decodePng(await gaps.body());
  expect(two.width).toBe(2800);
  // The gaps page lists every high finding: far longer than the window.
  expect(two.height).toBeGreaterThan(1800);
  expect(inked(two) / (two.width * two.height)).toBeGreaterThan(0.02);
});
