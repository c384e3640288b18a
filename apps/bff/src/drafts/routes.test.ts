import {
  Draft,
  DraftConnections,
  DraftDifference,
  DraftGraph,
  DraftsAnswer,
  Explanation,
  MatrixPage,
} from "@trustmap/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { ChangeLog } from "../history/change-log";
import { embeddedDatabase } from "../history/database";
import type { RunningServer } from "../server";
import { eventually } from "../testing/bundle";
import { ScriptedSource } from "../testing/scripted";
import { csrfHeaders, serveObjects } from "../testing/serve";

// Drafts through the real server, on the embedded database: kept and shared by id, read against
// the live engine (draft versus now), drawn on a view, downloaded as YAML, and generated; the live
// picture never changes while they are read.

const WEB_FROM_DB = {
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "web-from-db", namespace: "shop" },
  spec: {
    podSelector: { matchLabels: { app: "web" } },
    policyTypes: ["Ingress"],
    ingress: [
      { from: [{ podSelector: { matchLabels: { app: "db" } } }], ports: [{ protocol: "TCP", port: 8080 }] },
    ],
  },
};

const OBJECTS = [
  { kind: "Namespace", metadata: { name: "shop" } },
  ...["web", "db"].map((app) => ({
    kind: "Pod",
    metadata: { name: `${app}-1`, namespace: "shop", labels: { app } },
    spec: { containers: [{ name: app, image: `${app}:1`, ports: [{ containerPort: 8080 }] }] },
  })),
  {
    kind: "NetworkPolicy",
    metadata: { name: "deny-all", namespace: "shop" },
    spec: { podSelector: {}, policyTypes: ["Ingress"] },
  },
  WEB_FROM_DB,
];

const EDGE = "wl:shop/app=db->wl:shop/app=web";

let server: RunningServer;

const request = async (
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) => {
  // A change carries the session's CSRF token, as the page sends it.
  const csrf = method === "GET" ? {} : await csrfHeaders(server.url);
  const response = await fetch(new URL(path, server.url), {
    method,
    headers: { ...csrf, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
};

const create = async (input: { name: string; manifests: string; deletions: unknown[] }) => {
  const { status, json } = await request("POST", "/api/drafts", input);
  expect(status).toBe(201);
  return Draft.parse(json);
};

const difference = async (id: string) => {
  const { status, json } = await request("GET", `/api/drafts/${id}/difference`);
  expect(status).toBe(200);
  return DraftDifference.parse(json);
};

/** The live state's policies and the edge between db and web, to show a draft never changes them. */
const livePicture = async () => {
  const cluster = await server.live.query("cluster", {});
  const explained = await request(
    "GET",
    `/api/explain?from=${encodeURIComponent("wl:shop/app=db")}&to=${encodeURIComponent("wl:shop/app=web")}`,
  );
  return { policies: cluster.networkPolicies.map((p) => p.name).sort(), explained: explained.json };
};

beforeAll(async () => {
  ({ server } = await serveObjects(OBJECTS, new ScriptedSource(), {
    changes: await ChangeLog.open(await embeddedDatabase(undefined), "scripted test source"),
  }));
  await eventually(
    "the change log to begin",
    async () => server.history!.status,
    (s) => s.state === "recording",
  );
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe("a draft that deletes a policy", () => {
  let draft: Draft;
  let live: Awaited<ReturnType<typeof livePicture>>;
  beforeAll(async () => {
    live = await livePicture();
    draft = await create({
      name: "drop web-from-db",
      manifests: "",
      deletions: [{ kind: "NetworkPolicy", namespace: "shop", name: "web-from-db" }],
    });
  });

  it("closes exactly the connection the policy allowed, with the deletion as its cause", async () => {
    const answer = await difference(draft.id);
    expect(answer.errors).toEqual([]);
    expect(answer).toMatchObject({ puts: 0, deletes: 1, absent: [] });
    const diff = answer.diff!;
    expect(diff.causes).toEqual([
      { kind: "NetworkPolicy", name: "shop/web-from-db", change: "deleted", fields: [] },
    ]);
    const reach = diff.changes.filter((change) => change.area === "reach");
    expect(reach).toHaveLength(1);
    expect(reach[0]).toMatchObject({
      kind: "went",
      before: { from: "shop/db-1", to: "shop/web-1", ports: "TCP:8080" },
    });
    expect(reach[0]!.after).toBeUndefined();
    expect(diff.counts["reach.went"]).toBe(1);
  });

  it("draws the namespace as the draft makes it: the edge is gone from the view and drawn closed", async () => {
    const { status, json } = await request("GET", `/api/drafts/${draft.id}/graph?view=namespace:shop`);
    expect(status).toBe(200);
    const graph = DraftGraph.parse(json);
    expect(graph.edges.map((edge) => edge.id)).not.toContain(EDGE);
    expect(graph.overlay.counts).toEqual({ opened: 0, closed: 1, changed: 0 });
    expect(graph.overlay.edges).toMatchObject([{ id: EDGE, status: "closed", closed: 1 }]);
  });

  it("explains the edge with the draft applied: no rule allows it", async () => {
    const { status, json } = await request(
      "GET",
      `/api/drafts/${draft.id}/explain?from=${encodeURIComponent("wl:shop/app=db")}&to=${encodeURIComponent("wl:shop/app=web")}`,
    );
    expect(status).toBe(200);
    const explanation = Explanation.parse(json);
    expect(explanation.ports).toBeNull();
  });

  it("leaves the live picture as it was", async () => {
    expect(await livePicture()).toEqual(live);
    expect(live.policies).toContain("web-from-db");
    expect((live.explained as Explanation).ports).not.toBeNull();
  });

  it("downloads as the YAML to apply, with the deletion as its command", async () => {
    const { status, text, headers } = await request("GET", `/api/drafts/${draft.id}/yaml`);
    expect(status).toBe(200);
    expect(headers.get("content-type")).toMatch(/^application\/yaml/);
    expect(headers.get("content-disposition")).toMatch(
      /^attachment; filename="drop-web-from-db-.{8}\.yaml"$/,
    );
    expect(text).toContain('kubectl delete networkpolicy "web-from-db" -n "shop"');
  });

  it("is listed, and read by its link", async () => {
    const list = DraftsAnswer.parse((await request("GET", "/api/drafts")).json);
    expect(list.drafts.map((d) => d.id)).toContain(draft.id);
    const again = Draft.parse((await request("GET", `/api/drafts/${draft.id}`)).json);
    expect(again).toEqual(draft);
    expect(again.yours).toBe(true);
    expect(Date.parse(again.expiresAt) - Date.parse(again.updatedAt)).toBe(30 * 86_400_000);
  });
});

describe("a draft that edits the live policy", () => {
  it("differs by nothing when the live object is put back as Trustmap writes it", async () => {
    const { status, json } = await request(
      "GET",
      "/api/drafts/live-object?kind=NetworkPolicy&namespace=shop&name=web-from-db",
    );
    expect(status).toBe(200);
    const yaml = (json as { yaml: string }).yaml;
    const draft = await create({ name: "unchanged", manifests: yaml, deletions: [] });
    const answer = await difference(draft.id);
    expect(answer.puts).toBe(1);
    expect(answer.diff!.changes).toEqual([]);
    expect(answer.diff!.causes).toEqual([]);
  });

  it("opens what the edit allows: from every pod of the namespace to web on 8080", async () => {
    const edited = structuredClone(WEB_FROM_DB);
    edited.spec.ingress[0]!.from = [{ podSelector: {} } as never];
    const draft = await create({ name: "wider", manifests: JSON.stringify(edited), deletions: [] });
    const diff = (await difference(draft.id)).diff!;
    expect(diff.causes).toEqual([
      { kind: "NetworkPolicy", name: "shop/web-from-db", change: "edited", fields: ["ingress"] },
    ]);
    const reach = diff.changes.filter((change) => change.area === "reach");
    expect(reach.map((change) => [change.kind, change.key])).toEqual([
      ["appeared", expect.stringContaining("shop/web-1")],
    ]);
    expect(reach[0]!.after).toMatchObject({ from: "shop/web-1", to: "shop/web-1", ports: "TCP:8080" });
    expect(reach[0]!.trips).toEqual(["opened"]);
    expect(diff.failed).toEqual(["opened"]);
  });

  it("deleting the default-deny brings the finding that web may be reached by anyone", async () => {
    const draft = await create({
      name: "no deny",
      manifests: "",
      deletions: [{ kind: "NetworkPolicy", namespace: "shop", name: "deny-all" }],
    });
    const diff = (await difference(draft.id)).diff!;
    const appeared = diff.changes.filter((change) => change.area === "finding" && change.kind === "appeared");
    expect(appeared.length).toBeGreaterThan(0);
    expect(diff.counts["finding.appeared"]).toBe(appeared.length);
    // As the gaps page asks: the findings of shop alone.
    const { json } = await request("GET", `/api/drafts/${draft.id}/difference?area=finding&namespace=shop`);
    const findings = DraftDifference.parse(json).diff!;
    expect(findings.changes.length).toBeGreaterThan(0);
    expect(
      findings.changes.every(
        (c) => c.area === "finding" && (c.after ?? c.before)!.namespaces.includes("shop"),
      ),
    ).toBe(true);
    expect(findings.changes.map((c) => c.key)).toEqual(
      diff.changes
        .filter((c) => c.area === "finding" && (c.after ?? c.before)!.namespaces.includes("shop"))
        .map((c) => c.key),
    );
    expect(diff.changes.some((c) => c.area === "reach")).toBe(true);
  });
});

describe("a draft that is wrong", () => {
  it("names the document and the field, as the command line does, and gives no difference", async () => {
    const bad = structuredClone(WEB_FROM_DB);
    (bad.spec.ingress[0]!.ports[0] as { port: unknown }).port = "no such port name!";
    const draft = await create({ name: "bad", manifests: JSON.stringify(bad), deletions: [] });
    const answer = await difference(draft.id);
    expect(answer.diff).toBeUndefined();
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors[0]).toMatch(
      /^draft manifests.*NetworkPolicy shop\/web-from-db.*spec\.ingress\[0\]\.ports\[0\]\.port/,
    );
    const graph = await request("GET", `/api/drafts/${draft.id}/graph?view=namespace:shop`);
    expect(graph.status).toBe(422);
    expect((graph.json as { error: string }).error).toContain("spec.ingress[0].ports[0].port");
  });

  it("refuses a deletion without its namespace, naming the entry", async () => {
    const draft = await create({
      name: "bad deletion",
      manifests: "",
      deletions: [{ kind: "Role", name: "x" }],
    });
    expect((await difference(draft.id)).errors).toEqual([
      "deletions[0].namespace: a Role is in a namespace; name it",
    ]);
  });

  it("refuses a body that is not a draft, naming the field; an unknown link; another site's change", async () => {
    const missing = await request("POST", "/api/drafts", { name: "x", manifests: 3, deletions: [] });
    expect(missing.status).toBe(400);
    expect((missing.json as { error: string }).error).toContain('body field "manifests"');
    expect((await request("GET", "/api/drafts/AAAAAAAAAAAAAAAAAAAAAA")).status).toBe(404);
    expect((await request("GET", "/api/drafts/not-an-id/difference")).status).toBe(404);
    const bare = await fetch(new URL("/api/drafts", server.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "x", manifests: "", deletions: [] }),
    });
    expect(bare.status).toBe(403);
    expect(((await bare.json()) as { error: string }).error).toContain("X-Trustmap-CSRF");
    const other = await request(
      "POST",
      "/api/drafts",
      { name: "x", manifests: "", deletions: [] },
      { origin: "https://evil.example" },
    );
    expect(other.status).toBe(403);
  });
});

describe("the generator's draft", () => {
  it("keeps exactly the connections asked for: keeping all of today's changes no connection", async () => {
    const { connections } = (await request("GET", "/api/drafts/connections?namespace=shop")).json as {
      connections: { from: string; to: string; ports: string }[];
    };
    expect(connections).toContainEqual(
      expect.objectContaining({ from: "shop/db-1", to: "shop/web-1", ports: "TCP:8080" }),
    );
    const made = await request("POST", "/api/drafts/propose", {
      namespace: "shop",
      keep: connections.map(({ from, to, ports }) => ({ from, to, ports })),
    });
    expect(made.status).toBe(201);
    const draft = Draft.parse(made.json);
    expect(draft.deletions.map((d) => d.name).sort()).toEqual(["deny-all", "web-from-db"]);
    const documents = parseAllDocuments(draft.manifests).map((d) => d.toJS() as { kind: string });
    expect(documents.length).toBeGreaterThan(0);
    expect(documents.every((d) => d.kind === "NetworkPolicy")).toBe(true);
    const diff = (await difference(draft.id)).diff!;
    expect(diff.changes.filter((change) => change.area === "reach")).toEqual([]);
  });

  it("for one workload: its connections to choose from, the others kept as today; dropping one closes exactly it", async () => {
    const { status, json } = await request(
      "GET",
      "/api/drafts/connections?namespace=shop&workload=shop%2Fdb-1",
    );
    expect(status).toBe(200);
    const answer = DraftConnections.parse(json);
    expect(answer.workloads).toEqual(["shop/db-1", "shop/web-1"]);
    expect(answer.connections.length).toBeGreaterThan(0);
    expect(answer.connections.every((c) => c.from === "shop/db-1" || c.to === "shop/db-1")).toBe(true);
    expect(answer.others.length).toBeGreaterThan(0);
    expect(answer.others.some((c) => c.from === "shop/db-1" || c.to === "shop/db-1")).toBe(false);
    const dropped = (c: { from: string; to: string }) => c.from === "shop/db-1" && c.to === "shop/web-1";
    const keep = [...answer.connections.filter((c) => !dropped(c)), ...answer.others].map(
      ({ from, to, ports }) => ({
        from,
        to,
        ports,
      }),
    );
    const made = await request("POST", "/api/drafts/propose", { namespace: "shop", keep });
    expect(made.status).toBe(201);
    const diff = (await difference(Draft.parse(made.json).id)).diff!;
    expect(
      diff.changes
        .filter((c) => c.area === "reach")
        .map((c) => [c.kind, c.before?.area === "reach" ? `${c.before.from} ${c.before.to}` : ""]),
    ).toEqual([["went", "shop/db-1 shop/web-1"]]);
    const unknown = await request("GET", "/api/drafts/connections?namespace=shop&workload=shop%2Fnone");
    expect(unknown.status).toBe(404);
  });

  it("keeping none closes every connection of the namespace's workloads", async () => {
    const made = await request("POST", "/api/drafts/propose", { namespace: "shop", keep: [] });
    const draft = Draft.parse(made.json);
    const diff = (await difference(draft.id)).diff!;
    const reach = diff.changes.filter((change) => change.area === "reach");
    expect(reach.length).toBeGreaterThan(0);
    expect(reach.every((change) => change.kind === "went" || change.kind === "changed")).toBe(true);
  });
});

describe("the matrix as a draft makes it (GET /api/rbac?draft=)", () => {
  it("marks the rights the draft gives, on the engine's page as the draft makes it", async () => {
    const draft = await create({
      name: "web admin",
      manifests: [
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {namespace: shop, name: web}",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: everything}\nrules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: web-admin}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: everything}\nsubjects: [{kind: ServiceAccount, name: web, namespace: shop}]",
      ].join("\n---\n"),
      deletions: [],
    });
    const { status, json } = await request("GET", `/api/rbac?draft=${draft.id}&search=web`);
    expect(status).toBe(200);
    const page = MatrixPage.parse(json);
    const row = page.rows.find((r) => r.ref === "ServiceAccount/shop/web");
    expect(row).toBeDefined();
    const cell = row!.cells.find((c) => c.scope === "*" && c.resource === "*/*");
    expect(cell?.since).toEqual({ change: "gained" });
    // The live matrix has no such subject: nothing reached the cluster or the live picture.
    const liveRows = MatrixPage.parse((await request("GET", "/api/rbac?search=web")).json).rows;
    expect(liveRows.map((r) => r.ref)).not.toContain("ServiceAccount/shop/web");
    // One comparison at a time.
    const both = await request("GET", `/api/rbac?draft=${draft.id}&since=${new Date().toISOString()}`);
    expect(both.status).toBe(400);
  });
});
