import type { LazyReport } from "@trustmap/engine";
import { PILLAR_TITLES, type Ports, SEVERITY_ORDER } from "@trustmap/shared";
import type { Output } from "./output";

/** The report for people: findings first, by severity, then who may talk to whom, then RBAC. */
export function writeText(report: LazyReport, output: Output): void {
  const out = { push: (...lines: string[]) => output.write(`${lines.join("\n")}\n`) };
  const namespaces = new Set(report.pods.map((pod) => pod.namespace));
  out.push(
    `Trustmap analysis: ${report.pods.length} pods in ${namespaces.size} namespaces, ${report.rbac.subjects.length} RBAC subjects`,
  );
  const counts = SEVERITY_ORDER.map((s) => `${report.findings.filter((f) => f.severity === s).length} ${s}`);
  out.push(`Findings: ${report.findings.length} (${counts.join(", ")})`, "");

  out.push("FINDINGS");
  for (const severity of SEVERITY_ORDER) {
    const ofSeverity = report.findings.filter((f) => f.severity === severity);
    if (ofSeverity.length === 0) continue;
    out.push(`  ${severity.toUpperCase()} (${ofSeverity.length})`);
    for (const finding of ofSeverity) {
      const controls = finding.controls.length > 0 ? `; ${finding.controls.join(", ")}` : "";
      out.push(`    [${finding.id}] ${PILLAR_TITLES[finding.pillar]}${controls}`);
      out.push(`      ${finding.message}`);
      out.push(`      evidence: ${finding.objects.join(", ")}`);
    }
  }
  if (report.findings.length === 0) out.push("  none");
  out.push("");

  if (report.accepted !== undefined) {
    out.push(`ACCEPTED EXCEPTIONS (${report.accepted.length}; not counted above)`);
    for (const { finding, exception } of report.accepted) {
      out.push(`    [${finding.id}] ${finding.severity}: ${finding.message}`);
      out.push(`      accepted: ${exception.reason} (owner ${exception.owner}, until ${exception.expires})`);
    }
    if (report.accepted.length === 0) out.push("  none");
    out.push("");
  }

  out.push("CONNECTIVITY (source -> destination: ports)");
  let previous = "";
  let count = 0;
  for (const connection of report.connections) {
    if (connection.from !== previous) {
      out.push(`  ${connection.from}`);
      previous = connection.from;
    }
    out.push(`    -> ${connection.to}: ${portsText(connection.ports)}`);
    count++;
  }
  out.push(count === 0 ? "  no pod may connect to another" : `  (${count} allowed connections between pods)`);
  out.push("");

  out.push("OUTSIDE THE CLUSTER");
  for (const access of report.external) {
    const arrow = access.direction === "egress" ? "->" : "<-";
    const except = access.except.length > 0 ? ` except ${access.except.join(", ")}` : "";
    out.push(`  ${access.pod} ${arrow} ${access.cidr}${except}: ${portsText(access.ports)}`);
  }
  if (report.external.length === 0) out.push("  no pod may exchange traffic with the outside");
  out.push("");

  out.push("PUBLISHED OUTSIDE THE CLUSTER (way in -> workload: what policy lets through)");
  for (const path of report.exposure ?? []) {
    const to =
      path.workload === null
        ? "no pod"
        : `${path.workload}${path.port === null ? "" : ` ${path.port}`} (${path.pods} pods)`;
    const through = path.service === null ? "" : ` via ${path.service} ${path.servicePort ?? ""}`.trimEnd();
    out.push(`  ${path.via}: ${path.entry.text}${through} -> ${to}: ${path.reach}`);
    for (const controller of path.controllers)
      out.push(
        `    controller ${controller.workload}: ${controller.allowed ? "may connect" : "may not connect"}`,
      );
    out.push(`    ${path.why}`);
  }
  if ((report.exposure ?? []).length === 0)
    out.push("  nothing: no Service, Ingress or route publishes a pod");
  out.push("");

  out.push("RBAC (effective rules per subject)");
  for (const subject of report.rbac.subjects) {
    const name = subject.namespace === undefined ? subject.name : `${subject.namespace}/${subject.name}`;
    out.push(`  ${subject.kind} ${name}${subject.rules.length === 0 ? ": nothing" : ""}`);
    for (const rule of subject.rules) {
      const where = rule.namespace === "*" ? "cluster-wide" : `in ${rule.namespace}`;
      const what =
        rule.nonResourceURLs !== undefined && rule.resources === undefined
          ? `URLs ${rule.nonResourceURLs.join(", ")}`
          : `${(rule.resources ?? []).join(", ")}${groupsText(rule.apiGroups ?? [])}${
              rule.resourceNames ? ` named ${rule.resourceNames.join(", ")}` : ""
            }`;
      out.push(
        `    ${rule.verbs.join(", ")} ${what} ${where} (${rule.grantedBy.binding} -> ${rule.grantedBy.role})`,
      );
    }
  }
}

function groupsText(groups: readonly string[]): string {
  const named = groups.map((g) => (g === "" ? "core" : g));
  return named.length === 1 && named[0] === "core" ? "" : ` [${named.join(", ")}]`;
}

export function portsText(ports: Ports): string {
  if (ports === "all") return "all ports";
  return ports
    .map((p) =>
      p.port === undefined
        ? `${p.protocol} (all)`
        : p.endPort === undefined
          ? `${p.protocol} ${p.port}`
          : `${p.protocol} ${p.port}-${p.endPort}`,
    )
    .join(", ");
}
