import { createHash } from "node:crypto";
import { homedir } from "node:os";
import path from "node:path";
import type { SourceInfo } from "@trustmap/shared";
import { ChangeLog, type RetentionOptions } from "./change-log";
import { openDatabase, withoutPassword } from "./database";

// Where the change log is kept, as `--changes` (or TRUSTMAP_CHANGES) says: a folder for the
// embedded database, a postgres:// URL, "memory" (kept until the process ends) or "off". By
// default, a folder per cluster under the user's data directory.

/** How the log names a cluster: a log of one cluster is never read as another's. */
export function clusterName(info: SourceInfo): string {
  return `${info.kind} ${info.server ?? info.name}`;
}

/** The default folder of a cluster's log: $XDG_DATA_HOME/trustmap/changes/<kind>-<hash>. */
export function defaultLogFolder(info: SourceInfo, env: NodeJS.ProcessEnv = process.env): string {
  const data = env.XDG_DATA_HOME ?? path.join(homedir(), ".local", "share");
  const hash = createHash("sha256").update(clusterName(info)).digest("hex").slice(0, 12);
  return path.join(data, "trustmap", "changes", `${info.kind}-${hash}`);
}

/** The log a setting names, opened; undefined for "off". Errors name the setting and the store. */
export async function openChangeLog(
  setting: string | undefined,
  info: SourceInfo,
  retention: RetentionOptions,
): Promise<ChangeLog | undefined> {
  if (setting === "off") return undefined;
  const where = setting ?? defaultLogFolder(info);
  try {
    const db = await openDatabase(where);
    try {
      return await ChangeLog.open(db, clusterName(info), retention);
    } catch (error) {
      await db.close().catch(() => undefined);
      throw error;
    }
  } catch (error) {
    const shown = /^postgres(ql)?:\/\//.test(where) ? withoutPassword(where) : where;
    throw new Error(`--changes ${shown}: ${(error as Error).message}`);
  }
}
