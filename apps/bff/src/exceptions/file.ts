import { unwatchFile, watchFile } from "node:fs";
import { loadExceptions } from "@trustmap/cli/exceptions";
import type { AcceptedException } from "@trustmap/engine";
import type { Logger } from "../log";

// The file is read as the CLI reads it: one reader, the same messages.
export { loadExceptions };

/**
 * Reads the file again whenever it changes (polled: editors often replace a file rather than
 * write it), into `into.exceptions`. A bad version is logged with its messages and leaves the
 * last good exceptions in force; `changed` hears of each good version. Returns the function that
 * stops watching.
 */
export function watchExceptions(
  file: string,
  into: { exceptions: readonly AcceptedException[] },
  logger: Logger,
  intervalMs = 2000,
  changed: (exceptions: readonly AcceptedException[]) => void = () => {},
): () => void {
  const reload = () => {
    const loaded = loadExceptions(file);
    if (loaded.ok) {
      into.exceptions = loaded.exceptions;
      changed(loaded.exceptions);
      logger.log("info", "accepted exceptions read again", { file, exceptions: loaded.exceptions.length });
    } else {
      logger.log("warn", "the exceptions file is wrong: the last good exceptions stay in force", {
        file,
        problems: loaded.messages,
      });
    }
  };
  watchFile(file, { interval: intervalMs }, reload);
  return () => unwatchFile(file, reload);
}
