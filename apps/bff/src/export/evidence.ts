import { renderSarif } from "@trustmap/cli/sarif";
import type { EvidenceReport } from "@trustmap/shared";
import { findingsCsv } from "./csv";

// The evidence report's data renderers. The PDF is printed from the same model (printer.ts), so
// every format lists the same findings, at the same revision, with the same scope and filters.

export function evidenceJson(report: EvidenceReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** The findings, one per line. */
export function evidenceCsv(report: EvidenceReport): string {
  return findingsCsv(report.findings);
}

/** The findings as SARIF 2.1.0; the run's properties say the scope, filters and revision. */
export function evidenceSarif(report: EvidenceReport): string {
  const { meta } = report;
  return renderSarif(
    { findings: report.findings },
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
