import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

// Where the change log is kept: PostgreSQL, either embedded (PGlite: PostgreSQL compiled to
// WebAssembly, in this process, its files in a folder) or a server reached by a connection URL
// (a shared install). One dialect, so one schema and one set of migrations serve both.

export interface Rows<T> {
  readonly rows: T[];
}

/** What the log asks of a database: statements with $1-style parameters, and transactions. */
export interface Database {
  /** How it is named in messages: "embedded PostgreSQL in DIR" or the server's URL without its password. */
  readonly description: string;
  query<T>(sql: string, params?: readonly unknown[]): Promise<Rows<T>>;
  /** Runs statements (several, separated by semicolons) without parameters: a migration. */
  exec(sql: string): Promise<void>;
  /** Runs `work` in one transaction: all of it is kept, or none of it. */
  transaction<T>(work: (db: Pick<Database, "query" | "exec">) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A connection URL's text without its password, for messages and logs. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(a connection URL that does not parse)";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes the folder for this process: the embedded database is one process's. A lock left by a
 * process that is gone is taken over; one of a running process is refused, naming it.
 */
function lockFolder(dir: string): () => void {
  const lock = path.join(dir, "trustmap.lock");
  try {
    writeFileSync(lock, String(process.pid), { flag: "wx" });
  } catch {
    const holder = Number(readFileSync(lock, "utf8").trim());
    if (Number.isInteger(holder) && holder !== process.pid && alive(holder))
      throw new Error(
        `another Trustmap (process ${holder}) keeps its change log in ${dir}: give each its own folder, or a PostgreSQL server to share (--changes)`,
      );
    writeFileSync(lock, String(process.pid));
  }
  const release = () => rmSync(lock, { force: true });
  process.once("exit", release);
  return () => {
    process.removeListener("exit", release);
    release();
  };
}

/** The embedded database, its files in `dir` (created when missing); in memory when `dir` is undefined. */
export async function embeddedDatabase(dir: string | undefined): Promise<Database> {
  const { PGlite } = await import("@electric-sql/pglite");
  let unlock = () => {};
  if (dir !== undefined) {
    mkdirSync(dir, { recursive: true });
    unlock = lockFolder(dir);
  }
  let db: InstanceType<typeof PGlite>;
  try {
    db = dir === undefined ? new PGlite() : new PGlite(path.join(dir, "pgdata"));
    await db.waitReady;
  } catch (error) {
    unlock();
    throw error;
  }
  // PGlite runs one statement at a time: a transaction holds it until it ends.
  return {
    description: dir === undefined ? "embedded PostgreSQL in memory" : `embedded PostgreSQL in ${dir}`,
    query: async <T>(sql: string, params: readonly unknown[] = []) =>
      ({ rows: (await db.query<T>(sql, [...params])).rows }) as Rows<T>,
    exec: async (sql) => {
      await db.exec(sql);
    },
    transaction: (work) =>
      db.transaction((tx) =>
        work({
          query: async <T>(sql: string, params: readonly unknown[] = []) =>
            ({ rows: (await tx.query<T>(sql, [...params])).rows }) as Rows<T>,
          exec: async (sql) => {
            await tx.exec(sql);
          },
        }),
      ),
    close: async () => {
      await db.close();
      unlock();
    },
  };
}

/** A PostgreSQL server, by connection URL (`postgres://user:password@host:5432/db`). */
export async function postgresDatabase(url: string): Promise<Database> {
  const pg = (await import("pg")).default;
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // A pool's idle client that loses its server emits an error: it is dropped, and the next query connects anew.
  pool.on("error", () => undefined);
  const description = `PostgreSQL at ${withoutPassword(url)}`;
  try {
    await pool.query("select 1");
  } catch (error) {
    await pool.end();
    throw new Error(`cannot reach ${description}: ${(error as Error).message}`);
  }
  return {
    description,
    query: async <T>(sql: string, params: readonly unknown[] = []) =>
      ({ rows: (await pool.query(sql, [...params])).rows }) as Rows<T>,
    exec: async (sql) => {
      await pool.query(sql);
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query("begin");
        const result = await work({
          query: async <T>(sql: string, params: readonly unknown[] = []) =>
            ({ rows: (await client.query(sql, [...params])).rows }) as Rows<T>,
          exec: async (sql) => {
            await client.query(sql);
          },
        });
        await client.query("commit");
        return result;
      } catch (error) {
        await client.query("rollback").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** The database a setting names: a postgres:// URL, or a folder for the embedded one ("memory": none). */
export function openDatabase(setting: string): Promise<Database> {
  if (/^postgres(ql)?:\/\//.test(setting)) return postgresDatabase(setting);
  return embeddedDatabase(setting === "memory" ? undefined : setting);
}
