import { CHECKS } from "@trustmap/engine";
import type { Finding } from "@trustmap/shared";
import { describe, expect, it } from "vitest";
import {
  CODE_SCANNING_LIMITS,
  checkCodeScanningSarif,
  unescapeSarifText,
  validateSarif,
} from "../testing/formats";
import { objectUri, parseObjectRef, renderSarif, sarifText } from "./sarif";

const HOSTILE = [
  "[click](https://x)",
  "{0}",
  "{{0}} and }{",
  "a\\[b\\]c \\ d",
  "bell\u0007 nul\u0000 esc\u001b[31m del\u007f c1\u0085",
  "[here](3) for {1}",
  "..",
  ".",
  "a/b?c#d%e f",
  "",
];

const check = CHECKS[0]!;
const finding = (message: string, objects: string[]): Finding => ({
  id: check.id,
  pillar: check.pillar,
  severity: check.severity,
  objects,
  message,
  remediation: "Fix [it](https://x) {0}",
  controls: [...check.controls],
});

/** What a reader of the message should see: the text, its control characters made visible. */
const shown = (text: string) =>
  text.replace(/\p{Cc}/gu, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x20 ? String.fromCharCode(0x2400 + code) : code === 0x7f ? "\u2421" : "\ufffd";
  });

describe("SARIF message text is literal", () => {
  for (const text of HOSTILE) {
    it(`keeps ${JSON.stringify(text)} as text, with no link, placeholder or control character`, () => {
      const escaped = sarifText(text);
      expect(escaped).not.toMatch(/\p{Cc}/u);
      expect(unescapeSarifText(escaped)).toBe(shown(text));
      // No unescaped bracket, no single brace: nothing a viewer would act on.
      expect(escaped.replace(/\\[\\[\]]|\{\{|\}\}/g, "")).not.toMatch(/[[\]{}\\]/);
    });
  }

  it("escapes every character SARIF gives a meaning, and nothing else", () => {
    expect(sarifText("[click](https://x)")).toBe("\\[click\\](https://x)");
    expect(sarifText("{0}")).toBe("{{0}}");
    expect(sarifText("C:\\dir")).toBe("C:\\\\dir");
    expect(sarifText("plain text: pods/web-1")).toBe("plain text: pods/web-1");
  });
});

describe("SARIF locations", () => {
  it("reads evidence references back into kind, namespace and name", () => {
    expect(parseObjectRef("Pod/shop/web-1")).toEqual({ kind: "Pod", namespace: "shop", name: "web-1" });
    expect(parseObjectRef("ClusterRoleBinding/admins")).toEqual({
      kind: "ClusterRoleBinding",
      name: "admins",
    });
    expect(parseObjectRef("User/https://issuer/x#sub")).toEqual({
      kind: "User",
      name: "https://issuer/x#sub",
    });
  });

  it("names an object in the cluster by a relative URI whose segments hold their own text", () => {
    expect(objectUri("prod", "Pod/shop/web-1")).toBe("cluster/prod/namespaces/shop/Pod/web-1");
    expect(objectUri("prod", "Namespace/shop")).toBe("cluster/prod/Namespace/shop");
    expect(objectUri("[click](https://x)", "User/a/b")).toBe(
      "cluster/%5Bclick%5D(https%3A%2F%2Fx)/User/a%2Fb",
    );
    expect(objectUri("..", "Namespace/.")).toBe("cluster/%2E%2E/Namespace/%2E");
  });
});

describe("SARIF that GitHub code scanning accepts", () => {
  it("locates every result, at its manifest where known and in the cluster otherwise, with hostile names", () => {
    const findings = HOSTILE.map((name, i) =>
      // A Kubernetes name never holds "/": the evidence reference keeps its three parts.
      finding(`Namespace "${name}" is open ${name}`, [
        `Pod/${name.replaceAll("/", "") || "x"}/p${i}`,
        "Namespace/other",
      ]),
    );
    const locations = new Map([["Pod/{0}/p1", { file: "manifests/my #1 cluster/pods.yaml", line: 7 }]]);
    for (const cluster of ["[click](https://x)", "{0}", "prod\u0001"]) {
      const text = renderSarif({ findings }, { version: "1.0.0", locations, cluster });
      expect(validateSarif(text)).toEqual([]);
      expect(checkCodeScanningSarif(text)).toEqual([]);
      const results = JSON.parse(text).runs[0].results;
      expect(results).toHaveLength(findings.length);
      expect(results[1].locations[0].physicalLocation).toEqual({
        artifactLocation: { uri: "manifests/my%20%231%20cluster/pods.yaml" },
        region: { startLine: 7 },
      });
      expect(results[0].locations[0].physicalLocation.artifactLocation.uri).toBe(
        objectUri(cluster, "Pod/[click](https:x)/p0"),
      );
      expect(results[0].locations[0].logicalLocations).toEqual([
        {
          name: "p0",
          fullyQualifiedName: "Pod/[click](https:x)/p0",
          kind: "resource",
          properties: { kind: "Pod", namespace: "[click](https:x)" },
        },
      ]);
      expect(unescapeSarifText(results[0].message.text)).toBe(findings[0]!.message);
    }
  });

  it("carries at most GitHub's 25,000 results, the first ones, and says how many it left out", () => {
    const many = Array.from({ length: CODE_SCANNING_LIMITS.resultsPerRun + 3 }, (_, i) =>
      finding(`finding ${i}`, [`Pod/ns/p${i}`]),
    );
    const text = renderSarif({ findings: many }, { version: "1.0.0", cluster: "big" });
    expect(checkCodeScanningSarif(text)).toEqual([]);
    const run = JSON.parse(text).runs[0];
    expect(run.results).toHaveLength(CODE_SCANNING_LIMITS.resultsPerRun);
    expect(run.results.at(-1).message.text).toBe(`finding ${CODE_SCANNING_LIMITS.resultsPerRun - 1}`);
    expect(run.properties).toMatchObject({
      findings: many.length,
      results: CODE_SCANNING_LIMITS.resultsPerRun,
    });
    expect(run.invocations[0].toolExecutionNotifications[0].message.text).toContain(
      `25000 of ${many.length} findings`,
    );
  });
});

describe("the code scanning checker", () => {
  const good = () =>
    JSON.parse(renderSarif({ findings: [finding("ok", ["Pod/ns/p"])] }, { version: "1.0.0", cluster: "c" }));
  const errorsOf = (change: (log: ReturnType<typeof good>) => void) => {
    const log = good();
    change(log);
    return checkCodeScanningSarif(JSON.stringify(log));
  };

  it("accepts the writer's output", () => {
    expect(checkCodeScanningSarif(JSON.stringify(good()))).toEqual([]);
  });

  it("refuses a result without a location, as GitHub does", () => {
    expect(errorsOf((log) => delete log.runs[0].results[0].locations)).toEqual([
      "$.runs[0].results[0].locations: none (code scanning refuses the file)",
    ]);
  });

  it("refuses a URI scheme code scanning does not know, a dot segment and unencoded characters", () => {
    const uri = (value: string) =>
      errorsOf((log) => {
        log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri = value;
      });
    expect(uri("k8s://prod/ns/Pod/p")[0]).toContain('scheme "k8s"');
    expect(uri("cluster/../etc")[0]).toContain("dot segment");
    expect(uri("cluster/a b")[0]).toContain("not a URI reference");
    expect(uri("file:///repo/a.yaml")).toEqual([]);
  });

  it("refuses a rule not in the driver, a missing driver name, missing fingerprints and too many tags", () => {
    expect(errorsOf((log) => (log.runs[0].results[0].ruleId = "nope"))[0]).toContain("is not a rule");
    expect(errorsOf((log) => (log.runs[0].tool.driver.name = ""))).toEqual([
      "$.runs[0].tool.driver.name: missing",
    ]);
    expect(errorsOf((log) => delete log.runs[0].results[0].partialFingerprints)[0]).toContain(
      "partialFingerprints",
    );
    expect(
      errorsOf(
        (log) => (log.runs[0].tool.driver.rules[0].properties.tags = Array.from({ length: 21 }, String)),
      )[0],
    ).toContain("21 tags");
  });

  it("refuses message text a viewer would act on", () => {
    const message = (text: string) =>
      errorsOf((log) => {
        log.runs[0].results[0].message.text = text;
      });
    expect(message("see [here](1)")[0]).toContain("unescaped bracket");
    expect(message("value {0}")[0]).toContain("placeholder brace");
    expect(message("bell \u0007")[0]).toContain("control character");
    expect(message("C:\\dir")[0]).toContain("lone backslash");
    expect(message("\\[ok\\] {{0}} \\\\")).toEqual([]);
  });
});
