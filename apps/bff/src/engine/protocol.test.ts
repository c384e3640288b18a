import type {
  CanIAnswer,
  ClusterInfo,
  EvidenceReport,
  GapsAnswer,
  GapsQuery,
  MatrixPage,
  MatrixQuery,
  NamespaceSummary,
  NodeDetails,
  Reach,
  ReachQuery,
  WhoCanAnswer,
  WhoCanQuery,
} from "@trustmap/shared";
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { LiveCluster } from "../live/cluster";
import type { Judged, QueryArgs, QueryName, QueryResult, ReadableWire } from "./protocol";

// The worker channel is typed by the contract in packages/shared: a route asks with the query's
// parsed parameters and reads the answer with the type the API serves (checked by the typecheck).

describe("the worker channel", () => {
  it("takes each query's parsed parameters and answers with the API's type", () => {
    // A user who may read some namespaces only is answered with the grants they may see.
    expectTypeOf<QueryArgs<"matrix">>().toEqualTypeOf<
      z.infer<typeof MatrixQuery> & { readable?: ReadableWire }
    >();
    expectTypeOf<QueryResult<"matrix">>().toEqualTypeOf<MatrixPage>();
    expectTypeOf<QueryArgs<"whoCan">>().toEqualTypeOf<WhoCanQuery & { readable?: ReadableWire }>();
    expectTypeOf<QueryResult<"whoCan">>().toEqualTypeOf<WhoCanAnswer>();
    expectTypeOf<QueryResult<"canI">>().toEqualTypeOf<CanIAnswer | undefined>();
    expectTypeOf<QueryArgs<"reach">>().toEqualTypeOf<ReachQuery & { readable?: readonly string[] }>();
    expectTypeOf<QueryResult<"reach">>().toEqualTypeOf<Reach | undefined>();
    expectTypeOf<QueryResult<"node">>().toEqualTypeOf<NodeDetails | undefined>();
    expectTypeOf<QueryResult<"counts">>().toEqualTypeOf<ClusterInfo["counts"]>();
    expectTypeOf<QueryResult<"namespaces">>().toEqualTypeOf<NamespaceSummary[]>();
    expectTypeOf<QueryResult<"evidence">>().toEqualTypeOf<EvidenceReport>();
    // The exceptions in force are the BFF's, added to the page's question.
    expectTypeOf<QueryArgs<"gaps">>().toEqualTypeOf<GapsQuery & Judged & { readable?: ReadableWire }>();
    expectTypeOf<QueryResult<"gaps">>().toEqualTypeOf<GapsAnswer>();
  });

  it("returns from LiveCluster.query the asked query's answer", () => {
    const ask = (live: LiveCluster) => live.query("matrix", { offset: 0, limit: 10 });
    expectTypeOf<ReturnType<typeof ask>>().toEqualTypeOf<Promise<MatrixPage>>();
    expectTypeOf<Parameters<LiveCluster["query"]>[0]>().toEqualTypeOf<QueryName>();
  });
});
