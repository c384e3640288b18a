import type { WatchEvent } from "@trustmap/engine";
import { SCALES, SyntheticWorld, scaleNamed } from "@trustmap/engine/synthetic-world";
import type { SourceInfo } from "@trustmap/shared";
import { batchOf, type ClusterSource, type SourceSink } from "./source";

/**
 * A synthetic cluster at one of the benchmark scales (S, M, L, XL, or one of them with a
 * monolith's namespace: L+5000), with its churn: for load
 * testing the dashboard on clusters of a size no demo can show. Deterministic per seed.
 */
export class SyntheticSource implements ClusterSource {
  readonly info: SourceInfo;
  private readonly world: SyntheticWorld;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    scaleName: string,
    seed = 1,
    private readonly intervalMs = 1000,
  ) {
    const scale = scaleNamed(scaleName);
    if (scale === undefined)
      throw new RangeError(
        `--synthetic takes one of ${Object.keys(SCALES).join(", ")}, or one with a monolith's namespace of N workloads (L+5000)`,
      );
    this.world = new SyntheticWorld(scale, seed);
    this.info = { kind: "demo", name: `Synthetic cluster ${scale.name} (seed ${seed})`, demo: true };
  }

  start(sink: SourceSink): void {
    sink.status({ state: "connecting", since: new Date().toISOString() });
    void this.sendInitial(sink);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  private async sendInitial(sink: SourceSink): Promise<void> {
    const added: WatchEvent[] = [];
    for (const relist of this.world.initialEvents()) {
      if (relist.type !== "RELIST") continue;
      for (const object of relist.objects)
        added.push({ type: "ADDED", kind: relist.kind, object } as WatchEvent);
    }
    // Chunks of 500 with the event loop free in between, as the Kubernetes source sends a large list.
    for (let i = 0; i < added.length && !this.stopped; i += 500) {
      sink.events(batchOf(added.slice(i, i + 500)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.stopped) return;
    sink.status({ state: "connected", since: new Date().toISOString() });
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => sink.events(batchOf(this.world.churn().events)), this.intervalMs);
      this.timer.unref();
    }
  }
}
