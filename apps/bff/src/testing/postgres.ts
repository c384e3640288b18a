// A real PostgreSQL server for tests: Debian's packages, started by scripts/postgres.mjs on a free
// loopback port with a data folder of its own (`node scripts/postgres.mjs` installs them).
import { postgresBin, startPostgres as start } from "../../../../scripts/postgres.mjs";

export interface Postgres {
  /** postgres://trustmap:trustmap@127.0.0.1:PORT/trustmap */
  readonly url: string;
  /** Stops the server, keeping its data; `restart` starts it again. */
  pause(): void;
  restart(): void;
  /** Stops the server and removes its data. */
  stop(): void;
}

export function postgresInstalled(): boolean {
  return postgresBin() !== undefined;
}

export async function startPostgres(): Promise<Postgres> {
  if (!postgresInstalled())
    throw new Error(
      "PostgreSQL's server is not installed: run `node scripts/postgres.mjs` from the repository root",
    );
  return (await start()) as Postgres;
}
