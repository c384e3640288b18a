import { describe, expect, it, vi } from "vitest";
import type { LayoutAnswer, LayoutRequest } from "./layout.worker";
import { type LayoutInput, layOut } from "./positions";
import { LayoutWorkerClient } from "./worker-client";

// The client against a worker that runs in this thread: it answers as layout.worker.ts does (same
// layout, same message shapes), a moment later, so that requests can be queued and cancelled.

class InThreadWorker {
  onmessage: ((event: MessageEvent<LayoutAnswer>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  terminated = false;
  readonly received: number[] = [];
  constructor(private readonly fail = false) {}

  postMessage(request: LayoutRequest): void {
    this.received.push(request.job);
    setTimeout(() => {
      if (this.terminated) return;
      if (this.fail) {
        this.onerror?.({ message: "boom", preventDefault() {} } as unknown as ErrorEvent);
        return;
      }
      const positions = layOut(request.input);
      const ids = [...positions.keys()];
      const xy = new Float64Array(ids.flatMap((id) => [positions.get(id)!.x, positions.get(id)!.y]));
      this.onmessage?.({
        data: { job: request.job, ids, xy, ms: 1 },
      } as unknown as MessageEvent<LayoutAnswer>);
    }, 5);
  }

  terminate(): void {
    this.terminated = true;
  }
}

const view = (n: number): LayoutInput => ({
  nodes: Array.from({ length: n }, (_, i) => ({ id: `n${i}`, group: `g${i % 3}` })),
  edges: Array.from({ length: n - 1 }, (_, i) => ({ source: `n${i}`, target: `n${i + 1}` })),
});

describe("the layout worker's client", () => {
  it("answers each request with the worker's positions, one at a time in order", async () => {
    const workers: InThreadWorker[] = [];
    const client = new LayoutWorkerClient(() => {
      const worker = new InThreadWorker();
      workers.push(worker);
      return worker as unknown as Worker;
    });
    const [a, b] = [client.layOut(view(5)), client.layOut(view(8))];
    expect((await a.done).positions).toEqual(layOut(view(5)));
    expect((await b.done).positions).toEqual(layOut(view(8)));
    expect(workers.length).toBe(1);
    expect(workers[0]!.received).toEqual([1, 2]);
  });

  it("drops a cancelled request: queued, it is never sent; running, its worker is replaced", async () => {
    const workers: InThreadWorker[] = [];
    const client = new LayoutWorkerClient(() => {
      const worker = new InThreadWorker();
      workers.push(worker);
      return worker as unknown as Worker;
    });
    const running = client.layOut(view(4));
    const queued = client.layOut(view(6));
    const last = client.layOut(view(7));
    queued.cancel();
    running.cancel();
    expect(workers[0]!.terminated).toBe(true);
    expect((await last.done).positions).toEqual(layOut(view(7)));
    expect(workers.length).toBe(2);
    expect(workers[1]!.received).toEqual([3]);
  });

  it("lays out on the page, saying why, when the worker fails or cannot start", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const failing = new LayoutWorkerClient(() => new InThreadWorker(true) as unknown as Worker);
    expect((await failing.layOut(view(5)).done).positions).toEqual(layOut(view(5)));
    const none = new LayoutWorkerClient(() => {
      throw new Error("workers are not allowed here");
    });
    expect((await none.layOut(view(3)).done).positions).toEqual(layOut(view(3)));
    expect(warn.mock.calls.map((call) => call[0])).toEqual([
      "graph layout: the layout worker failed (boom); laying out on the page",
      "graph layout: the layout worker could not start (workers are not allowed here); laying out on the page",
    ]);
    warn.mockRestore();
  });
});
