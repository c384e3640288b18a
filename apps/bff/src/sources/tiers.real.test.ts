import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { formatInputError, parseCluster } from "@trustmap/engine";
import { ANY_NODE_ID, Explanation, podNodeId, viewKey } from "@trustmap/shared";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, findChromium } from "../export/chromium";
import { bffPath } from "../paths";
import type { RunningServer } from "../server";
import { eventually } from "../testing/bundle";
import { type ControlPlane, startControlPlane } from "../testing/control-plane";
import { serveKubernetes } from "../testing/serve";
import { StreamClient } from "../testing/sse-client";

// The admin and baseline tiers read from a real kube-apiserver: with no CRDs the cluster has none
// (not an error); once the network policy API's CRDs are installed, objects made through the API
// reach the explanation and the graph live, and the CRDs refuse what Trustmap's reader refuses.

const POLICY = "/apis/policy.networking.k8s.io";
const ANP = `${POLICY}/v1alpha1/adminnetworkpolicies`;
const BANP = `${POLICY}/v1alpha1/baselineadminnetworkpolicies`;
const CNP = `${POLICY}/v1alpha2/clusternetworkpolicies`;
const CLIENT = podNodeId("a", "client");
const SERVER = podNodeId("b", "server");

let plane: ControlPlane;
let server: RunningServer;
const root = fileURLToPath(new URL("../../../../", import.meta.url));

beforeAll(async () => {
  execFileSync(process.execPath, ["scripts/build.mjs", "web"], { cwd: root, stdio: "ignore" });
  plane = await startControlPlane({ controllerManager: false });
  for (const name of ["a", "b"]) await plane.request("POST", "/api/v1/namespaces", { metadata: { name } });
  await plane.request("POST", "/api/v1/namespaces/a/pods", {
    metadata: { name: "client", labels: { app: "client" } },
    spec: { containers: [{ name: "client", image: "client:1" }] },
  });
  await plane.request("POST", "/api/v1/namespaces/b/pods", {
    metadata: { name: "server", labels: { app: "server" } },
    spec: {
      containers: [
        {
          name: "server",
          image: "server:1",
          ports: [
            { name: "ssh", containerPort: 22 },
            { name: "http", containerPort: 8080 },
          ],
        },
      ],
    },
  });
  // b's own policy admits everything: what changes below, the tiers change.
  await plane.request("POST", "/apis/networking.k8s.io/v1/namespaces/b/networkpolicies", {
    metadata: { name: "allow-all" },
    spec: { podSelector: {}, ingress: [{}] },
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

async function explain(from: string, to: string): Promise<Explanation> {
  const url = new URL("/api/explain", server.url);
  url.searchParams.set("from", from);
  url.searchParams.set("to", to);
  const response = await fetch(url);
  if (response.status !== 200)
    throw new Error(`explain answered ${response.status}: ${await response.text()}`);
  return Explanation.parse(await response.json());
}

describe("admin and baseline tiers from a live API server", () => {
  it("without the CRDs: connected, nothing tiered; with them: the policies made through the API decide, in the explanation and the graph, live", async () => {
    // No CRD is installed: the source is connected, and no side has a tier.
    await eventually(
      "the source to connect",
      async () => (await (await fetch(new URL("/api/health", server.url))).json()) as { connected: boolean },
      (health) => health.connected,
    );
    const before = await eventually(
      "the pods to reach the engine",
      () => explain(CLIENT, SERVER).catch(() => undefined),
      (answer) => answer !== undefined,
    );
    expect(before!.ports).toBe("all");
    expect(before!.pairs[0]!.ingress.decidedBy).toBeUndefined();

    expect(await plane.installPolicyCrds()).toEqual([
      "adminnetworkpolicies.policy.networking.k8s.io",
      "baselineadminnetworkpolicies.policy.networking.k8s.io",
      "clusternetworkpolicies.policy.networking.k8s.io",
    ]);
    // An admin Deny on b's named port ssh for traffic from a, and a baseline that denies what
    // NetworkPolicy leaves (b's allow-all overrides it), and an admin Accept of tcp/9090.
    await plane.request("POST", ANP, {
      apiVersion: "policy.networking.k8s.io/v1alpha1",
      kind: "AdminNetworkPolicy",
      metadata: { name: "no-ssh-from-a" },
      spec: {
        priority: 10,
        subject: { namespaces: { matchLabels: { "kubernetes.io/metadata.name": "b" } } },
        ingress: [
          {
            name: "deny-ssh",
            action: "Deny",
            from: [{ namespaces: { matchLabels: { "kubernetes.io/metadata.name": "a" } } }],
            ports: [{ namedPort: "ssh" }],
          },
        ],
      },
    });
    await plane.request("POST", BANP, {
      apiVersion: "policy.networking.k8s.io/v1alpha1",
      kind: "BaselineAdminNetworkPolicy",
      metadata: { name: "default" },
      spec: { subject: { namespaces: {} }, ingress: [{ action: "Deny", from: [{ namespaces: {} }] }] },
    });
    await plane.request("POST", CNP, {
      apiVersion: "policy.networking.k8s.io/v1alpha2",
      kind: "ClusterNetworkPolicy",
      metadata: { name: "client-metrics" },
      spec: {
        tier: "Admin",
        priority: 20,
        subject: { namespaces: { matchLabels: { "kubernetes.io/metadata.name": "a" } } },
        egress: [
          {
            action: "Deny",
            to: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: "server" } } } }],
            protocols: [{ tcp: { destinationPort: { number: 9090 } } }],
          },
        ],
      },
    });

    // The explanation names the tier, the policy and the rule.
    const after = await eventually(
      "the admin policy to reach the explanation",
      () => explain(CLIENT, SERVER),
      (answer) =>
        answer.pairs[0]?.ingress.decidedBy !== undefined && answer.pairs[0]?.egress.decidedBy !== undefined,
    );
    const pair = after.pairs[0]!;
    expect(pair.ingress.decidedBy![0]).toEqual({
      tier: "admin",
      policy: "AdminNetworkPolicy/no-ssh-from-a",
      rule: 0,
      ruleName: "deny-ssh",
      action: "deny",
      ports: [{ protocol: "TCP", port: 22 }],
    });
    expect(pair.ingress.decidedBy![1]).toMatchObject({
      tier: "networkpolicy",
      policy: "b/allow-all",
      action: "allow",
    });
    expect(pair.egress.decidedBy![0]).toEqual({
      tier: "admin",
      policy: "ClusterNetworkPolicy/client-metrics",
      rule: 0,
      action: "deny",
      ports: [{ protocol: "TCP", port: 9090 }],
    });
    expect(after.ports).toEqual([
      { protocol: "TCP", port: 1, endPort: 21 },
      { protocol: "TCP", port: 23, endPort: 9089 },
      { protocol: "TCP", port: 9091, endPort: 65535 },
      { protocol: "UDP" },
      { protocol: "SCTP" },
    ]);
    expect(after.summary.join(" ")).toContain(
      "admin tier: AdminNetworkPolicy/no-ssh-from-a rule 1 (deny-ssh) denies TCP 22",
    );
    // The baseline decides for a, which no NetworkPolicy selects: b may not reach it.
    const back = await explain(SERVER, CLIENT);
    expect(back.ports).toBeNull();
    expect(back.pairs[0]!.ingress.decidedBy).toEqual([
      {
        tier: "baseline",
        policy: "BaselineAdminNetworkPolicy/default",
        rule: 0,
        action: "deny",
        ports: "all",
      },
    ]);

    // The graph: b's view draws no edge of a's own into the server (only a Deny names it, and the
    // graph sums what is allowed): a's client is among "any pod", whose edge is drawn dotted, as an
    // admin or baseline rule applies to it; the explanation above is the pair's exact answer.
    const key = viewKey({ kind: "namespace", namespace: "b" });
    const client = await StreamClient.connect(server.url, [key]);
    try {
      const edges = () => [...(client.views.get(key)?.edges.values() ?? [])];
      const anyInto = () =>
        edges().find((edge) => edge.source === ANY_NODE_ID && edge.target.startsWith("wl:b/"));
      await client.until(() => anyInto() !== undefined);
      expect(anyInto()!.tiers).toBe(true);
      expect(
        edges().filter((edge) => edge.target.startsWith("wl:b/") && edge.source.startsWith("ns:a")),
      ).toEqual([]);

      // In Chromium: that edge drawn dotted, and its panel saying tier by tier what any pod gets.
      const executablePath = findChromium();
      if (executablePath === undefined) throw new Error("Chromium is needed: apt-get install -y chromium");
      const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
      try {
        const page = await browser.newPage();
        const edge = anyInto()!;
        await page.goto(
          `${server.url}?bench=1&view=${encodeURIComponent(key)}&sel=${encodeURIComponent(`edge:${edge.source} ${edge.target}`)}`,
        );
        const panel = page.getByText("Except the pods it names");
        await expect
          .poll(() => panel.textContent(), { timeout: 20_000 })
          .toBe(
            "Except the pods it names: admin tier, AdminNetworkPolicy/no-ssh-from-a rule 1 (deny-ssh) denies them TCP 22 (ask for the pair to read its whole answer).",
          );
        expect(await page.getByText("Ingress of this workload (b), tier by tier").count()).toBe(1);
        const drawn = await page.evaluate((id) => {
          const cy = (
            globalThis as unknown as {
              trustmapGraph: {
                cy: {
                  getElementById(id: string): { data(key: string): unknown; style(key: string): unknown };
                };
              };
            }
          ).trustmapGraph.cy;
          const element = cy.getElementById(id);
          return { tiers: element.data("tiers"), line: element.style("line-style") };
        }, edge.id);
        expect(drawn).toEqual({ tiers: true, line: "dotted" });
        if (process.env.TRUSTMAP_SCREENSHOTS !== undefined)
          await page.screenshot({
            path: `${process.env.TRUSTMAP_SCREENSHOTS}/tiers-graph.png`,
            fullPage: true,
          });
      } finally {
        await browser.close();
      }
      expect(client.gaps).toEqual([]);
    } finally {
      client.close();
    }

    // Deleted through the API: the explanation gives 22 back, live.
    await plane.request("DELETE", `${ANP}/no-ssh-from-a`);
    const deleted = await eventually(
      "the admin policy's deletion to reach the explanation",
      () => explain(CLIENT, SERVER),
      (answer) => !JSON.stringify(answer).includes("no-ssh-from-a"),
    );
    expect(deleted.ports).toEqual([
      { protocol: "TCP", port: 1, endPort: 9089 },
      { protocol: "TCP", port: 9091, endPort: 65535 },
      { protocol: "UDP" },
      { protocol: "SCTP" },
    ]);
  });

  it("the CRDs refuse what Trustmap's reader refuses, and accept what it reads", async () => {
    await plane.installPolicyCrds();
    const bad = [
      {
        kind: "BaselineAdminNetworkPolicy",
        path: BANP,
        metadata: { name: "mine" },
        spec: { subject: { namespaces: {} } },
      },
      {
        kind: "AdminNetworkPolicy",
        path: ANP,
        metadata: { name: "too-low" },
        spec: { priority: 1001, subject: { namespaces: {} } },
      },
      {
        kind: "AdminNetworkPolicy",
        path: ANP,
        metadata: { name: "two-subjects" },
        spec: { priority: 1, subject: { namespaces: {}, pods: { namespaceSelector: {}, podSelector: {} } } },
      },
      {
        kind: "AdminNetworkPolicy",
        path: ANP,
        metadata: { name: "named-to-network" },
        spec: {
          priority: 1,
          subject: { namespaces: {} },
          egress: [{ action: "Allow", to: [{ networks: ["10.0.0.0/8"] }], ports: [{ namedPort: "http" }] }],
        },
      },
      {
        kind: "ClusterNetworkPolicy",
        path: CNP,
        metadata: { name: "allow-word" },
        spec: {
          tier: "Admin",
          priority: 1,
          subject: { namespaces: {} },
          ingress: [{ action: "Allow", from: [{ namespaces: {} }] }],
        },
      },
    ];
    for (const { path, ...object } of bad) {
      const manifest = {
        apiVersion: `policy.networking.k8s.io/${object.kind === "ClusterNetworkPolicy" ? "v1alpha2" : "v1alpha1"}`,
        ...object,
      };
      const answer = (await plane.request("POST", path, manifest, [400, 422])) as { code?: number };
      expect([object.metadata.name, answer.code]).toEqual([object.metadata.name, 422]);
      const read = parseCluster([{ source: "manifest", object: manifest }]);
      expect([object.metadata.name, read.errors.length]).not.toEqual([object.metadata.name, 0]);
    }
    // A backwards range: the v1alpha1 CRD accepts it, though the API reference says start must be
    // less than end and no implementation's reading is defined; Trustmap refuses to guess and says so.
    const backwards = {
      apiVersion: "policy.networking.k8s.io/v1alpha1",
      kind: "AdminNetworkPolicy",
      metadata: { name: "backwards" },
      spec: {
        priority: 1,
        subject: { namespaces: {} },
        ingress: [
          { action: "Deny", from: [{ namespaces: {} }], ports: [{ portRange: { start: 90, end: 80 } }] },
        ],
      },
    };
    await plane.request("POST", ANP, backwards);
    expect(parseCluster([{ source: "manifest", object: backwards }]).errors.map(formatInputError)).toEqual([
      "manifest: AdminNetworkPolicy backwards: spec.ingress[0].ports[0].portRange: start 90 is above end 80: the API reference says start must be less than end, and what a network plugin does with such a range is not defined",
    ]);
    await plane.request("DELETE", `${ANP}/backwards`);
    // What the generator's forms accept, the API server accepts too.
    const good = {
      apiVersion: "policy.networking.k8s.io/v1alpha1",
      kind: "AdminNetworkPolicy",
      metadata: { name: "every-form" },
      spec: {
        priority: 3,
        subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: "x" } } } },
        egress: [
          {
            action: "Pass",
            to: [{ networks: ["10.0.0.0/8", "::/0"] }],
            ports: [{ portRange: { protocol: "UDP", start: 5000, end: 5001 } }],
          },
          { action: "Allow", to: [{ domainNames: ["*.example.com"] }] },
          { action: "Deny", to: [{ nodes: {} }] },
        ],
      },
    };
    await plane.request("POST", ANP, good);
    expect(parseCluster([{ source: "manifest", object: good }]).errors.map(formatInputError)).toEqual([]);
  });
});
