import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ExposurePath, Report } from "@trustmap/shared";
import { describe, expect, it } from "vitest";
import { run } from "./main";

// The hand-worked folders of testdata/exposure: each README works out the answer from the API
// reference, and these tests hold the analysis to it, path by path and finding by finding.

const root = join(import.meta.dirname, "..");

function analyze(folder: string): Report {
  let stdout = "";
  let stderr = "";
  const code = run(["analyze", `testdata/exposure/${folder}`], {
    cwd: root,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  expect(stderr).toBe("");
  expect(code).toBe(0);
  return Report.parse(JSON.parse(stdout));
}

/** The fields a reader checks first: where in, through what, to which pods, and the answer. */
function brief(path: ExposurePath) {
  return {
    via: path.via,
    entry: path.entry.text,
    service: path.service,
    servicePort: path.servicePort,
    to: path.workload === null ? null : `${path.workload} ${path.port}`,
    from: path.from,
    controllers: path.controllers,
    reach: path.reach,
  };
}

function exposureFindings(report: Report) {
  return report.findings
    .filter((finding) => finding.id.startsWith("expos"))
    .map((finding) => ({ id: finding.id, severity: finding.severity, objects: finding.objects }));
}

describe("what the cluster publishes outside itself, on hand-worked folders", () => {
  it("a LoadBalancer behind a default-deny: both ways in are denied at the pods", () => {
    const report = analyze("lb-default-deny");
    const through = { service: "Service/shop/web", servicePort: "TCP 80", to: "shop/web TCP 8080" };
    expect(report.exposure?.map(brief)).toEqual([
      {
        via: "Service/shop/web",
        entry: "every node's TCP 30080",
        ...through,
        from: "outside",
        controllers: [],
        reach: "denied",
      },
      {
        via: "Service/shop/web",
        entry: "load balancer TCP 80",
        ...through,
        from: "outside",
        controllers: [],
        reach: "denied",
      },
    ]);
    expect(report.exposure?.every((path) => path.addresses.length === 0)).toBe(true);
    expect(report.exposure?.[0]?.why).toBe(
      "policy admits no address outside the cluster to shop/web on TCP 8080",
    );
    expect(exposureFindings(report)).toEqual([
      { id: "exposure-blocked", severity: "low", objects: ["Service/shop/web"] },
    ]);
  });

  it("a NodePort with an open policy: open on every node port, restricted behind the load balancer's source ranges", () => {
    const report = analyze("nodeport-open");
    const to = { servicePort: "TCP 443", to: "api/api TCP 8443", from: "outside", controllers: [] };
    expect(report.exposure?.map(brief)).toEqual([
      {
        via: "Service/api/api",
        entry: "every node's TCP 31443",
        service: "Service/api/api",
        ...to,
        reach: "open",
      },
      {
        via: "Service/api/api-lb",
        entry: "every node's TCP 31444",
        service: "Service/api/api-lb",
        ...to,
        reach: "open",
      },
      {
        via: "Service/api/api-lb",
        entry: "load balancer TCP 443",
        service: "Service/api/api-lb",
        ...to,
        reach: "restricted",
      },
    ]);
    expect(report.exposure?.map((path) => path.addresses)).toEqual([
      ["0.0.0.0/0", "::/0"],
      ["0.0.0.0/0", "::/0"],
      ["0.0.0.0/0", "::/0"],
    ]);
    expect(report.exposure?.[2]?.why).toContain("the load balancer admits only 203.0.113.0/24");
    expect(exposureFindings(report)).toEqual([
      { id: "exposed-unrestricted", severity: "high", objects: ["Service/api/api"] },
      { id: "exposed-unrestricted", severity: "high", objects: ["Service/api/api-lb"] },
    ]);
    // api-internal is a ClusterIP Service: no path, no finding.
    expect(JSON.stringify(report.exposure)).not.toContain("api-internal");
  });

  it("an Ingress whose controller may not reach the pods: denied from the controller, and the controller's own door open", () => {
    const report = analyze("ingress-controller-blocked");
    const front = {
      via: "Service/ingress-nginx/ingress-nginx-controller",
      service: "Service/ingress-nginx/ingress-nginx-controller",
      servicePort: "TCP 443",
      to: "ingress-nginx/ingress-nginx-controller TCP 443",
      from: "outside",
      controllers: [],
      reach: "open",
    };
    expect(report.exposure?.map(brief)).toEqual([
      { ...front, entry: "every node's TCP 30443" },
      { ...front, entry: "load balancer TCP 443" },
      {
        via: "Ingress/shop/web",
        entry: "https://shop.example.com/",
        service: "Service/shop/web",
        servicePort: "TCP 80",
        to: "shop/web TCP 8080",
        from: "controller",
        controllers: [{ workload: "ingress-nginx/ingress-nginx-controller", allowed: false }],
        reach: "denied",
      },
    ]);
    expect(exposureFindings(report)).toEqual([
      {
        id: "exposed-unrestricted",
        severity: "high",
        objects: ["Service/ingress-nginx/ingress-nginx-controller"],
      },
      {
        id: "exposure-controller-blocked",
        severity: "medium",
        objects: ["Ingress/shop/web", "Service/shop/web"],
      },
    ]);
    const blocked = report.findings.find((finding) => finding.id === "exposure-controller-blocked");
    // The fix admits the controller's namespace to the pods the Service selects, on their port.
    expect(blocked?.remediation).toBe(
      [
        "apiVersion: networking.k8s.io/v1",
        "kind: NetworkPolicy",
        "metadata:",
        "  name: allow-web-in",
        "  namespace: shop",
        "spec:",
        "  podSelector:",
        "    matchLabels:",
        "      app: web",
        "  policyTypes:",
        "    - Ingress",
        "  ingress:",
        "    - from:",
        "        - namespaceSelector:",
        "            matchLabels:",
        "              kubernetes.io/metadata.name: ingress-nginx",
        "      ports:",
        "        - protocol: TCP",
        "          port: 8080",
      ].join("\n"),
    );
    expect(blocked?.message).toBe(
      "Ingress shop/web sends to pods its controller may not connect to: shop/web on TCP 8080 (https://shop.example.com/) refuses ingress-nginx/ingress-nginx-controller.",
    );
  });

  it("the fix a finding gives, applied, leaves the controller reaching the pods", () => {
    const blocked = analyze("ingress-controller-blocked").findings.find(
      (finding) => finding.id === "exposure-controller-blocked",
    )!;
    const dir = mkdtempSync(join(tmpdir(), "trustmap-exposure-"));
    cpSync(join(root, "testdata", "exposure", "ingress-controller-blocked"), dir, { recursive: true });
    writeFileSync(join(dir, "fix.yaml"), blocked.remediation);
    let stdout = "";
    expect(run(["analyze", dir], { cwd: root, stdout: (t) => (stdout += t), stderr: () => {} })).toBe(0);
    const fixed = Report.parse(JSON.parse(stdout));
    expect(fixed.findings.map((finding) => finding.id)).not.toContain("exposure-controller-blocked");
    expect(fixed.exposure?.find((path) => path.via === "Ingress/shop/web")?.controllers).toEqual([
      { workload: "ingress-nginx/ingress-nginx-controller", allowed: true },
    ]);
  });

  it("prints the paths for people in the text report", () => {
    let stdout = "";
    run(["analyze", "testdata/exposure/ingress-controller-blocked", "--format", "text"], {
      cwd: root,
      stdout: (t) => (stdout += t),
      stderr: () => {},
    });
    const section = stdout.slice(stdout.indexOf("PUBLISHED OUTSIDE THE CLUSTER"), stdout.indexOf("RBAC ("));
    expect(section).toContain(
      "  Ingress/shop/web: https://shop.example.com/ via Service/shop/web TCP 80 -> shop/web TCP 8080 (1 pods): denied\n    controller ingress-nginx/ingress-nginx-controller: may not connect\n",
    );
  });
});
