import { ClusterState, exposureAnswer, FindingsReader, parseCluster } from "@trustmap/engine";
import type { Response } from "express";
import { describe, expect, it } from "vitest";
import type { Access } from "./access";
import { listableOf } from "./scope";

// What publishes workloads is read by those who may list Services and Ingresses: a user who may not
// gets no finding about them, whatever else they read; a reader of some namespaces gets the paths of
// those namespaces, with a controller elsewhere told as such, not by name.

const objects = [
  { kind: "Namespace", metadata: { name: "shop" } },
  { kind: "Namespace", metadata: { name: "ingress-nginx" } },
  { kind: "Pod", metadata: { namespace: "shop", name: "web", labels: { app: "web" } } },
  {
    kind: "Pod",
    metadata: {
      namespace: "ingress-nginx",
      name: "controller",
      labels: { "app.kubernetes.io/name": "ingress-nginx" },
    },
  },
  {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { namespace: "shop", name: "own-only" },
    spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] },
  },
  {
    apiVersion: "v1",
    kind: "Service",
    metadata: { namespace: "shop", name: "web" },
    spec: {
      type: "NodePort",
      selector: { app: "web" },
      ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }],
    },
  },
  {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { namespace: "shop", name: "web" },
    spec: { defaultBackend: { service: { name: "web", port: { number: 80 } } } },
  },
];

function responseFor(access: Partial<Access>): Response {
  return { locals: { access } } as unknown as Response;
}

describe("exposure told to those who may list what publishes", () => {
  const state = ClusterState.from(
    parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object }))).cluster,
  );
  const ids = (reader: FindingsReader) =>
    reader
      .findings()
      .map((finding) => finding.id)
      .filter((id) => id.startsWith("expos"))
      .sort();

  it("a reader of some namespaces who may not list Services and Ingresses reads no finding about them", () => {
    const listable = listableOf(
      responseFor({ cluster: false, namespaces: ["shop"], rbac: ["shop"], exposure: false }),
    );
    expect(listable).toEqual({ graph: ["shop"], rbac: ["shop"], exposure: [] });
    const reader = new FindingsReader(state, {
      graph: new Set(listable!.graph),
      rbac: new Set(listable!.rbac),
      exposure: new Set(listable!.exposure),
    });
    expect(ids(reader)).toEqual([]);
    // One who may reads shop's; the whole picture is unnarrowed.
    const shop = listableOf(responseFor({ cluster: false, namespaces: ["shop"], rbac: [], exposure: true }))!;
    expect(shop).toEqual({ graph: ["shop"], rbac: [] });
    expect(ids(new FindingsReader(state, { graph: new Set(shop.graph), rbac: new Set(shop.rbac) }))).toEqual([
      "exposure-blocked",
      "exposure-controller-blocked",
    ]);
    expect(
      listableOf(responseFor({ cluster: true, namespaces: [], rbac: [], exposure: true })),
    ).toBeUndefined();
  });

  it("a reader of shop alone reads its paths, the controller in ingress-nginx unnamed", () => {
    const whole = exposureAnswer(state, {});
    expect(JSON.stringify(whole)).toContain("ingress-nginx/controller");
    const narrowed = exposureAnswer(state, {}, { namespaces: new Set(["shop"]) });
    expect(narrowed.paths.map((path) => [path.via, path.reach])).toEqual(
      whole.paths.map((path) => [path.via, path.reach]),
    );
    expect(JSON.stringify(narrowed)).not.toContain("ingress-nginx");
    expect(narrowed.paths[0]!.controllers).toEqual([
      { workload: "a controller in a namespace you may not read", allowed: false },
    ]);
    // A reader of ingress-nginx alone: nothing of shop's.
    expect(exposureAnswer(state, {}, { namespaces: new Set(["ingress-nginx"]) }).paths).toEqual([]);
  });
});
