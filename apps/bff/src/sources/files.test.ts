import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ClusterInfo, NamespaceList } from "@trustmap/shared";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../log";
import { type RunningServer, startServer } from "../server";
import { FilesSource } from "./files";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function until<T>(read: () => Promise<T>, test: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (test(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the files source", () => {
  it("reads a directory of manifests, follows edits, and reports a bad field by file, object and field", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trustmap-files-"));
    writeFileSync(
      path.join(dir, "shop.yaml"),
      [
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers: [{name: web, image: web:1}]",
      ].join("\n---\n"),
    );
    server = await startServer({
      source: new FilesSource(dir, 20),
      host: "127.0.0.1",
      port: 0,
      logger: silentLogger,
    });
    const url = server.url;
    const namespaces = async () =>
      NamespaceList.parse(await (await fetch(new URL("/api/namespaces", url))).json()).namespaces;
    const first = await until(namespaces, (list) => list.length === 1, "the first read");
    expect(first[0]).toMatchObject({ name: "shop", pods: 1, defaultDenyIngress: false });

    writeFileSync(
      path.join(dir, "deny.yaml"),
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]",
    );
    const edited = await until(namespaces, (list) => list[0]?.defaultDenyIngress === true, "the edit");
    expect(edited[0]!.openIngressPods).toBe(0);

    writeFileSync(
      path.join(dir, "bad.yaml"),
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: bad\n  namespace: shop\nspec:\n  podSelector: {}\n  ingress:\n    - ports: [{port: 0}]",
    );
    const info = await until(
      async () => ClusterInfo.parse(await (await fetch(new URL("/api/cluster", url))).json()),
      (value) => value.problems.length > 0,
      "the problem report",
    );
    expect(info.problems[0]).toMatchObject({
      source: expect.stringContaining("bad.yaml"),
      object: "NetworkPolicy shop/bad",
      field: "spec.ingress[0].ports[0].port",
    });
    expect(info.status.message).toMatch(/1 problem/);
  });
});
