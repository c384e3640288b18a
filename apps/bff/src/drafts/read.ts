import { loadText } from "@trustmap/cli/load";
import { type DraftEdit, deletionKey, formatInputError, parseCluster, putsOf } from "@trustmap/engine";
import { CLUSTER_KINDS, type DraftInput } from "@trustmap/shared";

// A draft's text read as the command line reads manifests: the same checks, and each error named
// by document and field ("draft, document 2 (NetworkPolicy shop/web): spec.ingress[0].ports[0].port:
// ..."). Its deletions are checked here, each named by its place in the list.

export interface ReadDraft {
  readonly edits: DraftEdit[];
  readonly errors: string[];
  readonly notes: string[];
  readonly puts: number;
  readonly deletes: number;
}

/** The name a draft's manifests go by in messages. */
export const MANIFESTS_LABEL = "draft manifests";

export function readDraft(input: Pick<DraftInput, "manifests" | "deletions">): ReadDraft {
  const loaded = loadText(input.manifests, MANIFESTS_LABEL);
  const parsed = parseCluster(loaded.documents);
  const errors = [...loaded.errors, ...parsed.errors.map(formatInputError)];
  const notes = [...loaded.notes, ...parsed.notes];
  const puts = putsOf(parsed.cluster);
  const deletes: DraftEdit[] = [];
  input.deletions.forEach((deletion, i) => {
    const clusterWide = CLUSTER_KINDS.has(deletion.kind);
    const namespace = deletion.namespace === "" ? undefined : deletion.namespace;
    if (clusterWide && namespace !== undefined)
      errors.push(`deletions[${i}].namespace: a ${deletion.kind} has no namespace; leave it out`);
    else if (!clusterWide && namespace === undefined)
      errors.push(`deletions[${i}].namespace: a ${deletion.kind} is in a namespace; name it`);
    else
      deletes.push({
        op: "delete",
        kind: deletion.kind,
        key: deletionKey(deletion.kind, namespace, deletion.name),
      });
  });
  return {
    edits: errors.length > 0 ? [] : [...puts, ...deletes],
    errors,
    notes,
    puts: puts.length,
    deletes: deletes.length,
  };
}
