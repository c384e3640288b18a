import { ClusterState } from "../src/state/cluster-state";
import { SCALES, SyntheticWorld } from "./synthetic";
const world = new SyntheticWorld(SCALES.L!, 1);
const events = world.initialEvents();
for (let i = 0; i < 2; i++) {
  (globalThis as any).gc?.();
  const t = performance.now();
  const s = new ClusterState();
  s.applyAll(events);
  console.log("run", i, Math.round(performance.now() - t));
}
