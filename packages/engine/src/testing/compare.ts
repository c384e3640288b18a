import type { CompareEntry, PostureFact } from "@trustmap/shared";
import { changeKindOf } from "@trustmap/shared";
import { diffPostures } from "../posture/diff";

/** The change log's comparison of two moments' facts, as its entries (connections only). */
export function differencesOf(
  then: ReadonlyMap<string, PostureFact>,
  now: ReadonlyMap<string, PostureFact>,
): CompareEntry[] {
  return diffPostures(then, now).flatMap((change) => {
    const fact = (change.after ?? change.before)!;
    if (fact.area !== "reach") return [];
    return [
      {
        ...change,
        area: "reach" as const,
        kind: changeKindOf(change),
        namespaces: fact.namespaces,
        causes: [],
        unwatched: false,
        at: "2026-01-01T00:00:00.000Z",
      },
    ];
  });
}
