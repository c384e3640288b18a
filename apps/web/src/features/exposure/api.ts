import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import { ExposureAnswer } from "@trustmap/shared";
import { getJson, query } from "../../api/client";

export const exposureQueries = {
  answer: (namespace: string | undefined) =>
    queryOptions({
      queryKey: ["exposure", namespace ?? ""],
      queryFn: ({ signal }) => getJson(`/api/exposure${query({ namespace })}`, ExposureAnswer, signal),
      refetchInterval: 10_000,
      placeholderData: keepPreviousData,
    }),
};
