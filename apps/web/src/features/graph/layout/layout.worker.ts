/// <reference lib="webworker" />
import { type LayoutInput, layOut } from "./positions";

// Lays views out off the page's thread: a request is a view's nodes and edges, the answer their
// positions as two lists (ids, and x and y in the same order), cheap to hand back.

export interface LayoutRequest {
  readonly job: number;
  readonly input: LayoutInput;
}

export interface LayoutAnswer {
  readonly job: number;
  readonly ids: readonly string[];
  readonly xy: Float64Array;
  readonly ms: number;
}

self.onmessage = (event: MessageEvent<LayoutRequest>) => {
  const started = performance.now();
  const positions = layOut(event.data.input);
  const ids = [...positions.keys()];
  const xy = new Float64Array(ids.length * 2);
  ids.forEach((id, i) => {
    const point = positions.get(id)!;
    xy[2 * i] = point.x;
    xy[2 * i + 1] = point.y;
  });
  const answer: LayoutAnswer = { job: event.data.job, ids, xy, ms: performance.now() - started };
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(answer, [xy.buffer]);
};
