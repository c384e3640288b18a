import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const bff = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Starts the built BFF (dist/main.mjs, as `npm start` runs it) with these arguments on a free
 * port, in `env` (this process's by default). `started` gets the process at once (to be stopped
 * after the test, whatever happens); the promise resolves with the URL it says it runs on, or
 * rejects with its output when it exits.
 */
export function startBundle(
  args: readonly string[],
  started: (child: ChildProcess) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const child = spawn(process.execPath, ["dist/main.mjs", "--port", "0", ...args], {
    cwd: bff,
    stdio: ["ignore", "pipe", "pipe"],
    env: { TRUSTMAP_CHANGES: "memory", ...env, TRUSTMAP_LOG: "warn" },
  });
  started(child);
  let output = "";
  child.stderr?.on("data", (chunk) => {
    output += String(chunk);
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      output += String(chunk);
      const url = /open (http:\/\/\S+)/.exec(output)?.[1];
      if (url !== undefined) resolve(url.replace(/\/$/, ""));
    });
    child.on("exit", (code) => reject(new Error(`the bundle exited with ${code}:\n${output}`)));
  });
}

/** Stops a bundle `startBundle` started (SIGTERM, then waits for it to exit); nothing if it has exited. */
export async function stopBundle(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  await once(child, "exit");
}

/** Reads until `test` holds (every 100 ms, for up to a minute); fails naming what it waited for and the last value. */
export async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  test: (value: T) => boolean,
): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (test(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
