import type { AcceptedFinding, Finding, MatrixPage } from "@trustmap/shared";

// Data exports: findings and the RBAC matrix as CSV (RFC 4180) for spreadsheets. Every cell is
// text from the cluster, so a cell that a spreadsheet would run as a formula (=, +, -, @, tab,
// carriage return first) is written with a leading apostrophe (OWASP's advice on CSV injection).

const FORMULA = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | undefined): string {
  let text = value === undefined ? "" : String(value);
  if (FORMULA.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvTable(
  header: readonly string[],
  rows: readonly (readonly (string | number | undefined)[])[],
): string {
  return [header, ...rows]
    .map((row) => row.map(csvCell).join(","))
    .join("\r\n")
    .concat("\r\n");
}

export function findingsCsv(findings: readonly Finding[]): string {
  return csvTable(
    ["id", "severity", "pillar", "objects", "message", "controls", "remediation"],
    findings.map((f) => [
      f.id,
      f.severity,
      f.pillar,
      f.objects.join(" "),
      f.message,
      f.controls.join("; "),
      f.remediation,
    ]),
  );
}

/** The findings, then the accepted ones, with a last column saying which exception accepts each. */
export function acceptedCsv(findings: readonly Finding[], accepted: readonly AcceptedFinding[]): string {
  const row = (f: Finding, exception: string) => [
    f.id,
    f.severity,
    f.pillar,
    f.objects.join(" "),
    f.message,
    f.controls.join("; "),
    f.remediation,
    exception,
  ];
  return csvTable(
    ["id", "severity", "pillar", "objects", "message", "controls", "remediation", "accepted"],
    [
      ...findings.map((f) => row(f, "")),
      ...accepted.map(({ finding, exception: e }) =>
        row(finding, `${e.reason} (owner ${e.owner}, until ${e.expires})`),
      ),
    ],
  );
}

/** One line per cell of the matrix: subject, scope, resource, verbs, risks and what grants it. */
export function matrixCsv(rows: MatrixPage["rows"]): string {
  const lines: (string | number | undefined)[][] = [];
  for (const row of rows) {
    if (row.cells.length === 0) lines.push([row.ref, "", "", "", "", ""]);
    for (const cell of row.cells) {
      lines.push([
        row.ref,
        cell.scope === "*" ? "cluster-wide" : cell.scope,
        cell.resource,
        cell.verbs.join(" "),
        cell.risks.join(" "),
        cell.grants.map((g) => `${g.binding} -> ${g.role} -> rule ${g.rule + 1}`).join("; "),
      ]);
    }
  }
  return csvTable(["subject", "scope", "resource", "verbs", "risks", "granted by"], lines);
}
