import { checkCodeScanningSarif, unescapeSarifText, validateSarif } from "@trustmap/cli/testing/formats";
import { EvidenceReport, type SourceInfo, ViewPresence } from "@trustmap/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../server";
import { ScriptedSource } from "../testing/scripted";
import { serveObjects } from "../testing/serve";
import { StreamClient } from "../testing/sse-client";

// Pages that tell the truth about themselves, through the real server: the status stream every
// page opens, whether a view's subject exists, and SARIF that code scanning accepts even when
// the cluster's and its objects' names are hostile.

const HOSTILE_CLUSTER = "[click](https://x) {0} \u0007";

class HostileSource extends ScriptedSource {
  override readonly info: SourceInfo = { kind: "kubernetes", name: HOSTILE_CLUSTER, demo: false };
}

const OBJECTS = [
  { kind: "Namespace", metadata: { name: "shop" } },
  {
    kind: "Pod",
    metadata: { name: "web-1", namespace: "shop", labels: { app: "web" } },
    spec: { containers: [{ name: "web", image: "web:1", securityContext: { privileged: true } }] },
  },
  {
    kind: "ClusterRoleBinding",
    // Markdown in a name the API server accepts: RBAC names may hold anything but '/' and '%'.
    metadata: { name: "[click](javascript:alert(1))-admins" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: [{ kind: "User", name: "{0}[here](1)", apiGroup: "rbac.authorization.k8s.io" }],
  },
  {
    kind: "ClusterRole",
    metadata: { name: "cluster-admin" },
    rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
  },
];

let server: RunningServer;

beforeAll(async () => {
  ({ server } = await serveObjects(OBJECTS, new HostileSource()));
});

afterAll(async () => {
  await server.close();
});

describe("the status stream every page opens", () => {
  it("carries the source and its status with no view at all", async () => {
    const client = await StreamClient.connect(server.url, []);
    try {
      await client.until(() => client.hello !== undefined, 5_000, "the hello");
      expect(client.hello?.views).toEqual([]);
      expect(client.hello?.source.name).toBe(HOSTILE_CLUSTER);
      expect(client.hello?.status.state).toBe(server.live.connection.state);
    } finally {
      client.close();
    }
  });
});

describe("GET /api/view", () => {
  const presence = async (view: string) => {
    const response = await fetch(new URL(`/api/view?view=${encodeURIComponent(view)}`, server.url));
    return { status: response.status, body: (await response.json()) as unknown };
  };

  it("says that a namespace or workload that does not exist does not, and that one that does does", async () => {
    expect(ViewPresence.parse((await presence("namespace:nowhere")).body)).toEqual({
      view: "namespace:nowhere",
      exists: false,
      kind: "namespace",
      message: 'no namespace named "nowhere" in the cluster now',
    });
    expect((await presence("namespace:shop")).body).toEqual({ view: "namespace:shop", exists: true });
    expect((await presence("overview")).body).toEqual({ view: "overview", exists: true });
    const ghost = ViewPresence.parse((await presence("workload:shop/app=ghost")).body);
    expect(ghost.exists).toBe(false);
    expect(ghost.kind).toBe("workload");
  });

  it("answers 400 naming the parameter for a missing or malformed view", async () => {
    const missing = await fetch(new URL("/api/view", server.url));
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toContain('"view"');
    const bad = await presence("cluster:x");
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toContain('query parameter "view"');
  });
});

describe("the live cluster's SARIF", () => {
  it("passes the OASIS schema and GitHub's upload rules, every result located, hostile names literal", async () => {
    const text = await (await fetch(new URL("/api/export/report.sarif", server.url))).text();
    expect(validateSarif(text)).toEqual([]);
    expect(checkCodeScanningSarif(text)).toEqual([]);
    const report = EvidenceReport.parse(
      await (await fetch(new URL("/api/export/report.json", server.url))).json(),
    );
    const run = JSON.parse(text).runs[0] as {
      results: {
        message: { text: string };
        locations: {
          physicalLocation: { artifactLocation: { uri: string } };
          logicalLocations: { fullyQualifiedName: string }[];
        }[];
      }[];
    };
    expect(run.results).toHaveLength(report.findings.length);
    expect(report.findings.length).toBeGreaterThan(0);
    const clusterSegment = encodeURIComponent(HOSTILE_CLUSTER);
    run.results.forEach((result, i) => {
      const finding = report.findings[i]!;
      const [location] = result.locations;
      expect(location!.physicalLocation.artifactLocation.uri.startsWith(`cluster/${clusterSegment}/`)).toBe(
        true,
      );
      expect(location!.logicalLocations[0]!.fullyQualifiedName).toBe(finding.objects[0]);
      expect(unescapeSarifText(result.message.text)).toBe(finding.message);
    });
    const admin = run.results.find((r) => r.message.text.includes("{{0}}\\[here\\](1)"));
    expect(admin).toBeDefined();
  });
});
