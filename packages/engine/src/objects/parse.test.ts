import { describe, expect, it } from "vitest";
import { netpol, ns, pod } from "../testing/objects";
import type { Pod } from "./model";
import { parseCluster, parseLiveObject } from "./parse";
import { formatInputError } from "./reader";

const parse = (...objects: unknown[]) =>
  parseCluster(objects.map((object, i) => ({ source: `f.yaml, document ${i + 1}`, object })));
const messages = (...objects: unknown[]) => parse(...objects).errors.map(formatInputError);

describe("reading objects", () => {
  it("names the file, document and field of an object without kind or name", () => {
    expect(messages({ apiVersion: "v1", metadata: { name: "x" } })).toEqual([
      'f.yaml, document 1: object "x": kind: is required',
    ]);
    expect(messages({ apiVersion: "v1", kind: "Pod", metadata: {} })).toEqual([
      "f.yaml, document 1: metadata.name: is required",
    ]);
    expect(messages("just text")).toEqual([
      "f.yaml, document 1: (document): expected a Kubernetes object with apiVersion, kind and metadata",
    ]);
  });

  it("rejects a selector with an unknown operator, naming the field", () => {
    const policy = netpol("shop", "p", {
      podSelector: {},
      ingress: [
        {
          from: [{ podSelector: { matchExpressions: [{ key: "app", operator: "Equals", values: ["a"] }] } }],
        },
      ],
    });
    expect(messages(policy)).toEqual([
      'f.yaml, document 1: NetworkPolicy shop/p: spec.ingress[0].from[0].podSelector.matchExpressions[0].operator: unknown operator "Equals"; use one of In, NotIn, Exists, DoesNotExist',
    ]);
  });

  it("rejects requirements whose values do not fit the operator", () => {
    const policy = netpol("shop", "p", {
      podSelector: {
        matchExpressions: [
          { key: "a", operator: "In", values: [] },
          { key: "b", operator: "Exists", values: ["x"] },
        ],
      },
    });
    expect(messages(policy)).toEqual([
      "f.yaml, document 1: NetworkPolicy shop/p: spec.podSelector.matchExpressions[0].values: must not be empty when operator is In",
      "f.yaml, document 1: NetworkPolicy shop/p: spec.podSelector.matchExpressions[1].values: must be empty when operator is Exists",
    ]);
  });

  it("rejects a port that is neither a number nor a name", () => {
    const policy = (port: unknown) =>
      netpol("shop", "p", { podSelector: {}, ingress: [{ ports: [{ port }] }] });
    expect(messages(policy(true))).toEqual([
      "f.yaml, document 1: NetworkPolicy shop/p: spec.ingress[0].ports[0].port: expected a port number or name, found boolean true",
    ]);
    expect(messages(policy("web port"))[0]).toContain(
      'spec.ingress[0].ports[0].port: "web port" is neither a port number nor a valid port name',
    );
    expect(messages(policy("80"))[0]).toContain("write numbers without quotes");
    expect(messages(policy(70000))[0]).toContain(
      "spec.ingress[0].ports[0].port: port 70000 is outside 1-65535",
    );
    expect(messages(policy(8.5))[0]).toContain(
      "spec.ingress[0].ports[0].port: expected a whole number, found number 8.5",
    );
  });

  it("rejects endPort without a numeric port or below it", () => {
    const policy = (ports: unknown[]) => netpol("shop", "p", { podSelector: {}, egress: [{ ports }] });
    expect(messages(policy([{ port: "http", endPort: 90 }]))[0]).toContain(
      "spec.egress[0].ports[0].endPort: may only be set with a numeric port",
    );
    expect(messages(policy([{ port: 100, endPort: 90 }]))[0]).toContain(
      "spec.egress[0].ports[0].endPort: 90 is below port 100",
    );
  });

  it("rejects empty peers, mixed ipBlock peers and bad CIDRs", () => {
    const policy = (from: unknown[]) => netpol("shop", "p", { podSelector: {}, ingress: [{ from }] });
    expect(messages(policy([{}]))[0]).toContain(
      "spec.ingress[0].from[0]: a peer needs podSelector, namespaceSelector or ipBlock",
    );
    expect(messages(policy([{ ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} }]))[0]).toContain(
      "may not be combined",
    );
    expect(messages(policy([{ ipBlock: { cidr: "10.0.0.300/8" } }]))[0]).toContain(
      'spec.ingress[0].from[0].ipBlock.cidr: "10.0.0.300/8" is not a CIDR',
    );
    expect(messages(policy([{ ipBlock: { cidr: "10.0.0.0/8", except: ["11.0.0.0/16"] } }]))[0]).toContain(
      "ipBlock.except[0]: 11.0.0.0/16 must be a strict subset of 10.0.0.0/8",
    );
  });

  it("rejects labels that are not strings rather than guessing", () => {
    expect(messages(pod("shop", "a", { tier: 1 as unknown as string }))).toEqual([
      "f.yaml, document 1: Pod shop/a: metadata.labels.tier: expected a string, found number 1",
    ]);
  });

  it("rejects an object defined twice", () => {
    expect(messages(pod("shop", "a"), pod("shop", "a"))).toEqual([
      "f.yaml, document 2: Pod shop/a: metadata.name: defined twice: also in f.yaml, document 1",
    ]);
  });

  it("skips unknown kinds with a note, and reads List items with their index", () => {
    const result = parse({
      apiVersion: "v1",
      kind: "List",
      items: [pod("shop", "a"), { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }],
    });
    expect(result.errors).toEqual([]);
    expect(result.cluster.pods.map((p) => p.name)).toEqual(["a"]);
    expect(result.notes).toEqual([
      "f.yaml, document 1, items[1]: skipped ConfigMap c: Trustmap does not read this kind",
    ]);
  });

  it("puts objects without a namespace in default, and implies namespaces pods use", () => {
    const result = parse(
      { apiVersion: "v1", kind: "Pod", metadata: { name: "a" }, spec: { containers: [] } },
      ns("declared", { x: "y" }),
    );
    expect(result.cluster.pods[0]?.namespace).toBe("default");
    expect(result.cluster.namespaces).toEqual([
      {
        name: "declared",
        labels: { x: "y", "kubernetes.io/metadata.name": "declared" },
        annotations: {},
        declared: true,
      },
      {
        name: "default",
        labels: { "kubernetes.io/metadata.name": "default" },
        annotations: {},
        declared: false,
      },
    ]);
  });
});

describe("workloads in offline input", () => {
  const template = (labels: Record<string, string>) => ({
    metadata: { labels },
    spec: {
      serviceAccountName: "runner",
      containers: [{ name: "c", image: "i:1", ports: [{ name: "http", containerPort: 80 }] }],
    },
  });

  it("stands one pod built from the template for each workload, named after it", () => {
    const result = parse(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: "shop" },
        spec: { template: template({ app: "web" }) },
      },
      {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name: "nightly", namespace: "shop" },
        spec: { jobTemplate: { spec: { template: template({ app: "job" }) } } },
      },
      {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "agent", namespace: "ops" },
        spec: { template: template({ app: "agent" }) },
      },
    );
    expect(result.errors).toEqual([]);
    expect(
      result.cluster.pods.map((p) => [p.namespace, p.name, p.labels, p.source.kind, p.serviceAccountName]),
    ).toEqual([
      ["ops", "agent", { app: "agent" }, "DaemonSet", "runner"],
      ["shop", "nightly", { app: "job" }, "CronJob", "runner"],
      ["shop", "web", { app: "web" }, "Deployment", "runner"],
    ]);
    expect(result.cluster.pods[0]?.ports).toEqual([{ name: "http", containerPort: 80, protocol: "TCP" }]);
  });

  it("lets the pods a workload owns stand for it when both are in the input", () => {
    const owned = (kind: string, name: string) => [{ apiVersion: "apps/v1", kind, name, uid: "u" }];
    const result = parse(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: "shop" },
        spec: { template: template({ app: "web" }) },
      },
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: { name: "web-1", namespace: "shop", ownerReferences: owned("Deployment", "web") },
        spec: { template: template({ app: "web" }) },
      },
      {
        ...pod("shop", "web-1-a", { app: "web" }),
        metadata: {
          name: "web-1-a",
          namespace: "shop",
          labels: { app: "web" },
          ownerReferences: owned("ReplicaSet", "web-1"),
        },
      },
    );
    expect(result.cluster.pods.map((p) => p.name)).toEqual(["web-1-a"]);
    expect(result.notes).toHaveLength(2);
  });

  const workload = (kind: string, name: string, spec: Record<string, unknown>, metadata = {}) => ({
    apiVersion: kind.endsWith("Job") ? "batch/v1" : "apps/v1",
    kind,
    metadata: { name, namespace: "shop", ...metadata },
    spec,
  });
  const owned = (kind: string, name: string) => [{ apiVersion: "apps/v1", kind, name, uid: "u" }];
  const podOf = (
    name: string,
    labels: Record<string, string>,
    ownerReferences?: unknown[],
    phase?: string,
  ) => {
    const base = pod("shop", name, labels);
    return {
      ...base,
      metadata: { name, namespace: "shop", labels, ...(ownerReferences ? { ownerReferences } : {}) },
      ...(phase === undefined ? {} : { status: { phase } }),
    };
  };

  it("keeps same names of different kinds apart, each stand-in saying its kind", () => {
    const result = parse(
      workload("Deployment", "redis", { template: template({ app: "redis" }) }),
      workload("StatefulSet", "redis", { template: template({ app: "redis-sts" }) }),
      workload("CronJob", "backup", { jobTemplate: { spec: { template: template({ app: "b" }) } } }),
      workload("Job", "backup", { template: template({ app: "b1" }) }),
      workload("Deployment", "web", { template: template({ app: "web" }) }),
      pod("shop", "web", { app: "other" }),
      workload("DaemonSet", "agent", { template: template({ app: "agent" }) }),
    );
    expect(result.errors).toEqual([]);
    expect(result.cluster.pods.map((p) => [p.name, `${p.source.kind}/${p.source.name}`])).toEqual([
      ["agent", "DaemonSet/agent"],
      ["backup (CronJob)", "CronJob/backup"],
      ["backup (Job)", "Job/backup"],
      ["redis (Deployment)", "Deployment/redis"],
      ["redis (StatefulSet)", "StatefulSet/redis"],
      ["web", "Pod/web"],
      ["web (Deployment)", "Deployment/web"],
    ]);
  });

  it("still refuses the same kind and name twice", () => {
    expect(
      messages(
        workload("Deployment", "redis", { template: template({}) }),
        workload("Deployment", "redis", { template: template({}) }),
      ),
    ).toEqual([
      "f.yaml, document 2: Deployment shop/redis: metadata.name: defined twice: also in f.yaml, document 1",
    ]);
  });

  it("lets a Deployment's pods stand for it when the ReplicaSet between them is missing", () => {
    const deployment = workload("Deployment", "web", {
      selector: { matchLabels: { app: "web" } },
      template: template({ app: "web" }),
    });
    // Tied by the selector alone.
    const bySelector = parse(deployment, podOf("web-7d9f-a", { app: "web" }));
    expect(bySelector.cluster.pods.map((p) => p.name)).toEqual(["web-7d9f-a"]);
    expect(bySelector.notes).toEqual([
      "f.yaml, document 1: Deployment shop/web: represented by its pods in the input, not by its template",
    ]);
    // Tied by the ReplicaSet's name, `<deployment>-<pod-template-hash>`, whatever the labels.
    const byName = parse(
      workload("Deployment", "web", { template: template({ app: "web" }) }),
      podOf("web-7d9f-a", { "pod-template-hash": "7d9f" }, owned("ReplicaSet", "web-7d9f")),
    );
    expect(byName.cluster.pods.map((p) => p.name)).toEqual(["web-7d9f-a"]);
  });

  it("stands in when no pod of the input is its own: other labels, another namespace, no selector match", () => {
    const result = parse(
      workload("Deployment", "web", {
        selector: { matchLabels: { app: "web" } },
        template: template({ app: "web" }),
      }),
      podOf("api-1", { app: "api" }),
      { ...pod("other", "web-1", { app: "web" }) },
    );
    expect(result.cluster.pods.map((p) => `${p.namespace}/${p.name}`)).toEqual([
      "other/web-1",
      "shop/api-1",
      "shop/web",
    ]);
  });

  it("does not let a pod another workload of the input owns stand for a workload it merely matches", () => {
    const result = parse(
      workload("StatefulSet", "db", {
        selector: { matchLabels: { app: "db" } },
        template: template({ app: "db" }),
      }),
      podOf("db-0", { app: "db" }, owned("StatefulSet", "db")),
      workload("Deployment", "db-tools", {
        selector: { matchLabels: { app: "db" } },
        template: template({ app: "db" }),
      }),
    );
    expect(result.cluster.pods.map((p) => p.name)).toEqual(["db-0", "db-tools"]);
  });

  it("gives old ReplicaSets and a CronJob's Jobs no stand-in of their own: their owner speaks for them", () => {
    const result = parse(
      workload("Deployment", "web", { template: template({ app: "web" }) }),
      workload(
        "ReplicaSet",
        "web-old",
        { template: template({ app: "web" }) },
        { ownerReferences: owned("Deployment", "web") },
      ),
      workload(
        "ReplicaSet",
        "web-new",
        { template: template({ app: "web" }) },
        { ownerReferences: owned("Deployment", "web") },
      ),
      podOf("web-new-a", { app: "web" }, owned("ReplicaSet", "web-new")),
      workload("CronJob", "backup", { jobTemplate: { spec: { template: template({ app: "b" }) } } }),
      workload(
        "Job",
        "backup-1",
        { template: template({ app: "b" }) },
        { ownerReferences: owned("CronJob", "backup") },
      ),
    );
    expect(result.cluster.pods.map((p) => p.name)).toEqual(["backup", "web-new-a"]);
    expect(result.notes).toEqual([
      "f.yaml, document 1: Deployment shop/web: represented by its pods in the input, not by its template",
      "f.yaml, document 2: ReplicaSet shop/web-old: represented by its owner Deployment shop/web in the input, not by its template",
      "f.yaml, document 3: ReplicaSet shop/web-new: represented by its pods in the input, not by its template",
      "f.yaml, document 6: Job shop/backup-1: represented by its owner CronJob shop/backup in the input, not by its template",
    ]);
  });

  it("leaves out pods that Succeeded or Failed with a note; they still stand for their workload", () => {
    const result = parse(
      workload("Job", "migrate", { template: template({ app: "m" }) }),
      podOf(
        "migrate-x",
        { app: "m" },
        [{ apiVersion: "batch/v1", kind: "Job", name: "migrate", uid: "u" }],
        "Succeeded",
      ),
      podOf("crashed", { app: "c" }, undefined, "Failed"),
      podOf("running", { app: "r" }, undefined, "Running"),
    );
    expect(result.errors).toEqual([]);
    expect(result.cluster.pods.map((p) => p.name)).toEqual(["running"]);
    expect(result.notes).toEqual([
      "f.yaml, document 2: Pod shop/migrate-x: left out: phase Succeeded, its containers have stopped for good (a live cluster's picture leaves it out too)",
      "f.yaml, document 3: Pod shop/crashed: left out: phase Failed, its containers have stopped for good (a live cluster's picture leaves it out too)",
      "f.yaml, document 1: Job shop/migrate: represented by its pods in the input, not by its template",
    ]);
  });

  it("requires a template", () => {
    expect(
      messages({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: {} }),
    ).toEqual(["f.yaml, document 1: Deployment default/web: spec.template: is required"]);
  });
});

describe("RBAC objects", () => {
  it("rejects rules and bindings the API server would refuse", () => {
    const errors = messages(
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: "r", namespace: "a" },
        rules: [
          { nonResourceURLs: ["/x"], verbs: ["get"] },
          { apiGroups: [""], resources: ["pods"] },
        ],
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "b" },
        roleRef: { kind: "Role", name: "r" },
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "c" },
        roleRef: { kind: "ClusterRole", name: "r" },
        subjects: [
          { kind: "ServiceAccount", name: "x" },
          { kind: "Robot", name: "y" },
        ],
      },
    );
    expect(errors).toEqual([
      "f.yaml, document 1: Role a/r: rules[0].nonResourceURLs: a Role cannot grant non-resource URLs; use a ClusterRole",
      "f.yaml, document 1: Role a/r: rules[1].verbs: must list at least one verb",
      'f.yaml, document 2: ClusterRoleBinding b: roleRef.kind: a ClusterRoleBinding may refer to ClusterRole, not "Role"',
      "f.yaml, document 3: ClusterRoleBinding c: subjects[0].namespace: is required for a ServiceAccount in a ClusterRoleBinding",
      'f.yaml, document 3: ClusterRoleBinding c: subjects[1].kind: unknown subject kind "Robot"; use User, Group or ServiceAccount',
    ]);
  });
});

describe("the workload that owns a pod", () => {
  const livePod = (name: string, labels: Record<string, string>, ownerReferences?: unknown[]) => {
    const result = parseLiveObject(
      "Pod",
      {
        metadata: { namespace: "shop", name, labels, ...(ownerReferences ? { ownerReferences } : {}) },
        spec: { containers: [{ name: "main", image: "app:1" }] },
      },
      "test",
    );
    if (!result.ok) throw new Error(result.errors.map(formatInputError).join("\n"));
    return result.object as Pod;
  };
  const rs = (name: string, controller?: boolean) => ({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    name,
    ...(controller === undefined ? {} : { controller }),
  });

  it("names a Deployment's pods after the Deployment, by the pod-template-hash convention", () => {
    const pod = livePod("api-7d9f-x1", { app: "api", "pod-template-hash": "7d9f" }, [rs("api-7d9f", true)]);
    expect(pod.owner).toEqual({ kind: "Deployment", namespace: "shop", name: "api" });
  });

  it("keeps a ReplicaSet that does not follow the convention", () => {
    expect(livePod("a", { "pod-template-hash": "zz" }, [rs("api-7d9f", true)]).owner).toEqual({
      kind: "ReplicaSet",
      namespace: "shop",
      name: "api-7d9f",
    });
    expect(livePod("b", {}, [rs("api-7d9f", true)]).owner.kind).toBe("ReplicaSet");
  });

  it("prefers the controller reference, else the first", () => {
    const refs = [
      { kind: "ConfigMap", name: "x" },
      { kind: "StatefulSet", name: "postgres", controller: true },
    ];
    expect(livePod("postgres-0", {}, refs).owner).toEqual({
      kind: "StatefulSet",
      namespace: "shop",
      name: "postgres",
    });
    expect(livePod("p", {}, [{ kind: "Job", name: "backup-1" }]).owner.name).toBe("backup-1");
  });

  it("makes a pod nothing owns (or whose references are malformed) its own owner", () => {
    expect(livePod("solo", {}).owner).toEqual({ kind: "Pod", namespace: "shop", name: "solo" });
    expect(livePod("odd", {}, [{ kind: 3 }, "x"]).owner).toEqual({
      kind: "Pod",
      namespace: "shop",
      name: "odd",
    });
  });

  it("gives a workload's template pod in offline input the workload itself", () => {
    const result = parseCluster([
      {
        source: "deploy.yaml",
        object: {
          apiVersion: "apps/v1",
          kind: "DaemonSet",
          metadata: { namespace: "kube-system", name: "cni" },
          spec: {
            template: {
              metadata: { labels: { app: "cni" } },
              spec: { containers: [{ name: "c", image: "i" }] },
            },
          },
        },
      },
    ]);
    expect(result.errors).toEqual([]);
    expect(result.cluster.pods[0]!.owner).toEqual({
      kind: "DaemonSet",
      namespace: "kube-system",
      name: "cni",
    });
  });
});
