// Trustmap against a real kube-apiserver loaded with a bench cluster: how long a plain paged list
// of the same objects takes (the floor), how long the BFF takes to be live on them, how soon a
// change made through the API reaches a browser's stream, and the BFF's peak memory. Prints JSON.
//   pnpm -s --filter @trustmap/bff bench:apiserver [--scale S|M|L] [--samples N] [--runs N] [--profile DIR]
// Needs the test control plane and the BFF's build (the script makes both):
//   node scripts/control-plane.mjs build && node scripts/build.mjs bff
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { SyntheticWorld } from "@trustmap/engine/synthetic-world";
import { LIST_PAGE_SIZE } from "../src/sources/kubernetes";
import { startControlPlane } from "../src/testing/control-plane";
import { StreamClient } from "../src/testing/sse-client";
import { arg, scaleArg } from "./args";
import {
  bindingManifest,
  collectionPath,
  namespaceManifest,
  podManifest,
  policyManifest,
  roleManifest,
  serviceAccountManifest,
} from "./manifests";

type Json = Record<string, unknown>;

const scale = scaleArg("M");
// 200 samples of each: with 50, p99 is the largest one, a single stall of the API server or etcd.
const samples = Number(arg("samples") ?? 200);
/** How many times Trustmap is started against the loaded cluster, each after a floor of its own. */
const runCount = Math.max(1, Number(arg("runs") ?? 3));
/** Writes CPU profiles of the BFF's threads into this folder (node --cpu-prof). */
const profileDir = arg("profile");
const CONCURRENCY = 32;

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    n: sorted.length,
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round((sorted[Math.floor(sorted.length / 2)] ?? Number.NaN) * 100) / 100;
}

/**
 * When the API server's watch events reach a watcher of its own: Trustmap's watch gets the same
 * events from the same server, so the time from one of these to the stream's patch is the time
 * Trustmap took, apart from the API server's own (the API call's time until the event).
 */
class EventClock {
  private readonly seen = new Map<string, number>();
  private readonly requests: { destroy(): void }[] = [];

  static async open(kubeconfigPath: string, paths: readonly string[]): Promise<EventClock> {
    const config = new KubeConfig();
    config.loadFromFile(kubeconfigPath);
    const server = config.getCurrentCluster()?.server;
    if (server === undefined) throw new Error(`bench: ${kubeconfigPath} names no cluster`);
    const options: RequestOptions = {};
    await config.applyToHTTPSOptions(options);
    const clock = new EventClock();
    for (const path of paths) await clock.watch(new URL(path, server), options);
    return clock;
  }

  private readonly waiters = new Map<string, () => void>();

  /** When the event of this type for this object name arrives (at once if it has). */
  async at(type: string, name: string, timeoutMs = 30_000): Promise<number> {
    const key = `${type} ${name}`;
    if (!this.seen.has(key)) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`bench: no ${key} watch event`)), timeoutMs);
        this.waiters.set(key, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.seen.get(key) as number;
  }

  close(): void {
    for (const request of this.requests) request.destroy();
  }

  private watch(url: URL, options: RequestOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      const request = httpsRequest(url, options, (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`bench: watch ${url.pathname} answered ${response.statusCode}`));
          return;
        }
        resolve();
        let buffer = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          const now = performance.now();
          buffer += chunk;
          for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n")) {
            const event = JSON.parse(buffer.slice(0, end)) as {
              type: string;
              object: { metadata?: { name?: string } };
            };
            buffer = buffer.slice(end + 1);
            const key = `${event.type} ${event.object.metadata?.name}`;
            this.seen.set(key, now);
            this.waiters.get(key)?.();
            this.waiters.delete(key);
          }
        });
      });
      request.on("error", reject);
      request.end();
      this.requests.push(request);
    });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

async function pool<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

if (!existsSync("dist/main.mjs")) {
  console.error("bench: the BFF is not built; build it with: node scripts/build.mjs bff");
  process.exit(2);
}
const world = new SyntheticWorld(scale, 1);
const { cluster } = world;
const plane = await startControlPlane({ controllerManager: false });
let bff: ChildProcess | undefined;
let stream: StreamClient | undefined;
let clock: EventClock | undefined;
const stop = async () => {
  stream?.close();
  clock?.close();
  bff?.kill("SIGTERM");
  await plane.stop();
};

try {
  // Load the cluster, kinds that others refer to first.
  const objects: Json[] = [
    ...cluster.namespaces.map(namespaceManifest),
    ...cluster.serviceAccounts.map(serviceAccountManifest),
    ...cluster.roles.map(roleManifest),
    ...cluster.bindings.map(bindingManifest),
    ...cluster.policies.map(policyManifest),
    ...cluster.pods.map(podManifest),
  ];
  const refused: string[] = [];
  const started = performance.now();
  await pool(objects, async (object) => {
    try {
      await plane.request("POST", collectionPath(object), JSON.stringify(object), [409]);
    } catch (error) {
      refused.push((error as Error).message.slice(0, 200));
    }
  });
  const loadMs = performance.now() - started;
  if (refused.length > 0) {
    console.error(`bench: the API server refused ${refused.length} objects, first: ${refused[0]}`);
    process.exitCode = 1;
  }

  // The floor: a paged list of every kind Trustmap reads, one after the other, in the pages
  // Trustmap lists in.
  const collections = [
    "/api/v1/namespaces",
    "/api/v1/pods",
    "/api/v1/serviceaccounts",
    "/apis/networking.k8s.io/v1/networkpolicies",
    "/apis/rbac.authorization.k8s.io/v1/roles",
    "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    "/apis/rbac.authorization.k8s.io/v1/rolebindings",
    "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
  ];
  const listFloor = async (): Promise<{ ms: number; items: number }> => {
    const begin = performance.now();
    let items = 0;
    for (const collection of collections) {
      let token = "";
      do {
        const page = (await plane.request(
          "GET",
          `${collection}?limit=${LIST_PAGE_SIZE}${token === "" ? "" : `&continue=${encodeURIComponent(token)}`}`,
        )) as { items: unknown[]; metadata: { continue?: string } };
        items += page.items.length;
        token = page.metadata.continue ?? "";
      } while (token !== "");
    }
    return { ms: performance.now() - begin, items };
  };
  // Trustmap: from its start to live (connected, every event analysed), in runs that alternate
  // with the floor (floor, Trustmap, floor, ...) so that each run is judged against lists taken
  // at the same time; the API server's own pace drifts while it runs. The last run's BFF stays
  // for the event timings.
  const runs: { floorMs: number; liveMs: number; listeningMs: number }[] = [];
  let listedItems = 0;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  for (let run = 0; run < runCount; run++) {
    const floor = await listFloor();
    listedItems = floor.items;
    bff?.kill("SIGTERM");
    if (bff !== undefined && bff.exitCode === null) await once(bff, "exit");
    const started = performance.now();
    bff = spawn(
      process.execPath,
      [
        ...(profileDir === undefined || run < runCount - 1
          ? []
          : ["--cpu-prof", "--cpu-prof-dir", profileDir]),
        // The build `npm start` runs (the script builds it first).
        "dist/main.mjs",
        "--kubeconfig",
        plane.kubeconfigPath,
        "--port",
        String(port),
        // The change log as `npm start` keeps it by default: embedded, in a folder of this run's.
        "--changes",
        mkdtempSync(path.join(tmpdir(), "trustmap-bench-log-")),
      ],
      { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, TRUSTMAP_LOG: "warn" } },
    );
    // Listening: the first answer to a health request (until then, nothing listens: a refused
    // connection costs the BFF nothing).
    let listeningMs: number | undefined;
    while (listeningMs === undefined) {
      try {
        await (await fetch(`${base}/api/health`)).json();
        listeningMs = performance.now() - started;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    // Connected: told on a stream of the status alone, as the page's status bar hears it, so
    // that the bench's own questions do not load the BFF while it lists. Then live: no event
    // left to analyse, asked every 25 ms (the worker drains the lists' backlog after them).
    const status = await StreamClient.connect(base, []);
    await status.until(
      () => (status.statuses.at(-1) ?? status.hello?.status)?.state === "connected",
      600_000,
      "the BFF to be connected",
    );
    status.close();
    for (;;) {
      const health = (await (await fetch(`${base}/api/health`)).json()) as {
        connected: boolean;
        backlog: number;
      };
      if (health.connected && health.backlog === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    runs.push({ floorMs: floor.ms, liveMs: performance.now() - started, listeningMs: listeningMs ?? 0 });
  }

  // A browser watching the overview and a namespace of median size that denies by default, where a
  // policy allowing a new source always adds an edge.
  const denying = new Set(cluster.policies.filter((p) => p.name === "default-deny").map((p) => p.namespace));
  const sizes = new Map<string, number>();
  for (const pod of cluster.pods)
    if (denying.has(pod.namespace)) sizes.set(pod.namespace, (sizes.get(pod.namespace) ?? 0) + 1);
  const bySize = [...sizes].sort((a, b) => a[1] - b[1]);
  const [namespace, namespacePods] = bySize[Math.floor(bySize.length / 2)] ?? ["", 0];
  const views = ["overview", `namespace:${namespace}`];
  stream = await StreamClient.connect(base, views);
  const client = stream;
  await client.until(
    () => views.every((view) => client.revision(view) !== undefined),
    120_000,
    "the snapshots",
  );
  const podsHere = cluster.pods.filter((pod) => pod.namespace === namespace);
  const template = podsHere[0];
  if (template === undefined) throw new Error(`no pod in ${namespace}`);

  const podsPath = `/api/v1/namespaces/${namespace}/pods`;
  const policiesPath = `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies`;
  const fromVersion = (path: string) =>
    plane
      .request("GET", `${path}?limit=1`)
      .then(
        (list) => `${path}?watch=1&resourceVersion=${(list as { metadata: Json }).metadata.resourceVersion}`,
      );
  clock = await EventClock.open(plane.kubeconfigPath, [
    await fromVersion(podsPath),
    await fromVersion(policiesPath),
  ]);
  const events = clock;
  /** One change: times from the API call and from its watch event to the watched namespace view's patch. */
  interface Timing {
    readonly fromCall: number;
    readonly fromEvent: number;
  }
  /** Samples whose patch reached the stream before the event reached the bench's own watch. */
  let patchesFirst = 0;
  const timed = async (
    [type, name]: [type: string, name: string],
    change: () => Promise<unknown>,
  ): Promise<Timing> => {
    const before = client.revision(views[1] as string);
    const begin = performance.now();
    await change();
    await client.until(
      () => client.revision(views[1] as string) !== before,
      30_000,
      "the namespace view's patch",
    );
    const patched = performance.now();
    // The patch can come before the event reached this process's watch: Trustmap's part is then
    // counted as zero.
    const arrived = await events.at(type, name);
    if (patched < arrived) patchesFirst++;
    return { fromCall: patched - begin, fromEvent: Math.max(0, patched - arrived) };
  };
  const newIdentity: Timing[] = [];
  const joining: Timing[] = [];
  const policies: Timing[] = [];
  for (let i = 0; i < samples; i++) {
    // A rollout's pod: a new pod-template-hash makes a new identity, selected by the app's policies.
    const fresh = podManifest({
      ...template,
      name: `bench-new-${i}`,
      labels: { ...template.labels, "pod-template-hash": `bench${i}` },
    });
    newIdentity.push(
      await timed(["ADDED", `bench-new-${i}`], () => plane.request("POST", podsPath, JSON.stringify(fresh))),
    );
    const same = podManifest({ ...template, name: `bench-join-${i}` });
    joining.push(
      await timed(["ADDED", `bench-join-${i}`], () => plane.request("POST", podsPath, JSON.stringify(same))),
    );
    const allow = {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: `bench-allow-${i}`, namespace },
      spec: {
        podSelector: { matchLabels: { "pod-template-hash": `bench${i}` } },
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ ipBlock: { cidr: `203.0.113.${i % 256}/32` } }] }],
      },
    };
    policies.push(
      await timed(["ADDED", allow.metadata.name], () =>
        plane.request("POST", policiesPath, JSON.stringify(allow)),
      ),
    );
    policies.push(
      await timed(["DELETED", allow.metadata.name], () =>
        plane.request("DELETE", `${policiesPath}/${allow.metadata.name}`),
      ),
    );
  }
  const status = readFileSync(`/proc/${bff?.pid}/status`, "utf8");
  const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
  console.log(
    JSON.stringify({
      scale: scale.name,
      objects: objects.length,
      refused: refused.length,
      loadMs: Math.round(loadMs),
      listedItems,
      // Each run: the floor, then Trustmap's time to live from its process's start (it listens
      // first: Node and the BFF's own start-up, then lists); the ratios are the runs' medians.
      runs: runs.map((r) => ({
        floorMs: Math.round(r.floorMs),
        liveMs: Math.round(r.liveMs),
        listeningMs: Math.round(r.listeningMs),
      })),
      liveOverFloor: median(runs.map((r) => r.liveMs / r.floorMs)),
      liveAfterListeningOverFloor: median(runs.map((r) => (r.liveMs - r.listeningMs) / r.floorMs)),
      watched: { namespace, pods: namespacePods },
      // From the watch event (as a watcher of the API server's own saw it) to the stream's patch:
      // Trustmap's part.
      eventToPatchMs: {
        podNewIdentity: stats(newIdentity.map((t) => t.fromEvent)),
        podJoiningIdentity: stats(joining.map((t) => t.fromEvent)),
        policyCreateDelete: stats(policies.map((t) => t.fromEvent)),
        patchesBeforeEvent: patchesFirst,
      },
      // From the API call: the API server's write and its watch's delivery, then Trustmap's part.
      callToPatchMs: {
        podNewIdentity: stats(newIdentity.map((t) => t.fromCall)),
        podJoiningIdentity: stats(joining.map((t) => t.fromCall)),
        policyCreateDelete: stats(policies.map((t) => t.fromCall)),
      },
      streamGaps: client.gaps.length,
      bffPeakRssMB: Math.round(peakKb / 1024),
    }),
  );
} finally {
  await stop();
}
