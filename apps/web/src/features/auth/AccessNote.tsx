import { useQuery } from "@tanstack/react-query";
import { sessionQuery } from "../../api/session";

/**
 * What an answer leaves out for a user who may not read the whole cluster, said where the answer
 * is drawn: nothing for one who may read everything.
 */
export function AccessNote({ what }: { what: string }) {
  const { data } = useQuery(sessionQuery());
  const access = data?.access;
  if (access === undefined || access.cluster) return null;
  const hidden = `${access.hidden} ${access.hidden === 1 ? "namespace" : "namespaces"} hidden by your access`;
  return (
    <p
      className="my-1 rounded border border-amber-600 bg-amber-50 px-2 py-1 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-100"
      data-testid="access-note"
    >
      {what} ({hidden}).
    </p>
  );
}
