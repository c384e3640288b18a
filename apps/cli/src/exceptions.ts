import { readFileSync } from "node:fs";
import { type AcceptedException, formatExceptionsError, readExceptions } from "@trustmap/engine";
import { parse } from "yaml";

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
