import { CHECKS, type LazyReport } from "@trustmap/engine";
import { type AcceptedFinding, PILLAR_TITLES, type Severity } from "@trustmap/shared";
import type { ObjectLocation } from "../load";

// SARIF 2.1.0 for code-scanning pipelines, for the CLI's manifests and the live cluster's
// report alike: one rule per Trustmap check, one result per finding. Every result has a
// location, as GitHub code scanning requires of every result in a file it accepts: the manifest
// that defines its first evidence object where one is known, otherwise a relative URI naming the
// object in the cluster (cluster/<cluster>/namespaces/<namespace>/<Kind>/<name>), and always
// the object as a logical location.

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
 * GitHub's hard limits on an uploaded file (more is refused whole): results per run and tags
 * per rule. A run with more findings carries the first ones (most severe first) and says so.
 */
export const GITHUB_LIMITS = { results: 25_000, tagsPerRule: 20 } as const;

/** The kinds whose objects live in a namespace ("Kind/namespace/name"); others are "Kind/name". */
const NAMESPACED = new Set(["Pod", "NetworkPolicy", "ServiceAccount", "Role", "RoleBinding"]);

/**
 * A segment of a relative URI reference (§3.4.3): percent-encoded, so that "/", "%", "#", "?",
 * a space or a bracket in a name stays in its segment; "." and ".." are encoded too, or they
 * would name another path.
 */
function segment(text: string): string {
  const encoded = encodeURIComponent(text);
  return encoded === "." || encoded === ".." ? encoded.replaceAll(".", "%2E") : encoded;
}

/** A manifest's path as a relative URI reference: "/" between segments, each encoded. */
export function artifactUri(file: string): string {
  return file.split(/[\\/]/).map(segment).join("/");
}

/** "Kind/namespace/name" or "Kind/name" (a finding's evidence object) read back into its parts. */
export function parseObjectRef(ref: string): { kind: string; namespace?: string; name: string } {
  const slash = ref.indexOf("/");
  if (slash < 0) return { kind: "Object", name: ref };
  const kind = ref.slice(0, slash);
  const rest = ref.slice(slash + 1);
  const next = rest.indexOf("/");
  if (NAMESPACED.has(kind) && next > 0)
    return { kind, namespace: rest.slice(0, next), name: rest.slice(next + 1) };
  return { kind, name: rest };
}

/** The object's URI in the cluster: cluster/<cluster>/namespaces/<namespace>/<Kind>/<name>, or cluster/<cluster>/<Kind>/<name>. */
export function objectUri(cluster: string, ref: string): string {
  const { kind, namespace, name } = parseObjectRef(ref);
  const path = namespace === undefined ? [kind, name] : ["namespaces", namespace, kind, name];
  return ["cluster", cluster, ...path].map(segment).join("/");
}

/** C0 controls and DEL as their Unicode pictures (U+2400…), C1 controls as U+FFFD: visible, never acted on. */
function visible(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return code === 0x7f ? "\u2421" : "\ufffd";
  });
}

/**
 * Text as a SARIF plain text message string that says exactly it: SARIF viewers read "[text](n)"
 * as an embedded link (§3.11.6, where "\[", "\]" and "\\" are the literal characters) and "{n}"
 * as a placeholder (§3.11.5, where "{{" and "}}" are the literal braces); control characters are
 * shown as their pictures. So a cluster name like "[click](https://x)" or "{0}" stays text.
 */
export function sarifText(text: string): string {
  return visible(text).replace(/[\\[\]{}]/g, (c) => (c === "{" ? "{{" : c === "}" ? "}}" : `\\${c}`));
}

export interface SarifOptions {
  readonly version: string;
  /** Where the manifests define the findings' objects ("Kind/namespace/name" → file and line). */
  readonly locations?: ReadonlyMap<string, ObjectLocation>;
  /** The cluster's name, for the URIs of objects no manifest defines. */
  readonly cluster?: string;
  /** Facts about the run (scope, revision, filters) kept in the run's property bag. */
  readonly runProperties?: Record<string, unknown>;
  /** At most this many results (GitHub's limit unless said otherwise). */
  readonly maxResults?: number;
}

export function renderSarif(
  report: Pick<LazyReport, "findings" | "accepted">,
  options: SarifOptions,
): string {
  const { version, locations = new Map(), cluster = "cluster" } = options;
  const maxResults = options.maxResults ?? GITHUB_LIMITS.results;
  const rules = CHECKS.map((check) => ({
    id: check.id,
    name: check.id,
    shortDescription: { text: sarifText(check.title) },
    fullDescription: { text: sarifText(`${check.title} (${PILLAR_TITLES[check.pillar]}).`) },
    defaultConfiguration: { level: LEVEL[check.severity] },
    properties: {
      tags: ["security", check.pillar, ...check.controls].slice(0, GITHUB_LIMITS.tagsPerRule),
      "security-severity": SECURITY_SEVERITY[check.severity],
    },
  }));
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  // Accepted findings follow the open ones, each marked suppressed with its exception's reason.
  const accepted = report.accepted ?? [];
  const all = [...report.findings, ...accepted.map((a) => a.finding)];
  const findings = all.slice(0, maxResults);
  const results = findings.map((finding, i) => {
    const objects = finding.objects.length > 0 ? finding.objects : [`Finding/${finding.id}`];
    const first = objects[0]!;
    const manifest = objects.map((object) => locations.get(object)).find((l) => l !== undefined);
    const { kind, namespace, name } = parseObjectRef(first);
    return {
      ruleId: finding.id,
      ruleIndex: ruleIndex.get(finding.id) ?? -1,
      level: LEVEL[finding.severity],
      message: { text: sarifText(finding.message) },
      locations: [
        {
          physicalLocation:
            manifest === undefined
              ? // No file defines the object: line 1 of its URI stands for the whole object.
                { artifactLocation: { uri: objectUri(cluster, first) }, region: { startLine: 1 } }
              : {
                  artifactLocation: { uri: artifactUri(manifest.file) },
                  region: { startLine: manifest.line },
                },
          logicalLocations: [
            {
              name,
              fullyQualifiedName: first,
              kind: "resource",
              properties: namespace === undefined ? { kind } : { kind, namespace },
            },
          ],
        },
      ],
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
  const dropped = all.length - findings.length;
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "Trustmap", version, semanticVersion: version, rules } },
        ...(dropped === 0
          ? {}
          : {
              invocations: [
                {
                  executionSuccessful: true,
                  toolExecutionNotifications: [
                    {
                      level: "warning",
                      message: {
                        text: `${findings.length} of ${all.length} findings, the most severe first: code scanning refuses a run of more than ${GITHUB_LIMITS.results} results. The JSON report holds them all.`,
                      },
                    },
                  ],
                },
              ],
            }),
        results,
        columnKind: "utf16CodeUnits",
        properties: {
          ...options.runProperties,
          findings: report.findings.length,
          accepted: accepted.length,
          results: findings.length,
        },
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
