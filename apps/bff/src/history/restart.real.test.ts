import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { ClusterState, PostureLedger } from "@trustmap/engine";
import { type ChangeEntry, ChangesAnswer, type PostureFact } from "@trustmap/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../server";
import { createKubernetesSource } from "../sources/kubernetes";
import { eventually } from "../testing/bundle";
import { type ControlPlane, startControlPlane } from "../testing/control-plane";
import { type Postgres, startPostgres } from "../testing/postgres";
import { serveKubernetes } from "../testing/serve";
import { ChangeLog } from "./change-log";
import { type Database, embeddedDatabase, postgresDatabase } from "./database";
import { clusterName } from "./settings";

// The change log against a real kube-apiserver, on each store: a change made through the API is
// in the feed within seconds with its cause; after a stop, changes to the cluster and a start,
// the log holds exactly the difference, marked as made while Trustmap was not watching, and a
// start with nothing changed records nothing.

type Json = Record<string, unknown>;
const RBAC = "/apis/rbac.authorization.k8s.io/v1";
const NETWORKING = "/apis/networking.k8s.io/v1";

let plane: ControlPlane;
let postgres: Postgres;
const folder = mkdtempSync(path.join(tmpdir(), "trustmap-log-"));

beforeAll(async () => {
  [plane, postgres] = await Promise.all([startControlPlane({ controllerManager: false }), startPostgres()]);
  const post = (at: string, body: Json) => plane.request("POST", at, body);
  await post("/api/v1/namespaces", { metadata: { name: "shop" } });
  for (const app of ["web", "db"])
    await post("/api/v1/namespaces/shop/pods", {
      metadata: { name: `${app}-1`, labels: { app } },
      spec: { containers: [{ name: app, image: `${app}:1`, ports: [{ containerPort: 5432 }] }] },
    });
}, 180_000);

afterAll(async () => {
  await plane?.stop();
  postgres?.stop();
  rmSync(folder, { recursive: true, force: true });
}, 60_000);

async function get<T>(server: RunningServer, at: string, parse: { parse(value: unknown): T }): Promise<T> {
  const response = await fetch(new URL(at, server.url));
  expect(response.status, at).toBe(200);
  return parse.parse(await response.json());
}

/** Every entry of the feed, newest first. */
async function feed(server: RunningServer): Promise<ChangeEntry[]> {
  return (await get(server, "/api/changes?limit=500", ChangesAnswer)).entries;
}

/** The engine's facts now, from a fresh engine on the cluster the server holds. */
async function engineFacts(server: RunningServer): Promise<Map<string, PostureFact>> {
  const ledger = new PostureLedger(ClusterState.from(await server.live.query("cluster", {})));
  ledger.build();
  return new Map(ledger.current);
}

const STORES: [string, number, () => Promise<Database>][] = [
  ["the embedded database", 1, () => embeddedDatabase(path.join(folder, "embedded"))],
  ["a PostgreSQL server", 2, () => postgresDatabase(postgres.url)],
];

describe.each(STORES)("the change log on %s, against a real API server", (_name, n, open) => {
  let server: RunningServer | undefined;

  async function start(): Promise<RunningServer> {
    const created = createKubernetesSource({ kubeconfigPath: plane.kubeconfigPath });
    if (!created.ok) throw new Error(created.message);
    const cluster = clusterName(created.source.info);
    server = await serveKubernetes(plane.kubeconfigPath, {
      changes: await ChangeLog.open(await open(), cluster),
    });
    await eventually(
      "the log to compare its facts",
      async () => server!.history!.status,
      (status) => status.state === "recording",
    );
    return server;
  }

  afterAll(async () => {
    await server?.close();
  });

  it("records a live change with its cause, then exactly what changed while stopped, once", async () => {
    // Each store's run has objects of its own: db admits web on 5432 through this policy.
    await plane.request("POST", `${NETWORKING}/namespaces/shop/networkpolicies`, {
      metadata: { name: `db-from-web-${n}` },
      spec: {
        podSelector: { matchLabels: { app: "db" } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: 5432 }] }],
      },
    });
    let running = await start();
    const first = await feed(running);

    // A pod made through the API: in the feed within seconds, caused by its creation.
    const made = Date.now();
    await plane.request("POST", "/api/v1/namespaces/shop/pods", {
      metadata: { name: `cache-${n}`, labels: { app: `cache-${n}` } },
      spec: { containers: [{ name: "cache", image: "cache:1" }] },
    });
    const live = await eventually(
      "the new pod in the feed",
      () => feed(running),
      (entries) => entries.some((e) => e.causes.some((c) => c.name === `shop/cache-${n}`)),
    );
    const seconds = (Date.now() - made) / 1000;
    expect(seconds).toBeLessThan(10);
    const fresh = live.slice(0, live.length - first.length);
    expect(fresh.every((e) => !e.unwatched)).toBe(true);
    expect(
      fresh.every(
        (e) => e.causes.length === 1 && e.causes[0]!.kind === "Pod" && e.causes[0]!.change === "created",
      ),
    ).toBe(true);
    expect(fresh.map((e) => e.key)).toContain(`reach\u001f*\u001fshop/cache-${n}`);
    expect(fresh.some((e) => e.area === "finding" && e.kind === "appeared")).toBe(true);

    // Stopped; meanwhile the policy goes and web's account gets cluster-admin.
    const stored = new Map(await running.history!.log.facts());
    await running.close();
    server = undefined;
    await plane.request("DELETE", `${NETWORKING}/namespaces/shop/networkpolicies/db-from-web-${n}`);
    await plane.request("POST", "/api/v1/namespaces/shop/serviceaccounts", {
      metadata: { name: `admin-${n}` },
    });
    await plane.request("POST", `${RBAC}/clusterrolebindings`, {
      metadata: { name: `admin-${n}` },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name: `admin-${n}`, namespace: "shop" }],
    });

    // Started again: the difference, exactly, marked as unwatched.
    running = await start();
    const now = await engineFacts(running);
    const entries = await feed(running);
    const unwatched = entries.slice(0, entries.length - live.length);
    expect(unwatched.length).toBeGreaterThan(0);
    expect(unwatched.every((e) => e.unwatched && e.causes.length === 0)).toBe(true);
    const expected = new Map<string, { before?: PostureFact; after?: PostureFact }>();
    for (const key of new Set([...stored.keys(), ...now.keys()])) {
      const was = stored.get(key);
      const is = now.get(key);
      if (isDeepStrictEqual(was, is)) continue;
      expected.set(key, {
        ...(was === undefined ? {} : { before: was }),
        ...(is === undefined ? {} : { after: is }),
      });
    }
    expect(
      new Map(
        unwatched.map((e) => [
          e.key,
          {
            ...(e.before === undefined ? {} : { before: e.before }),
            ...(e.after === undefined ? {} : { after: e.after }),
          },
        ]),
      ),
    ).toEqual(expected);
    const said = unwatched.map((e) => `${e.kind} ${e.key.replaceAll("\u001f", " ")}`);
    // Pods nothing owns are workloads of their own, named by the pod.
    expect(said).toContain("went reach shop/web-1 shop/db-1");
    expect(said).toContain("appeared reach * shop/db-1");
    expect(said.some((line) => line.startsWith(`appeared rbac ServiceAccount/shop/admin-${n} * `))).toBe(
      true,
    );
    expect(
      unwatched.some(
        (e) =>
          e.kind === "appeared" &&
          e.after?.area === "finding" &&
          e.after.finding.id === "rbac-cluster-admin-binding",
      ),
    ).toBe(true);

    // A start with nothing changed records nothing more.
    await running.close();
    server = undefined;
    running = await start();
    expect((await feed(running)).length).toBe(entries.length);
  }, 180_000);
});
