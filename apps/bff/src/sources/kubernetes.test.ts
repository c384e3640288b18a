import {
  type InputError,
  type Kind,
  type KindObjects,
  objectKey,
  parseLiveObject,
  type WatchEvent,
} from "@trustmap/engine";
import type { SourceStatus } from "@trustmap/shared";
import { afterEach, describe, expect, it } from "vitest";
import { LineSplitter } from "./kube/lines";
import { rawKey } from "./kube/raw";
import { RESOURCES } from "./kube/resources";
import { Backoff } from "./kube/timing";
import { createKubernetesSource, type KubernetesSource, type KubernetesSourceOptions } from "./kubernetes";
import { FakeApiServer, type RawObject, sendStatus, TOKEN, writeKubeconfig } from "./kubernetes-fake-api";
import { type EventBatch, eventsOf, type SourceSink } from "./source";

const path = (kind: Kind): string => RESOURCES.find((resource) => resource.kind === kind)?.path ?? "";
const NAMESPACES = path("Namespace");
const PODS = path("Pod");
const SERVICE_ACCOUNTS = path("ServiceAccount");
const POLICIES = path("NetworkPolicy");
const CLUSTER_ROLES = path("ClusterRole");

// ---- raw objects as the API server sends them ----

function namespace(name: string, annotations: Record<string, string> = {}): RawObject {
  return { metadata: { name, labels: { team: name }, annotations } };
}

function pod(ns: string, name: string, labels: Record<string, string> = { app: "web" }, phase = "Running") {
  return {
    metadata: { namespace: ns, name, labels, uid: `uid-${name}`, managedFields: [{ manager: "kubelet" }] },
    spec: {
      serviceAccountName: "default",
      containers: [
        { name: "app", image: "registry.example/app:1.0", ports: [{ name: "http", containerPort: 8080 }] },
      ],
    },
    status: { phase, podIP: "10.0.0.1" },
  };
}

function policy(ns: string, name: string, operator = "In"): RawObject {
  return {
    metadata: { namespace: ns, name },
    spec: {
      podSelector: { matchExpressions: [{ key: "app", operator, values: ["web"] }] },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: {} }] }],
    },
  };
}

const rules = [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }];
const subjects = [{ kind: "ServiceAccount", name: "default", namespace: "shop" }];

function seed(api: FakeApiServer): void {
  api.put(NAMESPACES, namespace("shop"));
  api.put(NAMESPACES, namespace("default"));
  api.put(SERVICE_ACCOUNTS, { metadata: { namespace: "shop", name: "default" } });
  api.put(POLICIES, policy("shop", "allow-web"));
  api.put(path("Role"), { metadata: { namespace: "shop", name: "reader" }, rules });
  api.put(CLUSTER_ROLES, { metadata: { name: "viewer" }, rules });
  const roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "reader" };
  api.put(path("RoleBinding"), { metadata: { namespace: "shop", name: "read" }, roleRef, subjects });
  const clusterRoleRef = { ...roleRef, kind: "ClusterRole", name: "viewer" };
  api.put(path("ClusterRoleBinding"), { metadata: { name: "view" }, roleRef: clusterRoleRef, subjects });
  api.put(PODS, pod("shop", "web-1"));
  api.put(PODS, pod("shop", "web-2"));
  api.put(PODS, pod("shop", "db", { app: "db" }));
}

// ---- a sink that holds the picture and checks every event against it ----

class RecordingSink implements SourceSink {
  readonly batches: WatchEvent[][] = [];
  readonly statuses: SourceStatus[] = [];
  readonly problemsSeen: InputError[] = [];
  /** Events that would not fit the picture: an ADDED twice, a MODIFIED or DELETED of nothing, a RELIST. */
  readonly violations: string[] = [];
  private readonly held = new Map<Kind, Map<string, KindObjects[Kind]>>();

  events(batch: EventBatch): void {
    const events = eventsOf(batch);
    this.batches.push(events);
    for (const event of events) this.apply(event);
  }

  status(status: SourceStatus): void {
    this.statuses.push(status);
  }

  /** Each time kinds were said to be listed, with how many of their objects were held then. */
  readonly listedKinds: { kind: Kind; held: number }[][] = [];

  listed(kinds: readonly Kind[]): void {
    this.listedKinds.push(kinds.map((kind) => ({ kind, held: this.keys(kind).length })));
  }

  problems(problems: readonly InputError[]): void {
    this.problemsSeen.push(...problems);
  }

  replaceProblems(problems: readonly InputError[]): void {
    this.problemsSeen.splice(0, this.problemsSeen.length, ...problems);
  }

  keys(kind: Kind): string[] {
    return [...(this.held.get(kind)?.keys() ?? [])].sort();
  }

  object(kind: Kind, key: string): KindObjects[Kind] | undefined {
    return this.held.get(kind)?.get(key);
  }

  get states(): string[] {
    return this.statuses.map((status) => status.state);
  }

  /** "TYPE key" of every event of the kind since batch `from`. */
  changesOf(kind: Kind, from: number): string[] {
    return this.batches
      .slice(from)
      .flat()
      .filter((event) => event.kind === kind)
      .map((event) =>
        event.type === "RELIST" ? "RELIST" : `${event.type} ${objectKey(event.kind, event.object)}`,
      );
  }

  private apply(event: WatchEvent): void {
    if (event.type === "RELIST") {
      this.violations.push(`RELIST of ${event.kind}`);
      return;
    }
    const objects = this.held.get(event.kind) ?? new Map<string, KindObjects[Kind]>();
    this.held.set(event.kind, objects);
    const key = objectKey(event.kind, event.object);
    const present = objects.has(key);
    if (event.type === "ADDED" && present) this.violations.push(`ADDED twice: ${key}`);
    if (event.type !== "ADDED" && !present) this.violations.push(`${event.type} of absent ${key}`);
    if (event.type === "DELETED") objects.delete(key);
    else objects.set(key, event.object);
  }
}

// ---- harness ----

interface Harness {
  readonly api: FakeApiServer;
  readonly source: KubernetesSource;
  readonly sink: RecordingSink;
}

const running: Harness[] = [];

async function connect(
  options: KubernetesSourceOptions = {},
  prepare: (api: FakeApiServer) => void = seed,
): Promise<Harness> {
  const api = await FakeApiServer.start();
  prepare(api);
  const created = createKubernetesSource({
    kubeconfigPath: writeKubeconfig(api.url),
    backoff: { initialMs: 10, maxMs: 40 },
    idleTimeoutMs: 5000,
    ...options,
  });
  if (!created.ok) throw new Error(created.message);
  const sink = new RecordingSink();
  const harness = { api, source: created.source, sink };
  running.push(harness);
  created.source.start(sink);
  return harness;
}

const ALLOWED_PATHS = new Set(RESOURCES.flatMap((resource) => [resource.path, ...(resource.older ?? [])]));

// Every test ends by checking the source stayed read-only, sent its token, and never sent an event
// that does not fit what the sink held.
afterEach(async () => {
  for (const { api, source, sink } of running.splice(0)) {
    await source.stop();
    await api.close();
    for (const request of api.requests) {
      expect(request.method).toBe("GET");
      expect(ALLOWED_PATHS.has(request.path)).toBe(true);
      expect(request.path.toLowerCase()).not.toContain("secret");
      expect(request.authorization).toBe(`Bearer ${TOKEN}`);
    }
    expect(sink.violations).toEqual([]);
  }
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(5);
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function connected(harness: Harness): Promise<void> {
  await waitFor(() => harness.sink.statuses.at(-1)?.state === "connected", "connected");
  // Every kind watches once its list is in: the last of each lane (the pods, and the other kinds')
  // may still be opening its watch.
  await waitFor(() => RESOURCES.every((r) => harness.api.openWatches(r.path) === 1), "every watch");
}

function statusLine(type: string, code: number, message: string): string {
  const object = { kind: "Status", apiVersion: "v1", status: "Failure", message, reason: "Expired", code };
  return `${JSON.stringify({ type, object })}\n`;
}

describe("KubernetesSource: the first sync", () => {
  it("lists every kind in pages, in the engine's order, and hands over trimmed objects", async () => {
    const harness = await connect({ pageSize: 2 }, (api) => {
      seed(api);
      api.put(PODS, pod("shop", "web-3"));
      api.put(PODS, pod("default", "batch", { app: "batch" }, "Succeeded"));
      api.put(PODS, pod("default", "crashed", { app: "batch" }, "Failed"));
    });
    const { api, sink, source } = harness;
    await connected(harness);

    expect(source.info).toEqual({ kind: "kubernetes", name: "fake-context", server: api.url, demo: false });
    expect(sink.states).toEqual(["connecting", "connected"]);
    // The pods are listed from the start, beside the other kinds, which come one after the other.
    const others = RESOURCES.filter((resource) => resource.kind !== "Pod");
    const firstLists = others.map((resource) => api.requests.findIndex((r) => r.path === resource.path));
    expect(firstLists).toEqual([...firstLists].sort((a, b) => a - b));
    expect(api.requests.findIndex((r) => r.path === PODS)).toBeLessThan(2);
    // Each lane's kinds are said to be listed once, after all their objects.
    const said = sink.listedKinds.map((kinds) => kinds.map(({ kind }) => kind));
    expect(said.sort((a, b) => a.length - b.length)).toEqual([["Pod"], others.map((r) => r.kind)]);
    for (const { kind, held } of sink.listedKinds.flat()) expect(held, kind).toBe(sink.keys(kind).length);
    expect(api.requestsFor(PODS, "list").map((r) => r.query.get("continue"))).toEqual([null, "c2", "c4"]);
    expect(api.requestsFor(PODS, "list").every((r) => r.query.get("limit") === "2")).toBe(true);
    // The pages of one list come over one kept-alive connection, each kind's over its own.
    const podPages = api.requestsFor(PODS, "list");
    expect(new Set(podPages.map((r) => r.connection)).size).toBe(1);
    const firstPages = RESOURCES.map((resource) => api.requests.find((r) => r.path === resource.path));
    expect(new Set(firstPages.map((r) => r?.connection)).size).toBe(RESOURCES.length);

    // Finished pods take no part in traffic: they are not in the picture.
    expect(sink.keys("Pod")).toEqual(["shop/db", "shop/web-1", "shop/web-2", "shop/web-3"]);
    expect(sink.keys("Namespace")).toEqual(["default", "shop"]);
    expect(sink.keys("ClusterRoleBinding")).toEqual(["ClusterRoleBinding/view"]);
    expect(sink.object("Pod", "shop/web-1")).toEqual({
      namespace: "shop",
      name: "web-1",
      labels: { app: "web" },
      ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
      serviceAccountName: "default",
      security: {
        hostNetwork: false,
        hostPID: false,
        hostIPC: false,
        hostPathVolumes: [],
        containers: [{ name: "app", image: "registry.example/app:1.0", capabilitiesAdd: [] }],
      },
      source: { kind: "Pod", namespace: "shop", name: "web-1" },
      owner: { kind: "Pod", namespace: "shop", name: "web-1" },
    });

    const watch = api.requestsFor(PODS, "watch")[0];
    expect(watch?.query.get("resourceVersion")).toBe(api.resourceVersion);
    expect(watch?.query.get("allowWatchBookmarks")).toBe("true");
    expect(watch?.query.get("timeoutSeconds")).toBe("300");
  });

  it("reads a kind at its older version where the server does not serve the newer one", async () => {
    const tls = RESOURCES.find((r) => r.kind === "TLSRoute")!;
    const [v1alpha3, v1alpha2] = tls.older!;
    const harness = await connect({}, (api) => {
      seed(api);
      api.put(v1alpha2!, {
        metadata: { namespace: "shop", name: "passthrough" },
        spec: { parentRefs: [{ name: "gw" }], rules: [{ backendRefs: [{ name: "web", port: 443 }] }] },
      });
      // A Gateway API before v1.5: neither v1 nor v1alpha3 of TLSRoute is served.
      api.scripts.push((request, response) =>
        request.path === tls.path || request.path === v1alpha3
          ? sendStatus(response, 404, "NotFound", "the server could not find the requested resource")
          : false,
      );
    });
    const { api, sink } = harness;
    await waitFor(() => sink.statuses.at(-1)?.state === "connected", "connected");
    await waitFor(() => sink.keys("TLSRoute").length === 1, "the TLSRoute read at v1alpha2");
    expect(sink.keys("TLSRoute")).toEqual(["shop/passthrough"]);
    expect(api.requestsFor(tls.path, "list")).toHaveLength(1);
    expect(api.requestsFor(v1alpha3!, "list")).toHaveLength(1);
    await waitFor(() => api.openWatches(v1alpha2!) === 1, "the v1alpha2 watch");
  });

  it("restarts a list whose continue token expired, without losing or repeating an object", async () => {
    let expired = false;
    const harness = await connect({ pageSize: 2 }, (api) => {
      seed(api);
      api.put(PODS, pod("shop", "web-3"));
      api.scripts.push((request, response) => {
        if (expired || request.path !== PODS || request.query.get("continue") !== "c2") return false;
        expired = true;
        return sendStatus(response, 410, "Expired", "The provided continue parameter is too old");
      });
    });
    const { api, sink } = harness;
    await connected(harness);

    expect(api.requestsFor(PODS, "list").map((r) => r.query.get("continue"))).toEqual([
      null,
      "c2",
      null,
      "c2",
    ]);
    expect(sink.keys("Pod")).toEqual(api.keys(PODS));
    expect(sink.states).toEqual(["connecting", "connected"]);
  });

  it("reports a malformed object by name and field, delivers the rest, and follows its fixes", async () => {
    const harness = await connect({}, (api) => {
      seed(api);
      api.put(POLICIES, policy("shop", "bad", "Near"));
    });
    const { api, sink } = harness;
    await connected(harness);

    expect(sink.problemsSeen).toEqual([
      expect.objectContaining({
        object: "NetworkPolicy shop/bad",
        field: "spec.podSelector.matchExpressions[0].operator",
        source: "list networkpolicies",
      }),
    ]);
    expect(sink.keys("NetworkPolicy")).toEqual(["shop/allow-web"]);
    expect(sink.keys("Pod")).toEqual(api.keys(PODS));

    await waitFor(() => api.openWatches(POLICIES) === 1, "the policies watch");
    const from = sink.batches.length;
    api.change(POLICIES, "MODIFIED", policy("shop", "allow-web", "Near"));
    await waitFor(() => sink.problemsSeen.length === 2, "the second problem");
    expect(sink.problemsSeen[1]).toMatchObject({
      object: "NetworkPolicy shop/allow-web",
      source: "watch networkpolicies",
    });
    api.change(POLICIES, "MODIFIED", policy("shop", "allow-web"));
    api.change(POLICIES, "DELETED", policy("shop", "bad", "Near"));
    await waitFor(() => sink.changesOf("NetworkPolicy", from).length === 2, "the policy back");
    // Its unreadable version left the picture; the fixed one came back; the never-read one changes nothing.
    expect(sink.changesOf("NetworkPolicy", from)).toEqual(["DELETED shop/allow-web", "ADDED shop/allow-web"]);
  });

  it("keeps the event loop free: at most 500 events per call, with turns of the loop between", async () => {
    const harness = await connect({}, (api) => {
      seed(api);
      for (let index = 0; index < 2600; index += 1) api.put(PODS, pod("shop", `bulk-${index}`));
    });
    const { api, sink } = harness;
    let ticks = 0;
    let last = performance.now();
    let longestGap = 0;
    const tick = () => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks += 1;
      if (running.length > 0) ticker = setImmediate(tick);
    };
    let ticker = setImmediate(tick);
    const seenAt: number[] = [];
    const events = sink.events.bind(sink);
    sink.events = (batch) => {
      if (eventsOf(batch)[0]?.kind === "Pod") seenAt.push(ticks);
      events(batch);
    };
    await connected(harness);
    // A burst of watch events in one write arrives in calls of at most 500 too.
    const burst = [];
    for (let index = 0; index < 1200; index += 1) {
      const object = api.put(PODS, pod("shop", `burst-${index}`));
      burst.push(JSON.stringify({ type: "ADDED", object }));
    }
    api.send(PODS, `${burst.join("\n")}\n`);
    await waitFor(() => sink.keys("Pod").length === 3 + 2600 + 1200, "every pod");
    clearImmediate(ticker);

    expect(sink.batches.every((batch) => batch.length <= 500)).toBe(true);
    expect(seenAt.length).toBeGreaterThanOrEqual(Math.ceil(2603 / 500) + Math.ceil(1200 / 500));
    for (let index = 1; index < seenAt.length; index += 1) {
      expect(seenAt[index]).toBeGreaterThan(seenAt[index - 1] ?? 0);
    }
    expect(longestGap).toBeLessThan(250);
  });
});

describe("KubernetesSource: watching", () => {
  it("turns ADDED, MODIFIED and DELETED into true differences and resumes from the last bookmark", async () => {
    const harness = await connect();
    const { api, sink } = harness;
    await connected(harness);
    await waitFor(() => api.openWatches(NAMESPACES) === 1, "the namespaces watch");
    const from = sink.batches.length;

    api.change(PODS, "ADDED", pod("shop", "web-3"));
    // Status churn only: the trimmed pod is the same, so the engine hears nothing.
    api.change(PODS, "MODIFIED", {
      ...pod("shop", "web-1"),
      status: { phase: "Running", podIP: "10.9.9.9" },
    });
    api.change(PODS, "MODIFIED", pod("shop", "web-2", { app: "web", tier: "front" }));
    api.change(PODS, "DELETED", pod("shop", "db"));
    api.change(PODS, "MODIFIED", pod("shop", "web-3", { app: "web" }, "Succeeded"));
    api.bookmark(PODS, "opaque-bookmark-7");
    await waitFor(() => sink.changesOf("Pod", from).length === 4, "four pod changes");
    expect(sink.changesOf("Pod", from)).toEqual([
      "ADDED shop/web-3",
      "MODIFIED shop/web-2",
      "DELETED shop/db",
      "DELETED shop/web-3",
    ]);
    expect(sink.object("Pod", "shop/web-2")).toMatchObject({ labels: { app: "web", tier: "front" } });
    expect(sink.keys("Pod")).toEqual(api.keys(PODS).filter((key) => key !== "shop/web-3"));

    // A line cut inside a two-byte character, across two writes.
    const object = api.put(NAMESPACES, namespace("bakery", { description: "crème brûlée" }));
    const line = Buffer.from(`${JSON.stringify({ type: "ADDED", object })}\n`);
    const cut = line.indexOf(0xc3) + 1;
    api.send(NAMESPACES, line.subarray(0, cut));
    await pause(20);
    api.send(NAMESPACES, line.subarray(cut));
    await waitFor(() => sink.object("Namespace", "bakery") !== undefined, "the bakery namespace");
    expect(sink.object("Namespace", "bakery")).toMatchObject({
      annotations: { description: "crème brûlée" },
    });

    // The API server ends the watch (timeoutSeconds): the next one starts at the bookmark.
    api.endWatches(PODS);
    await waitFor(() => api.requestsFor(PODS, "watch").length === 2, "a second pods watch");
    expect(api.requestsFor(PODS, "watch")[1]?.query.get("resourceVersion")).toBe("opaque-bookmark-7");
    expect(api.requestsFor(PODS, "list")).toHaveLength(1);
  });

  it("relists after 410 Gone and sends only what really changed meanwhile", async () => {
    const harness = await connect();
    const { api, sink } = harness;
    await connected(harness);
    const from = sink.batches.length;

    // What the watch missed: db deleted, web-2 relabelled, cache added, web-1's status churned.
    api.remove(PODS, "shop", "db");
    api.put(PODS, pod("shop", "web-2", { app: "web", tier: "front" }));
    api.put(PODS, pod("shop", "cache", { app: "cache" }));
    api.put(PODS, { ...pod("shop", "web-1"), status: { phase: "Running", podIP: "10.1.1.1" } });
    api.send(PODS, statusLine("ERROR", 410, "too old resource version: 1003 (1020)"));

    await waitFor(() => api.requestsFor(PODS, "watch").length === 2, "the watch after the relist");
    expect(api.requestsFor(PODS, "list")).toHaveLength(2);
    expect(sink.changesOf("Pod", from)).toEqual([
      "ADDED shop/cache",
      "MODIFIED shop/web-2",
      "DELETED shop/db",
    ]);
    expect(sink.keys("Pod")).toEqual(api.keys(PODS));
    expect(api.requestsFor(PODS, "watch")[1]?.query.get("resourceVersion")).toBe(api.resourceVersion);
    // A relist is no connection trouble.
    expect(sink.states).toEqual(["connecting", "connected"]);
    expect(
      sink.batches
        .slice(from)
        .flat()
        .every((event) => event.kind === "Pod"),
    ).toBe(true);
  });

  it("relists when the watch request itself is answered 410, sending nothing when nothing changed", async () => {
    let gone = false;
    const harness = await connect();
    const { api, sink } = harness;
    await connected(harness);
    await waitFor(() => api.openWatches(SERVICE_ACCOUNTS) === 1, "the service accounts watch");
    api.scripts.push((request, response) => {
      if (gone || request.path !== SERVICE_ACCOUNTS || request.query.get("watch") !== "true") return false;
      gone = true;
      return sendStatus(response, 410, "Expired", "too old resource version");
    });
    const from = sink.batches.length;
    api.endWatches(SERVICE_ACCOUNTS);
    await waitFor(() => api.openWatches(SERVICE_ACCOUNTS) === 1 && gone, "a new service accounts watch");
    expect(api.requestsFor(SERVICE_ACCOUNTS, "list")).toHaveLength(2);
    expect(sink.batches.length).toBe(from);
    expect(sink.keys("ServiceAccount")).toEqual(["shop/default"]);
  });

  it("restarts a watch that stays silent longer than the limit, and not one that gets bookmarks", async () => {
    const harness = await connect({ idleTimeoutMs: 300 });
    const { api, sink } = harness;
    await connected(harness);
    await waitFor(() => api.requestsFor(NAMESPACES, "watch").length >= 2, "a second namespaces watch", 3000);
    const [first, second] = api.requestsFor(NAMESPACES, "watch");
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(290);
    expect(second?.query.get("resourceVersion")).toBe(first?.query.get("resourceVersion"));
    expect(sink.statuses).toContainEqual(
      expect.objectContaining({
        state: "reconnecting",
        message: expect.stringContaining("watch namespaces: no data"),
      }),
    );

    // Every silent watch restarts too; bookmarks start on a pods watch just opened, well within its limit.
    const earlier = api.requestsFor(PODS, "watch").length;
    await waitFor(() => api.requestsFor(PODS, "watch").length > earlier, "a fresh pods watch", 3000);
    const watches = api.requestsFor(PODS, "watch").length;
    for (let index = 0; index < 7; index += 1) {
      api.bookmark(PODS, api.resourceVersion);
      await pause(100);
    }
    expect(api.requestsFor(PODS, "watch")).toHaveLength(watches);
  });
});

describe("KubernetesSource: connection trouble", () => {
  it("reports a dropped watch as reconnecting, then connected, and resumes where it was", async () => {
    const harness = await connect();
    const { api, sink } = harness;
    await connected(harness);
    const version = api.requestsFor(PODS, "watch")[0]?.query.get("resourceVersion");
    const before = sink.statuses.length;

    api.dropWatches(PODS);
    await waitFor(() => sink.statuses.length >= before + 2, "two status changes");
    const [lost, regained] = sink.statuses.slice(before);
    expect(lost).toMatchObject({ state: "reconnecting", message: expect.stringContaining("watch pods") });
    expect(lost?.retryInMs).toBeGreaterThanOrEqual(5);
    expect(lost?.retryInMs).toBeLessThanOrEqual(40);
    expect(regained?.state).toBe("connected");
    expect(api.requestsFor(PODS, "watch")[1]?.query.get("resourceVersion")).toBe(version);

    await waitFor(() => api.openWatches(PODS) === 1, "the new pods watch");
    api.change(PODS, "ADDED", pod("shop", "web-9"));
    await waitFor(() => sink.keys("Pod").includes("shop/web-9"), "the pod added after the reconnect");
    expect(api.requestsFor(PODS, "list")).toHaveLength(1);
  });

  it("retries a list answered 503 and connects once every kind is listed", async () => {
    let answered = false;
    const harness = await connect({}, (api) => {
      seed(api);
      api.scripts.push((request, response) => {
        if (answered || request.path !== PODS) return false;
        answered = true;
        return sendStatus(response, 503, "ServiceUnavailable", "etcd is busy");
      });
    });
    const { api, sink } = harness;
    await connected(harness);
    expect(sink.states).toEqual(["connecting", "reconnecting", "connecting", "connected"]);
    expect(sink.statuses[1]?.message).toContain("list pods: the API server answered 503");
    expect(sink.statuses[1]?.message).toContain("etcd is busy");
    expect(sink.keys("Pod")).toEqual(api.keys(PODS));
  });

  it("fails for good on 403, naming the resource and the verbs Trustmap needs", async () => {
    const harness = await connect({}, (api) => {
      seed(api);
      api.scripts.push((request, response) => {
        if (request.path !== CLUSTER_ROLES) return false;
        const message = `clusterroles.rbac.authorization.k8s.io is forbidden: User "alice" cannot list resource "clusterroles"`;
        return sendStatus(response, 403, "Forbidden", message);
      });
    });
    const { api, sink } = harness;
    await waitFor(() => sink.statuses.at(-1)?.state === "failed", "failed");
    expect(sink.states).toEqual(["connecting", "failed"]);
    const message = sink.statuses[1]?.message ?? "";
    expect(message).toContain("may not list clusterroles (/apis/rbac.authorization.k8s.io/v1/clusterroles)");
    expect(message).toContain("the verbs list and watch");
    expect(message).toContain('context "fake-context"');
    expect(message).toContain('User "alice" cannot list');

    // Everything stops: the watches already open close, and nothing more is asked.
    await waitFor(() => api.openWatches() === 0, "every watch closed");
    const asked = api.requests.length;
    await pause(100);
    expect(api.requests).toHaveLength(asked);
    // The pods, listed beside the other kinds from the start, were asked for once.
    expect(api.requestsFor(PODS, "list")).toHaveLength(1);
    expect(api.requestsFor(CLUSTER_ROLES, "list")).toHaveLength(1);
  });

  it("fails for good on 401, telling the user to log in again", async () => {
    const harness = await connect({}, (api) => {
      seed(api);
      api.token = "another-token";
    });
    const { api, sink } = harness;
    await waitFor(() => sink.statuses.at(-1)?.state === "failed", "failed");
    expect(sink.statuses[1]?.message).toContain(
      'credentials of kubeconfig context "fake-context" were refused',
    );
    expect(sink.statuses[1]?.message).toContain("log in again");
    // At most the first request of each lane (the pods, and the namespaces), refused: nothing more.
    await pause(100);
    const paths = api.requests.map((r) => r.path);
    expect(paths.length).toBeGreaterThan(0);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths.filter((path) => path !== NAMESPACES && path !== PODS)).toEqual([]);
  });
});

describe("KubernetesSource: read-only and stoppable", () => {
  it("only ever GETs the eight collections the engine reads", async () => {
    const harness = await connect();
    const { api } = harness;
    await connected(harness);
    api.dropWatches(NAMESPACES);
    await waitFor(() => api.requestsFor(NAMESPACES, "watch").length === 2, "a second namespaces watch");

    expect(new Set(api.requests.map((request) => request.method))).toEqual(new Set(["GET"]));
    expect(new Set(api.requests.map((request) => request.path))).toEqual(
      new Set(RESOURCES.map((r) => r.path)),
    );
    expect(api.requests.some((request) => /secret/i.test(request.path + request.query.toString()))).toBe(
      false,
    );
  });

  it("stop() ends every request, and says nothing more", async () => {
    const harness = await connect();
    const { api, sink, source } = harness;
    await connected(harness);
    expect(api.openWatches()).toBe(RESOURCES.length);
    const statuses = sink.statuses.length;
    const batches = sink.batches.length;

    await source.stop();
    await waitFor(() => api.openWatches() === 0, "every watch closed");
    const asked = api.requests.length;
    await pause(100);
    expect(api.requests).toHaveLength(asked);
    expect(sink.statuses).toHaveLength(statuses);
    expect(sink.batches).toHaveLength(batches);
  });

  it("stop() ends a retry that is waiting", async () => {
    const harness = await connect({ backoff: { initialMs: 20_000, maxMs: 20_000 } }, (api) => {
      seed(api);
      api.scripts.push((request, response) =>
        sendStatus(response, 500, "InternalError", `broken ${request.path}`),
      );
    });
    const { sink, source } = harness;
    await waitFor(() => sink.statuses.at(-1)?.state === "reconnecting", "reconnecting");
    expect(sink.statuses.at(-1)?.retryInMs).toBeGreaterThanOrEqual(10_000);
    const started = Date.now();
    await source.stop();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("the pieces of the Kubernetes source", () => {
  it("cuts a stream into lines wherever its chunks end", () => {
    const lines = new LineSplitter();
    expect(lines.push('{"a":')).toEqual([]);
    expect(lines.push('1}\n{"b":2}\n\n{"c"')).toEqual(['{"a":1}', '{"b":2}']);
    expect(lines.push(":3}")).toEqual([]);
    expect(lines.end()).toEqual(['{"c":3}']);
    expect(lines.end()).toEqual([]);
  });

  it("keys an unreadable object exactly as the engine keys it once read", () => {
    const route = {
      metadata: { namespace: "shop", name: "route" },
      spec: { parentRefs: [{ name: "gw" }], rules: [{ backendRefs: [{ name: "web", port: 80 }] }] },
    };
    const samples: Record<Kind, RawObject> = {
      Namespace: namespace("shop"),
      Pod: pod("shop", "web"),
      NetworkPolicy: policy("shop", "allow"),
      ServiceAccount: { metadata: { namespace: "shop", name: "builder" } },
      Role: { metadata: { namespace: "shop", name: "reader" }, rules },
      ClusterRole: { metadata: { name: "viewer" }, rules },
      RoleBinding: {
        metadata: { name: "read" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "reader" },
        subjects,
      },
      ClusterRoleBinding: {
        metadata: { name: "view" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "viewer" },
        subjects,
      },
      AdminNetworkPolicy: {
        metadata: { name: "deny-db" },
        spec: {
          priority: 1,
          subject: { namespaces: {} },
          ingress: [{ action: "Deny", from: [{ namespaces: {} }] }],
        },
      },
      BaselineAdminNetworkPolicy: { metadata: { name: "default" }, spec: { subject: { namespaces: {} } } },
      ClusterNetworkPolicy: {
        metadata: { name: "allow-dns" },
        spec: { tier: "Admin", priority: 2, subject: { namespaces: {} } },
      },
      Service: {
        metadata: { namespace: "shop", name: "web" },
        spec: { type: "LoadBalancer", selector: { app: "web" }, ports: [{ port: 80, nodePort: 30080 }] },
      },
      Ingress: {
        metadata: { namespace: "shop", name: "web" },
        spec: { defaultBackend: { service: { name: "web", port: { number: 80 } } } },
      },
      Gateway: {
        metadata: { namespace: "shop", name: "gw" },
        spec: { gatewayClassName: "example", listeners: [{ name: "http", port: 80, protocol: "HTTP" }] },
      },
      HTTPRoute: route,
      GRPCRoute: route,
      TLSRoute: route,
      TCPRoute: route,
      UDPRoute: route,
    };
    for (const { kind } of RESOURCES) {
      const parsed = parseLiveObject(kind, samples[kind], "test");
      if (!parsed.ok) throw new Error(`${kind}: ${JSON.stringify(parsed.errors)}`);
      expect(rawKey(kind, samples[kind])).toBe(objectKey(kind, parsed.object));
    }
    expect(rawKey("Pod", { metadata: { namespace: "shop" } })).toBeUndefined();
  });

  it("backs off exponentially with jitter, up to the cap", () => {
    const low = new Backoff({ initialMs: 500, maxMs: 30_000 }, () => 0);
    const high = new Backoff({ initialMs: 500, maxMs: 30_000 }, () => 1);
    const lows = Array.from({ length: 9 }, () => low.next());
    const highs = Array.from({ length: 9 }, () => high.next());
    expect(highs).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(lows).toEqual(highs.map((ms) => ms / 2));
    high.reset();
    expect(high.next()).toBe(500);
  });
});
