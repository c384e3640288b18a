import {
  ClusterState,
  type RulesOf,
  type Subject,
  subjectAllows,
  subjectRef,
  whoCan,
} from "@trustmap/engine";
import { rbacCluster } from "@trustmap/engine/testing/arbitraries";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlPlane, startControlPlane } from "../testing/control-plane";
import { createKubernetesSource } from "./kubernetes";
import { eventsOf, type SourceSink } from "./source";

// RBAC truth: on random roles, cluster roles (aggregated ones too) and bindings applied to a real
// kube-apiserver, every answer Trustmap gives for a service account agrees with the apiserver's
// own SubjectAccessReview, over a grid of verbs, resources, subresources, namespaces and names.
// Trustmap reads the cluster back through the BFF's Kubernetes source, as it would in use, so the
// bootstrap roles and bindings (and the aggregation the controller manager fills) count too.

const ITERATIONS = Number(process.env.TRUSTMAP_RBAC_ITERATIONS ?? 5);
const NAMESPACES = ["ns0", "ns1", "ns2"];
const ACCOUNTS = ["default", "app", "ci"];
const VERBS = ["get", "list", "create", "delete", "escalate", "bind", "impersonate"];
const TARGETS: { group: string; resource: string; subresource?: string }[] = [
  { group: "", resource: "pods" },
  { group: "", resource: "pods", subresource: "exec" },
  { group: "", resource: "secrets" },
  { group: "apps", resource: "deployments" },
  { group: "apps", resource: "deployments", subresource: "scale" },
  { group: "", resource: "serviceaccounts", subresource: "token" },
  { group: "rbac.authorization.k8s.io", resource: "roles" },
  { group: "rbac.authorization.k8s.io", resource: "clusterroles" },
];
const NAMES = [undefined, "x"];

type Json = Record<string, unknown>;

let plane: ControlPlane;

beforeAll(async () => {
  plane = await startControlPlane();
}, 180_000);

afterAll(async () => {
  await plane?.stop();
});

/** Renames a random cluster's namespaces, roles and label values for iteration `k`, so iterations never collide. */
function rename(objects: Json[], k: number): Json[] {
  const ns = (name: string) => (NAMESPACES.includes(name) || name === "ns3" ? `t${k}-${name}` : name);
  const text = (value: string) => value.replace(/\bns(\d)\b/g, (_, d) => `t${k}-ns${d}`);
  const json = JSON.stringify(objects, (key, value: unknown) => {
    if (typeof value !== "string") return value;
    if (key === "namespace") return ns(value);
    if (key === "name" && /^(r\d|cluster-admin|missing|crb\d+|rb\d+)$/.test(value)) return `t${k}-${value}`;
    if (key === "agg" || key === "tier") return `t${k}-${value}`;
    return text(value);
  });
  return JSON.parse(json) as Json[];
}

function path(object: Json): string {
  const kind = object.kind as string;
  const metadata = object.metadata as { namespace?: string };
  const rbac = "/apis/rbac.authorization.k8s.io/v1";
  switch (kind) {
    case "ServiceAccount":
      return `/api/v1/namespaces/${metadata.namespace}/serviceaccounts`;
    case "Role":
      return `${rbac}/namespaces/${metadata.namespace}/roles`;
    case "RoleBinding":
      return `${rbac}/namespaces/${metadata.namespace}/rolebindings`;
    case "ClusterRole":
      return `${rbac}/clusterroles`;
    case "ClusterRoleBinding":
      return `${rbac}/clusterrolebindings`;
  }
  throw new Error(`unexpected kind ${kind}`);
}

/** Waits until the controller manager has filled every aggregated ClusterRole (the list stops changing). */
async function settleAggregation(): Promise<void> {
  let before = "";
  for (let attempt = 0; attempt < 60; attempt++) {
    const list = await plane.request("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles");
    const text = JSON.stringify(
      (list as { items: { metadata: { name: string }; rules?: unknown }[] }).items.map((r) => [
        r.metadata.name,
        r.rules,
      ]),
    );
    if (text === before) return;
    before = text;
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
  throw new Error("aggregated ClusterRoles did not settle within 90 s");
}

/** Reads the whole cluster through the BFF's Kubernetes source into a fresh engine. */
async function readCluster(kubeconfigPath: string): Promise<ClusterState> {
  const created = createKubernetesSource({ kubeconfigPath });
  if (!created.ok) throw new Error(created.message);
  const state = new ClusterState();
  await new Promise<void>((resolve, reject) => {
    const sink: SourceSink = {
      events: (batch) => state.applyAll(eventsOf(batch)),
      status: (status) => {
        if (status.state === "connected") resolve();
        if (status.state === "failed") reject(new Error(status.message));
      },
      problems: (problems) => reject(new Error(`unreadable objects: ${JSON.stringify(problems)}`)),
      replaceProblems: (problems) => {
        if (problems.length > 0) reject(new Error(`unreadable objects: ${JSON.stringify(problems)}`));
      },
    };
    created.source.start(sink);
  });
  await created.source.stop();
  return state;
}

async function subjectAccessReview(
  namespace: string,
  account: string,
  verb: string,
  target: (typeof TARGETS)[number],
  resourceNamespace: string,
  name: string | undefined,
): Promise<boolean> {
  const review = await plane.request("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SubjectAccessReview",
    spec: {
      user: `system:serviceaccount:${namespace}:${account}`,
      // SubjectAccessReview takes groups exactly as given: every group a service account has.
      groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
      resourceAttributes: {
        namespace: resourceNamespace,
        verb,
        group: target.group,
        resource: target.resource,
        ...(target.subresource === undefined ? {} : { subresource: target.subresource }),
        ...(name === undefined ? {} : { name }),
      },
    },
  });
  return (review as { status: { allowed: boolean } }).status.allowed;
}

describe("RBAC against a real kube-apiserver", () => {
  it("agrees with SubjectAccessReview for every service account over a grid of requests", async () => {
    const clusters = fc.sample(rbacCluster, { seed: 20261124, numRuns: ITERATIONS });
    let compared = 0;
    let allowed = 0;
    for (const [k, random] of clusters.entries()) {
      const namespaces = NAMESPACES.map((n) => `t${k}-${n}`);
      for (const name of [...namespaces, `t${k}-ns3`]) {
        await plane.request("POST", "/api/v1/namespaces", {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name },
        });
      }
      const accounts = namespaces.flatMap((namespace) =>
        ACCOUNTS.map((name) => ({
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { namespace, name },
        })),
      );
      // Bindings to the bootstrap roles the controller manager aggregates (admin, edit, view), and
      // one through each way a service account is named: its user name, its namespace's group.
      const rb = (name: string, namespace: string, role: string, subject: Json) => ({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { namespace, name: `t${k}-${name}` },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
        subjects: [subject],
      });
      const builtIn = [
        ...["admin", "edit", "view"].map((role, i) =>
          rb(`builtin-${role}`, namespaces[i % namespaces.length]!, role, {
            kind: "ServiceAccount",
            name: ACCOUNTS[i]!,
            namespace: namespaces[(i + 1) % namespaces.length],
          }),
        ),
        rb("by-group", namespaces[0]!, "view", {
          kind: "Group",
          name: `system:serviceaccounts:${namespaces[1]}`,
        }),
        rb("by-user", namespaces[2]!, "edit", {
          kind: "User",
          name: `system:serviceaccount:${namespaces[0]}:ci`,
        }),
      ];
      const objects = [
        ...accounts,
        ...rename(random as Json[], k).filter((o) => o.kind !== "ServiceAccount"),
        ...builtIn,
      ];
      // A service account the controller manager made already answers 409: it exists, as wanted.
      for (const object of objects) await plane.request("POST", path(object), object, [409]);
      await settleAggregation();
      const state = await readCluster(plane.kubeconfigPath);
      const rows = new Map(
        state
          .rbac()
          .map((row) => [row.subject.kind === "ServiceAccount" ? subjectRef(row.subject) : "", row]),
      );
      // who-can, asked once per request, must list exactly the accounts the apiserver allows.
      const rulesOf: RulesOf = state.rulesOf;
      const whoCanAnswers = new Map<string, Set<string>>();
      const whoCanAllows = (ref: string, request: Parameters<typeof subjectAllows>[1]) => {
        const key = JSON.stringify(request);
        let refs = whoCanAnswers.get(key);
        if (refs === undefined) {
          const entries = whoCan(
            state.rbac(),
            {
              verb: request.verb,
              target: {
                apiGroup: request.apiGroup,
                resource: request.resource,
                ...(request.subresource === undefined ? {} : { subresource: request.subresource }),
              },
              ...(request.name === undefined ? {} : { name: request.name }),
              ...(request.namespace === "" ? {} : { namespace: request.namespace }),
            },
            rulesOf,
          );
          // Without a name, a subject limited to named objects is not allowed the name-less request.
          refs = new Set(entries.filter((e) => e.onlyNames === undefined).map((e) => e.ref));
          whoCanAnswers.set(key, refs);
        }
        return refs.has(ref);
      };
      for (const namespace of namespaces) {
        for (const account of ACCOUNTS) {
          const subject: Subject = { kind: "ServiceAccount", namespace, name: account };
          const rights = rows.get(subjectRef(subject));
          expect(rights, `${subjectRef(subject)} has a row`).toBeDefined();
          for (const verb of VERBS) {
            for (const target of TARGETS) {
              for (const resourceNamespace of [...namespaces, ""]) {
                for (const name of NAMES) {
                  const request = {
                    verb,
                    apiGroup: target.group,
                    resource: target.resource,
                    ...(target.subresource === undefined ? {} : { subresource: target.subresource }),
                    ...(name === undefined ? {} : { name }),
                    namespace: resourceNamespace,
                  };
                  const ours = subjectAllows(rights!, request);
                  const theirs = await subjectAccessReview(
                    namespace,
                    account,
                    verb,
                    target,
                    resourceNamespace,
                    name,
                  );
                  expect(ours, `${subjectRef(subject)} ${JSON.stringify(request)}`).toBe(theirs);
                  expect(
                    whoCanAllows(subjectRef(subject), request),
                    `who-can ${subjectRef(subject)} ${JSON.stringify(request)}`,
                  ).toBe(theirs);
                  compared++;
                  if (theirs) allowed++;
                }
              }
            }
          }
        }
      }
    }
    console.info(
      `RBAC truth: ${compared} requests compared over ${ITERATIONS} random clusters, ${allowed} allowed`,
    );
    // The grid is not trivially all-denied or all-allowed.
    expect(allowed).toBeGreaterThan(0);
    expect(allowed).toBeLessThan(compared);
  }, 1_200_000);
});
