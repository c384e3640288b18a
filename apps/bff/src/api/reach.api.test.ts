import { ClusterState, namespaceNodeId, OUTSIDE, reachOf, searchNodes } from "@trustmap/engine";
import { Explanation, Reach, SearchAnswer } from "@trustmap/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../server";
import { SHOP, serveObjects } from "../testing/serve";

let server: RunningServer;
let engine: ClusterState;
const get = async (path: string) => {
  const response = await fetch(new URL(path, server.url));
  return { status: response.status, body: (await response.json()) as unknown };
};

beforeAll(async () => {
  const served = await serveObjects(SHOP);
  server = served.server;
  const { cluster } = served;
  // A fresh engine, built here from the same objects, judges the server's answers.
  engine = ClusterState.from(cluster);
});

afterAll(async () => {
  await server.close();
});

/** The node of the workload named `name`, found as a user finds it: by search. */
async function workloadNode(name: string): Promise<string> {
  const { body } = await get(`/api/search?q=${encodeURIComponent(name)}`);
  const hit = SearchAnswer.parse(body).hits.find((h) => h.kind === "identity" && h.label === name);
  expect(hit).toBeDefined();
  return hit!.node;
}

describe("reachability through the REST API", () => {
  it("says who can reach a workload, on which ports, by which rule of each side", async () => {
    const api = await workloadNode("shop/api-1");
    const { status, body } = await get(`/api/reach?node=${encodeURIComponent(api)}&direction=in`);
    expect(status).toBe(200);
    const reach = Reach.parse(body);
    expect(reach).toEqual(
      reachOf(engine, { node: api, direction: "in", blocked: false, offset: 0, limit: 100 }),
    );
    const identities = reach.peers.filter((p) => p.peer.kind === "identity");
    expect(identities.map((p) => [p.peer.namespace, p.peer.label, p.ports])).toEqual([
      ["shop", "shop/web-1", [{ protocol: "TCP", port: 8080 }]],
    ]);
    const [web] = identities;
    expect(web!.ingress).toMatchObject({
      isolated: true,
      policies: ["shop/api-from-web"],
      allowedBy: [expect.objectContaining({ policy: "shop/api-from-web", direction: "ingress", rule: 0 })],
    });
    expect(web!.egress).toMatchObject({ isolated: false, ports: "all" });
    // Nothing else selects api's ingress: "any pod" and outside are not allowed, so not listed.
    expect(reach.allowedTotal).toBe(1);
  });

  it("lists blocked peers on request, with the side that denies", async () => {
    const api = await workloadNode("shop/api-1");
    const reach = Reach.parse(
      (await get(`/api/reach?node=${encodeURIComponent(api)}&direction=in&blocked=true`)).body,
    );
    expect(reach.total).toBe(reach.allowedTotal + reach.blockedTotal);
    const toy = reach.peers.find((p) => p.peer.label === "lab/toy")!;
    expect(toy.ports).toBeNull();
    expect(toy.ingress).toMatchObject({ isolated: true, policies: ["shop/api-from-web"], allowedBy: [] });
    expect(reach.peers.slice(reach.allowedTotal).every((p) => p.ports === null)).toBe(true);
  });

  it("pages with the true total, and says what a whole namespace can reach", async () => {
    const shop = namespaceNodeId("shop");
    const all = Reach.parse((await get(`/api/reach?node=${encodeURIComponent(shop)}&direction=out`)).body);
    const page = Reach.parse(
      (await get(`/api/reach?node=${encodeURIComponent(shop)}&direction=out&offset=1&limit=2`)).body,
    );
    expect(all.total).toBeGreaterThan(3);
    expect(page.total).toBe(all.total);
    expect(page.peers).toEqual(all.peers.slice(1, 3));
    expect(all).toEqual(
      reachOf(engine, { node: shop, direction: "out", blocked: false, offset: 0, limit: 100 }),
    );
  });

  it("answers a bad parameter with 400 naming it, an unknown node with 404", async () => {
    const api = encodeURIComponent(await workloadNode("shop/api-1"));
    for (const [query, name] of [
      [`node=${api}&direction=sideways`, "direction"],
      [`node=${api}&direction=in&blocked=maybe`, "blocked"],
      [`node=${api}&direction=in&limit=0`, "limit"],
      ["direction=in", "node"],
    ]) {
      const bad = await get(`/api/reach?${query}`);
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({ error: expect.stringContaining(`"${name}"`) });
    }
    const unknown = await get(
      `/api/reach?node=${encodeURIComponent(namespaceNodeId("nowhere"))}&direction=in`,
    );
    expect(unknown.status).toBe(404);
  });
});

describe("search through the REST API", () => {
  it("finds namespaces, workloads, pods and labels, each with the view that draws it", async () => {
    for (const q of ["web", "WEB-1", "team=shop", "app=api", "lab"]) {
      const { status, body } = await get(`/api/search?q=${encodeURIComponent(q)}`);
      expect(status).toBe(200);
      expect(SearchAnswer.parse(body)).toEqual(searchNodes(engine, q, 20));
    }
    const pod = SearchAnswer.parse((await get("/api/search?q=web-1")).body);
    expect(pod.hits.map((h) => [h.kind, h.label, h.namespace])).toEqual([
      ["pod", "web-1", "shop"],
      ["identity", "shop/web-1", "shop"],
    ]);
    const label = SearchAnswer.parse((await get("/api/search?q=team%3Dshop")).body);
    expect(label.hits.map((h) => [h.kind, h.label, h.view])).toEqual([["namespace", "shop", "overview"]]);
    const limited = SearchAnswer.parse((await get("/api/search?q=o&limit=1")).body);
    expect(limited.hits).toHaveLength(1);
    expect(limited.total).toBeGreaterThan(1);
    expect((await get("/api/search")).status).toBe(400);
    expect((await get("/api/search?q=x&limit=0")).status).toBe(400);
  });
});

describe("explanations", () => {
  it("tell workloads that read the same once, with how many they are", async () => {
    const shop = namespaceNodeId("shop");
    const { body } = await get(`/api/explain?from=${encodeURIComponent(shop)}&to=${OUTSIDE}`);
    const explanation = Explanation.parse(body);
    // web and api: neither is isolated for egress, so both read the same.
    expect(explanation.pairCount).toBe(2);
    expect(explanation.open).toHaveLength(1);
    expect(explanation.open[0]!.alike).toBe(2);
    const lines = [...explanation.summary, ...explanation.open.flatMap((o) => o.summary)];
    expect(new Set(lines).size).toBe(lines.length);
  });
});
