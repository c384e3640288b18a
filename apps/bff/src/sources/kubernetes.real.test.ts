import type { InputError, Kind, KindObjects, WatchEvent } from "@trustmap/engine";
import type { SourceStatus } from "@trustmap/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ControlPlane,
  controlPlaneBuilt,
  notBuiltMessage,
  startControlPlane,
} from "../testing/control-plane";
import { createKubernetesSource, type KubernetesSource } from "./kubernetes";
import { type EventBatch, eventsOf, type SourceSink } from "./source";

// Smoke test against a real kube-apiserver + etcd (+ kube-controller-manager), built from the Go
// module proxy by `node scripts/control-plane.mjs build`. It never skips: without the binaries it
// fails and names the build command.

/** A sink that keeps every event, status and problem, in order. */
class RecordingSink implements SourceSink {
  readonly received: WatchEvent[] = [];
  readonly statuses: SourceStatus[] = [];
  readonly problemList: InputError[] = [];
  events(batch: EventBatch): void {
    this.received.push(...eventsOf(batch));
  }
  status(status: SourceStatus): void {
    this.statuses.push(status);
  }
  problems(problems: readonly InputError[]): void {
    this.problemList.push(...problems);
  }
  replaceProblems(problems: readonly InputError[]): void {
    this.problemList.splice(0, this.problemList.length, ...problems);
  }

  /** Every object of `kind` named `name` that arrived with one of `types` (a RELIST's objects count as ADDED). */
  seen<K extends Kind>(
    kind: K,
    name: string,
    types: readonly string[] = ["ADDED", "MODIFIED"],
  ): KindObjects[K][] {
    const found: KindObjects[K][] = [];
    for (const event of this.received) {
      if (event.kind !== kind) continue;
      const objects =
        event.type === "RELIST"
          ? types.includes("ADDED")
            ? event.objects
            : []
          : types.includes(event.type)
            ? [event.object]
            : [];
      for (const object of objects)
        if ((object as { name: string }).name === name) found.push(object as KindObjects[K]);
    }
    return found;
  }
}

async function eventually(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("KubernetesSource against a real kube-apiserver", () => {
  let plane: ControlPlane | undefined;
  let source: KubernetesSource | undefined;
  const sink = new RecordingSink();

  beforeAll(async () => {
    if (!controlPlaneBuilt()) throw new Error(notBuiltMessage());
    plane = await startControlPlane();
  }, 180_000);

  afterAll(async () => {
    await source?.stop();
    await plane?.stop();
  }, 60_000);

  it("lists and watches namespaces, pods and policies, and sees a pod's deletion", async () => {
    if (plane === undefined) throw new Error(notBuiltMessage());
    const api = plane;
    await api.request("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "smoke", labels: { team: "smoke" } },
    });
    // Created before the source starts: it must come through the initial list.
    await api.request("POST", "/apis/networking.k8s.io/v1/namespaces/smoke/networkpolicies", {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "default-deny", namespace: "smoke" },
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    });

    const created = createKubernetesSource({
      kubeconfigPath: api.kubeconfigPath,
      backoff: { initialMs: 200, maxMs: 1_000 },
    });
    if (!created.ok) throw new Error(created.message);
    source = created.source;
    source.start(sink);
    await eventually("the source to connect", () =>
      sink.statuses.some((status) => status.state === "connected"),
    );
    expect(sink.seen("Namespace", "smoke")[0]).toMatchObject({ name: "smoke", labels: { team: "smoke" } });
    expect(sink.seen("NetworkPolicy", "default-deny")[0]).toMatchObject({
      namespace: "smoke",
      name: "default-deny",
      affectsIngress: true,
      affectsEgress: false,
    });

    // Created after: it must come through the watch. No kubelet runs, so the test says the pod
    // runs, with an IP, through the status subresource.
    await api.request("POST", "/api/v1/namespaces/smoke/pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web", namespace: "smoke", labels: { app: "web" } },
      spec: {
        containers: [
          { name: "app", image: "registry.example/app:1", ports: [{ name: "http", containerPort: 8080 }] },
        ],
      },
    });
    await api.request(
      "PATCH",
      "/api/v1/namespaces/smoke/pods/web/status",
      { status: { phase: "Running", podIP: "10.1.0.7", podIPs: [{ ip: "10.1.0.7" }] } },
      [],
      "application/merge-patch+json",
    );
    await eventually("the pod", () => sink.seen("Pod", "web").length > 0);
    expect(sink.seen("Pod", "web").at(-1)).toMatchObject({
      namespace: "smoke",
      name: "web",
      labels: { app: "web" },
      ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
    });

    await api.request("DELETE", "/api/v1/namespaces/smoke/pods/web?gracePeriodSeconds=0");
    await eventually("the pod's DELETED event", () => sink.seen("Pod", "web", ["DELETED"]).length > 0);
    expect(sink.problemList).toEqual([]);
    expect(sink.statuses.map((status) => status.state)).not.toContain("failed");
  }, 120_000);
});
