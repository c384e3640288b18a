import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import { GapsAnswer } from "@trustmap/shared";
import { getJson, query } from "../../api/client";

/** The page's filters and page sizes, as the URL holds them. */
export interface GapsFilters {
  readonly severity?: string | undefined;
  readonly namespace?: string | undefined;
  readonly pillar?: string | undefined;
  readonly groupLimit?: string | undefined;
  readonly limit?: string | undefined;
}

/** Where one part of the page is paged to (unset: the first page of everything). */
export interface GapsPaging {
  readonly check?: string | undefined;
  readonly groupOffset?: number | undefined;
  readonly group?: string | undefined;
  readonly offset?: number | undefined;
  readonly fixOffset?: number | undefined;
  readonly acceptedOffset?: number | undefined;
}

export const gapsQueries = {
  answer: (filters: GapsFilters, paging: GapsPaging = {}) =>
    queryOptions({
      queryKey: ["gaps", filters, paging],
      queryFn: ({ signal }) => getJson(`/api/gaps${query({ ...filters, ...paging })}`, GapsAnswer, signal),
      refetchInterval: 10_000,
      placeholderData: keepPreviousData,
    }),
};
