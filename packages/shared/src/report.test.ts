import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Report } from "./report";
import { diffSchemaText, reportSchemaText } from "./schemaFile";

const example = {
  schemaVersion: 1,
  pods: [{ namespace: "ns0", name: "pod1", labels: { app: "web" } }],
  connections: [
    { from: "ns0/pod1", to: "ns1/pod2", ports: "all" },
    {
      from: "ns0/pod1",
      to: "ns0/pod3",
      ports: [
        { protocol: "TCP", port: 80 },
        { protocol: "TCP", port: 8000, endPort: 8100 },
        { protocol: "UDP" },
      ],
    },
  ],
  external: [
    { pod: "ns0/pod1", direction: "egress", cidr: "0.0.0.0/0", except: ["10.0.0.0/8"], ports: "all" },
  ],
  rbac: {
    subjects: [
      {
        kind: "ServiceAccount",
        namespace: "ns0",
        name: "app",
        rules: [
          {
            namespace: "ns0",
            apiGroups: [""],
            resources: ["pods", "pods/log"],
            verbs: ["get"],
            resourceNames: ["x"],
            grantedBy: { binding: "RoleBinding/ns0/b1", role: "Role/ns0/r1" },
          },
          {
            namespace: "*",
            nonResourceURLs: ["/healthz"],
            verbs: ["get"],
            grantedBy: { binding: "ClusterRoleBinding/b2", role: "ClusterRole/health" },
          },
        ],
      },
    ],
  },
  findings: [
    {
      id: "x",
      pillar: "network-segmentation",
      severity: "high",
      objects: ["Namespace/ns0"],
      message: "m",
      remediation: "r",
      controls: ["CIS 5.3.2"],
    },
  ],
};

describe("the report contract", () => {
  it("accepts the documented example", () => {
    expect(Report.parse(example)).toEqual(example);
  });

  it("rejects unknown fields, severities and empty port lists", () => {
    expect(Report.safeParse({ ...example, extra: 1 }).success).toBe(false);
    expect(
      Report.safeParse({ ...example, findings: [{ ...example.findings[0], severity: "urgent" }] }).success,
    ).toBe(false);
    expect(
      Report.safeParse({ ...example, connections: [{ from: "a/b", to: "a/c", ports: [] }] }).success,
    ).toBe(false);
  });

  it("is published as report.schema.json, in step with the schemas", () => {
    const published = readFileSync(new URL("../report.schema.json", import.meta.url), "utf8");
    // Regenerate with: pnpm --filter @trustmap/shared schema
    expect(published).toBe(reportSchemaText());
    const schema = JSON.parse(published);
    expect(schema.required).toEqual(["schemaVersion", "pods", "connections", "external", "rbac", "findings"]);
  });

  it("publishes trustmap diff's JSON as diff.schema.json, in step with the schemas", () => {
    const published = readFileSync(new URL("../diff.schema.json", import.meta.url), "utf8");
    // Regenerate with: pnpm --filter @trustmap/shared schema
    expect(published).toBe(diffSchemaText());
    expect(JSON.parse(published).required).toEqual([
      "before",
      "after",
      "causes",
      "counts",
      "changes",
      "gates",
      "failed",
    ]);
  });
});
