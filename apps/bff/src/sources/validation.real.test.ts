import { formatInputError, parseCluster } from "@trustmap/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ControlPlane,
  controlPlaneBuilt,
  notBuiltMessage,
  startControlPlane,
} from "../testing/control-plane";

// Validation parity: every object here is sent to a real kube-apiserver as a dry-run create, and
// Trustmap's reader must refuse exactly the objects the API server refuses (names per kind, label
// keys and values, annotation size), so that a manifest `trustmap analyze` reports on is one the
// cluster would take, and one it refuses is refused here with the field named.

const NS = "parity";
const RBAC = "rbac.authorization.k8s.io/v1";

interface Case {
  readonly what: string;
  readonly path: string;
  readonly object: Record<string, unknown>;
}

const pod = (
  name: string,
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: NS, labels, annotations },
  spec: { automountServiceAccountToken: false, containers: [{ name: "c", image: "busybox:1" }] },
});
const podCase = (
  what: string,
  name: string,
  labels?: Record<string, string>,
  annotations?: Record<string, string>,
) => ({
  what,
  path: `/api/v1/namespaces/${NS}/pods`,
  object: pod(name, labels, annotations),
});

const CASES: Case[] = [
  podCase("pod name", "web"),
  podCase("pod name with dots", "web.v1"),
  podCase("pod name in capitals", "Web"),
  podCase("pod name with an underscore", "we_b"),
  podCase("pod name that is markup", "<img src=x onerror=alert(1)>"),
  podCase("pod name of 253 characters", "a".repeat(253)),
  podCase("pod name of 254 characters", "a".repeat(254)),
  podCase("pod name starting with a dash", "-web"),
  podCase("label key with a space", "l1", { "bad key!": "x" }),
  podCase("label key with @", "l2", { "app@b": "x" }),
  podCase("prefixed label key", "l3", { "example.com/app": "x" }),
  podCase("label key with two slashes", "l4", { "a/b/c": "x" }),
  podCase("label value with $", "l5", { app: "$backendservice" }),
  podCase("label value of 63 characters", "l6", { app: "x".repeat(63) }),
  podCase("label value of 64 characters", "l7", { app: "x".repeat(64) }),
  podCase("empty label value", "l8", { app: "" }),
  podCase("label value ending in a dot", "l9", { app: "v1." }),
  podCase("annotations of 256 KiB", "a1", {}, { big: "x".repeat(256 * 1024 - 3) }),
  podCase("annotations over 256 KiB", "a2", {}, { big: "x".repeat(256 * 1024) }),
  podCase("annotation key in capitals", "a3", {}, { "Example.com/Note": "x" }),
  ...["ns-ok", "ns.dot", "a".repeat(63), "a".repeat(64), "Ns"].map((name) => ({
    what: `namespace ${name.slice(0, 20)}`,
    path: "/api/v1/namespaces",
    object: { apiVersion: "v1", kind: "Namespace", metadata: { name } },
  })),
  ...["allow-web", "allow_web", "allow.web"].map((name) => ({
    what: `network policy ${name}`,
    path: `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies`,
    object: {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name, namespace: NS },
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    },
  })),
  ...["sa-1", "sa_1"].map((name) => ({
    what: `service account ${name}`,
    path: `/api/v1/namespaces/${NS}/serviceaccounts`,
    object: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: NS } },
  })),
  ...["system:controller:x", "Mixed_Case.role", "a/b", "..", "x%y"].map((name) => ({
    what: `cluster role ${name}`,
    path: "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    object: { apiVersion: RBAC, kind: "ClusterRole", metadata: { name }, rules: [] },
  })),
  ...["system:x-binding", "[click](x)-admins", "a/b"].map((name) => ({
    what: `cluster role binding ${name}`,
    path: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    object: {
      apiVersion: RBAC,
      kind: "ClusterRoleBinding",
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "User", name: "alice", apiGroup: "rbac.authorization.k8s.io" }],
    },
  })),
];

describe("the reader refuses what a real kube-apiserver refuses", () => {
  let plane: ControlPlane | undefined;

  beforeAll(async () => {
    if (!controlPlaneBuilt()) throw new Error(notBuiltMessage());
    plane = await startControlPlane();
    await plane.request("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: NS },
    });
  }, 180_000);

  afterAll(async () => {
    await plane?.stop();
  }, 60_000);

  it("object by object, by a dry-run create", async () => {
    if (plane === undefined) throw new Error(notBuiltMessage());
    const verdicts: { what: string; api: boolean; reader: boolean; messages: string[] }[] = [];
    for (const c of CASES) {
      // A dry run is validated and admitted like a create, and stored nowhere.
      const answer = (await plane.request("POST", `${c.path}?dryRun=All`, c.object, [400, 403, 422])) as {
        kind?: string;
        status?: string;
      };
      const api = !(answer.kind === "Status" && answer.status === "Failure");
      const parsed = parseCluster([{ source: c.what, object: c.object as never }]);
      verdicts.push({
        what: c.what,
        api,
        reader: parsed.errors.length === 0,
        messages: parsed.errors.map(formatInputError),
      });
    }
    // Both verdicts side by side: a difference names the object.
    const word = (ok: boolean) => (ok ? "accepted" : "refused");
    expect(verdicts.map((v) => `${v.what}: ${word(v.reader)}`)).toEqual(
      verdicts.map((v) => `${v.what}: ${word(v.api)}`),
    );
    // Each refusal names its object and field.
    for (const v of verdicts.filter((x) => !x.reader)) expect(v.messages[0], v.what).toMatch(/\S+: \S+/);
    // Both outcomes occur (else the comparison would say little).
    expect(verdicts.filter((v) => v.api).length).toBeGreaterThan(5);
    expect(verdicts.filter((v) => !v.api).length).toBeGreaterThan(5);
  }, 120_000);
});
