import type { InputError, WatchEvent } from "@trustmap/engine";
import type { SourceInfo } from "@trustmap/shared";
import { DemoCompany } from "./demo/company";
import { batchOf, type ClusterSource, type SourceSink } from "./source";

export interface DemoOptions {
  /** The same seed gives the same company and the same sequence of changes. Default 1. */
  readonly seed?: number;
  /**
   * Milliseconds between two changes once started. Default 2000. 0 starts no timer: the caller
   * drives the changes with `tick()` (tests do).
   */
  readonly intervalMs?: number;
}

export const DEFAULT_DEMO_SEED = 1;
export const DEFAULT_DEMO_INTERVAL_MS = 2000;

/** Events per `sink.events` call: large lists go in several calls. */
const CHUNK = 500;

/**
 * The embedded demo company, for trying Trustmap without a cluster: a few dozen namespaces of
 * several teams, hundreds of pods, NetworkPolicies and RBAC with the gaps real clusters have,
 * and a steady stream of rollouts, scaling and policy and binding changes. The company is a
 * folder of manifests shipped with the BFF (apps/bff/demo, read by the CLI's reader); it needs no
 * network, and every object goes through the engine's parseLiveObject like a real cluster's.
 */
export class DemoSource implements ClusterSource {
  readonly info: SourceInfo;
  private readonly company: DemoCompany;
  private readonly intervalMs: number;
  private sink: SourceSink | undefined;
  private timer: NodeJS.Timeout | undefined;
  private problemsSent = 0;

  constructor(options: DemoOptions = {}) {
    const seed = options.seed ?? DEFAULT_DEMO_SEED;
    this.intervalMs = options.intervalMs ?? DEFAULT_DEMO_INTERVAL_MS;
    if (!Number.isSafeInteger(seed)) throw new RangeError(`the demo seed must be an integer, not ${seed}`);
    if (!(this.intervalMs >= 0))
      throw new RangeError(`the demo interval must be 0 or more, not ${this.intervalMs}`);
    this.company = new DemoCompany(seed);
    this.info = { kind: "demo", name: `Demo company (seed ${seed})`, demo: true };
  }

  /** Objects the engine's reader refused: always empty unless the demo has a bug. */
  get problems(): readonly InputError[] {
    return this.company.problems;
  }

  /** Sends the company as it is now (ADDED events, kind by kind), then its changes as they happen. */
  start(sink: SourceSink): void {
    if (this.sink !== undefined) throw new Error("the demo source is already started");
    this.sink = sink;
    sink.status({ state: "connecting", since: new Date().toISOString() });
    this.sendProblems();
    // About a thousand objects: sent at once, the engine takes them in a few milliseconds.
    const events = this.company.snapshot();
    for (let i = 0; i < events.length; i += CHUNK) sink.events(batchOf(events.slice(i, i + CHUNK)));
    sink.status({ state: "connected", since: new Date().toISOString() });
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      // The demo alone must not keep the process alive.
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.sink = undefined;
  }

  /** The company as it is now, as the ADDED events `start` sends. */
  snapshot(): readonly WatchEvent[] {
    return this.company.snapshot();
  }

  /** Makes one change and returns its events; once started, they also go to the sink. */
  tick(): readonly WatchEvent[] {
    const events = this.company.tick();
    this.sendProblems();
    if (events.length > 0) this.sink?.events(batchOf(events));
    return events;
  }

  private sendProblems(): void {
    const problems = this.company.problems;
    if (this.sink === undefined || problems.length === this.problemsSent) return;
    this.sink.problems(problems.slice(this.problemsSent));
    this.problemsSent = problems.length;
  }
}
