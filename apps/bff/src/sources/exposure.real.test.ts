import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ExposureAnswer, type ExposurePath, GapsAnswer, viewKey } from "@trustmap/shared";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, findChromium } from "../export/chromium";
import { bffPath } from "../paths";
import type { RunningServer } from "../server";
import { eventually } from "../testing/bundle";
import { type ControlPlane, startControlPlane } from "../testing/control-plane";
import { serveKubernetes } from "../testing/serve";

// What the cluster publishes, read from a real kube-apiserver: a LoadBalancer Service (its node
// port assigned by the API server), an Ingress whose controller's pods policy refuses, and, once
// the Gateway API's CRDs are installed, a Gateway and an HTTPRoute; each made through the API,
// each reaching /api/exposure, the findings, the Exposure tab and the graph live.

const GATEWAY = "/apis/gateway.networking.k8s.io/v1";

let plane: ControlPlane;
let server: RunningServer;
const root = fileURLToPath(new URL("../../../../", import.meta.url));

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  return (await plane.request("POST", path, body)) as Record<string, unknown>;
}

beforeAll(async () => {
  execFileSync(process.execPath, ["scripts/build.mjs", "web"], { cwd: root, stdio: "ignore" });
  plane = await startControlPlane({ controllerManager: false });
  for (const name of ["shop", "ingress-nginx", "edge"])
    await post("/api/v1/namespaces", { metadata: { name } });
  await post("/api/v1/namespaces/shop/pods", {
    metadata: { name: "web", labels: { app: "web" } },
    spec: { containers: [{ name: "web", image: "web:1", ports: [{ name: "http", containerPort: 8080 }] }] },
  });
  await post("/api/v1/namespaces/ingress-nginx/pods", {
    metadata: { name: "controller", labels: { "app.kubernetes.io/name": "ingress-nginx" } },
    spec: { containers: [{ name: "controller", image: "controller:1" }] },
  });
  // shop admits its own pods only: neither outside nor the controller.
  await post("/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies", {
    metadata: { name: "same-namespace-only" },
    spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] },
  });
  server = await serveKubernetes(
    plane.kubeconfigPath,
    { webRoot: bffPath("../web/dist") },
    { absentRecheckMs: 300 },
  );
}, 240_000);

afterAll(async () => {
  await server?.close();
  await plane?.stop();
}, 60_000);

async function exposure(params: Record<string, string> = {}): Promise<ExposureAnswer> {
  const url = new URL("/api/exposure", server.url);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const response = await fetch(url);
  if (response.status !== 200)
    throw new Error(`exposure answered ${response.status}: ${await response.text()}`);
  return ExposureAnswer.parse(await response.json());
}

async function exposureFindings(): Promise<string[]> {
  const response = await fetch(new URL("/api/gaps?limit=100&groupLimit=100", server.url));
  const gaps = GapsAnswer.parse(await response.json());
  return gaps.pillars
    .flatMap((pillar) => pillar.checks)
    .filter((check) => check.id.startsWith("expos"))
    .map((check) => `${check.id} ${check.total}`)
    .sort();
}

function brief(path: ExposurePath) {
  return `${path.via} | ${path.entry.text} | ${path.workload ?? "no pod"} ${path.port ?? ""} | ${path.from} | ${path.reach}`;
}

describe("what the cluster publishes, from a live API server", () => {
  it("a LoadBalancer and an Ingress made through the API: their paths, findings and graph, live as policy changes", async () => {
    const service = await post("/api/v1/namespaces/shop/services", {
      metadata: { name: "web" },
      spec: {
        type: "LoadBalancer",
        selector: { app: "web" },
        ports: [{ name: "http", port: 80, targetPort: "http" }],
      },
    });
    // The API server assigns the node port (no cloud controller runs: the load balancer stays pending).
    const nodePort = (service.spec as { ports: { nodePort: number }[] }).ports[0]!.nodePort;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    await post("/apis/networking.k8s.io/v1/namespaces/shop/ingresses", {
      metadata: { name: "web" },
      spec: {
        rules: [
          {
            host: "shop.example.com",
            http: {
              paths: [
                {
                  path: "/",
                  pathType: "Prefix",
                  backend: { service: { name: "web", port: { name: "http" } } },
                },
              ],
            },
          },
        ],
      },
    });

    const first = await eventually(
      "the Service and the Ingress to reach /api/exposure",
      () => exposure().catch(() => undefined),
      (answer) => (answer?.paths.length ?? 0) === 3,
    );
    expect(first!.paths.map(brief)).toEqual([
      "Ingress/shop/web | http://shop.example.com/ | shop/web TCP 8080 | controller | denied",
      `Service/shop/web | every node's TCP ${nodePort} | shop/web TCP 8080 | outside | denied`,
      "Service/shop/web | load balancer TCP 80 | shop/web TCP 8080 | outside | denied",
    ]);
    expect(first!.paths[0]!.controllers).toEqual([{ workload: "ingress-nginx/controller", allowed: false }]);
    expect(await exposureFindings()).toEqual(["exposure-blocked 1", "exposure-controller-blocked 1"]);

    // The namespace's view places the paths on its nodes: from outside, and from the controller's namespace.
    const key = viewKey({ kind: "namespace", namespace: "shop" });
    const placed = await exposure({ view: key });
    expect(
      placed.edges?.map(
        (edge) => `${edge.source} -> ${edge.target}: ${edge.reach} by ${edge.via.join(", ")}`,
      ),
    ).toEqual([
      expect.stringMatching(/^ns:ingress-nginx -> wl:shop\/.+: denied by Ingress\/shop\/web$/),
      expect.stringMatching(/^outside -> wl:shop\/.+: denied by Service\/shop\/web$/),
    ]);

    // shop admits the controller's namespace too: the Ingress's path opens to it, live.
    await plane.request(
      "PUT",
      "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/same-namespace-only",
      {
        metadata: { name: "same-namespace-only", namespace: "shop" },
        spec: {
          podSelector: {},
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [
                { podSelector: {} },
                { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
              ],
            },
          ],
        },
      },
    );
    const opened = await eventually(
      "the policy change to reach the Ingress's path",
      () => exposure({ namespace: "shop" }),
      (answer) => answer.paths[0]?.reach === "restricted",
    );
    expect(opened.paths[0]!.controllers).toEqual([{ workload: "ingress-nginx/controller", allowed: true }]);
    expect(await exposureFindings()).toEqual(["exposure-blocked 1"]);

    // In Chromium: the Exposure tab lists the paths, and the graph draws the published edge from outside.
    const executablePath = findChromium();
    if (executablePath === undefined) throw new Error("Chromium is needed: apt-get install -y chromium");
    const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}?tab=exposure`);
      const rows = page.getByTestId("exposure-path");
      await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(3);
      expect(await page.getByTestId("exposure-reach").allTextContents()).toEqual([
        "restricted",
        "denied",
        "denied",
      ]);
      expect(await rows.first().textContent()).toContain("ingress-nginx/controller: may connect");
      if (process.env.TRUSTMAP_SCREENSHOTS !== undefined)
        await page.screenshot({
          path: `${process.env.TRUSTMAP_SCREENSHOTS}/exposure-tab.png`,
          fullPage: true,
        });

      const outside = placed.edges!.find((edge) => edge.source === "outside")!;
      await page.goto(`${server.url}?bench=1&view=${encodeURIComponent(key)}`);
      const drawn = () =>
        page.evaluate((id) => {
          const cy = (
            globalThis as unknown as {
              trustmapGraph: {
                cy: {
                  getElementById(id: string): {
                    empty(): boolean;
                    data(key: string): unknown;
                    style(key: string): unknown;
                  };
                };
              };
            }
          ).trustmapGraph.cy;
          const element = cy.getElementById(`published:${id}`);
          return element.empty()
            ? undefined
            : { label: element.data("portsText"), line: element.style("line-style") };
        }, outside.id);
      await expect.poll(drawn, { timeout: 20_000 }).toEqual({ label: "Service/shop/web", line: "dashed" });
      if (process.env.TRUSTMAP_SCREENSHOTS !== undefined)
        await page.screenshot({
          path: `${process.env.TRUSTMAP_SCREENSHOTS}/exposure-graph.png`,
          fullPage: true,
        });
    } finally {
      await browser.close();
    }
  });

  it("the Gateway API's kinds: absent until their CRDs are installed, then a route through a Gateway's pods", async () => {
    expect(await plane.installGatewayCrds()).toEqual([
      "gateways.gateway.networking.k8s.io",
      "httproutes.gateway.networking.k8s.io",
      "grpcroutes.gateway.networking.k8s.io",
      "tlsroutes.gateway.networking.k8s.io",
      "tcproutes.gateway.networking.k8s.io",
      "udproutes.gateway.networking.k8s.io",
    ]);
    await post("/api/v1/namespaces/edge/pods", {
      metadata: { name: "gw-proxy", labels: { "gateway.networking.k8s.io/gateway-name": "gw" } },
      spec: { containers: [{ name: "proxy", image: "proxy:1" }] },
    });
    await post(`${GATEWAY}/namespaces/edge/gateways`, {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "gw" },
      spec: {
        gatewayClassName: "example",
        listeners: [
          { name: "web", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } },
        ],
      },
    });
    await post(`${GATEWAY}/namespaces/shop/httproutes`, {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "web" },
      spec: {
        parentRefs: [{ name: "gw", namespace: "edge" }],
        hostnames: ["www.example.com"],
        rules: [
          {
            matches: [{ path: { type: "PathPrefix", value: "/shop" } }],
            backendRefs: [{ name: "web", port: 80 }],
          },
        ],
      },
    });
    const routed = await eventually(
      "the HTTPRoute to reach /api/exposure",
      () => exposure({ namespace: "shop" }),
      (answer) => answer.paths.some((path) => path.via === "HTTPRoute/shop/web"),
    );
    const path = routed.paths.find((p) => p.via === "HTTPRoute/shop/web")!;
    expect(brief(path)).toBe(
      "HTTPRoute/shop/web | Gateway edge/gw listener web (HTTP 80) http://www.example.com/shop | shop/web TCP 8080 | controller | denied",
    );
    // shop admits its own namespace and ingress-nginx: not the Gateway's pods in edge.
    expect(path.controllers).toEqual([{ workload: "edge/gw-proxy", allowed: false }]);
    expect(await exposureFindings()).toEqual(["exposure-blocked 1", "exposure-controller-blocked 1"]);
  });
});
