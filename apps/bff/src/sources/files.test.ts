import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ClusterInfo, Health, NamespaceList } from "@trustmap/shared";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../log";
import { type RunningServer, startServer } from "../server";
import { FilesSource } from "./files";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function until<T>(
  read: () => Promise<T>,
  test: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (test(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The BFF on a folder, and its `/api/cluster` read once the engine has applied every read sent so
 * far (the status changes with the read that the engine then applies).
 */
async function serveFolder(source: FilesSource) {
  const running = await startServer({ source, host: "127.0.0.1", port: 0, logger: silentLogger });
  server = running;
  const url = running.url;
  const info = async () => {
    await running.live.whenIdle();
    return ClusterInfo.parse(await (await fetch(new URL("/api/cluster", url))).json());
  };
  return { url, info, live: running.live };
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

  it("keeps the last good objects of a file that turns invalid, says degraded naming it, and clears the problem once fixed", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trustmap-files-"));
    writeFileSync(path.join(dir, "shop.yaml"), SHOP);
    writeFileSync(path.join(dir, "deny.yaml"), DENY);
    const { url, info, live } = await serveFolder(new FilesSource(dir, 20));
    const namespaces = async () =>
      NamespaceList.parse(await (await fetch(new URL("/api/namespaces", url))).json()).namespaces;
    const read = await until(info, (value) => value.status.state === "connected", "the first read");
    expect(read.counts).toMatchObject({ namespaces: 1, pods: 1, networkPolicies: 1 });

    // Half-saved: not YAML any more. The policy stays in the picture, said stale.
    writeFileSync(path.join(dir, "deny.yaml"), "apiVersion: networking.k8s.io/v1\nkind: [NetworkPolicy\n");
    const broken = await until(info, (value) => value.status.state === "degraded", "the degraded status");
    expect(broken.status.message).toMatch(
      /1 problem in .*deny\.yaml; showing the last good objects of .*deny\.yaml/,
    );
    expect(broken.counts).toMatchObject({ namespaces: 1, pods: 1, networkPolicies: 1 });
    expect(broken.problems).toEqual([
      expect.objectContaining({
        source: expect.stringMatching(/deny\.yaml, document 1$/),
        message: expect.stringContaining("not valid YAML"),
      }),
    ]);
    expect((await namespaces())[0]).toMatchObject({
      name: "shop",
      defaultDenyIngress: true,
      openIngressPods: 0,
    });

    // Valid YAML, a bad field: the problem names the file, the object and the field.
    writeFileSync(path.join(dir, "deny.yaml"), `${DENY}\n  ingress:\n    - ports: [{port: 0}]`);
    const invalid = await until(
      info,
      (value) => value.problems.some((problem) => problem.object !== undefined),
      "the field problem",
    );
    expect(invalid.status.state).toBe("degraded");
    expect(invalid.problems).toEqual([
      expect.objectContaining({
        source: expect.stringMatching(/deny\.yaml, document 1$/),
        object: "NetworkPolicy shop/deny",
        field: "spec.ingress[0].ports[0].port",
      }),
    ]);
    expect(invalid.counts.networkPolicies).toBe(1);
    expect((await namespaces())[0]!.defaultDenyIngress).toBe(true);

    // Fixed, and changed: the new version is read, the problem is gone.
    writeFileSync(path.join(dir, "deny.yaml"), DENY.replace("deny\n", "deny-all\n"));
    const fixed = await until(info, (value) => value.status.state === "connected", "the fix");
    expect(fixed.problems).toEqual([]);
    expect(fixed.status.message).toBeUndefined();
    expect(fixed.counts.networkPolicies).toBe(1);
    const policies = await live.query("counts", {});
    expect(policies.networkPolicies).toBe(1);

    // A file removed takes its objects with it: a true change, not a problem.
    rmSync(path.join(dir, "deny.yaml"));
    const removed = await until(info, (value) => value.counts.networkPolicies === 0, "the removal");
    expect(removed.status.state).toBe("connected");
    expect((await namespaces())[0]!.defaultDenyIngress).toBe(false);
  });

  it("reports a folder that disappears as failed with the last good picture kept, and reads it again when it returns", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "trustmap-files-"));
    const dir = path.join(root, "manifests");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "shop.yaml"), SHOP);
    const { info } = await serveFolder(new FilesSource(dir, { debounceMs: 20, retryMs: 50 }));
    await until(
      info,
      (value) => value.status.state === "connected" && value.counts.pods === 1,
      "the first read",
    );

    // Moved away whole, as a checkout switching branches or an unmounted volume does.
    renameSync(dir, path.join(root, "elsewhere"));
    const gone = await until(info, (value) => value.status.state === "failed", "the failed status");
    expect(gone.status.message).toContain(`${dir} cannot be read: ENOENT`);
    expect(gone.status.message).toMatch(/showing what was read at/);
    expect(gone.counts).toMatchObject({ namespaces: 1, pods: 1 });

    mkdirSync(dir);
    writeFileSync(path.join(dir, "shop.yaml"), SHOP);
    writeFileSync(path.join(dir, "deny.yaml"), DENY);
    const back = await until(
      info,
      (value) => value.status.state === "connected" && value.counts.networkPolicies === 1,
      "the folder's return",
    );
    expect(back.counts).toMatchObject({ namespaces: 1, pods: 1 });
    expect(back.problems).toEqual([]);

    // Watched again: a change in the folder that returned is followed.
    writeFileSync(path.join(dir, "db.yaml"), SHOP.replaceAll("web", "db"));
    await until(info, (value) => value.counts.pods === 2, "an edit in the returned folder");
  });

  it("answers /api/health while a large manifest is read", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trustmap-files-"));
    writeFileSync(path.join(dir, "labelled.yaml"), labelledNamespace(10_000));
    server = await startServer({
      source: new FilesSource(dir, 20),
      host: "127.0.0.1",
      port: 0,
      logger: silentLogger,
    });
    const url = server.url;
    const states: string[] = [];
    await until(
      async () => {
        const health = Health.parse(await (await fetch(new URL("/api/health", url))).json());
        states.push(health.status.state);
        return health;
      },
      (health) => health.status.state === "connected",
      "the large read",
      60_000,
    );
    // The server answered while the read was under way, not only once it was done.
    expect(states.filter((state) => state === "connecting").length).toBeGreaterThan(1);
    await server.live.whenIdle();
    expect((await server.live.query("counts", {})).namespaces).toBe(1);
  });
});

const SHOP = [
  "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop",
  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers: [{name: web, image: web:1}]",
].join("\n---\n");

const DENY =
  "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]";

/** A namespace with many labels: one map with many keys, slow to parse. */
function labelledNamespace(labels: number): string {
  const lines = ["apiVersion: v1", "kind: Namespace", "metadata:", "  name: labelled", "  labels:"];
  for (let i = 0; i < labels; i++) lines.push(`    example.com/label-${i}: value-${i}`);
  return `${lines.join("\n")}\n`;
}
