// The BFF as `npm start` runs it: the esbuild bundle in dist/, with its two workers, started by
// plain Node (no tsx). Built here as the start script builds it (unless unchanged since).
import { type ChildProcess, execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startBundle, stopBundle } from "./testing/bundle";

const root = fileURLToPath(new URL("../../../", import.meta.url));
let running: ChildProcess | undefined;

afterEach(async () => {
  await stopBundle(running);
  running = undefined;
});

/** Starts dist/main.mjs with these arguments; resolves with its URL once it says it runs. */
function start(args: readonly string[]): Promise<string> {
  return startBundle(args, (child) => {
    running = child;
  });
}

async function whenConnected(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const health = (await (await fetch(`${url}/api/health`)).json()) as {
      connected: boolean;
      backlog: number;
    };
    if (health.connected && health.backlog === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the bundle never got connected");
}

interface Counts {
  readonly pods: number;
  readonly namespaces: number;
  readonly networkPolicies: number;
}

async function counts(url: string): Promise<Counts> {
  return ((await (await fetch(`${url}/api/cluster`)).json()) as { counts: Counts }).counts;
}

describe("the BFF's build", () => {
  it("builds, then runs the demo company from its folder through the engine worker", {
    timeout: 60_000,
  }, async () => {
    execFileSync(process.execPath, ["scripts/build.mjs", "bff"], { cwd: root, stdio: "ignore" });
    const url = await start(["--demo", "--demo-interval", "0"]);
    await whenConnected(url);
    const demo = await counts(url);
    // The demo's folder holds 27 namespaces and their policies; its workloads run pods.
    expect(demo.namespaces).toBeGreaterThanOrEqual(27);
    expect(demo.networkPolicies).toBeGreaterThan(0);
    expect(demo.pods).toBeGreaterThan(92);
  });

  it("reads a folder of manifests through the files worker", { timeout: 60_000 }, async () => {
    execFileSync(process.execPath, ["scripts/build.mjs", "bff"], { cwd: root, stdio: "ignore" });
    const url = await start(["--files", fileURLToPath(new URL("../../cli/testdata/shop", import.meta.url))]);
    await whenConnected(url);
    const shop = await counts(url);
    expect(shop.pods).toBeGreaterThan(0);
    const overview = (await (await fetch(`${url}/api/namespaces`)).json()) as unknown;
    expect(JSON.stringify(overview)).toContain("shop");
  });
});
