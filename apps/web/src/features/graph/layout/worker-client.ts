import type { LayoutAnswer, LayoutRequest } from "./layout.worker";
import { type LayoutInput, layOut, type Point } from "./positions";

// The page's side of the layout worker: one worker for the tab, one view laid out at a time.
// A request the page no longer needs (the view was left) is dropped, and if the worker is busy
// with it, the worker is replaced rather than left to finish.

export interface Laid {
  readonly positions: Map<string, Point>;
  /** How long the layout itself took, where it ran. */
  readonly ms: number;
}

interface Job {
  readonly id: number;
  readonly input: LayoutInput;
  readonly resolve: (laid: Laid) => void;
}

export interface LayoutRun {
  readonly done: Promise<Laid>;
  cancel(): void;
}

function positionsOf(answer: LayoutAnswer): Map<string, Point> {
  const positions = new Map<string, Point>();
  answer.ids.forEach((id, i) => {
    positions.set(id, { x: answer.xy[2 * i]!, y: answer.xy[2 * i + 1]! });
  });
  return positions;
}

export class LayoutWorkerClient {
  private worker: Worker | undefined;
  private running: Job | undefined;
  private readonly queue: Job[] = [];
  private next = 1;
  /** Set once the browser could not start the worker: layouts then run on the page, between frames. */
  private broken = false;

  constructor(private readonly start: () => Worker | undefined) {}

  layOut(input: LayoutInput): LayoutRun {
    const id = this.next++;
    let job: Job | undefined;
    const done = new Promise<Laid>((resolve) => {
      job = { id, input, resolve };
    });
    this.queue.push(job!);
    this.pump();
    return { done, cancel: () => this.cancel(id) };
  }

  private cancel(id: number): void {
    const queued = this.queue.findIndex((job) => job.id === id);
    if (queued >= 0) this.queue.splice(queued, 1);
    if (this.running?.id === id) {
      this.worker?.terminate();
      this.worker = undefined;
      this.running = undefined;
      this.pump();
    }
  }

  private pump(): void {
    if (this.running !== undefined) return;
    const job = this.queue.shift();
    if (job === undefined) return;
    this.running = job;
    const worker = this.ensureWorker();
    if (worker === undefined) {
      // No worker: the layout runs on the page, after the frame that shows the first draw.
      setTimeout(() => {
        if (this.running !== job) return;
        const started = performance.now();
        const positions = layOut(job.input);
        this.finish(job, { positions, ms: performance.now() - started });
      }, 0);
      return;
    }
    worker.postMessage({ job: job.id, input: job.input } satisfies LayoutRequest);
  }

  private finish(job: Job, laid: Laid): void {
    if (this.running !== job) return;
    this.running = undefined;
    job.resolve(laid);
    this.pump();
  }

  private ensureWorker(): Worker | undefined {
    if (this.worker !== undefined || this.broken) return this.worker;
    let worker: Worker | undefined;
    try {
      worker = this.start();
    } catch (error) {
      console.warn(
        `graph layout: the layout worker could not start (${(error as Error).message}); laying out on the page`,
      );
    }
    if (worker === undefined) {
      this.broken = true;
      return undefined;
    }
    worker.onmessage = (event: MessageEvent<LayoutAnswer>) => {
      const job = this.running;
      if (job === undefined || job.id !== event.data.job) return;
      this.finish(job, { positions: positionsOf(event.data), ms: event.data.ms });
    };
    worker.onerror = (event) => {
      event.preventDefault();
      console.warn(`graph layout: the layout worker failed (${event.message}); laying out on the page`);
      this.worker?.terminate();
      this.worker = undefined;
      this.broken = true;
      const job = this.running;
      this.running = undefined;
      if (job !== undefined) this.queue.unshift(job);
      this.pump();
    };
    this.worker = worker;
    return worker;
  }
}

/** The tab's one layout worker, started on first use. */
export const layoutWorker = new LayoutWorkerClient(() =>
  typeof Worker === "undefined"
    ? undefined
    : new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module", name: "graph layout" }),
);
