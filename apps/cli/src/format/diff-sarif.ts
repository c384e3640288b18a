import { type Gate, gateText, trips } from "@trustmap/engine";
import { factText, type PostureDiff, type PostureFact } from "@trustmap/shared";
import type { ObjectLocation } from "../load";
import { artifactUri, sarifText } from "./sarif";

// `trustmap diff --format sarif`: one result per change that trips a gate, for code-scanning
// pipelines that annotate a pull request. Each result is located at the manifest (of AFTER, or of
// BEFORE for what it removed) that defines the object it is about: the binding that grants a
// right, the workload at an end of a connection, a finding's first object; else line 1 of AFTER.

const RULES: Record<Gate["kind"], { name: string; text: string; level: "error" | "warning" }> = {
  opened: {
    name: "connection-opened",
    text: "A connection between workloads appeared, or allows ports it did not",
    level: "warning",
  },
  outside: {
    name: "path-from-outside",
    text: "Addresses outside the cluster may newly reach a workload, or on more ports",
    level: "error",
  },
  finding: { name: "new-finding", text: "A finding appeared", level: "warning" },
  "risky-rights": {
    name: "risky-right-gained",
    text: "A subject gained a right with risks, or a right gained risks",
    level: "error",
  },
};

/** The kinds a workload's name may be of, where a manifest defines it. */
const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"];

/** The objects a fact is about, most telling first, as "Kind/namespace/name" or "Kind/name". */
function objectsOf(fact: PostureFact): string[] {
  switch (fact.area) {
    case "finding":
      return fact.finding.objects;
    case "rbac":
      return [...fact.via.map((via) => via.split(" → ")[0]!), fact.subject];
    case "reach":
      return [fact.to, fact.from].flatMap((end) =>
        end.split(" + ").flatMap((name) => WORKLOAD_KINDS.map((kind) => `${kind}/${name}`)),
      );
  }
}

export interface DiffSarifOptions {
  readonly version: string;
  readonly gates: readonly Gate[];
  readonly locations: ReadonlyMap<string, ObjectLocation>;
  readonly beforeLocations: ReadonlyMap<string, ObjectLocation>;
}

export function renderDiffSarif(diff: PostureDiff, options: DiffSarifOptions): string {
  const rules = options.gates.map((gate) => {
    const rule = RULES[gate.kind];
    return {
      id: `trustmap-diff/${gateText(gate)}`,
      name: rule.name,
      shortDescription: { text: sarifText(rule.text) },
      fullDescription: { text: sarifText(`${rule.text} (--fail-on ${gateText(gate)}).`) },
      defaultConfiguration: { level: rule.level },
      properties: { tags: ["security", "trustmap-diff"] },
    };
  });
  const results = diff.changes.flatMap((change) =>
    options.gates.flatMap((gate, ruleIndex) => {
      if (!trips(gate, change)) return [];
      const fact = (change.after ?? change.before)!;
      const located = objectsOf(fact)
        .map((object) => options.locations.get(object) ?? options.beforeLocations.get(object))
        .find((location) => location !== undefined) ?? { file: diff.after[0] ?? ".", line: 1 };
      return [
        {
          ruleId: rules[ruleIndex]!.id,
          ruleIndex,
          level: RULES[gate.kind].level,
          message: {
            text: sarifText(`${change.kind === "appeared" ? "New" : "Changed"}: ${factText(fact)}`),
          },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: artifactUri(located.file) },
                region: { startLine: located.line },
              },
            },
          ],
          partialFingerprints: { "trustmap-diff/v1": `${gateText(gate)}|${change.key}` },
          properties: { key: change.key, kind: change.kind },
        },
      ];
    }),
  );
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "Trustmap",
            version: options.version,
            semanticVersion: options.version,
            rules,
          },
        },
        results,
        columnKind: "utf16CodeUnits",
        properties: { before: diff.before, after: diff.after, counts: diff.counts },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
