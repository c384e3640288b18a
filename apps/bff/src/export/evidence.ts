import { renderSarif } from "@trustmap/cli/sarif";
import type { EvidenceReport } from "@trustmap/shared";
import { acceptedCsv, findingsCsv } from "./csv";

// The evidence report's data renderers. The PDF is printed from the same model (printer.ts), so
// every format lists the same findings, at the same revision, with the same scope and filters.

export function evidenceJson(report: EvidenceReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** The findings, one per line. */
export function evidenceCsv(report: EvidenceReport): string {
  return report.accepted === undefined
    ? findingsCsv(report.findings)
    : acceptedCsv(report.findings, report.accepted);
}

/** The findings as SARIF 2.1.0; the run's properties say the scope, filters and revision. */
export function evidenceSarif(report: EvidenceReport): string {
  const { meta } = report;
  const accepted = report.accepted === undefined ? {} : { accepted: report.accepted };
  return renderSarif(
    { findings: report.findings, ...accepted },
    {
      version: meta.trustmapVersion,
      // A live cluster has no manifests: each result is located at its object's URI in the cluster.
      cluster: meta.cluster,
      runProperties: {
        scope: meta.scopeText,
        cluster: meta.cluster,
        ...(meta.context === undefined ? {} : { context: meta.context }),
        source: meta.source.kind,
        revision: meta.revision,
        generatedAt: meta.generatedAt,
        filters: meta.filters,
      },
    },
  );
}
