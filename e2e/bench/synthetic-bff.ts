import { spawn } from "node:child_process";

// The BFF on a synthetic cluster, as the benchmarks run it: started, waited for until the whole
// cluster is listed and analysed, stopped when the benchmark exits.

async function until(test: () => Promise<boolean>, what: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await test()) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Starts the BFF with `--synthetic scale` on `port`; resolves with its base URL once loaded. */
export async function syntheticBff(scale: string, port: number): Promise<string> {
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(
    "node",
    ["--import", "tsx", "../apps/bff/src/main.ts", "--synthetic", scale, "--port", String(port)],
    { stdio: ["ignore", "ignore", "ignore"], env: { ...process.env, TRUSTMAP_LOG: "warn" } },
  );
  process.on("exit", () => server.kill("SIGTERM"));
  await until(async () => {
    const health = (await (await fetch(`${base}/api/health`)).json()) as {
      connected: boolean;
      backlog: number;
    };
    return health.connected && health.backlog === 0;
  }, "the synthetic cluster to be loaded");
  return base;
}
