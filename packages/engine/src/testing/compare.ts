import type { CompareEntry, PostureFact } from "@trustmap/shared";
import { compareEntriesOf, diffPostures } from "../posture/diff";

/** The change log's comparison of two moments' facts, as its entries (connections only). */
export function differencesOf(
  then: ReadonlyMap<string, PostureFact>,
  now: ReadonlyMap<string, PostureFact>,
): CompareEntry[] {
  return compareEntriesOf(diffPostures(then, now), "reach", [], "2026-01-01T00:00:00.000Z");
}
