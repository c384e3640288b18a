/** Structured logs: one JSON object per line on stderr, so that log shippers need no parsing rules. */
export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: Level, message: string, fields?: Record<string, unknown>): void;
}

const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * The message of the audit trail's lines (exports, refused requests): written whatever the level
 * asked for, since a trail that a log setting can switch off records nothing to rely on.
 */
export const AUDIT = "audit";

/**
 * JSON lines from `minimum` up (TRUSTMAP_LOG=debug|info|warn|error; info by default), and every
 * audit line.
 */
export function jsonLogger(
  write: (line: string) => void = (line) => process.stderr.write(line),
  minimum: Level = (["debug", "info", "warn", "error"] as const).find(
    (l) => l === process.env.TRUSTMAP_LOG,
  ) ?? "info",
): Logger {
  return {
    log(level, message, fields = {}) {
      if (RANK[level] < RANK[minimum] && message !== AUDIT) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
    },
  };
}

/** A logger that keeps nothing (tests). */
export const silentLogger: Logger = { log() {} };
