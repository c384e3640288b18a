import type { ChangeCause, ChangeKind, PostureArea, PostureFact } from "./changes";

// How changes of the posture read, in the feed, the report and the command line's diff: words
// only, the log's facts as they are.

/** How the feed names a change, by what changed. */
export const KIND_WORDS: Record<PostureArea, Record<ChangeKind, string>> = {
  reach: { appeared: "opened", went: "closed", changed: "ports changed" },
  finding: { appeared: "new finding", went: "resolved", changed: "changed" },
  rbac: { appeared: "right gained", went: "right lost", changed: "right changed" },
};

const EVERY_PORT = "TCP:1-65535;UDP:1-65535;SCTP:1-65535";

function portsText(ports: string): string {
  return ports === EVERY_PORT ? "every port" : ports.replaceAll(";", ", ");
}

function endText(end: string): string {
  return end === "*" ? "any pod" : end === "outside" ? "outside the cluster" : end;
}

/** One fact in words. */
export function factText(fact: PostureFact): string {
  switch (fact.area) {
    case "reach":
      return `${endText(fact.from)} → ${endText(fact.to)} on ${portsText(fact.ports)}`;
    case "finding":
      return fact.finding.message;
    case "rbac":
      return `${fact.subject} may ${fact.verbs.join(", ")} ${fact.resource}${
        fact.resourceNames.length > 0 ? ` (${fact.resourceNames.join(", ")})` : ""
      } ${fact.scope === "*" ? "cluster-wide" : `in ${fact.scope}`} via ${fact.via.join("; ")}`;
  }
}

/** What differs between a fact before and after, when it changed (ports, verbs). */
export function changedText(before: PostureFact, after: PostureFact): string | undefined {
  if (before.area === "reach" && after.area === "reach")
    return `ports ${portsText(before.ports)} → ${portsText(after.ports)}`;
  if (before.area === "rbac" && after.area === "rbac")
    return `verbs ${before.verbs.join(", ")} → ${after.verbs.join(", ")}`;
  return undefined;
}

export function causeText(cause: ChangeCause): string {
  const fields = cause.fields.length > 0 ? ` (${cause.fields.join(", ")})` : "";
  return `${cause.kind} ${cause.name} ${cause.change}${fields}`;
}

/** The sections of a comparison, in the order they are shown ("area.kind" as the BFF counts them). */
export const SECTION_TITLES: readonly (readonly [string, string])[] = [
  ["finding.appeared", "New findings"],
  ["finding.went", "Resolved findings"],
  ["finding.changed", "Findings changed"],
  ["rbac.appeared", "Rights gained"],
  ["rbac.went", "Rights lost"],
  ["rbac.changed", "Rights changed"],
  ["reach.appeared", "Connections opened"],
  ["reach.went", "Connections closed"],
  ["reach.changed", "Connections whose ports changed"],
];
