import { ClusterState, compareRanked, type RulesOf, resourceQueryOf, whoCan } from "@trustmap/engine";
import { CanIAnswer, FindingsPage, MatrixPage, WhoCanAnswer } from "@trustmap/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../server";
import { serveObjects } from "../testing/serve";

// RBAC as a security team asks about it: an admin group, a GitOps controller with a role of its
// own that is cluster-admin in all but name, a service account limited to one named secret, a
// namespaced reader, and every service account of a namespace allowed to list pods by group.
const RBAC = "rbac.authorization.k8s.io";
const clusterRole = (name: string, rules: object[]) => ({ kind: "ClusterRole", metadata: { name }, rules });
const OBJECTS = [
  { kind: "Namespace", metadata: { name: "payments" } },
  { kind: "Namespace", metadata: { name: "argocd" } },
  { kind: "ServiceAccount", metadata: { name: "ledger", namespace: "payments" } },
  { kind: "ServiceAccount", metadata: { name: "reporter", namespace: "payments" } },
  { kind: "ServiceAccount", metadata: { name: "controller", namespace: "argocd" } },
  clusterRole("cluster-admin", [
    { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
    { nonResourceURLs: ["*"], verbs: ["*"] },
  ]),
  clusterRole("gitops", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]),
  clusterRole("pod-lister", [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }]),
  {
    kind: "Role",
    metadata: { name: "ledger-secret", namespace: "payments" },
    rules: [
      { apiGroups: [""], resources: ["secrets"], resourceNames: ["ledger-db-credentials"], verbs: ["get"] },
    ],
  },
  {
    kind: "Role",
    metadata: { name: "secret-reader", namespace: "payments" },
    rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }],
  },
  {
    kind: "ClusterRoleBinding",
    metadata: { name: "platform-admins" },
    roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "cluster-admin" },
    subjects: [{ kind: "Group", name: "platform-admins" }],
  },
  {
    kind: "ClusterRoleBinding",
    metadata: { name: "gitops" },
    roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "gitops" },
    subjects: [{ kind: "ServiceAccount", name: "controller", namespace: "argocd" }],
  },
  {
    kind: "RoleBinding",
    metadata: { name: "ledger-secret", namespace: "payments" },
    roleRef: { apiGroup: RBAC, kind: "Role", name: "ledger-secret" },
    subjects: [{ kind: "ServiceAccount", name: "ledger", namespace: "payments" }],
  },
  {
    kind: "RoleBinding",
    metadata: { name: "reporter-reads-secrets", namespace: "payments" },
    roleRef: { apiGroup: RBAC, kind: "Role", name: "secret-reader" },
    subjects: [{ kind: "ServiceAccount", name: "reporter", namespace: "payments" }],
  },
  {
    kind: "RoleBinding",
    metadata: { name: "accounts-list-pods", namespace: "payments" },
    roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "pod-lister" },
    subjects: [{ kind: "Group", name: "system:serviceaccounts:payments" }],
  },
];

let server: RunningServer;
let fresh: { state: ClusterState; rulesOf: RulesOf };
const get = async (path: string) => {
  const response = await fetch(new URL(path, server.url));
  const text = await response.text();
  return {
    status: response.status,
    text,
    body: (response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text) as unknown,
  };
};

beforeAll(async () => {
  const served = await serveObjects(OBJECTS);
  server = served.server;
  const { cluster } = served;
  const state = ClusterState.from(cluster);
  fresh = { state, rulesOf: state.rulesOf };
});

afterAll(async () => {
  await server.close();
});

describe("RBAC questions through the API", () => {
  it("answers who can get secrets in a namespace: every full-access holder first, then the rest, each traced", async () => {
    const answer = WhoCanAnswer.parse(
      (await get("/api/rbac/who-can?verb=get&resource=secrets&namespace=payments")).body,
    );
    expect(answer.question).toEqual({
      verb: "get",
      apiGroup: "",
      resource: "secrets",
      namespace: "payments",
    });
    expect(answer.subjects.map((s) => [s.ref, s.worst, s.clusterWide, s.onlyNames])).toEqual([
      ["Group/platform-admins", "critical", true, undefined],
      ["ServiceAccount/argocd/controller", "critical", true, undefined],
      ["ServiceAccount/payments/reporter", "medium", false, undefined],
      ["ServiceAccount/payments/ledger", "low", false, ["ledger-db-credentials"]],
    ]);
    expect(answer.subjects[1]!.grants).toEqual([
      {
        namespace: "*",
        binding: "ClusterRoleBinding/gitops",
        role: "ClusterRole/gitops",
        rule: 0,
        verbs: ["*"],
        apiGroups: ["*"],
        resources: ["*"],
        resourceNames: [],
        nonResourceURLs: [],
      },
    ]);
    // The same as a fresh engine's answer over the same objects.
    const engine = whoCan(
      fresh.state.rbac(),
      { verb: "get", target: resourceQueryOf("secrets"), namespace: "payments" },
      fresh.rulesOf,
    );
    expect(answer.subjects.map((s) => s.ref)).toEqual(engine.map((e) => e.ref));
    expect([...answer.subjects].sort(compareRanked)).toEqual(answer.subjects);
  });

  it("answers a named object, a cluster-wide question, an implicit group and a non-resource URL", async () => {
    const named = WhoCanAnswer.parse(
      (await get("/api/rbac/who-can?verb=get&resource=secrets&namespace=payments&name=ledger-db-credentials"))
        .body,
    );
    expect(named.subjects.find((s) => s.ref === "ServiceAccount/payments/ledger")?.onlyNames).toBeUndefined();
    const clusterWide = WhoCanAnswer.parse((await get("/api/rbac/who-can?verb=get&resource=secrets")).body);
    expect(clusterWide.subjects.map((s) => s.ref)).toEqual([
      "Group/platform-admins",
      "ServiceAccount/argocd/controller",
    ]);
    const pods = WhoCanAnswer.parse(
      (await get("/api/rbac/who-can?verb=list&resource=pods&namespace=payments")).body,
    );
    expect(pods.subjects.map((s) => s.ref)).toEqual([
      "Group/platform-admins",
      "ServiceAccount/argocd/controller",
      "ServiceAccount/payments/reporter",
      "ServiceAccount/payments/ledger",
      "Group/system:serviceaccounts:payments",
    ]);
    const metrics = WhoCanAnswer.parse(
      (await get("/api/rbac/who-can?verb=get&nonResourceURL=/metrics")).body,
    );
    expect(metrics.subjects.map((s) => s.ref)).toEqual(["Group/platform-admins"]);
  });

  it("answers what a subject may do, in a namespace, with the objects a rule is limited to", async () => {
    const ledger = CanIAnswer.parse(
      (
        await get(
          `/api/rbac/can-i?subject=${encodeURIComponent("ServiceAccount/payments/ledger")}&namespace=payments`,
        )
      ).body,
    );
    expect(ledger.rules.map((r) => [r.binding, r.resources, r.resourceNames, r.verbs, r.risks])).toEqual([
      ["RoleBinding/payments/accounts-list-pods", ["pods"], [], ["list"], []],
      [
        "RoleBinding/payments/ledger-secret",
        ["secrets"],
        ["ledger-db-credentials"],
        ["get"],
        ["rbac-read-named-secrets"],
      ],
    ]);
    const elsewhere = CanIAnswer.parse(
      (
        await get(
          `/api/rbac/can-i?subject=${encodeURIComponent("ServiceAccount/payments/ledger")}&namespace=argocd`,
        )
      ).body,
    );
    expect(elsewhere.rules).toEqual([]);
    expect((await get("/api/rbac/can-i?subject=User/nobody")).status).toBe(404);
  });

  it("filters the matrix by what the grants allow: wildcards listed with the cell that grants, the verb asked", async () => {
    const accounts = MatrixPage.parse(
      (await get("/api/rbac?subjectKind=ServiceAccount&namespace=payments&resource=secrets")).body,
    );
    expect(accounts.rows.map((r) => [r.ref, r.cells.map((c) => `${c.scope} ${c.resource}`)])).toEqual([
      ["ServiceAccount/argocd/controller", ["* */*"]],
      ["ServiceAccount/payments/reporter", ["payments core/secrets"]],
      ["ServiceAccount/payments/ledger", ["payments core/secrets"]],
    ]);
    const ledgerCell = accounts.rows[2]!.cells[0]!;
    expect(ledgerCell).toMatchObject({ namedOnly: true, resourceNames: ["ledger-db-credentials"] });
    const lists = MatrixPage.parse(
      (await get("/api/rbac?namespace=payments&resource=secrets&verb=list")).body,
    );
    expect(lists.rows.map((r) => r.ref)).toEqual([
      "Group/platform-admins",
      "ServiceAccount/argocd/controller",
      "ServiceAccount/payments/reporter",
    ]);
    // The export carries the same rows as the page.
    const exported = (await get("/api/export/rbac.json?namespace=payments&resource=secrets&verb=list"))
      .body as {
      rows: unknown;
    };
    expect(exported.rows).toEqual(lists.rows);
    const all = MatrixPage.parse((await get("/api/rbac")).body);
    expect(all.rows.slice(0, 2).map((r) => r.worst)).toEqual(["critical", "critical"]);
  });

  it("reports a read limited by resourceNames as its own milder finding that names the secret", async () => {
    const findings = FindingsPage.parse((await get("/api/findings?limit=1000")).body).findings;
    const ledger = findings.filter((f) => f.objects.includes("ServiceAccount/payments/ledger"));
    expect(ledger.map((f) => [f.id, f.severity])).toEqual([["rbac-read-named-secrets", "low"]]);
    expect(ledger[0]!.message).toContain("may get the secret ledger-db-credentials");
    expect(ledger[0]!.remediation).not.toContain("narrow it with resourceNames");
    const gitops = findings.find((f) => f.objects.includes("ClusterRoleBinding/gitops"));
    expect(gitops).toMatchObject({ id: "rbac-cluster-admin-binding", severity: "critical" });
  });

  it("answers a bad question with 400 naming the parameter", async () => {
    const cases: [string, string][] = [
      ["/api/rbac/who-can?resource=secrets", '"verb"'],
      ["/api/rbac/who-can?verb=get", '"resource"'],
      ["/api/rbac/who-can?verb=get&resource=pods&nonResourceURL=/x", '"resource"'],
      ["/api/rbac/who-can?verb=get&nonResourceURL=/x&namespace=a", '"namespace"'],
      ["/api/rbac/who-can?verb=get&nonResourceURL=x", '"nonResourceURL"'],
      ["/api/rbac/can-i?subject=Pod/a", '"subject"'],
      ["/api/rbac?verb=", '"verb"'],
    ];
    for (const [path, name] of cases) {
      const answer = await get(path);
      expect(answer.status, path).toBe(400);
      expect((answer.body as { error: string }).error, path).toContain(`query parameter ${name}`);
    }
  });
});
