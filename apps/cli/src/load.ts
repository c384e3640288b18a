import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { InputDocument } from "@trustmap/engine";
import { isMap, isNode, isSeq, LineCounter, parseAllDocuments } from "yaml";

/** Where an object of the input was written, for messages and SARIF locations. */
export interface ObjectLocation {
  readonly file: string;
  readonly line: number;
}

export interface LoadedInput {
  readonly documents: InputDocument[];
  /** "Kind/namespace/name" (or "Kind/name") to where it was written. */
  readonly locations: Map<string, ObjectLocation>;
  /** Files that could not be read or decoded: each names the file and document. */
  readonly errors: string[];
}

const MANIFEST = /\.(ya?ml|json)$/i;

/** Expands files and directories (recursively, in name order) into manifest files. */
export function listFiles(paths: readonly string[], errors: string[]): string[] {
  const files: string[] = [];
  const visit = (path: string, explicit: boolean) => {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch (error) {
      errors.push(`${path}: cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      return;
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        if (entry.startsWith(".")) continue;
        visit(join(path, entry), false);
      }
    } else if (explicit || MANIFEST.test(path)) {
      files.push(path);
    }
  };
  for (const path of paths) visit(path, true);
  return files;
}

export function loadInput(paths: readonly string[], cwd: string): LoadedInput {
  const errors: string[] = [];
  const documents: InputDocument[] = [];
  const locations = new Map<string, ObjectLocation>();
  for (const path of listFiles(paths, errors)) {
    const file = relative(cwd, path) || path;
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      errors.push(`${file}: cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      continue;
    }
    decode(text, file, documents, locations, errors);
  }
  return { documents, locations, errors };
}

function decode(
  text: string,
  file: string,
  documents: InputDocument[],
  locations: Map<string, ObjectLocation>,
  errors: string[],
): void {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, merge: true, prettyErrors: false });
  if (!Array.isArray(parsed)) {
    // An empty stream or a lone directive: nothing to read.
    return;
  }
  parsed.forEach((document, index) => {
    const source = `${file}, document ${index + 1}`;
    const problem = document.errors[0];
    if (problem !== undefined) {
      const { line, col } = lineCounter.linePos(problem.pos[0]);
      errors.push(
        `${source}: not valid YAML or JSON at line ${line}, column ${col}: ${firstLine(problem.message)}`,
      );
      return;
    }
    const object: unknown = document.toJS({ maxAliasCount: 1000 });
    documents.push({ source, object });
    const contents = document.contents;
    const line = contents?.range ? lineCounter.linePos(contents.range[0]).line : 1;
    record(object, file, line, locations);
    // Items of a List are located at their own lines.
    if (isMap(contents)) {
      const items = contents.get("items", true);
      if (isSeq(items)) {
        items.items.forEach((item, i) => {
          const range = isNode(item) ? item.range : undefined;
          const itemLine = range ? lineCounter.linePos(range[0]).line : line;
          const value = (object as { items?: unknown[] }).items?.[i];
          record(value, file, itemLine, locations);
        });
      }
    }
  });
}

function record(object: unknown, file: string, line: number, locations: Map<string, ObjectLocation>): void {
  if (typeof object !== "object" || object === null) return;
  const { kind, metadata } = object as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  if (typeof kind !== "string" || typeof metadata?.name !== "string") return;
  const namespace = typeof metadata.namespace === "string" ? metadata.namespace : undefined;
  const keys =
    namespace === undefined
      ? [`${kind}/${metadata.name}`, `${kind}/default/${metadata.name}`]
      : [`${kind}/${namespace}/${metadata.name}`];
  for (const key of keys) if (!locations.has(key)) locations.set(key, { file, line });
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
