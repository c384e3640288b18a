import { formatInputError, parseCluster, type WatchEvent } from "@trustmap/engine";
import { ChangesAnswer, GraphOverlay, MatrixPage, ReportsAnswer } from "@trustmap/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../server";
import { eventually } from "../testing/bundle";
import { ScriptedSource } from "../testing/scripted";
import { serveObjects } from "../testing/serve";
import { ChangeLog } from "./change-log";
import { embeddedDatabase } from "./database";

// The change log's answers through the real server, on the embedded database: the graph compared
// with a moment (placed on each view as the engine draws it now), the matrix's cells marked, and
// the reports made as moments to compare with.

const OBJECTS = [
  { kind: "Namespace", metadata: { name: "shop" } },
  ...["web", "db"].map((app) => ({
    kind: "Pod",
    metadata: { name: `${app}-1`, namespace: "shop", labels: { app } },
    spec: { containers: [{ name: app, image: `${app}:1` }] },
  })),
  {
    kind: "NetworkPolicy",
    metadata: { name: "deny-all", namespace: "shop" },
    spec: { podSelector: {}, policyTypes: ["Ingress"] },
  },
  { kind: "ServiceAccount", metadata: { name: "web", namespace: "shop" } },
  {
    kind: "ClusterRole",
    metadata: { name: "cluster-admin" },
    rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
  },
];

/** The events that create these objects, as the source would send them. */
function created(...objects: unknown[]): WatchEvent[] {
  const { cluster, errors } = parseCluster(
    objects.map((object, i) => ({ source: `change ${i}`, object: object as never })),
  );
  if (errors.length > 0) throw new Error(errors.map(formatInputError).join("\n"));
  return [
    ...cluster.networkPolicies.map(
      (object): WatchEvent => ({ type: "ADDED", kind: "NetworkPolicy", object }),
    ),
    ...cluster.bindings.map((object): WatchEvent => ({ type: "ADDED", kind: object.kind, object })),
  ];
}

let server: RunningServer;
let source: ScriptedSource;
let before: string;

const get = async (path: string) => {
  const response = await fetch(new URL(path, server.url));
  return { status: response.status, body: (await response.json()) as unknown };
};

beforeAll(async () => {
  ({ server, source } = await serveObjects(OBJECTS, new ScriptedSource(), {
    changes: await ChangeLog.open(await embeddedDatabase(undefined), "scripted test source"),
  }));
  await eventually(
    "the change log to begin",
    async () => server.history!.status,
    (s) => s.state === "recording",
  );
  before = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 20));
  source.push(
    created(
      {
        kind: "NetworkPolicy",
        metadata: { name: "web-from-db", namespace: "shop" },
        spec: {
          podSelector: { matchLabels: { app: "web" } },
          ingress: [{ from: [{ podSelector: { matchLabels: { app: "db" } } }], ports: [{ port: 8080 }] }],
        },
      },
      {
        kind: "ClusterRoleBinding",
        metadata: { name: "web-admin" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
        subjects: [{ kind: "ServiceAccount", name: "web", namespace: "shop" }],
      },
    ),
  );
  await eventually(
    "the changes to be recorded",
    async () => ChangesAnswer.parse((await get("/api/changes?area=reach")).body).entries.length,
    (n) => n > 0,
  );
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe("the graph compared with a moment (GET /api/changes/overlay)", () => {
  it("marks the edge the policy opened on the namespace's view, with the connection and its cause", async () => {
    const { status, body } = await get(`/api/changes/overlay?view=namespace:shop&since=${before}`);
    expect(status).toBe(200);
    const overlay = GraphOverlay.parse(body);
    expect(overlay).toMatchObject({ drawn: true, complete: true, total: 1, placed: 1, truncated: false });
    expect(overlay.counts).toEqual({ opened: 1, closed: 0, changed: 0 });
    const [edge] = overlay.edges;
    expect(edge).toMatchObject({
      id: "wl:shop/app=db->wl:shop/app=web",
      status: "opened",
      opened: 1,
      closed: 0,
      changed: 0,
    });
    expect(edge!.entries[0]!.after).toMatchObject({ from: "shop/db-1", to: "shop/web-1", ports: "TCP:8080" });
    expect(edge!.entries[0]!.causes).toContainEqual({
      kind: "NetworkPolicy",
      name: "shop/web-from-db",
      change: "created",
      fields: [],
    });
    expect(overlay.nodes).toEqual([]);
  });

  it("places it on the cluster's view as the namespace's own edge, and draws none on a workload's view of its pods", async () => {
    const overview = GraphOverlay.parse(
      (await get(`/api/changes/overlay?view=overview&since=${before}`)).body,
    );
    expect(overview.drawn).toBe(true);
    expect(overview.edges.map((edge) => `${edge.status} ${edge.id}`)).toEqual(["opened ns:shop->ns:shop"]);
    const pods = GraphOverlay.parse(
      (await get(`/api/changes/overlay?view=${encodeURIComponent("workload:shop/app=web")}&since=${before}`))
        .body,
    );
    expect(pods).toMatchObject({ drawn: false, edges: [], nodes: [] });
    // Grouped by a label the namespace lacks: on the group of the namespaces without it.
    const grouped = GraphOverlay.parse(
      (await get(`/api/changes/overlay?view=${encodeURIComponent("groups:team")}&since=${before}`)).body,
    );
    expect(grouped.edges.map((edge) => `${edge.status} ${edge.id}`)).toEqual(["opened grp:team->grp:team"]);
  });

  it("says what is wrong with a view it cannot read or a moment after now", async () => {
    const bad = await get(`/api/changes/overlay?view=nowhere&since=${before}`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('query parameter \\"view\\"');
    const later = await get(
      `/api/changes/overlay?view=overview&since=${before}&until=2000-01-01T00:00:00.000Z`,
    );
    expect(later.status).toBe(400);
    expect(JSON.stringify(later.body)).toContain("is before since");
  });
});

describe("the matrix compared with a moment (GET /api/rbac?since)", () => {
  it("marks the cell gained on the subject's row and nothing on the others", async () => {
    const page = MatrixPage.parse((await get(`/api/rbac?since=${before}`)).body);
    const web = page.rows.find((row) => row.ref === "ServiceAccount/shop/web")!;
    const cell = web.cells.find((c) => c.scope === "*" && c.resource === "*/*")!;
    expect(cell.since).toEqual({ change: "gained" });
    expect(web.lost).toEqual([]);
    for (const row of page.rows.filter((r) => r.ref !== web.ref))
      expect(row.cells.every((c) => c.since === undefined)).toBe(true);
    // Without a moment, the matrix is as the engine gives it, unmarked.
    const plain = MatrixPage.parse((await get("/api/rbac")).body);
    expect(plain.rows.flatMap((row) => row.cells).every((c) => c.since === undefined)).toBe(true);
    expect(plain.rows.every((row) => row.lost === undefined)).toBe(true);
  });
});

describe("reports as moments (GET /api/changes/reports)", () => {
  it("lists the reports made, newest first, with their scope and format", async () => {
    expect((await fetch(new URL("/api/export/report.json?namespace=shop", server.url))).status).toBe(200);
    expect((await fetch(new URL("/api/export/report.json", server.url))).status).toBe(200);
    const { reports } = ReportsAnswer.parse((await get("/api/changes/reports")).body);
    expect(reports.map((r) => [r.scope, r.format])).toEqual([
      ["cluster", "json"],
      ["namespace shop", "json"],
    ]);
    expect(Date.parse(reports[0]!.at)).toBeGreaterThanOrEqual(Date.parse(reports[1]!.at));
  });
});
