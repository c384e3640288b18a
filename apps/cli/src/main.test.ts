import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Report } from "@trustmap/shared";
import { describe, expect, it } from "vitest";
import { run } from "./main";
import { checkCodeScanningSarif, validateSarif } from "./testing/formats";

const root = join(import.meta.dirname, "..");
const testdata = join(root, "testdata");

function cli(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = run(args, { cwd: root, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

function shopReport(): Report {
  const result = cli("analyze", "testdata/shop");
  expect(result.code).toBe(0);
  return Report.parse(JSON.parse(result.stdout));
}

describe("trustmap analyze on the shop cluster", () => {
  // Expected answers worked out by hand from testdata/shop; see the comments in each case.
  it("lists exactly the connections the policies allow", () => {
    expect(shopReport().connections).toEqual([
      // monitoring is named by api's second ingress rule; metrics resolves to 9100 on api.
      { from: "monitoring/prometheus", to: "shop/api", ports: [{ protocol: "TCP", port: 9100 }] },
      // ledger's egress is not isolated and prometheus is isolated by nothing.
      { from: "payments/ledger", to: "monitoring/prometheus", ports: "all" },
      // api egress 5432 to ledger AND ledger ingress "pg" (5432) from shop's api.
      { from: "shop/api", to: "payments/ledger", ports: [{ protocol: "TCP", port: 5432 }] },
      // frontend egress grpc resolves on api (9000), and api admits grpc from frontend.
      { from: "shop/frontend", to: "shop/api", ports: [{ protocol: "TCP", port: 9000 }] },
    ]);
  });

  it("lists what each pod may exchange with the outside", () => {
    const everything = (pod: string, direction: "ingress" | "egress") => [
      { pod, direction, cidr: "0.0.0.0/0", except: [], ports: "all" },
      { pod, direction, cidr: "::/0", except: [], ports: "all" },
    ];
    expect(shopReport().external).toEqual([
      ...everything("monitoring/prometheus", "egress"),
      ...everything("monitoring/prometheus", "ingress"),
      ...everything("payments/ledger", "egress"),
      {
        pod: "shop/frontend",
        direction: "ingress",
        cidr: "0.0.0.0/0",
        except: ["10.0.0.0/8"],
        ports: [{ protocol: "TCP", port: 8080 }],
      },
    ]);
  });

  it("gives workloads as pods with their template labels", () => {
    expect(shopReport().pods).toEqual([
      { namespace: "monitoring", name: "prometheus", labels: { app: "prometheus" } },
      { namespace: "payments", name: "ledger", labels: { app: "ledger" } },
      { namespace: "shop", name: "api", labels: { app: "api" } },
      { namespace: "shop", name: "frontend", labels: { app: "frontend" } },
    ]);
  });

  it("traces every subject's effective rules to binding and role", () => {
    const subjects = shopReport().rbac.subjects;
    expect(subjects.map((s) => `${s.kind}/${s.namespace ?? ""}/${s.name}`)).toEqual([
      "Group//ops",
      "Group//system:serviceaccounts",
      "ServiceAccount/shop/api",
      "ServiceAccount/shop/frontend",
      "User//ci-bot",
    ]);
    const api = subjects.find((s) => s.name === "api")!;
    expect(api.rules).toEqual([
      {
        namespace: "*",
        nonResourceURLs: ["/healthz"],
        verbs: ["get"],
        grantedBy: { binding: "ClusterRoleBinding/health", role: "ClusterRole/health" },
      },
      {
        namespace: "shop",
        apiGroups: [""],
        resources: ["configmaps"],
        verbs: ["get", "list"],
        grantedBy: { binding: "RoleBinding/shop/api-config", role: "Role/shop/config-reader" },
      },
      {
        namespace: "shop",
        apiGroups: [""],
        resources: ["secrets"],
        resourceNames: ["api-tls"],
        verbs: ["get"],
        grantedBy: { binding: "RoleBinding/shop/api-config", role: "Role/shop/config-reader" },
      },
    ]);
    expect(subjects.find((s) => s.name === "ci-bot")!.rules.map((r) => r.grantedBy.binding)).toEqual([
      "ClusterRoleBinding/ci",
    ]);
  });

  it("reports the posture gaps of the cluster", () => {
    const findings = shopReport().findings;
    const objectsOf = (id: string) => findings.filter((f) => f.id === id).map((f) => f.objects[0]);
    expect(objectsOf("rbac-cluster-admin-binding")).toEqual(["ClusterRoleBinding/break-glass"]);
    expect(objectsOf("namespace-no-default-deny-ingress")).toEqual([
      "Namespace/monitoring",
      "Namespace/payments",
    ]);
    expect(objectsOf("namespace-no-pod-security-enforce")).toEqual(["Namespace/payments"]);
    expect(objectsOf("pod-not-isolated-ingress")).toEqual(["Pod/monitoring/prometheus"]);
    expect(objectsOf("pod-not-isolated-egress")).toEqual([
      "Pod/monitoring/prometheus",
      "StatefulSet/payments/ledger",
    ]);
    expect(objectsOf("policy-rule-open-to-any-address")).toEqual(["NetworkPolicy/shop/frontend"]);
    expect(objectsOf("host-network")).toEqual(["Pod/monitoring/prometheus"]);
    expect(objectsOf("automount-service-account-token")).not.toContain("Deployment/shop/frontend");
    expect(findings.map((f) => f.severity)).toEqual(
      [...findings.map((f) => f.severity)].sort((a, b) => rank(a) - rank(b)),
    );
  });

  it("streams exactly what JSON.stringify prints for the whole report", () => {
    const text = cli("analyze", "testdata/shop").stdout;
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    const empty = mkdtempSync(join(tmpdir(), "trustmap-"));
    writeFileSync(join(empty, "ns.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: quiet\n");
    const quiet = run(["analyze", empty], {
      cwd: empty,
      stdout: (t) => expect(t).toBe(`${JSON.stringify(JSON.parse(t), null, 2)}\n`),
      stderr: () => {},
    });
    expect(quiet).toBe(0);
  });

  it("prints byte-identical output for the same input, whatever the order of paths", () => {
    const files = ["rbac.json", "workloads.yaml", "policies.yaml", "namespaces.yaml"].map(
      (f) => `testdata/shop/${f}`,
    );
    const first = cli("analyze", ...files).stdout;
    expect(cli("analyze", ...files.reverse()).stdout).toBe(first);
    expect(cli("analyze", "testdata/shop").stdout).toBe(first);
  });

  it("prints the report for people, grouped (golden file)", () => {
    const text = cli("analyze", "testdata/shop", "--format", "text").stdout;
    const golden = join(root, "golden", "shop.txt");
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, "utf8"));
  });

  it("prints SARIF 2.1.0 with a rule per check and a located result per finding", () => {
    const sarif = JSON.parse(cli("analyze", "testdata/shop", "--format=sarif").stdout);
    expect(sarif.version).toBe("2.1.0");
    const [runLog] = sarif.runs;
    expect(runLog.tool.driver.name).toBe("Trustmap");
    const ruleIds = runLog.tool.driver.rules.map((r: { id: string }) => r.id);
    expect(runLog.results).toHaveLength(shopReport().findings.length);
    for (const result of runLog.results) {
      expect(ruleIds[result.ruleIndex]).toBe(result.ruleId);
      expect(["error", "warning", "note"]).toContain(result.level);
      expect(result.message.text.length).toBeGreaterThan(0);
    }
    const frontend = runLog.results.find(
      (r: { ruleId: string }) => r.ruleId === "policy-rule-open-to-any-address",
    );
    expect(frontend.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "testdata/shop/policies.yaml" },
      region: { startLine: 10 },
    });
  });
});

describe("SARIF output against the OASIS SARIF 2.1.0 schema", () => {
  // The clusters the tests above analyse, plus one whose path a URI must percent-encode.
  const clusters: [string, () => { cwd: string; path: string }][] = [
    ["the shop cluster", () => ({ cwd: root, path: "testdata/shop" })],
    ["a lone namespace", () => ({ cwd: scratch({ "ns.yaml": NAMESPACE }), path: "." })],
    [
      "the shop cluster with a skipped ConfigMap",
      () => ({ cwd: shopCopy("shop", { "extra.yaml": CONFIG_MAP }), path: "shop" }),
    ],
    ["the shop cluster in a folder named 'my #1 cluster'", () => ({ cwd: shopCopy(SPACED), path: SPACED })],
  ];
  for (const [name, input] of clusters) {
    it(`is valid for ${name}, with one result per finding of the JSON report`, () => {
      const { cwd, path } = input();
      const sarif = analyzeIn(cwd, path, "--format", "sarif");
      expect(validateSarif(sarif)).toEqual([]);
      // Every result located (at its manifest, or at its object in the cluster), as code scanning requires.
      expect(checkCodeScanningSarif(sarif)).toEqual([]);
      const findings = Report.parse(JSON.parse(analyzeIn(cwd, path))).findings;
      expect(findings.length).toBeGreaterThan(0);
      expect(JSON.parse(sarif).runs[0].results).toHaveLength(findings.length);
    });
  }

  it("percent-encodes the manifest's path in the artifact URI", () => {
    const sarif = JSON.parse(analyzeIn(shopCopy(SPACED), SPACED, "--format=sarif"));
    const uris = sarif.runs[0].results.flatMap(
      (r: { locations?: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
        r.locations?.map((l) => l.physicalLocation.artifactLocation.uri) ?? [],
    );
    expect(uris).toContain("my%20%231%20cluster/policies.yaml");
  });
});

const SPACED = "my #1 cluster";
const NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: quiet\n";
const CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n";

/** Runs `trustmap analyze PATH ARGS...` from `cwd` and returns what it printed; it must succeed. */
function analyzeIn(cwd: string, path: string, ...args: string[]): string {
  let stdout = "";
  expect(run(["analyze", path, ...args], { cwd, stdout: (t) => (stdout += t), stderr: () => {} })).toBe(0);
  return stdout;
}

function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "trustmap-"));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

/** A scratch directory with testdata/shop copied into `folder`, plus `extra` files there. */
function shopCopy(folder: string, extra: Record<string, string> = {}): string {
  const dir = scratch({});
  cpSync(join(testdata, "shop"), join(dir, folder), { recursive: true });
  for (const [file, text] of Object.entries(extra)) writeFileSync(join(dir, folder, file), text);
  return dir;
}

function rank(severity: string): number {
  return ["critical", "high", "medium", "low", "info"].indexOf(severity);
}

describe("bad input", () => {
  const cases: [string, string][] = [
    ["not-yaml.yaml", "testdata/bad/not-yaml.yaml, document 1: not valid YAML or JSON at line 6"],
    ["no-kind.yaml", 'testdata/bad/no-kind.yaml, document 2: object "nameless-kind": kind: is required'],
    [
      "bad-operator.yaml",
      'testdata/bad/bad-operator.yaml, document 1: NetworkPolicy shop/web: spec.podSelector.matchExpressions[0].operator: unknown operator "Equals"',
    ],
    [
      "bad-port.yaml",
      "testdata/bad/bad-port.yaml, document 1: NetworkPolicy shop/web: spec.ingress[0].ports[0].port: expected a port number or name, found a list",
    ],
  ];
  for (const [file, message] of cases) {
    it(`stops on ${file} with exit code 2, a message naming file, document and field, and nothing on stdout`, () => {
      const result = cli("analyze", "testdata/shop", `testdata/bad/${file}`);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(`error: ${message}`);
    });
  }

  it("says what is wrong with the command line", () => {
    expect(cli("analyze").stderr).toContain("analyze needs at least one file or directory");
    expect(cli("analyze", "x", "--format", "xml").stderr).toContain("--format takes json, text or sarif");
    expect(cli("analyze", "missing-dir").stderr).toContain("missing-dir: cannot be read: ENOENT");
    expect(cli("analyze", "missing-dir").code).toBe(2);
  });

  it("notes skipped kinds on stderr and still answers", () => {
    const dir = mkdtempSync(join(tmpdir(), "trustmap-"));
    cpSync(join(testdata, "shop"), dir, { recursive: true });
    writeFileSync(join(dir, "extra.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n");
    const result = run(["analyze", dir], {
      cwd: dir,
      stdout: () => {},
      stderr: (t) => expect(t).toContain("skipped ConfigMap settings"),
    });
    expect(result).toBe(0);
  });
});

/** Runs `trustmap analyze` on `dir`, its report and what it printed on stderr. */
function analyzeDir(dir: string) {
  let stdout = "";
  let stderr = "";
  const code = run(["analyze", dir], {
    cwd: dir,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

const workload = (kind: string, name: string, app: string) =>
  [
    `apiVersion: ${kind.endsWith("Job") ? "batch/v1" : "apps/v1"}`,
    `kind: ${kind}`,
    "metadata:",
    `  name: ${name}`,
    "  namespace: shop",
    "spec:",
    ...(kind === "CronJob"
      ? ['  schedule: "0 3 * * *"', "  jobTemplate:", "    spec:", "      template:"]
      : ["  template:"]),
    ...[
      "metadata:",
      "  labels:",
      `    app: ${app}`,
      "spec:",
      "  containers:",
      "    - name: main",
      "      image: app:1",
    ].map((line) => `${kind === "CronJob" ? "        " : "    "}${line}`),
    "",
  ].join("\n");

const podYaml = (name: string, app: string, phase?: string) =>
  [
    "apiVersion: v1",
    "kind: Pod",
    "metadata:",
    `  name: ${name}`,
    "  namespace: shop",
    "  labels:",
    `    app: ${app}`,
    "spec:",
    "  containers:",
    "    - name: main",
    "      image: app:1",
    ...(phase === undefined ? [] : ["status:", `  phase: ${phase}`]),
    "",
  ].join("\n");

describe("names per kind and finished pods", () => {
  it("reads a Deployment and a StatefulSet named alike, a CronJob and a Job, a Deployment and a Pod", () => {
    const dir = scratch({
      "redis.yaml": `${workload("Deployment", "redis", "redis")}---\n${workload("StatefulSet", "redis", "redis-sts")}`,
      "backup.yaml": `${workload("CronJob", "backup", "backup")}---\n${workload("Job", "backup", "backup-once")}`,
      "web.yaml": `${workload("Deployment", "web", "web")}---\n${podYaml("web", "debug")}`,
    });
    const result = analyzeDir(dir);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const report = Report.parse(JSON.parse(result.stdout));
    expect(report.pods.map((pod) => pod.name)).toEqual([
      "backup (CronJob)",
      "backup (Job)",
      "redis (Deployment)",
      "redis (StatefulSet)",
      "web",
      "web (Deployment)",
    ]);
  });

  it("leaves out pods that Succeeded or Failed, saying so on stderr", () => {
    const dir = scratch({
      "pods.yaml": [
        podYaml("done", "batch", "Succeeded"),
        podYaml("broken", "batch", "Failed"),
        podYaml("web", "web", "Running"),
      ].join("---\n"),
    });
    const result = analyzeDir(dir);
    expect(result.code).toBe(0);
    expect(Report.parse(JSON.parse(result.stdout)).pods.map((pod) => pod.name)).toEqual(["web"]);
    expect(result.stderr).toContain("Pod shop/done: left out: phase Succeeded");
    expect(result.stderr).toContain("Pod shop/broken: left out: phase Failed");
  });

  it("stops on a name the API server refuses, naming file, object and field", () => {
    const dir = scratch({ "bad.yaml": podYaml('"<img src=x onerror=alert(1)>"', "web") });
    const result = analyzeDir(dir);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      'bad.yaml, document 1: Pod "shop/<img src=x onerror=alert(1)>": metadata.name: "<img src=x onerror=alert(1)>" is not a valid Pod name',
    );
  });

  it("stops on .inf, naming the field", () => {
    const dir = scratch({
      "inf.yaml": workload("Deployment", "web", "web").replace("spec:\n", "spec:\n  replicas: .inf\n"),
    });
    const result = analyzeDir(dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("inf.yaml, document 1: spec.replicas: .inf");
  });
});

describe("the installed command", () => {
  it("runs from the repository root as `pnpm -s trustmap analyze`", () => {
    const repo = join(root, "..", "..");
    // pnpm passes the caller's directory as INIT_CWD; here the caller is the repository root.
    const env = { ...process.env, INIT_CWD: repo };
    const tsx = join(repo, "node_modules", ".bin", "tsx");
    const ok = spawnSync(
      tsx,
      ["apps/cli/src/main.ts", "analyze", "apps/cli/testdata/shop", "--format", "json"],
      { cwd: repo, env, encoding: "utf8" },
    );
    expect(ok.status).toBe(0);
    expect(Report.parse(JSON.parse(ok.stdout)).pods).toHaveLength(4);
    const bad = spawnSync(tsx, ["apps/cli/src/main.ts", "analyze", "apps/cli/testdata/bad/bad-port.yaml"], {
      cwd: repo,
      env,
      encoding: "utf8",
    });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe("");
  });
});
