// A real PostgreSQL server for the tests of the change log: Debian's packages (installed with
// apt-get when missing), started on a loopback port with a data folder of its own and removed
// when stopped. `node scripts/postgres.mjs` installs what is missing; the tests import
// startPostgres().
//
// PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user the Debian
// package creates.
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { aptInstall } from "./apt.mjs";

const PACKAGE = "postgresql";

/** The folder of the newest PostgreSQL server binaries Debian's packages installed, if any. */
export function postgresBin() {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, "bin", "initdb")) && existsSync(join(base, v, "bin", "pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length === 0 ? undefined : join(base, versions[0], "bin");
}

/** Installs Debian's PostgreSQL server when missing; throws with the command to run when it cannot. */
export function ensurePostgres() {
  if (postgresBin() !== undefined) return postgresBin();
  console.error(`postgres: installing Debian's ${PACKAGE} (apt-get install -y ${PACKAGE})`);
  aptInstall([PACKAGE]);
  const bin = postgresBin();
  if (bin === undefined)
    throw new Error(
      `PostgreSQL's server is missing and could not be installed: run \`apt-get install -y ${PACKAGE}\` as root`,
    );
  return bin;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function userIds(name) {
  const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
  return { uid, gid };
}

/**
 * Starts a throwaway server: a fresh cluster in a temporary folder, listening on a free loopback
 * port, with a database `trustmap` owned by user `trustmap` (password `trustmap`).
 * Returns { url, port, stop(), restart() }.
 */
export async function startPostgres() {
  const bin = postgresBin();
  if (bin === undefined) throw new Error("PostgreSQL is not installed: run `node scripts/postgres.mjs`");
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const owner = root ? userIds("postgres") : undefined;
  const dir = mkdtempSync(join(tmpdir(), "trustmap-pg-"));
  const data = join(dir, "data");
  const as = (command, args, options = {}) =>
    execFileSync(root ? "runuser" : command, root ? ["-u", "postgres", "--", command, ...args] : args, {
      stdio: ["ignore", "pipe", "pipe"],
      encoding: "utf8",
      ...options,
    });
  if (owner !== undefined) {
    chmodSync(dir, 0o700);
    chownSync(dir, owner.uid, owner.gid);
  }
  const passwordFile = join(dir, "pw");
  writeFileSync(passwordFile, "trustmap\n");
  if (owner !== undefined) chownSync(passwordFile, owner.uid, owner.gid);
  as(join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    "trustmap",
    "--auth=scram-sha-256",
    `--pwfile=${passwordFile}`,
    "-E",
    "UTF8",
    "--no-sync",
  ]);
  const port = await freePort();
  const log = join(dir, "server.log");
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = () =>
    as(join(bin, "pg_ctl"), ["-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start"]);
  const stopServer = () => {
    try {
      as(join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]);
    } catch {
      // Already stopped.
    }
  };
  start();
  as(
    join(bin, "psql"),
    [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-U",
      "trustmap",
      "-d",
      "postgres",
      "-c",
      "create database trustmap",
    ],
    {
      env: { ...process.env, PGPASSWORD: "trustmap" },
    },
  );
  const onExit = () => stopServer();
  process.once("exit", onExit);
  return {
    url: `postgres://trustmap:trustmap@127.0.0.1:${port}/trustmap`,
    port,
    /** Stops the server and keeps its data (start it again with restart). */
    pause: stopServer,
    restart: start,
    stop() {
      process.removeListener("exit", onExit);
      stopServer();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// `node scripts/postgres.mjs`: install what the tests need.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    console.error(`postgres: server binaries in ${ensurePostgres()}`);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
