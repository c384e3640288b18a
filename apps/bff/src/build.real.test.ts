// The BFF as `npm start` runs it (the esbuild bundle in dist/, with the Kubernetes client bundled
// in) against a real kube-apiserver: the kubeconfig, its credentials and TLS go through the
// bundled client, lists and watches through the bundle's own requests.
import { type ChildProcess, execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { NamespaceList } from "@trustmap/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startBundle, stopBundle } from "./testing/bundle";
import {
  type ControlPlane,
  controlPlaneBuilt,
  notBuiltMessage,
  startControlPlane,
} from "./testing/control-plane";

const root = fileURLToPath(new URL("../../../", import.meta.url));

let plane: ControlPlane | undefined;
let running: ChildProcess | undefined;

beforeAll(async () => {
  if (!controlPlaneBuilt()) throw new Error(notBuiltMessage());
  plane = await startControlPlane({ controllerManager: false });
}, 180_000);

afterAll(async () => {
  await stopBundle(running);
  await plane?.stop();
}, 60_000);

/** Starts dist/main.mjs on the control plane's kubeconfig; resolves with its URL once it says it runs. */
function start(kubeconfigPath: string): Promise<string> {
  return startBundle(["--kubeconfig", kubeconfigPath], (child) => {
    running = child;
  });
}

async function namespaces(url: string): Promise<NamespaceList["namespaces"]> {
  return NamespaceList.parse(await (await fetch(`${url}/api/namespaces`)).json()).namespaces;
}

describe("the BFF's build on a real kube-apiserver", () => {
  it("lists through the bundled client, then watches: a namespace and its default-deny made after the start show", {
    timeout: 180_000,
  }, async () => {
    if (plane === undefined) throw new Error(notBuiltMessage());
    const api = plane;
    await api.request("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "before-start", labels: { team: "bundle" } },
    });
    execFileSync(process.execPath, ["scripts/build.mjs", "bff"], { cwd: root, stdio: "ignore" });
    const url = await start(api.kubeconfigPath);
    await eventually(
      "the bundle to be connected",
      async () =>
        (await (await fetch(`${url}/api/health`)).json()) as { connected: boolean; backlog: number },
      (health) => health.connected && health.backlog === 0,
    );
    expect((await namespaces(url)).find((n) => n.name === "before-start")?.labels).toMatchObject({
      team: "bundle",
    });

    await api.request("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "after-start" },
    });
    await api.request("POST", "/apis/networking.k8s.io/v1/namespaces/after-start/networkpolicies", {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "default-deny", namespace: "after-start" },
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    });
    const seen = await eventually(
      "the watch to bring the new namespace and its policy",
      () => namespaces(url),
      (list) => list.some((n) => n.name === "after-start" && n.networkPolicies === 1),
    );
    expect(seen.find((n) => n.name === "after-start")).toMatchObject({
      networkPolicies: 1,
      defaultDenyIngress: true,
      defaultDenyEgress: false,
    });
  });
});
