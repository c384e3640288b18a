import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";
import type { Core } from "../../apps/web/node_modules/cytoscape";
import {
  ClusterState,
  groupGraph,
  groupValue,
  NamespaceView,
  parseCluster,
} from "../../packages/engine/src/index";
import { monolithDeployment, monolithNamespace } from "../../packages/engine/src/testing/monolith";
import type { ViewEdge } from "../../packages/shared/src/index";
import { STILL_PORT } from "../servers";
import { graphReady } from "./helpers";

// A monolith's namespace whose policies admit all of its own workloads, read from a folder: its
// view holds more edges than the page draws at once. The page holds the selection's edges only,
// each the engine's, and all of them when asked; grouped by a label, the namespace opens at once
// and a group opens in place.

const PORT = STILL_PORT + 2;
const URL_BASE = `http://127.0.0.1:${PORT}`;
const WORKLOADS = 80;
const TIERS = 4;

function manifests(): Record<string, unknown>[] {
  return [
    ...monolithNamespace("monolith"),
    ...Array.from({ length: WORKLOADS }, (_, i) =>
      monolithDeployment("monolith", `service-${i}`, { tier: `tier-${i % TIERS}` }),
    ),
  ];
}

/** The engine's view of the namespace on the same objects, grouped as asked. */
function engineView(workloads?: { by: string; open: (string | null)[] }) {
  const parsed = parseCluster(manifests().map((object, i) => ({ source: `document ${i}`, object })));
  expect(parsed.errors).toEqual([]);
  const state = ClusterState.from(parsed.cluster);
  const snapshot = new NamespaceView(state, "monolith").snapshot();
  if (workloads === undefined) return { nodes: snapshot.nodes, edges: snapshot.edges };
  const graph = groupGraph(snapshot, (ns, by) => groupValue(state, ns, by), {
    workloads: { namespace: "monolith", ...workloads },
  });
  return { nodes: [...graph.nodes.values()], edges: [...graph.edges.values()] };
}

let folder: string;
let server: ChildProcess;

test.beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "trustmap-monolith-"));
  writeFileSync(
    join(folder, "monolith.yaml"),
    manifests()
      .map((document) => JSON.stringify(document))
      .join("\n---\n"),
  );
  server = spawn(
    "node",
    ["--import", "tsx", "../apps/bff/src/main.ts", "--files", folder, "--port", String(PORT)],
    {
      stdio: ["ignore", "ignore", "inherit"],
      env: { TRUSTMAP_CHANGES: "memory", ...process.env, TRUSTMAP_LOG: "warn" },
    },
  );
  await expect
    .poll(
      async () => {
        try {
          return ((await (await fetch(`${URL_BASE}/api/health`)).json()) as { connected: boolean }).connected;
        } catch {
          return false;
        }
      },
      { timeout: 60_000 },
    )
    .toBe(true);
});

test.afterAll(() => {
  server?.kill();
  rmSync(folder, { recursive: true, force: true });
});

/** The ids of the nodes and edges the graph holds now. */
async function held(page: Page): Promise<{ nodes: string[]; edges: string[] }> {
  return page.evaluate(() => {
    const cy = (window as unknown as { trustmapGraph: { cy: Core } }).trustmapGraph.cy;
    return {
      nodes: cy
        .nodes()
        .map((n) => n.id())
        .sort(),
      edges: cy
        .edges()
        .map((e) => e.id())
        .sort(),
    };
  });
}

const ids = (items: readonly { id: string }[]) => items.map((item) => item.id).sort();
const touching = (edges: readonly ViewEdge[], node: string) =>
  ids(edges.filter((edge) => edge.source === node || edge.target === node));

test("a namespace past the edge limit holds the selection's edges, each the engine's, and all of them when asked", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const engine = engineView();
  // Every workload may reach every other: more edges than the page draws at once.
  expect(engine.edges.filter((edge) => edge.source !== edge.target)).toHaveLength(
    WORKLOADS * (WORKLOADS - 1),
  );
  expect(engine.edges.length).toBeGreaterThan(3000);
  await page.goto(`${URL_BASE}/?view=${encodeURIComponent("namespace:monolith")}&bench=1`);
  await graphReady(page);
  const drawAll = page.getByRole("checkbox", { name: `Draw all ${engine.edges.length} edges` });
  await expect(drawAll).not.toBeChecked();
  // Nothing selected: every node, no edge.
  expect(await held(page)).toEqual({ nodes: ids(engine.nodes), edges: [] });

  const node = engine.nodes.find((n) => n.kind === "identity")!;
  await page.getByRole("searchbox").fill(node.label);
  await page.getByTestId("node-list").locator(`[data-node-id="${node.id}"]`).click();
  await expect.poll(async () => (await held(page)).edges).toEqual(touching(engine.edges, node.id));

  await drawAll.check();
  await expect.poll(async () => (await held(page)).edges.length).toBe(engine.edges.length);
  expect((await held(page)).edges).toEqual(ids(engine.edges));
  await drawAll.uncheck();
  await expect.poll(async () => (await held(page)).edges).toEqual(touching(engine.edges, node.id));
});

test("the namespace grouped by a label opens at once, and a group opens in place with its edges as the engine sums them", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const closed = engineView({ by: "tier", open: [] });
  await page.goto(`${URL_BASE}/?view=${encodeURIComponent("namespace:monolith;tier")}&bench=1`);
  await graphReady(page);
  expect(await held(page)).toEqual({ nodes: ids(closed.nodes), edges: ids(closed.edges) });
  // Each tier's group: its workloads and pods summed, its self-edge all pairs of its pods.
  for (const group of closed.nodes) expect(group.workloads).toBe(WORKLOADS / TIERS);

  const opened = engineView({ by: "tier", open: ["tier-0"] });
  await page.getByRole("button", { name: "Open tier=tier-0", exact: true }).click();
  await expect.poll(async () => (await held(page)).nodes).toEqual(ids(opened.nodes));
  // Within the limit: every edge is held.
  expect(opened.edges.length).toBeLessThanOrEqual(3000);
  await expect.poll(async () => (await held(page)).edges).toEqual(ids(opened.edges));
});
