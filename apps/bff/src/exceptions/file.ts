import { readFileSync, unwatchFile, watchFile } from "node:fs";
import { type AcceptedException, formatExceptionsError, readExceptions } from "@trustmap/engine";
import { parse } from "yaml";
import type { Logger } from "../log";

/** The accepted exceptions of a YAML file, or the messages that name the file, entry and field. */
export function loadExceptions(
  file: string,
): { ok: true; exceptions: AcceptedException[] } | { ok: false; messages: string[] } {
  let document: unknown;
  try {
    document = parse(readFileSync(file, "utf8"));
  } catch (error) {
    return { ok: false, messages: [`${file}: ${(error as Error).message}`] };
  }
  const result = readExceptions(document);
  if (result.ok) return result;
  return { ok: false, messages: result.errors.map((error) => formatExceptionsError(file, error)) };
}

/**
 * Reads the file again whenever it changes (polled: editors often replace a file rather than
 * write it), into `into.exceptions`. A bad version is logged with its messages and leaves the
 * last good exceptions in force. Returns the function that stops watching.
 */
export function watchExceptions(
  file: string,
  into: { exceptions: readonly AcceptedException[] },
  logger: Logger,
  intervalMs = 2000,
): () => void {
  const reload = () => {
    const loaded = loadExceptions(file);
    if (loaded.ok) {
      into.exceptions = loaded.exceptions;
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
