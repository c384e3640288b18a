import { useQuery } from "@tanstack/react-query";
import type { SearchHit } from "@trustmap/shared";
import { graphQueries } from "./api";

const KIND: Record<SearchHit["kind"], string> = { namespace: "namespace", identity: "workload", pod: "pod" };

/** The server's matches for the search text, anywhere in the cluster; choosing one takes the user there. */
export function SearchResults({ q, onGo }: { q: string; onGo: (hit: SearchHit) => void }) {
  const { data, error, isPending } = useQuery(graphQueries.search(q));
  return (
    <section aria-label="Search results" className="mb-4 text-sm" data-testid="search-results">
      <h2 className="font-semibold">
        In the cluster
        {data !== undefined &&
          ` (${data.hits.length < data.total ? `${data.hits.length} of ` : ""}${data.total})`}
      </h2>
      {isPending ? (
        <p>Searching…</p>
      ) : error !== null ? (
        <p role="alert">Cannot search: {error.message}</p>
      ) : data.total === 0 ? (
        <p>No namespace, workload, pod or label matches “{q}”.</p>
      ) : (
        <ul>
          {data.hits.map((hit) => (
            <li key={`${hit.kind} ${hit.node}`}>
              <button
                type="button"
                className="text-left text-blue-700 underline dark:text-blue-300"
                data-search-node={hit.node}
                onClick={() => onGo(hit)}
              >
                {hit.label}
              </button>{" "}
              <span className="text-xs text-slate-600 dark:text-slate-400">
                {KIND[hit.kind]}
                {hit.kind !== "namespace" && ` in ${hit.namespace}`}
                {hit.match !== hit.label && ` · ${hit.match}`}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
