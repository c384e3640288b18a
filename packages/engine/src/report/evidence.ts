import {
  type AcceptedFinding,
  type ControlSection,
  type EvidenceMeta,
  type EvidenceReport,
  type Finding,
  PILLAR_TITLES,
  Pillar,
  type PillarSummary,
  type PolicyAppendix,
  SEVERITY_ORDER,
  type ViewEdge,
  type ViewNode,
} from "@trustmap/shared";
import { compareControls, controlOf } from "../findings/controls";
import type { PolicyPort } from "../objects/model";
import { selectorIsEmpty } from "../selectors/labelSelector";
import type { PolicyState, RuleState } from "../state/netpol-index";
import { describeRulePeers, selectorText } from "../views/explain";
import { emptySeverityCounts } from "../views/namespaces";

// The evidence report's sections, from what the live cluster already knows: findings grouped by
// pillar and by control, the policies of the scope in words. Pure: the caller picks the scope.

export interface EvidenceInput {
  readonly meta: EvidenceMeta;
  readonly namespaces: number;
  readonly pods: number;
  /** The findings in scope that pass the filters, most severe first. */
  readonly findings: readonly Finding[];
  /** Findings accepted by an exception (`--exceptions FILE`), listed apart. */
  readonly accepted?: readonly AcceptedFinding[];
  readonly graph: {
    readonly view: string;
    readonly nodes: readonly ViewNode[];
    readonly edges: readonly ViewEdge[];
    readonly noDefaultDeny: readonly string[];
  };
  readonly rbac: EvidenceReport["rbac"];
  readonly policies: readonly PolicyState[];
}

export function evidenceReport(input: EvidenceInput): EvidenceReport {
  return {
    schemaVersion: 1,
    meta: input.meta,
    counts: {
      namespaces: input.namespaces,
      pods: input.pods,
      networkPolicies: input.policies.length,
      findings: input.findings.length,
      riskySubjects: input.rbac.length,
    },
    pillars: pillarSummaries(input.findings),
    controls: controlSections(input.findings),
    findings: [...input.findings],
    ...(input.accepted === undefined ? {} : { accepted: [...input.accepted] }),
    graph: {
      view: input.graph.view,
      nodes: [...input.graph.nodes],
      edges: [...input.graph.edges],
      noDefaultDeny: [...input.graph.noDefaultDeny],
    },
    rbac: input.rbac,
    networkPolicies: [...input.policies]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map(policyAppendix),
  };
}

/** Every pillar, even those with no finding: "nothing found" is part of the evidence. */
export function pillarSummaries(findings: readonly Finding[]): PillarSummary[] {
  return Pillar.options.map((pillar) => {
    const counts = emptySeverityCounts();
    const checks = new Map<string, number>();
    let total = 0;
    for (const finding of findings) {
      if (finding.pillar !== pillar) continue;
      total++;
      counts[finding.severity]++;
      if (!checks.has(finding.id)) checks.set(finding.id, SEVERITY_ORDER.indexOf(finding.severity));
    }
    const ordered = [...checks].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
    return { pillar, title: PILLAR_TITLES[pillar], findings: total, counts, checks: ordered };
  });
}

const UNMAPPED = {
  framework: "Trustmap",
  control: "Unmapped",
  title: "Findings no CIS or NSA-CISA control covers",
} as const;

/** Findings by control; a finding under two controls is listed under both. */
export function controlSections(findings: readonly Finding[]): ControlSection[] {
  const sections = new Map<string, ControlSection>();
  findings.forEach((finding, index) => {
    const controls = finding.controls.length === 0 ? [UNMAPPED] : finding.controls.map(controlOf);
    for (const control of controls) {
      const key = `${control.framework}\n${control.control}`;
      let section = sections.get(key);
      if (section === undefined) {
        section = { ...control, findings: [] };
        sections.set(key, section);
      }
      section.findings.push(index);
    }
  });
  return [...sections.values()].sort(compareControls);
}

function portsText(ports: readonly PolicyPort[]): string {
  if (ports.length === 0) return "every port";
  return ports
    .map((p) => {
      if (p.port === undefined) return `all ${p.protocol}`;
      if (typeof p.port === "string") return `${p.protocol} port named ${p.port}`;
      return p.endPort === undefined ? `${p.protocol} ${p.port}` : `${p.protocol} ${p.port}-${p.endPort}`;
    })
    .join(", ");
}

function ruleText(state: RuleState, ports: readonly PolicyPort[]) {
  return { peers: describeRulePeers(state), ports: portsText(ports) };
}

export function policyAppendix(state: PolicyState): PolicyAppendix {
  const policy = state.policy;
  let pods = 0;
  for (const identity of state.selected) pods += identity.pods.size;
  return {
    namespace: policy.namespace,
    name: policy.name,
    podSelector: selectorIsEmpty(policy.podSelector) ? "all pods" : selectorText(policy.podSelector),
    policyTypes: [
      ...(policy.affectsIngress ? ["Ingress" as const] : []),
      ...(policy.affectsEgress ? ["Egress" as const] : []),
    ],
    pods,
    ingress: state.ingress.map((rule, i) => ruleText(rule, policy.ingress[i]!.ports)),
    egress: state.egress.map((rule, i) => ruleText(rule, policy.egress[i]!.ports)),
  };
}

export interface ExcerptLimits {
  readonly findingsPerCheck: number;
  readonly policies: number;
}

/**
 * The report as a PDF can hold it: at most `findingsPerCheck` findings of each check (the most
 * severe, in the report's order) and `policies` policies; the controls list what is kept, and the
 * excerpt says what was left out. Unchanged when nothing is over the limits.
 */
export function excerptOf(report: EvidenceReport, limits: ExcerptLimits): EvidenceReport {
  const byCheck = new Map<string, number>();
  for (const finding of report.findings) byCheck.set(finding.id, (byCheck.get(finding.id) ?? 0) + 1);
  const over = [...byCheck.values()].some((n) => n > limits.findingsPerCheck);
  if (!over && report.networkPolicies.length <= limits.policies) return report;
  const kept: Finding[] = [];
  const seen = new Map<string, number>();
  for (const finding of report.findings) {
    const n = seen.get(finding.id) ?? 0;
    seen.set(finding.id, n + 1);
    if (n < limits.findingsPerCheck) kept.push(finding);
  }
  return {
    ...report,
    findings: kept,
    controls: controlSections(kept),
    networkPolicies: report.networkPolicies.slice(0, limits.policies),
    excerpt: {
      findingsPerCheck: limits.findingsPerCheck,
      findingsByCheck: Object.fromEntries(byCheck),
      findingsOmitted: report.findings.length - kept.length,
      policiesOmitted: Math.max(0, report.networkPolicies.length - limits.policies),
    },
  };
}
