import { type CompareEntry, changeKindOf, type PostureFact } from "@trustmap/shared";

/** The change log's comparison of two moments' facts, as its entries (connections only). */
export function differencesOf(
  then: ReadonlyMap<string, PostureFact>,
  now: ReadonlyMap<string, PostureFact>,
): CompareEntry[] {
  const out: CompareEntry[] = [];
  for (const key of new Set([...then.keys(), ...now.keys()])) {
    const before = then.get(key);
    const after = now.get(key);
    if ((before ?? after)?.area !== "reach") continue;
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    out.push({
      area: "reach",
      kind: changeKindOf({ before, after }),
      key,
      namespaces: (after ?? before)!.namespaces,
      ...(before === undefined ? {} : { before }),
      ...(after === undefined ? {} : { after }),
      causes: [],
      unwatched: false,
      at: "2026-01-01T00:00:00.000Z",
    });
  }
  return out;
}
