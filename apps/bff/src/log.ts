/** Structured logs: one JSON object per line on stderr, so that log shippers need no parsing rules. */
export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: Level, message: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  return {
    log(level, message, fields = {}) {
      write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
    },
  };
}

/** A logger that keeps nothing (tests). */
export const silentLogger: Logger = { log() {} };
