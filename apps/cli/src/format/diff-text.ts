import {
  causeText,
  changedText,
  factText,
  KIND_WORDS,
  type PostureDiff,
  SECTION_TITLES,
} from "@trustmap/shared";
import type { Output } from "./output";

// `trustmap diff --format text`: the difference by section (findings, rights, connections), each
// change in the words of the dashboard's feed, then the gates asked for and whether they tripped.

export function writeDiffText(diff: PostureDiff, out: Output): void {
  out.write(`Trustmap diff: ${diff.before.join(", ")} → ${diff.after.join(", ")}\n`);
  if (diff.causes.length > 0)
    out.write(
      `\nBecause of ${diff.causes.length} object${diff.causes.length === 1 ? "" : "s"} changed\n${diff.causes.map((cause) => `  ${causeText(cause)}\n`).join("")}`,
    );
  if (diff.changes.length === 0) out.write("\nNo difference: the same connections, findings and rights.\n");
  for (const [section, title] of SECTION_TITLES) {
    const changes = diff.changes.filter((change) => `${change.area}.${change.kind}` === section);
    if (changes.length === 0) continue;
    out.write(`\n${title} (${changes.length})\n`);
    for (const change of changes) {
      const fact = (change.after ?? change.before)!;
      const how =
        change.before !== undefined && change.after !== undefined
          ? changedText(change.before, change.after)
          : undefined;
      const severity = fact.area === "finding" ? ` [${fact.finding.severity}]` : "";
      const gates = change.trips.length > 0 ? `  (trips ${change.trips.join(", ")})` : "";
      out.write(
        `  ${KIND_WORDS[change.area][change.kind]}${severity}: ${factText(fact)}${how === undefined ? "" : `; ${how}`}${gates}\n`,
      );
    }
  }
  if (diff.gates.length > 0) {
    out.write("\nGates\n");
    for (const { gate, tripped } of diff.gates)
      out.write(
        `  --fail-on ${gate}: ${tripped === 0 ? "passed" : `FAILED by ${tripped} change${tripped === 1 ? "" : "s"}`}\n`,
      );
  }
}
