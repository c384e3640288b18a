import type { Kind, WatchEvent } from "@trustmap/engine";
import type { SourceInfo, SourceStatus } from "@trustmap/shared";
import type { ClusterReviews } from "../sources/kube/reviews";
import { batchOf, type ClusterSource, type SourceSink } from "../sources/source";

/** A source whose events and connection states come from the test that drives it. */
export class ScriptedSource implements ClusterSource {
  readonly info: SourceInfo = { kind: "files", name: "scripted test source", demo: false };
  private sink: SourceSink | undefined;

  /**
   * `initial`: the state it says on start (a source still listing says "connecting"); `reviews`:
   * the test's own answers to "whose token" and "may this user" (the real ones need an API server).
   */
  constructor(
    private readonly initial: SourceStatus["state"] = "connected",
    readonly reviews?: ClusterReviews,
  ) {}

  start(sink: SourceSink): void {
    this.sink = sink;
    this.setStatus(this.initial);
  }

  async stop(): Promise<void> {
    this.sink = undefined;
  }

  push(events: readonly WatchEvent[]): void {
    if (this.sink === undefined) throw new Error("the scripted source is not started");
    this.sink.events(batchOf(events));
  }

  /** Says that the first lists of these kinds are in, as a source listing in turns does. */
  listed(kinds: readonly Kind[]): void {
    this.sink?.listed?.(kinds);
  }

  setStatus(state: SourceStatus["state"], message?: string): void {
    this.sink?.status({
      state,
      since: new Date().toISOString(),
      ...(message === undefined ? {} : { message }),
    });
  }
}
