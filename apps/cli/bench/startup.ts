// Start-up of `trustmap analyze` on a small folder: the built program against the TypeScript
// sources run through tsx, 10 runs each (RUNS=n for more), printing mean, median and fastest.
//   pnpm -s --filter @trustmap/cli build && pnpm -s --filter @trustmap/cli bench:startup
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const runs = Number(process.env.RUNS ?? 10);
const shop = join(root, "testdata", "shop");
const ways: Record<string, [string, string[]]> = {
  "built: node bin/trustmap.mjs": [process.execPath, [join(root, "bin", "trustmap.mjs"), "analyze", shop]],
  "sources: tsx src/main.ts": [
    join(root, "..", "..", "node_modules", ".bin", "tsx"),
    [join(root, "src", "main.ts"), "analyze", shop],
  ],
};
for (const [name, [command, args]] of Object.entries(ways)) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = spawnSync(command, args, { encoding: "utf8" });
    times.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`${name} exited ${result.status}: ${result.stderr}`);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / runs;
  console.log(
    JSON.stringify({
      way: name,
      runs,
      meanMs: Math.round(mean),
      medianMs: Math.round(times[runs >> 1] ?? 0),
      minMs: Math.round(times[0] ?? 0),
    }),
  );
}
