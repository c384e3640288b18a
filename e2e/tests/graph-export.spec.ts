import { readFile, writeFile } from "node:fs/promises";
import { expect, type Page, test } from "@playwright/test";
import { PNG } from "pngjs";
import { graphStyle } from "../../apps/web/src/features/graph/style";
import { STILL_URL } from "../servers";
import { expectAccessible, graphReady } from "./helpers";

const NAMESPACE = "storefront-prod";
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Downloaded {
  readonly name: string;
  readonly bytes: Buffer;
  /** The engine revision the status bar showed just before and just after. */
  readonly engineBefore: number;
  readonly engineAfter: number;
  readonly before: Date;
  readonly after: Date;
}

/** The engine revision the status bar shows. */
async function engineRevision(page: Page): Promise<number> {
  const status = page.getByTestId("status");
  await expect(status).toContainText(/revision \d+/);
  return Number(/revision (\d+)/.exec((await status.textContent()) ?? "")![1]);
}

/** Chooses the scale, clicks PNG or SVG, and returns the file the browser downloads. */
async function exportGraph(page: Page, format: "PNG" | "SVG", scale: number): Promise<Downloaded> {
  const controls = page.getByRole("group", { name: "Export the graph as an image" });
  await controls.getByLabel("Image scale").selectOption(String(scale));
  const engineBefore = await engineRevision(page);
  const before = new Date(Math.floor(Date.now() / 1000) * 1000);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    controls.getByRole("button", { name: format, exact: true }).click(),
  ]);
  const bytes = await readFile(await download.path());
  const after = new Date();
  // Kept beside the test's other artifacts, for a person to look at.
  await writeFile(test.info().outputPath(download.suggestedFilename()), bytes);
  return {
    name: download.suggestedFilename(),
    bytes,
    engineBefore,
    engineAfter: await engineRevision(page),
    before,
    after,
  };
}

/** Width and height as the IHDR chunk, the first after the signature, gives them. */
function ihdr(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(bytes.toString("latin1", 12, 16)).toBe("IHDR");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

type Rgb = readonly [number, number, number];

function hex(colour: string): Rgb {
  const value = Number.parseInt(colour.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

function near(a: Rgb, b: Rgb, tolerance: number): boolean {
  return a.every((channel, i) => Math.abs(channel - b[i]!) <= tolerance);
}

/** The fills the graph's style gives nodes (light scheme, as the tests run); the findings glow lies behind them. */
function nodeFills(): Rgb[] {
  const rules = graphStyle(false).map((rule) => ({
    selector: rule.selector,
    style: ("style" in rule ? rule.style : {}) as Record<string, unknown>,
  }));
  const fills = rules
    .filter((rule) => rule.selector.startsWith("node"))
    .map((rule) => rule.style["background-color"])
    .filter((value): value is string => typeof value === "string")
    .map(hex);
  expect(fills.length).toBeGreaterThan(1);
  return fills;
}

interface Picture {
  readonly width: number;
  readonly height: number;
  /** Rows of the caption band at the bottom (its colour, down the left edge). */
  readonly band: number;
  /** Pixels of the graph part that are not background, and of those, in a node's fill. */
  readonly drawn: number;
  readonly nodePixels: number;
}

function look(bytes: Buffer): Picture {
  const png = PNG.sync.read(bytes);
  const at = (x: number, y: number): Rgb => {
    const i = (y * png.width + x) * 4;
    return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
  };
  const background = at(0, 0);
  const bandColour = at(0, png.height - 1);
  expect(near(background, bandColour, 0), "the caption band stands out from the background").toBe(false);
  let band = 0;
  while (band < png.height && near(at(0, png.height - 1 - band), bandColour, 0)) band++;
  const fills = nodeFills();
  let drawn = 0;
  let nodePixels = 0;
  for (let y = 0; y < png.height - band; y++) {
    for (let x = 0; x < png.width; x++) {
      const pixel = at(x, y);
      if (near(pixel, background, 0)) continue;
      drawn++;
      if (fills.some((fill) => near(pixel, fill, 3))) nodePixels++;
    }
  }
  return { width: png.width, height: png.height, band, drawn, nodePixels };
}

interface SvgSummary {
  readonly error: string | null;
  readonly root: string;
  readonly width: string | null;
  readonly height: string | null;
  readonly texts: string[];
}

/** The SVG as Chromium's XML parser reads it. */
function parseSvg(page: Page, text: string): Promise<SvgSummary> {
  return page.evaluate((source) => {
    const doc = new DOMParser().parseFromString(source, "image/svg+xml");
    const error = doc.getElementsByTagName("parsererror")[0];
    return {
      error: error === undefined ? null : (error.textContent ?? "parse error"),
      root: doc.documentElement.localName,
      width: doc.documentElement.getAttribute("width"),
      height: doc.documentElement.getAttribute("height"),
      texts: [...doc.getElementsByTagName("text")].map((t) => t.textContent ?? ""),
    };
  }, text);
}

/** Opens a view and pauses the live updates: the picture stays still between the exports compared. */
async function openPaused(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await graphReady(page);
  await page.getByRole("button", { name: "Pause" }).click();
}

async function nodeLabels(page: Page): Promise<string[]> {
  return page
    .getByTestId("node-list")
    .locator("[data-node-label]")
    .evaluateAll((items) => items.map((item) => item.getAttribute("data-node-label")!));
}

test.describe("graph export of a namespace", () => {
  // Whatever the export does must pass the BFF's CSP and throw nothing: the console stays clean.
  // (Listening from after the load: cytoscape's own <style> at start-up is refused by the CSP, and
  // says so once.)
  let problems: string[] = [];

  test.beforeEach(async ({ page }) => {
    await openPaused(page, `/?view=${encodeURIComponent(`namespace:${NAMESPACE}`)}`);
    problems = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
  });

  test.afterEach(() => {
    expect(problems).toEqual([]);
  });

  test("PNG of the whole namespace view at 1× and 2×, with its caption band, not blank", async ({ page }) => {
    const one = await exportGraph(page, "PNG", 1);
    const two = await exportGraph(page, "PNG", 2);
    const namePattern = new RegExp(`^trustmap-graph-namespace-${NAMESPACE}-r(\\d+)(-2x)?\\.png$`);
    for (const [file, suffix] of [
      [one, undefined],
      [two, "-2x"],
    ] as const) {
      const match = namePattern.exec(file.name);
      expect(match, file.name).not.toBeNull();
      expect(match![2]).toBe(suffix);
      const revision = Number(match![1]);
      expect(revision).toBeGreaterThanOrEqual(file.engineBefore);
      expect(revision).toBeLessThanOrEqual(file.engineAfter);
    }

    const size1 = ihdr(one.bytes);
    const size2 = ihdr(two.bytes);
    // Every length is the 1× length times the scale: graph part and caption band alike.
    expect(Math.abs(size2.width - 2 * size1.width)).toBeLessThanOrEqual(2);
    expect(Math.abs(size2.height - 2 * size1.height)).toBeLessThanOrEqual(2);

    const pic1 = look(one.bytes);
    const pic2 = look(two.bytes);
    expect({ width: pic1.width, height: pic1.height }).toEqual(size1);
    expect({ width: pic2.width, height: pic2.height }).toEqual(size2);
    expect(pic1.band).toBeGreaterThan(20);
    expect(Math.abs(pic2.band - 2 * pic1.band)).toBeLessThanOrEqual(2);
    const graph1 = pic1.height - pic1.band;
    const graph2 = pic2.height - pic2.band;
    expect(graph1).toBeGreaterThan(50);
    expect(Math.abs(graph2 - 2 * graph1)).toBeLessThanOrEqual(2);

    // Drawn, not blank: a good share of the graph part is nodes, edges and labels, and the fill
    // of several nodes is there (a node is 26 units wide: some 400 pixels of fill at 1×).
    for (const [pic, scale] of [
      [pic1, 1],
      [pic2, 2],
    ] as const) {
      expect(pic.drawn / (pic.width * (pic.height - pic.band))).toBeGreaterThan(0.02);
      expect(pic.nodePixels).toBeGreaterThan(1000 * scale * scale);
    }
    // The same picture at twice the size: about four times the drawn pixels.
    expect(pic2.nodePixels / pic1.nodePixels).toBeGreaterThan(3);
    expect(pic2.nodePixels / pic1.nodePixels).toBeLessThan(5);
  });

  test("SVG of the namespace view: well-formed, sized like the PNG, captioned, with every node's label", async ({
    page,
  }) => {
    const png = await exportGraph(page, "PNG", 2);
    const svg = await exportGraph(page, "SVG", 2);
    expect(svg.name).toMatch(new RegExp(`^trustmap-graph-namespace-${NAMESPACE}-r\\d+-2x\\.svg$`));
    const text = svg.bytes.toString("utf8");
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const parsed = await parseSvg(page, text);
    expect(parsed.error).toBeNull();
    expect(parsed.root).toBe("svg");
    const size = ihdr(png.bytes);
    expect(Number(parsed.width)).toBe(size.width);
    expect(Number(parsed.height)).toBe(size.height);

    // The caption: Trustmap and the scope; the time (UTC) and the engine revision shown; the demo.
    expect(parsed.texts).toContain(`Trustmap · Namespace ${NAMESPACE}`);
    const when = parsed.texts.find((t) => / · engine revision \d+/.test(t));
    expect(when, parsed.texts.join("\n")).toBeDefined();
    const [, iso, revision] = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) · engine revision (\d+)/.exec(when!)!;
    expect(new Date(iso!).getTime()).toBeGreaterThanOrEqual(svg.before.getTime());
    expect(new Date(iso!).getTime()).toBeLessThanOrEqual(svg.after.getTime());
    expect(Number(revision)).toBeGreaterThanOrEqual(svg.engineBefore);
    expect(Number(revision)).toBeLessThanOrEqual(svg.engineAfter);
    expect(svg.name).toContain(`-r${revision}-`);
    expect(when).toContain("live updates paused");
    expect(parsed.texts.some((t) => t.includes("demo cluster"))).toBe(true);

    // Every node of the view is drawn with its label, as the page lists them.
    const labels = await nodeLabels(page);
    expect(labels.length).toBeGreaterThan(1);
    for (const label of labels) expect(parsed.texts, label).toContain(label);
    await expectAccessible(page);
  });

  test("text from outside goes into the SVG as text, never as markup", async ({ page }) => {
    const hostile = `<svg onload="alert(1)">&amp; "quoted" ]]>`;
    await page.getByRole("searchbox", { name: "Search" }).fill(hostile);
    const svg = await exportGraph(page, "SVG", 1);
    const text = svg.bytes.toString("utf8");
    expect(text).not.toContain("<svg onload");
    const parsed = await parseSvg(page, text);
    expect(parsed.error).toBeNull();
    expect(parsed.texts.some((t) => t.includes(`search "${hostile}"`))).toBe(true);
  });
});

test("the picture is the whole view, whatever part of it the screen shows", async ({ page }) => {
  // `bench=1` hands the page's graph adapter to the window: the test reads the pan it sets up.
  // On the still demo: on the live one the caption's engine revision goes on while the view is
  // paused, and one more digit (99 to 100) widens a picture whose caption is its widest part.
  await openPaused(page, `${STILL_URL}/?bench=1`);
  const pan = () =>
    page.evaluate(() => {
      const graph = (window as unknown as { trustmapGraph: { cy: { pan(): { x: number; y: number } } } })
        .trustmapGraph;
      return graph.cy.pan();
    });
  const before = await exportGraph(page, "PNG", 1);

  // Drag the background from one corner to the other: most of the graph leaves the screen.
  const box = (await page.getByTestId("graph").boundingBox())!;
  const start = await pan();
  await page.mouse.move(box.x + 4, box.y + 4);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width - 4, box.y + box.height - 4, { steps: 10 });
  await page.mouse.up();
  await expect.poll(async () => (await pan()).x - start.x).toBeGreaterThan(box.width / 2);
  const after = await exportGraph(page, "PNG", 1);

  const one = PNG.sync.read(before.bytes);
  const two = PNG.sync.read(after.bytes);
  expect([two.width, two.height]).toEqual([one.width, one.height]);
  // The graph part is the same image, pixel for pixel (the caption's time may differ).
  const graphRows = one.height - look(before.bytes).band;
  const graphBytes = graphRows * one.width * 4;
  expect(two.data.subarray(0, graphBytes).equals(one.data.subarray(0, graphBytes))).toBe(true);

  const svg = await exportGraph(page, "SVG", 1);
  expect(svg.name).toMatch(/^trustmap-graph-whole-cluster-by-namespace-r\d+\.svg$/);
  const parsed = await parseSvg(page, svg.bytes.toString("utf8"));
  expect(parsed.error).toBeNull();
  expect(parsed.texts).toContain("Trustmap · Whole cluster by namespace");
  const labels = await nodeLabels(page);
  expect(labels.length).toBeGreaterThan(5);
  for (const label of labels) expect(parsed.texts, label).toContain(label);
});
