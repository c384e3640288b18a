import { describe, expect, it } from "vitest";
import { netpol, pod } from "../testing/objects";
import { parseCluster, parseLiveObject } from "./parse";
import { formatInputError } from "./reader";
import { labelValueProblem, nameProblem, qualifiedNameProblem } from "./validation";

const parse = (...objects: unknown[]) =>
  parseCluster(objects.map((object, i) => ({ source: `f.yaml, document ${i + 1}`, object })));
const messages = (...objects: unknown[]) => parse(...objects).errors.map(formatInputError);

describe("names, as the API server validates them per kind", () => {
  it("refuses a pod name holding markup, quoting it escaped", () => {
    expect(messages(pod("shop", "<img src=x onerror=alert(1)>"))).toEqual([
      "f.yaml, document 1: Pod \"shop/<img src=x onerror=alert(1)>\": metadata.name: \"<img src=x onerror=alert(1)>\" is not a valid Pod name: it must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (a DNS-1123 subdomain)",
    ]);
  });

  it("refuses NetworkPolicy names with underscores or capitals, and accepts dots", () => {
    expect(messages(netpol("shop", "allow_web", { podSelector: {} }))).toHaveLength(1);
    expect(messages(netpol("shop", "AllowWeb", { podSelector: {} }))[0]).toContain(
      'metadata.name: "AllowWeb" is not a valid NetworkPolicy name',
    );
    expect(messages(netpol("shop", "allow.web-1", { podSelector: {} }))).toEqual([]);
  });

  it("holds namespaces to DNS-1123 labels: no dots, at most 63 characters", () => {
    expect(nameProblem("Namespace", "team.a")).toContain("DNS-1123 label");
    expect(nameProblem("Namespace", "a".repeat(64))).toBe("must be no more than 63 characters");
    expect(nameProblem("Namespace", "a".repeat(63))).toBeUndefined();
    expect(messages(pod("Shop", "web"))).toEqual([
      'f.yaml, document 1: Pod "Shop/web": metadata.namespace: "Shop" is not a valid namespace name: it must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (a DNS-1123 label)',
    ]);
  });

  it("holds pods, workloads and ServiceAccounts to DNS-1123 subdomains of at most 253 characters", () => {
    for (const kind of ["Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "ServiceAccount"]) {
      expect(nameProblem(kind, "web.v2-1")).toBeUndefined();
      expect(nameProblem(kind, "web_1")).toContain("DNS-1123 subdomain");
      expect(nameProblem(kind, "-web")).toContain("DNS-1123 subdomain");
      expect(nameProblem(kind, "web.")).toContain("DNS-1123 subdomain");
    }
    expect(
      nameProblem("Pod", `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`),
    ).toBe(undefined);
    expect(nameProblem("Pod", "a".repeat(254))).toBe("must be no more than 253 characters");
  });

  it("leaves a CronJob 52 characters, room for the Jobs named after it", () => {
    expect(nameProblem("CronJob", "a".repeat(52))).toBeUndefined();
    expect(nameProblem("CronJob", "a".repeat(53))).toBe("must be no more than 52 characters");
  });

  it("takes RBAC names as path segments: colons and capitals pass, '/', '%', '.' and '..' do not", () => {
    const role = (name: string) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name },
      rules: [],
    });
    expect(messages(role("system:controller:job-controller"), role("Admin_Role"))).toEqual([]);
    expect(messages(role("a/b"))).toEqual([
      'f.yaml, document 1: ClusterRole "a/b": metadata.name: "a/b" is not a valid ClusterRole name: it may not contain \'/\'',
    ]);
    expect(nameProblem("RoleBinding", "50%")).toBe("may not contain '%'");
    expect(nameProblem("Role", "..")).toBe('may not be ".."');
    expect(nameProblem("ClusterRoleBinding", ".")).toBe('may not be "."');
  });

  it("does not read an object whose name is invalid", () => {
    const result = parse(pod("shop", "Web"));
    expect(result.cluster.pods).toEqual([]);
    expect(result.errors).toHaveLength(1);
  });
});

describe("labels, as ValidateLabels checks them", () => {
  const labelled = (labels: Record<string, string>) => pod("shop", "web", labels);

  it("refuses keys that are not qualified names, naming the key", () => {
    expect(messages(labelled({ "bad key!": "x", "app@b": "y" }))).toEqual([
      "f.yaml, document 1: Pod shop/web: metadata.labels.bad key!: label key \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      "f.yaml, document 1: Pod shop/web: metadata.labels.app@b: label key \"app@b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    ]);
  });

  it("accepts a DNS subdomain prefix and a mixed-case name, and refuses a bad prefix or a second '/'", () => {
    expect(qualifiedNameProblem("app.kubernetes.io/Name_1.x")).toBeUndefined();
    expect(qualifiedNameProblem("Example.com/name")).toContain("prefix part");
    expect(qualifiedNameProblem("/name")).toBe("prefix part must be non-empty");
    expect(qualifiedNameProblem("a/b/c")).toContain("at most one '/'");
    expect(qualifiedNameProblem("a/")).toBe("name part must be non-empty");
    expect(qualifiedNameProblem("a".repeat(64))).toBe("name part must be no more than 63 characters");
    expect(qualifiedNameProblem(`${"p".repeat(253)}/${"n".repeat(63)}`)).toBeUndefined();
    expect(qualifiedNameProblem(`${"p".repeat(254)}/n`)).toBe(
      "prefix part must be no more than 253 characters",
    );
  });

  it("refuses values longer than 63 characters or outside the charset, and accepts the empty value", () => {
    expect(labelValueProblem("")).toBeUndefined();
    expect(labelValueProblem("v1.2_x-Y")).toBeUndefined();
    expect(labelValueProblem("a".repeat(63))).toBeUndefined();
    expect(labelValueProblem("a".repeat(64))).toBe("must be no more than 63 characters");
    expect(messages(labelled({ backend: "$backendservice" }))).toEqual([
      "f.yaml, document 1: Pod shop/web: metadata.labels.backend: label value \"$backendservice\" must be empty or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    ]);
    expect(messages(labelled({ app: "x".repeat(64) }))[0]).toContain(
      `metadata.labels.app: label value "${"x".repeat(64)}" must be no more than 63 characters`,
    );
    // Long values are cut short in messages.
    expect(messages(labelled({ app: "x".repeat(500) }))[0]).toContain(
      `label value "${"x".repeat(77)}…" (500 characters) must be no more than 63 characters`,
    );
  });

  it("checks the labels of workload templates and of selectors", () => {
    const errors = messages(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: "shop" },
        spec: {
          selector: { matchLabels: { app: "web" } },
          template: { metadata: { labels: { app: "web!" } }, spec: { containers: [] } },
        },
      },
      netpol("shop", "p", {
        podSelector: {
          matchLabels: { "a b": "x" },
          matchExpressions: [{ key: "c/d/e", operator: "Exists" }],
        },
      }),
    );
    expect(errors).toEqual([
      "f.yaml, document 1: Deployment shop/web: spec.template.metadata.labels.app: label value \"web!\" must be empty or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      "f.yaml, document 2: NetworkPolicy shop/p: spec.podSelector.matchLabels.a b: label key \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      "f.yaml, document 2: NetworkPolicy shop/p: spec.podSelector.matchExpressions[0].key: label key \"c/d/e\": a qualified name may hold at most one '/', between an optional DNS subdomain prefix and the name (e.g. 'example.com/MyName')",
    ]);
  });

  it("reads selector values no label can have, as objects created before that was checked may hold them", () => {
    const result = parse(
      netpol("shop", "p", {
        podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["a b"] }] },
      }),
    );
    expect(result.errors).toEqual([]);
    expect(result.cluster.networkPolicies[0]?.podSelector.matchExpressions[0]?.values).toEqual(["a b"]);
  });
});

describe("annotations, as ValidateAnnotations checks them", () => {
  const annotated = (annotations: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "app", namespace: "shop", annotations },
  });

  it("allows 256 KiB of keys and values together, and no more", () => {
    const key = "note";
    expect(messages(annotated({ [key]: "x".repeat(256 * 1024 - key.length) }))).toEqual([]);
    expect(messages(annotated({ [key]: "x".repeat(256 * 1024 - key.length + 1) }))).toEqual([
      "f.yaml, document 1: ServiceAccount shop/app: metadata.annotations: annotations take 262145 bytes; the limit is 262144 (256 KiB)",
    ]);
  });

  it("counts bytes, not characters", () => {
    expect(messages(annotated({ a: "é".repeat(128 * 1024) }))[0]).toContain("annotations take 262145 bytes");
  });

  it("refuses keys that are not qualified names, compared in lower case", () => {
    expect(messages(annotated({ "Example.COM/Owner": "x" }))).toEqual([]);
    expect(messages(annotated({ "owner email": "x" }))[0]).toContain(
      'metadata.annotations.owner email: annotation key "owner email": name part must consist',
    );
  });
});

describe("numbers that are not finite", () => {
  it("names YAML's .inf, -.inf and .nan at their field instead of 'number null'", () => {
    const errors = messages(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: "shop" },
        spec: {
          replicas: Number.POSITIVE_INFINITY,
          template: {
            spec: { containers: [{ name: "c", ports: [{ containerPort: Number.NaN }] }] },
          },
        },
      },
      pod("shop", "a", {}, { securityContext: { runAsUser: Number.NEGATIVE_INFINITY } }),
    );
    expect(errors).toEqual([
      "f.yaml, document 1: Deployment shop/web: spec.replicas: .inf is not a finite number; Kubernetes accepts only finite numbers",
      "f.yaml, document 1: Deployment shop/web: spec.template.spec.containers[0].ports[0].containerPort: .nan is not a finite number; Kubernetes accepts only finite numbers",
      "f.yaml, document 2: Pod shop/a: spec.securityContext.runAsUser: -.inf is not a finite number; Kubernetes accepts only finite numbers",
    ]);
  });

  it("says so where a string was expected too", () => {
    expect(messages({ apiVersion: "v1", kind: "Pod", metadata: { name: Number.POSITIVE_INFINITY } })).toEqual(
      ["f.yaml, document 1: metadata.name: expected a string, found the non-finite number .inf"],
    );
  });
});

describe("live objects", () => {
  it("reads what the API server serves: RBAC names with colons, prefixed labels, empty label values", () => {
    const role = parseLiveObject(
      "ClusterRole",
      {
        metadata: {
          name: "system:controller:job-controller",
          labels: { "kubernetes.io/bootstrapping": "rbac-defaults", empty: "" },
        },
        rules: [],
      },
      "watch clusterroles",
    );
    expect(role.ok).toBe(true);
  });

  it("refuses what the API server would never serve, naming the watch", () => {
    const result = parseLiveObject(
      "Pod",
      { metadata: { name: "web", namespace: "shop", labels: { "a b": "c" } } },
      "watch pods",
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors.map(formatInputError)[0]).toContain(
        "watch pods: Pod shop/web: metadata.labels.a b",
      );
  });
});
