import { CHECKS, type LazyReport } from "@trustmap/engine";
import { type AcceptedFinding, PILLAR_TITLES, type Severity } from "@trustmap/shared";
import type { ObjectLocation } from "../load";

// SARIF 2.1.0 for code-scanning pipelines: one rule per Trustmap check, one result per finding,
// located at the manifest that defines its first evidence object where that is known.

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

/** GitHub code scanning reads "security-severity" (0.1-10) to rank alerts. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "0.5",
};

/**
 * A manifest's path as the relative URI reference SARIF requires (§3.4.3): "/" between
 * segments, and each segment percent-encoded, since a space, "%", "#" or "?" in a file name
 * would otherwise make an invalid URI or one that names another file.
 */
function artifactUri(file: string): string {
  return file.split(/[\\/]/).map(encodeURIComponent).join("/");
}

export function renderSarif(
  report: Pick<LazyReport, "findings" | "accepted">,
  locations: ReadonlyMap<string, ObjectLocation>,
  version: string,
  /** Facts about the run (scope, revision, filters) kept in the run's property bag. */
  runProperties?: Record<string, unknown>,
): string {
  const rules = CHECKS.map((check) => ({
    id: check.id,
    name: check.id,
    shortDescription: { text: check.title },
    fullDescription: { text: `${check.title} (${PILLAR_TITLES[check.pillar]}).` },
    defaultConfiguration: { level: LEVEL[check.severity] },
    properties: {
      tags: ["security", check.pillar, ...check.controls],
      "security-severity": SECURITY_SEVERITY[check.severity],
    },
  }));
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  const accepted = report.accepted ?? [];
  const results = [...report.findings, ...accepted.map((a) => a.finding)].map((finding, i) => {
    const located = finding.objects.map((object) => locations.get(object)).find((l) => l !== undefined);
    return {
      ruleId: finding.id,
      ruleIndex: ruleIndex.get(finding.id) ?? -1,
      level: LEVEL[finding.severity],
      message: { text: finding.message },
      ...(located === undefined
        ? {}
        : {
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: artifactUri(located.file) },
                  region: { startLine: located.line },
                },
              },
            ],
          }),
      ...suppressionOf(accepted[i - report.findings.length]),
      partialFingerprints: { "trustmap/v1": `${finding.id}|${finding.objects.join(",")}` },
      properties: {
        severity: finding.severity,
        pillar: finding.pillar,
        controls: finding.controls,
        objects: finding.objects,
        remediation: finding.remediation,
        "security-severity": SECURITY_SEVERITY[finding.severity],
      },
    };
  });
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "Trustmap", version, semanticVersion: version, rules } },
        results,
        columnKind: "utf16CodeUnits",
        ...(runProperties === undefined ? {} : { properties: runProperties }),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** An accepted exception as SARIF's suppression: decided outside the tool, with its reason. */
function suppressionOf(accepted: AcceptedFinding | undefined) {
  if (accepted === undefined) return {};
  const { reason, owner, expires } = accepted.exception;
  return {
    suppressions: [
      { kind: "external", status: "accepted", justification: `${reason} (owner ${owner}, until ${expires})` },
    ],
  };
}
