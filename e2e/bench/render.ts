// Time to first render of the overview, of the namespace with the most workloads and of the
// namespace with the most neighbours, until the view's layout (computed in a worker) is shown, the frame times while
// panning and zooming, and the time to apply and show a patch, in Debian's Chromium against the BFF on a synthetic cluster. Prints JSON.
//   pnpm -s --filter @trustmap/e2e bench --scale L [--seconds 30] [--monolith N (5000 at L)]
import { chromium, type Page } from "@playwright/test";
import { NamespaceList, WorkloadGroupingList } from "@trustmap/shared";
import { openedView as openedFrom, viewOfNode } from "../../apps/web/src/features/graph/view-keys";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../chromium";
import { syntheticBff } from "./synthetic-bff";

function arg(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const scale = arg("scale", "L");
const seconds = Number(arg("seconds", "30"));
// At L the cluster also holds a monolith's namespace of 5,000 workloads (`--monolith 0`: none).
const monolith = Number(arg("monolith", scale === "L" ? "5000" : "0"));
const world = monolith > 0 ? `${scale}+${monolith}` : scale;
const base = await syntheticBff(world, 4393);

async function json(path: string): Promise<unknown> {
  const response = await fetch(`${base}${path}`);
  return response.json();
}

const namespaces = NamespaceList.parse(await json("/api/namespaces")).namespaces;
const largest = [...namespaces].sort((a, b) => b.identities - a.identities)[0]!;

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });

async function firstDraw(target: Page, url: string) {
  await target.goto(url);
  await target.waitForFunction(() => performance.getEntriesByName("trustmap:draw").length > 0, undefined, {
    timeout: 300_000,
  });
  // The view at its own positions: the worker's layout shown (a fresh page keeps none). A build
  // from before the worker marks nothing: it lays out while drawing.
  await target.waitForFunction(
    () => {
      const mark = document.querySelector('[data-testid="graph"]')?.getAttribute("data-layout");
      return mark === "settled" || mark === null;
    },
    undefined,
    { timeout: 300_000 },
  );
  return target.evaluate(() => {
    const entry = performance.getEntriesByName("trustmap:draw")[0] as PerformanceMeasure;
    const layout = performance.getEntriesByName("trustmap:layout")[0] as PerformanceMeasure | undefined;
    const detail = layout?.detail as { nodes: number; workerMs: number } | undefined;
    return {
      ms: Math.round(entry.startTime + entry.duration),
      snapshotArrivedMs: Math.round(entry.startTime),
      drawMs: Math.round(entry.duration),
      elements: (entry.detail as { elements: number }).elements,
      // From the request to the worker until its positions are applied; the layout alone in the worker.
      layoutShownMs: layout === undefined ? null : Math.round(layout.startTime + layout.duration),
      layoutMs: layout === undefined ? null : Math.round(layout.duration),
      layoutWorkerMs: detail === undefined ? null : Math.round(detail.workerMs),
      layoutNodes: detail?.nodes ?? null,
    };
  });
}

/**
 * Frame times while the user zooms (wheel) and pans (drag) the graph for a few seconds: every
 * animation frame's interval, as the page saw them.
 */
async function panAndZoom(
  target: Page,
): Promise<{ frames: number; p50Ms: number; p95Ms: number; fps: number }> {
  const box = (await target.getByTestId("graph").boundingBox())!;
  const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  // A string, not a function: tsx would wrap the function's inner names in a helper the page lacks.
  await target.evaluate(`(() => {
    window.benchFrames = [];
    window.benchStop = false;
    let last = performance.now();
    const tick = (now) => {
      window.benchFrames.push(now - last);
      last = now;
      if (!window.benchStop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  const started = Date.now();
  await target.mouse.move(centre.x, centre.y);
  for (let i = 0; i < 12; i++) await target.mouse.wheel(0, i < 6 ? -200 : 200);
  await target.mouse.down();
  await target.mouse.move(centre.x + 300, centre.y + 200, { steps: 30 });
  await target.mouse.move(centre.x - 300, centre.y - 200, { steps: 30 });
  await target.mouse.up();
  const seconds = (Date.now() - started) / 1000;
  const frames = await target.evaluate(() => {
    const state = window as unknown as { benchFrames: number[]; benchStop: boolean };
    state.benchStop = true;
    return state.benchFrames.slice(1);
  });
  const sorted = [...frames].sort((a, b) => a - b);
  return {
    frames: frames.length,
    p50Ms: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    p95Ms: Math.round(sorted[Math.floor(sorted.length * 0.95)] ?? 0),
    fps: Number((frames.length / seconds).toFixed(1)),
  };
}

// What a user sees first: the page opened without a view (a large cluster opens grouped).
const overview = await firstDraw(page, `${base}/`);
const overviewPanZoom = await panAndZoom(page);
const openedView = new URL(page.url()).searchParams.get("view") ?? "overview";
// The cluster by namespace, asked for explicitly: a node per namespace.
const byNamespacePage = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const byNamespace = await firstDraw(byNamespacePage, `${base}/?bench=1&view=overview`);
const byNamespacePanZoom = await panAndZoom(byNamespacePage);
await byNamespacePage.close();
// The overview stays open while the cluster changes: every patch is timed.
await page.waitForTimeout(seconds * 1000);
const patches = await page.evaluate(() =>
  performance.getEntriesByName("trustmap:patch").map((entry) => {
    const detail = (entry as PerformanceMeasure).detail as { elements: number; applyMs: number };
    return { ms: entry.duration, elements: detail.elements, applyMs: detail.applyMs };
  }),
);
// The namespace with the most workloads, opened from the opening view as the page opens it: the
// namespaces around it grouped as there, its own workloads grouped by the first pod label the
// engine offers when they are more than a canvas shows (the page asks for those labels first).
const askedAt = performance.now();
const podLabels = WorkloadGroupingList.parse(
  await json(`/api/namespaces/${encodeURIComponent(largest.name)}/groupings`),
);
const podLabelsMs = Math.round(performance.now() - askedAt);
const largestView = openedFrom(viewOfNode(`ns:${largest.name}`, openedView)!, podLabels);
const namespacePage = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const namespace = await firstDraw(namespacePage, `${base}/?bench=1&view=${encodeURIComponent(largestView)}`);
// The same namespace with a node per workload, asked for explicitly.
const workloadByWorkload =
  largestView === `namespace:${largest.name}`
    ? undefined
    : await firstDraw(
        await browser.newPage({ viewport: { width: 1400, height: 900 } }),
        `${base}/?bench=1&view=${encodeURIComponent(`namespace:${largest.name}`)}`,
      );
// The namespace whose view has the most nodes: every namespace that talks to it is a node (DNS).
// Opened from the opening view, as a user opens it: the namespaces around it grouped as there.
const hasSystem = namespaces.some((n) => n.name === "kube-system");
const systemView = viewOfNode("ns:kube-system", openedView)!;
const systemPage = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const system = hasSystem
  ? await firstDraw(systemPage, `${base}/?bench=1&view=${encodeURIComponent(systemView)}`)
  : undefined;
// The same namespace with a node for every namespace around it, asked for explicitly.
const systemByNamespace =
  hasSystem && systemView !== "namespace:kube-system"
    ? await firstDraw(
        await browser.newPage({ viewport: { width: 1400, height: 900 } }),
        `${base}/?bench=1&view=${encodeURIComponent("namespace:kube-system")}`,
      )
    : undefined;

/** A patch of 100 elements (50 nodes, each with an edge to a node on screen), applied and shown. */
async function hundredElementPatch(target: Page): Promise<{ applyMs: number; shownMs: number }> {
  return target.evaluate(
    () =>
      new Promise((resolve) => {
        const graph = (window as unknown as { trustmapGraph: { apply(patch: unknown): void } }).trustmapGraph;
        const anchor = document.querySelector("[data-node-id]")?.getAttribute("data-node-id") ?? "";
        const putNodes = Array.from({ length: 50 }, (_, i) => ({
          id: `bench:${i}`,
          kind: "identity",
          label: `bench-${i}`,
          namespace: "bench",
          pods: 1,
          openIngressPods: 0,
          openEgressPods: 0,
        }));
        const putEdges = putNodes.map((node) => ({
          id: `${node.id}->${anchor}`,
          source: node.id,
          target: anchor,
          ports: "all",
          pairs: 1,
        }));
        const started = performance.now();
        graph.apply({
          view: "bench",
          base: 0,
          revision: 1,
          putNodes,
          removeNodes: [],
          putEdges,
          removeEdges: [],
        });
        const applyMs = performance.now() - started;
        requestAnimationFrame(() =>
          requestAnimationFrame(() => resolve({ applyMs, shownMs: performance.now() - started })),
        );
      }),
  );
}
const hundredOnNamespace = await hundredElementPatch(namespacePage);
const hundredOnSystem = system === undefined ? undefined : await hundredElementPatch(systemPage);
await browser.close();

function roundAll(value: { applyMs: number; shownMs: number }) {
  return { applyMs: Number(value.applyMs.toFixed(1)), shownMs: Math.round(value.shownMs) };
}

const sorted = patches.map((p) => p.ms).sort((a, b) => a - b);
const applied = patches.map((p) => p.applyMs).sort((a, b) => a - b);
const large = patches.filter((p) => p.elements >= 100);
console.log(
  JSON.stringify({
    scale: world,
    overview: { view: openedView, firstRenderMs: overview.ms, ...overview, panZoom: overviewPanZoom },
    byNamespace: { firstRenderMs: byNamespace.ms, ...byNamespace, panZoom: byNamespacePanZoom },
    largestNamespace: {
      name: largest.name,
      identities: largest.identities,
      view: largestView,
      // The page's question for the namespace's pod labels, before it opens the view.
      podLabelsMs,
      firstRenderMs: namespace.ms,
      ...namespace,
    },
    largestNamespaceByWorkload:
      workloadByWorkload === undefined
        ? null
        : { firstRenderMs: workloadByWorkload.ms, ...workloadByWorkload },
    kubeSystem: system === undefined ? null : { view: systemView, firstRenderMs: system.ms, ...system },
    kubeSystemByNamespace:
      systemByNamespace === undefined ? null : { firstRenderMs: systemByNamespace.ms, ...systemByNamespace },
    hundredElementPatch: {
      onLargestNamespace: roundAll(hundredOnNamespace),
      onKubeSystem: hundredOnSystem === undefined ? null : roundAll(hundredOnSystem),
    },
    patches: {
      count: patches.length,
      // Until the frame that shows the patch (dominated by redrawing the whole canvas).
      shownP50Ms: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
      shownMaxMs: Math.round(sorted[sorted.length - 1] ?? 0),
      // Applying the patch to cytoscape (one batch), without the frame.
      applyP50Ms: Number((applied[Math.floor(applied.length / 2)] ?? 0).toFixed(2)),
      applyMaxMs: Number((applied[applied.length - 1] ?? 0).toFixed(2)),
      maxElements: Math.max(0, ...patches.map((p) => p.elements)),
      withAtLeast100Elements: large.map((p) => ({
        shownMs: Math.round(p.ms),
        applyMs: Number(p.applyMs.toFixed(2)),
        elements: p.elements,
      })),
    },
  }),
);
process.exit(0);
