import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  AuthSession,
  CanIAnswer,
  ClusterInfo,
  EvidenceReport,
  FindingsPage,
  GapsAnswer,
  MatrixPage,
  NodeDetails,
  nodeNamespace,
  Reach,
  SearchAnswer,
  WhoCanAnswer,
} from "@trustmap/shared";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, findChromium } from "../export/chromium";
import { jsonLogger } from "../log";
import { bffPath } from "../paths";
import type { RunningServer } from "../server";
import { eventually } from "../testing/bundle";
import { type ControlPlane, startControlPlane } from "../testing/control-plane";
import { CookieJar } from "../testing/cookie-jar";
import { serveKubernetes } from "../testing/serve";
import { StreamClient } from "../testing/sse-client";
import { authSettings } from "./config";

// Each user sees only what the real API server lets them list (SubjectAccessReview): a service
// account bound in team-a alone sees team-a alone, in the namespace list, the stream and search,
// and is refused the cluster-wide answers; a cluster reader sees everything; removing the
// RoleBinding takes team-a away from an open session within seconds.

type Json = Record<string, unknown>;
const root = fileURLToPath(new URL("../../../../", import.meta.url));
let plane: ControlPlane;
let server: RunningServer;

const READS = {
  "": ["pods", "serviceaccounts"],
  "networking.k8s.io": ["networkpolicies"],
  "rbac.authorization.k8s.io": ["roles", "rolebindings"],
};
const rules = (extra: Record<string, string[]> = {}) =>
  [...new Set([...Object.keys(READS), ...Object.keys(extra)])].map((group) => ({
    apiGroups: [group],
    resources: [...new Set([...(READS[group as keyof typeof READS] ?? []), ...(extra[group] ?? [])])],
    verbs: ["list", "watch"],
  }));

async function tokenOf(namespace: string, account: string): Promise<string> {
  const answer = (await plane.request(
    "POST",
    `/api/v1/namespaces/${namespace}/serviceaccounts/${account}/token`,
    {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: { expirationSeconds: 3600 },
    },
  )) as { status: { token: string } };
  return answer.status.token;
}

const RBAC = "/apis/rbac.authorization.k8s.io/v1";

beforeAll(async () => {
  plane = await startControlPlane({ controllerManager: false });
  const post = (path: string, body: Json) => plane.request("POST", path, body);
  for (const ns of ["team-a", "team-b", "team-c"]) {
    await post("/api/v1/namespaces", { metadata: { name: ns } });
    await post(`/api/v1/namespaces/${ns}/pods`, {
      metadata: { name: "web-1", labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "web:1" }] },
    });
  }
  // team-a's web admits team-b: team-a's view draws team-b as a peer, which alice may not see.
  await post("/apis/networking.k8s.io/v1/namespaces/team-a/networkpolicies", {
    metadata: { name: "from-team-b" },
    spec: {
      podSelector: {},
      ingress: [
        { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "team-b" } } }] },
      ],
    },
  });
  await post("/api/v1/namespaces/team-a/serviceaccounts", { metadata: { name: "alice" } });
  await post("/api/v1/namespaces/team-c/serviceaccounts", { metadata: { name: "auditor" } });
  await post(`${RBAC}/namespaces/team-a/roles`, { metadata: { name: "reader" }, rules: rules() });
  await post(`${RBAC}/namespaces/team-a/rolebindings`, {
    metadata: { name: "alice-reads" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "reader" },
    subjects: [{ kind: "ServiceAccount", name: "alice", namespace: "team-a" }],
  });
  // team-a's deployer may exec into team-a's pods (a RoleBinding alice may list) and read every
  // secret of the cluster (a ClusterRoleBinding she may not): her answers rate it on the first alone.
  await post("/api/v1/namespaces/team-a/serviceaccounts", { metadata: { name: "deployer" } });
  await post(`/api/v1/namespaces/team-a/pods`, {
    metadata: { name: "deploy-1", labels: { app: "deploy" } },
    spec: { serviceAccountName: "deployer", containers: [{ name: "deploy", image: "deploy:1" }] },
  });
  await post(`${RBAC}/namespaces/team-a/roles`, {
    metadata: { name: "exec" },
    rules: [{ apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] }],
  });
  await post(`${RBAC}/namespaces/team-a/rolebindings`, {
    metadata: { name: "deployer-exec" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "exec" },
    subjects: [{ kind: "ServiceAccount", name: "deployer", namespace: "team-a" }],
  });
  // bob may list team-b's Roles and RoleBindings, nothing else: its RBAC, not its pods.
  await post("/api/v1/namespaces/team-b/serviceaccounts", { metadata: { name: "bob" } });
  await post(`${RBAC}/namespaces/team-b/roles`, {
    metadata: { name: "rbac-reader" },
    rules: [
      {
        apiGroups: ["rbac.authorization.k8s.io"],
        resources: ["roles", "rolebindings"],
        verbs: ["list", "watch"],
      },
    ],
  });
  await post(`${RBAC}/namespaces/team-b/rolebindings`, {
    metadata: { name: "bob-reads-rbac" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "rbac-reader" },
    subjects: [{ kind: "ServiceAccount", name: "bob", namespace: "team-b" }],
  });
  await post(`${RBAC}/clusterroles`, {
    metadata: { name: "secret-reader" },
    rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }],
  });
  await post(`${RBAC}/clusterrolebindings`, {
    metadata: { name: "deployer-secrets" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "secret-reader" },
    subjects: [{ kind: "ServiceAccount", name: "deployer", namespace: "team-a" }],
  });
  await post(`${RBAC}/clusterroles`, {
    metadata: { name: "cluster-reader" },
    rules: rules({
      "": ["namespaces"],
      "rbac.authorization.k8s.io": ["roles", "rolebindings", "clusterroles", "clusterrolebindings"],
    }),
  });
  await post(`${RBAC}/clusterrolebindings`, {
    metadata: { name: "auditor-reads" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-reader" },
    subjects: [{ kind: "ServiceAccount", name: "auditor", namespace: "team-c" }],
  });
  server = await serveKubernetes(plane.kubeconfigPath, {
    logger: jsonLogger(() => {}, "error"),
    auth: authSettings({ auth: "token" }, {}, { host: "127.0.0.1", cluster: true }),
  });
  await eventually(
    "the BFF to have listed the cluster",
    async () => (await server.live.query("namespaces", {})).map((n) => n.name),
    (list) => list.includes("team-c"),
  );
  await eventually(
    "the BFF to have seen the deployer's rights",
    async () => (await server.live.query("matrix", { offset: 0, limit: 1000 })).rows.map((r) => r.ref),
    (refs) => refs.includes("ServiceAccount/team-a/deployer"),
  );
}, 180_000);

/**
 * What alice may not read, named: team-b's and team-c's objects, the ClusterRoles and their
 * bindings. (Her own policy's name and selector name team-b: that text is hers to read.)
 */
const HIDDEN =
  /team-b\/|\/team-b|ns:team-b|team-c|deployer-secrets|secret-reader|auditor|cluster-reader|ClusterRoleBinding/;

afterAll(async () => {
  await server?.close();
  await plane?.stop();
});

async function viewer(namespace: string, account: string): Promise<CookieJar> {
  const jar = new CookieJar(server.url);
  await jar.logIn(await tokenOf(namespace, account));
  return jar;
}

async function names(jar: CookieJar): Promise<string[]> {
  const body = (await (await jar.fetch("/api/namespaces")).json()) as { namespaces: { name: string }[] };
  return body.namespaces.map((n) => n.name);
}

describe("per-user scoping", () => {
  it("shows a user bound in team-a only team-a, says what is hidden, and refuses the cluster-wide answers", async () => {
    const alice = await viewer("team-a", "alice");
    const session = await alice.session();
    expect(session.access).toEqual({
      cluster: false,
      namespaces: ["team-a"],
      rbac: ["team-a"],
      hidden: expect.any(Number),
      clusterPolicies: false,
      exposure: false,
    });
    expect(session.access!.hidden).toBeGreaterThanOrEqual(3);
    expect(await names(alice)).toEqual(["team-a"]);

    // The stream: team-a's view, team-b's peer node withheld and counted.
    const stream = await StreamClient.connect(server.url, ["namespace:team-a"], { headers: alice.header() });
    try {
      await stream.until(
        () => stream.views.has("namespace:team-a") && stream.events.some((e) => e.event === "withheld"),
      );
      const view = stream.views.get("namespace:team-a")!;
      expect(view.nodes.size).toBeGreaterThan(0);
      for (const id of view.nodes.keys()) expect([null, "team-a"]).toContain(nodeNamespace(id));
      expect(stream.events.find((e) => e.event === "withheld")?.data).toEqual({
        view: "namespace:team-a",
        nodes: 1,
        namespaces: session.access!.hidden,
      });
    } finally {
      stream.close();
    }

    // The matrix: the grants of RoleBindings in team-a to Roles beside them, nothing else.
    const matrix = MatrixPage.parse(await (await alice.fetch("/api/rbac")).json());
    expect(matrix.rows.map((row) => row.ref).sort()).toEqual([
      "ServiceAccount/team-a/alice",
      "ServiceAccount/team-a/deployer",
    ]);
    const grants = matrix.rows.flatMap((row) => row.cells.flatMap((cell) => cell.grants));
    expect(new Set(grants.map((grant) => `${grant.binding} ${grant.role}`))).toEqual(
      new Set([
        "RoleBinding/team-a/alice-reads Role/team-a/reader",
        "RoleBinding/team-a/deployer-exec Role/team-a/exec",
      ]),
    );
    const csv = await (await alice.fetch("/api/export/rbac.csv")).text();
    expect(csv).toContain("alice-reads");
    expect(csv).not.toMatch(HIDDEN);
    expect(csv).not.toMatch(/system:/);

    // The counts and the findings: team-a's objects alone, and the findings about what she may list.
    const cluster = ClusterInfo.parse(await (await alice.fetch("/api/cluster")).json());
    expect(cluster.counts).toMatchObject({
      namespaces: 1,
      pods: 2,
      networkPolicies: 1,
      bindings: 2,
      subjects: 2,
    });
    const findings = FindingsPage.parse(await (await alice.fetch("/api/findings?limit=1000")).json());
    expect(findings.total).toBeGreaterThan(0);
    expect(findings.total).toBe(cluster.counts.findings);
    for (const finding of findings.findings)
      for (const ref of finding.objects) expect(ref.split("/")[1]).toBe("team-a");
    expect(JSON.stringify(findings)).not.toMatch(HIDDEN);
    // The deployer's right she may see is listed, rated as a namespace's right (the cluster-wide
    // secrets it also holds are not hers to see).
    const exec = findings.findings.find((f) => f.id === "rbac-exec-pods");
    expect(exec?.objects).toEqual([
      "ServiceAccount/team-a/deployer",
      "RoleBinding/team-a/deployer-exec",
      "Role/team-a/exec",
    ]);
    expect(findings.findings.some((f) => f.id === "rbac-read-secrets")).toBe(false);
    expect((await alice.fetch("/api/findings?namespace=team-b")).status).toBe(403);

    // The gaps: the same findings, grouped and ranked on what she may see.
    const gapsResponse = await alice.fetch("/api/gaps?fixLimit=100");
    const gaps = GapsAnswer.parse(await gapsResponse.json());
    expect(gaps.total).toBe(findings.total);
    expect(JSON.stringify(gaps)).not.toMatch(HIDDEN);
    const auditor = await viewer("team-c", "auditor");
    const whole = GapsAnswer.parse(await (await auditor.fetch("/api/gaps?fixLimit=500")).json());
    const entry = (answer: GapsAnswer) =>
      answer.fixFirst.items.find((item) => item.name.includes("deployer") && item.kind === "subject");
    expect(entry(gaps)?.severity).toBe("medium");
    expect(entry(whole)?.severity).toBe("high");

    // Every export: the report in each format holds team-a alone and says what is withheld.
    const report = EvidenceReport.parse(await (await alice.fetch("/api/export/report.json")).json());
    expect(report.meta.scope).toEqual({ kind: "namespaces", namespaces: ["team-a"] });
    expect(report.meta.access).toMatchObject({
      user: "system:serviceaccount:team-a:alice",
      hidden: session.access!.hidden,
    });
    expect(report.counts).toMatchObject({ namespaces: 1, pods: 2, networkPolicies: 1 });
    expect(report.findings.length).toBe(findings.total);
    expect(report.rbac.map((row) => row.ref)).toEqual(["ServiceAccount/team-a/deployer"]);
    for (const node of report.graph.nodes) expect([null, "team-a"]).toContain(nodeNamespace(node.id));
    const { meta: _meta, ...sections } = report;
    expect(JSON.stringify(sections)).not.toMatch(HIDDEN);
    for (const format of ["csv", "sarif"]) {
      const text = await (await alice.fetch(`/api/export/report.${format}`)).text();
      expect(text, format).toContain("deployer-exec");
      expect(text.replaceAll(/"scope": "[^"]*"/g, ""), format).not.toMatch(HIDDEN);
    }
    expect(await (await alice.fetch("/api/export/report.sarif")).text()).toContain(
      "Namespace team-a (as system:serviceaccount:team-a:alice may read it)",
    );

    // The namespace's panel: its findings and its accounts' rights as she may read them.
    const details = NodeDetails.parse(await (await alice.fetch("/api/nodes/ns:team-a")).json());
    expect(details.serviceAccounts.find((a) => a.ref === "ServiceAccount/team-a/deployer")).toEqual({
      ref: "ServiceAccount/team-a/deployer",
      risks: ["rbac-exec-pods"],
      rights: 1,
    });
    expect(JSON.stringify(details)).not.toMatch(HIDDEN);

    // The RBAC questions and reachability: what she may see.
    const whoCan = WhoCanAnswer.parse(
      await (await alice.fetch("/api/rbac/who-can?verb=create&resource=pods/exec&namespace=team-a")).json(),
    );
    expect(whoCan.subjects.map((s) => s.ref)).toEqual(["ServiceAccount/team-a/deployer"]);
    const secrets = WhoCanAnswer.parse(
      await (await alice.fetch("/api/rbac/who-can?verb=get&resource=secrets&namespace=team-a")).json(),
    );
    expect(secrets.total).toBe(0);
    const canI = CanIAnswer.parse(
      await (await alice.fetch("/api/rbac/can-i?subject=ServiceAccount/team-a/deployer")).json(),
    );
    expect(canI.rules.map((rule) => rule.binding)).toEqual(["RoleBinding/team-a/deployer-exec"]);
    expect((await alice.fetch("/api/rbac/can-i?subject=ServiceAccount/team-c/auditor")).status).toBe(404);
    const reach = Reach.parse(
      await (await alice.fetch("/api/reach?node=ns:team-a&direction=in&blocked=true&limit=100")).json(),
    );
    expect(reach.peers.some((peer) => peer.peer.namespace === "team-a")).toBe(true);
    for (const peer of reach.peers) expect([undefined, "team-a"]).toContain(peer.peer.namespace);
    const search = SearchAnswer.parse(await (await alice.fetch("/api/search?q=web")).json());
    expect(new Set(search.hits.map((hit) => hit.namespace))).toEqual(new Set(["team-a"]));

    for (const path of [
      "/api/stream?view=overview",
      "/api/stream?view=namespace:team-b",
      "/api/view?view=namespace:team-b",
      "/api/nodes/ns:team-b",
      "/api/rbac?namespace=team-b",
      "/api/gaps?namespace=team-b",
      "/api/export/report.json?namespace=team-b",
      "/api/export/page.png?page=gaps&query=ns%3Dteam-b",
      "/api/reach?node=ns:team-b&direction=in",
      "/api/groupings",
      "/api/metrics",
    ]) {
      const response = await alice.fetch(path);
      expect(response.status, path).toBe(403);
      expect(((await response.json()) as { error: string }).error, path).toMatch(/your access covers team-a/);
    }
  });

  it("shows it in Chromium: the login page, team-a's graph, the access and what is withheld", async () => {
    execFileSync(process.execPath, ["scripts/build.mjs", "web"], { cwd: root, stdio: "ignore" });
    const served = await serveKubernetes(plane.kubeconfigPath, {
      logger: jsonLogger(() => {}, "error"),
      webRoot: bffPath("../web/dist"),
      auth: authSettings({ auth: "token" }, {}, { host: "127.0.0.1", cluster: true }),
    });
    const executablePath = findChromium();
    if (executablePath === undefined) throw new Error("Chromium is needed: apt-get install -y chromium");
    const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage();
      await page.goto(served.url);
      await page.getByLabel("Bearer token").fill(await tokenOf("team-a", "alice"));
      await page.getByRole("button", { name: "Log in" }).click();
      await expect
        .poll(() => page.getByTestId("access").textContent(), { timeout: 30_000 })
        .toMatch(/reads team-a · \d+ namespaces hidden by your access/);
      // The graph opens team-a's view (the cluster's is not alice's), team-b's peer withheld and said.
      await expect
        .poll(() => page.getByTestId("view-revision").textContent(), { timeout: 30_000 })
        .toMatch(/team-a/);
      await expect
        .poll(() => page.getByTestId("withheld").textContent(), { timeout: 30_000 })
        .toMatch(/^1 node of namespaces hidden by your access is not drawn/);
      await page.getByRole("tab", { name: "RBAC matrix" }).click();
      // The matrix: the grants of the RoleBindings she may list, and what it leaves out said.
      await expect
        .poll(() => page.getByTestId("rbac-total").textContent(), { timeout: 30_000 })
        .toBe("2 subjects");
      await expect
        .poll(() => page.getByTestId("rbac-table").textContent(), { timeout: 30_000 })
        .toContain("alice");
      await expect
        .poll(() => page.getByTestId("access-note").first().textContent(), { timeout: 30_000 })
        .toMatch(
          /ClusterRoles and ClusterRoleBindings are not yours to read \(\d+ namespaces hidden by your access\)/,
        );
      // The gaps: team-a's findings, the deployer's exec right among them, and what is left out said.
      await page.getByRole("tab", { name: "Gaps" }).click();
      await expect
        .poll(() => page.getByTestId("access-note").first().textContent(), { timeout: 30_000 })
        .toMatch(/^Findings about what you may read only/);
      await expect
        .poll(() => page.getByText(/deployer-exec/).count(), { timeout: 30_000 })
        .toBeGreaterThan(0);
      expect(await page.getByText(/team-b|deployer-secrets/).count()).toBe(0);

      // The PDF is printed as alice: team-a alone, and the cover says whose report it is.
      const jar = new CookieJar(served.url);
      await jar.logIn(await tokenOf("team-a", "alice"));
      const pdf = await jar.fetch("/api/export/report.pdf");
      expect(pdf.status).toBe(200);
      const file = path.join(mkdtempSync(path.join(tmpdir(), "trustmap-scope-")), "report.pdf");
      writeFileSync(file, Buffer.from(await pdf.arrayBuffer()));
      const text = execFileSync("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8" }).replace(
        /\s+/g,
        " ",
      );
      expect(text).toContain("Namespace team-a (as system:serviceaccount:team-a:alice may read it)");
      expect(text).toMatch(
        /Made for system:serviceaccount:team-a:alice, who may not read the whole cluster: \d+ namespaces hidden by their access/,
      );
      expect(text).toContain("deployer-exec");
      expect(text.match(HIDDEN)?.[0]).toBeUndefined();
      // A page screenshot is of the page as alice sees it.
      const png = await jar.fetch("/api/export/page.png?page=gaps");
      expect(png.status).toBe(200);
      expect(
        Buffer.from(await png.arrayBuffer())
          .subarray(1, 4)
          .toString(),
      ).toBe("PNG");
    } finally {
      await browser.close();
      await served.close();
    }
  });

  it("shows a user who may list a namespace's RBAC only that: its matrix, not its pods", async () => {
    const bob = await viewer("team-b", "bob");
    const session = await bob.session();
    expect(session.access).toMatchObject({ cluster: false, namespaces: [], rbac: ["team-b"] });
    expect(await names(bob)).toEqual([]);
    const matrix = MatrixPage.parse(await (await bob.fetch("/api/rbac")).json());
    expect(matrix.rows.map((row) => row.ref)).toEqual(["ServiceAccount/team-b/bob"]);
    expect(
      new Set(matrix.rows.flatMap((row) => row.cells.flatMap((cell) => cell.grants.map((g) => g.binding)))),
    ).toEqual(new Set(["RoleBinding/team-b/bob-reads-rbac"]));
    const cluster = ClusterInfo.parse(await (await bob.fetch("/api/cluster")).json());
    expect(cluster.counts).toMatchObject({
      namespaces: 1,
      pods: 0,
      networkPolicies: 0,
      bindings: 1,
      subjects: 1,
    });
    const findings = FindingsPage.parse(await (await bob.fetch("/api/findings?limit=1000")).json());
    for (const finding of findings.findings)
      for (const ref of finding.objects) expect(ref).toMatch(/^(Role|RoleBinding|ServiceAccount)\/team-b\//);
    const report = EvidenceReport.parse(
      await (await bob.fetch("/api/export/report.json?namespace=team-b")).json(),
    );
    expect(report.counts).toMatchObject({ namespaces: 1, pods: 0, networkPolicies: 0 });
    expect(report.graph.nodes).toEqual([]);
    expect(report.meta.access?.text).toMatch(
      /They may read the pods and policies of no namespace, and the RBAC of team-b\.$/,
    );
    for (const path of [
      "/api/stream?view=namespace:team-b",
      "/api/nodes/ns:team-b",
      "/api/rbac?namespace=team-a",
    ]) {
      const response = await bob.fetch(path);
      expect(response.status, path).toBe(403);
      expect(((await response.json()) as { error: string }).error, path).toMatch(
        /your access covers RBAC only of team-b/,
      );
    }
  });

  it("shows a cluster reader everything", async () => {
    const auditor = await viewer("team-c", "auditor");
    const session = await auditor.session();
    // Their ClusterRole lists no cluster-wide network policy, no Service and no Ingress: the whole
    // picture still, with what such policies decide told without their names; the paths of what is
    // published are not theirs.
    expect(session.access).toMatchObject({
      cluster: true,
      hidden: 0,
      clusterPolicies: false,
      exposure: false,
    });
    expect((await auditor.fetch("/api/exposure")).status).toBe(403);
    expect(await names(auditor)).toEqual(expect.arrayContaining(["team-a", "team-b", "team-c"]));
    expect((await auditor.fetch("/api/rbac")).status).toBe(200);
    expect((await auditor.fetch("/api/export/report.json")).status).toBe(200);
  });

  it("takes team-a away from an open session within seconds when the RoleBinding goes", async () => {
    const alice = await viewer("team-a", "alice");
    const stream = await StreamClient.connect(server.url, ["namespace:team-a"], { headers: alice.header() });
    await stream.until(() => stream.views.has("namespace:team-a"));
    const started = Date.now();
    await plane.request("DELETE", `${RBAC}/namespaces/team-a/rolebindings/alice-reads`);
    await stream.until(() => stream.ended, 20_000, "the stream to end");
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(10);
    const refused = await alice.fetch("/api/stream?view=namespace:team-a");
    expect(refused.status).toBe(403);
    await eventually(
      "the session to say alice may read nothing",
      async () => (await alice.session()).access,
      (access) => access?.namespaces.length === 0,
    );
    expect(await names(alice)).toEqual([]);

    // The binding made again gives team-a back.
    await plane.request("POST", `${RBAC}/namespaces/team-a/rolebindings`, {
      metadata: { name: "alice-reads" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "reader" },
      subjects: [{ kind: "ServiceAccount", name: "alice", namespace: "team-a" }],
    });
    await eventually(
      "the session to say alice may read team-a again",
      async () => (await alice.session()).access,
      (access) => access?.namespaces.join() === "team-a",
    );
  });
});

describe("per-user scoping behind an authenticating proxy", () => {
  it("asks the same reviews for the user and groups the proxy names, and narrows every answer the same way", async () => {
    const proxied = await serveKubernetes(plane.kubeconfigPath, {
      logger: jsonLogger(() => {}, "error"),
      auth: authSettings(
        { auth: "header", "auth-proxy": ["127.0.0.1", "::1"] },
        {},
        { host: "127.0.0.1", cluster: true },
      ),
    });
    try {
      await proxied.live.whenIdle();
      const ask = async (user: string, groups: string[]) => {
        const headers = new Headers({ "X-Remote-User": user });
        for (const group of groups) headers.append("X-Remote-Group", group);
        const session = AuthSession.parse(
          await (await fetch(`${proxied.url}api/auth/session`, { headers })).json(),
        );
        const list = (await (await fetch(`${proxied.url}api/namespaces`, { headers })).json()) as {
          namespaces: { name: string }[];
        };
        return { access: session.access, names: list.namespaces.map((n) => n.name) };
      };
      const auditor = await ask("system:serviceaccount:team-c:auditor", ["system:serviceaccounts"]);
      expect(auditor.access?.cluster).toBe(true);
      expect(auditor.names).toEqual(expect.arrayContaining(["team-a", "team-b", "team-c"]));
      const stranger = await ask("mallory", ["developers"]);
      expect(stranger.access).toMatchObject({ cluster: false, namespaces: [] });
      expect(stranger.names).toEqual([]);

      // alice through the proxy gets what she gets with her token: team-a, in every answer.
      const alice = new Headers({ "X-Remote-User": "system:serviceaccount:team-a:alice" });
      for (const group of ["system:serviceaccounts", "system:serviceaccounts:team-a"])
        alice.append("X-Remote-Group", group);
      const get = async (path: string) => {
        const response = await fetch(`${proxied.url}${path.slice(1)}`, { headers: alice });
        expect(response.status, path).toBe(200);
        return response.json();
      };
      expect((await ask("system:serviceaccount:team-a:alice", ["system:serviceaccounts"])).names).toEqual([
        "team-a",
      ]);
      const matrix = MatrixPage.parse(await get("/api/rbac"));
      expect(matrix.rows.map((row) => row.ref).sort()).toEqual([
        "ServiceAccount/team-a/alice",
        "ServiceAccount/team-a/deployer",
      ]);
      const gaps = GapsAnswer.parse(await get("/api/gaps"));
      expect(gaps.total).toBeGreaterThan(0);
      expect(JSON.stringify(gaps)).not.toMatch(HIDDEN);
      const report = EvidenceReport.parse(await get("/api/export/report.json"));
      expect(report.meta.scope).toEqual({ kind: "namespaces", namespaces: ["team-a"] });
      expect(report.findings.length).toBe(gaps.total);
      // Without the proxy's headers: 401 and no data.
      const anonymous = await fetch(`${proxied.url}api/gaps`);
      expect(anonymous.status).toBe(401);
      expect(Object.keys((await anonymous.json()) as object)).toEqual(["error"]);
    } finally {
      await proxied.close();
    }
  });
});
