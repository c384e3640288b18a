import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadInput } from "@trustmap/cli/load";
import {
  type Kind,
  objectKey,
  type Pod,
  parseCluster,
  parseLiveObject,
  type WatchEvent,
} from "@trustmap/engine";
import { afterEach, describe, expect, it } from "vitest";
import { DemoCompany } from "./company";
import { companyOf, DEMO_FOLDER, DemoDataError, readCompany } from "./data";
import { INITIAL_ORDER } from "./picture";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function company(files: Record<string, string>): string {
  const folder = mkdtempSync(path.join(tmpdir(), "trustmap-demo-"));
  folders.push(folder);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    writeFileSync(path.join(folder, name), text);
  }
  return folder;
}

const NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n";
const deployment = (image: string, kind = "Deployment") => `apiVersion: apps/v1
kind: ${kind}
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, app.kubernetes.io/version: "1.0.0"}}
    spec:
      containers: [{name: web, image: "${image}"}]
`;
const POLICY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
`;

/** The demo's events each carry one object (it sends no RELIST). */
function objectOf(event: WatchEvent): { readonly [key: string]: unknown } {
  if (event.type === "RELIST") throw new Error("the demo sends no RELIST");
  return event.object as unknown as { readonly [key: string]: unknown };
}

function keyOf(event: WatchEvent): string {
  return `${event.kind} ${objectKey(event.kind, objectOf(event) as never)}`;
}

describe("the demo company as data", () => {
  it("is the folder's objects as the engine reads them, and pods made from the folder's workloads", () => {
    const cluster = loadInput([path.join(DEMO_FOLDER, "cluster")], DEMO_FOLDER);
    expect(cluster.errors).toEqual([]);
    expect(parseCluster(cluster.documents).errors).toEqual([]);
    const snapshot = new DemoCompany(1).snapshot();
    // Every object of the folder that is not a workload is in the first picture, read the same.
    const expected = new Map<string, unknown>();
    for (const { object } of cluster.documents) {
      const kind = (object as { kind: string }).kind;
      if (!INITIAL_ORDER.includes(kind as Kind)) continue;
      const parsed = parseLiveObject(kind as Kind, object, "folder");
      if (!parsed.ok) throw new Error(`${kind} not read`);
      expected.set(`${kind} ${objectKey(kind as Kind, parsed.object)}`, parsed.object);
    }
    const shown = new Map(snapshot.filter((e) => e.kind !== "Pod").map((e) => [keyOf(e), objectOf(e)]));
    expect(shown).toEqual(expected);
    expect(expected.size).toBeGreaterThan(300);
    // Every workload runs pods of its template: labels and containers as the manifest says.
    const data = readCompany();
    const pods = snapshot.filter((e) => e.kind === "Pod").map((e) => objectOf(e) as unknown as Pod);
    for (const workload of data.workloads) {
      const own = pods.filter(
        (pod) =>
          pod.owner.namespace === workload.namespace &&
          pod.owner.kind === workload.controller &&
          pod.owner.name === workload.name,
      );
      if (workload.controller === "DaemonSet") expect(own.length, workload.name).toBe(16);
      else expect(Math.abs(own.length - workload.replicas), workload.name).toBeLessThanOrEqual(1);
      for (const pod of own) {
        for (const [key, value] of Object.entries(workload.labels)) {
          if (key !== "app.kubernetes.io/version") expect(pod.labels[key], `${pod.name} ${key}`).toBe(value);
        }
        expect(pod.serviceAccountName).toBe(workload.podSpec.serviceAccountName ?? "default");
      }
    }
    expect(pods.length).toBeGreaterThan(250);
  });

  it("flips each change against the folder's object: an edit changes back and forth, a new object comes and goes", () => {
    const data = readCompany();
    const existing = data.changes.filter((change) =>
      data.objects.some(
        (o) =>
          o.kind === change.kind &&
          o.metadata.name === change.metadata.name &&
          o.metadata.namespace === change.metadata.namespace,
      ),
    );
    expect(existing.length).toBeGreaterThan(0);
    expect(data.changes.length).toBeGreaterThan(existing.length);
    const demo = new DemoCompany(3);
    const seen = new Map<string, Set<string>>();
    for (let i = 0; i < 3000; i++) {
      for (const event of demo.tick()) {
        if (event.kind === "Pod") continue;
        const types = seen.get(keyOf(event)) ?? new Set<string>();
        types.add(event.type);
        seen.set(keyOf(event), types);
      }
    }
    for (const change of data.changes) {
      const parsed = parseLiveObject(change.kind as Kind, change, "change");
      if (!parsed.ok) throw new Error("change not read");
      const key = `${change.kind} ${objectKey(change.kind as Kind, parsed.object)}`;
      const types = [...(seen.get(key) ?? [])].sort();
      expect(types, key).toEqual(existing.includes(change) ? ["MODIFIED"] : ["ADDED", "DELETED"]);
    }
  });

  it("reads another company's folder, and runs its pods", () => {
    const folder = company({
      "cluster/shop.yaml": `${NAMESPACE}---\n${deployment("registry.example/web:1.0.0")}---\n${POLICY}`,
      "changes/shop.yaml": POLICY.replace("[Ingress]", "[Ingress, Egress]"),
    });
    const data = readCompany(folder);
    expect(data.objects.map((o) => o.kind)).toEqual(["Namespace", "NetworkPolicy"]);
    expect(data.workloads.map((w) => [w.name, w.replicas, w.main])).toEqual([
      ["web", 2, { repository: "registry.example/web", version: "1.0.0" }],
    ]);
    const demo = new DemoCompany(1, data);
    const pods = demo.snapshot().filter((e) => e.kind === "Pod");
    expect(pods).toHaveLength(2);
    expect(demo.problems).toEqual([]);
  });

  it("names the file, object and field of data the demo cannot run", () => {
    const problems = (files: Record<string, string>): readonly string[] => {
      try {
        readCompany(company({ "changes/none.yaml": "", ...files }));
      } catch (error) {
        if (error instanceof DemoDataError) return error.problems;
        throw error;
      }
      throw new Error("read without a problem");
    };
    expect(problems({ "cluster/shop.yaml": `${NAMESPACE}---\n${deployment("web")}` })).toEqual([
      'cluster/shop.yaml, document 2: Deployment shop/web: spec.template.spec.containers[0].image: a rollout needs repository:version or repository:version@sha256:digest, not "web"',
    ]);
    expect(
      problems({ "cluster/shop.yaml": `${NAMESPACE}---\n${deployment("web:1.0.0@sha256:short")}` })[0],
    ).toContain("containers[0].image");
    expect(
      problems({
        "cluster/shop.yaml": `${NAMESPACE}---\n${deployment("web:1.0.0")}---\n${deployment("web:1.0.0", "Job").replace("name: web", "name: batch")}`,
      }),
    ).toEqual([
      "cluster/shop.yaml, document 3: Job shop/batch: the demo runs Namespace, ServiceAccount, NetworkPolicy, Role, ClusterRole, RoleBinding, ClusterRoleBinding, Deployment, StatefulSet, DaemonSet, not Job",
    ]);
    expect(problems({ "cluster/shop.yaml": NAMESPACE })).toEqual([
      "the demo needs at least one Deployment in cluster/ to roll out and scale",
    ]);
    // What the engine's reader refuses is refused with the reader's own message.
    const broken = problems({ "cluster/shop.yaml": `${NAMESPACE}---\n${deployment("web:1.0.0")}: [` });
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatch(/^cluster\/shop\.yaml/);
    const invalid = problems({
      "cluster/shop.yaml": `${NAMESPACE.replace("name: shop", "name: Shop_1")}---\n${deployment("web:1.0.0")}`,
    });
    expect(invalid.join("\n")).toContain("cluster/shop.yaml, document 1");
  });

  it("says which change it cannot make", () => {
    const doc = (object: unknown) => ({ source: "changes/x.yaml, document 1", object });
    const web = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "shop" },
      spec: { template: { spec: { containers: [{ name: "web", image: "web:1.0.0" }] } } },
    };
    expect(() => companyOf([doc(web)], [doc(web)])).toThrow(
      "changes/x.yaml, document 1: Deployment shop/web: the demo changes Namespace, ServiceAccount, NetworkPolicy, Role, ClusterRole, RoleBinding, ClusterRoleBinding, not Deployment",
    );
  });
});
