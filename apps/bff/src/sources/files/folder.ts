import { statSync } from "node:fs";
import path from "node:path";
import { loadInput } from "@trustmap/cli/load";
import {
  type Cluster,
  formatInputError,
  type InputDocument,
  type InputError,
  initialEvents,
  type Kind,
  type KindObjects,
  parseCluster,
} from "@trustmap/engine";
import { KindMirror, noChanges } from "../mirror";

/** What one read of the folder found, and what changed since the read before. */
export interface FolderRead {
  readonly type: "read";
  /** The folder's inode: a folder removed and made again is a new one, to be watched anew. */
  readonly inode: number;
  /** The true differences from the objects sent before (ADDED, MODIFIED, DELETED), each as JSON text. */
  readonly events: string[];
  /** Every problem of the folder now, each naming the file (and the object and field, when known). */
  readonly problems: InputError[];
  /** The files with a problem, in name order. */
  readonly problemFiles: string[];
  /** Files unreadable or invalid now whose last good objects stand in for them, and when those were read. */
  readonly stale: { readonly file: string; readonly readAt: string }[];
}

/** The folder could not be read at all (removed, not a folder, no permission): nothing was changed. */
export interface FolderMissing {
  readonly type: "missing";
  readonly message: string;
}

export type FolderResult = FolderRead | FolderMissing;

interface FileReading {
  readonly documents: InputDocument[];
  readonly problems: InputError[];
}

/**
 * Reads a folder of manifests whole, file by file keeping the last good version: a file that
 * turns unreadable or invalid keeps its last good objects (said stale) until it is fixed or
 * removed, so a half-saved edit never takes objects out of the picture. It remembers what it
 * sent, so that each read yields only the true differences.
 */
export class FolderReader {
  private readonly lastGood = new Map<string, { documents: InputDocument[]; readAt: string }>();
  private readonly held = new Map<Kind, KindMirror>();

  constructor(
    private readonly directory: string,
    private readonly cwd: string,
  ) {}

  read(): FolderResult {
    let inode: number;
    try {
      const stat = statSync(this.directory);
      if (!stat.isDirectory()) return { type: "missing", message: `${this.directory} is not a folder` };
      inode = stat.ino;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      return { type: "missing", message: `${this.directory} cannot be read: ${code}` };
    }
    const readAt = new Date().toISOString();
    const input = loadInput([this.directory], this.cwd);
    const files = new Map<string, FileReading>();
    const fileEntry = (file: string): FileReading => {
      let entry = files.get(file);
      if (entry === undefined) {
        entry = { documents: [], problems: [] };
        files.set(file, entry);
      }
      return entry;
    };
    for (const document of input.documents) fileEntry(fileOf(document.source)).documents.push(document);
    for (const error of input.errors) {
      const problem = this.loadProblem(error);
      fileEntry(fileOf(problem.source)).problems.push(problem);
    }
    // The reader skips, with a note, what it cannot read as a file (a link to nothing, a loop of
    // links, a pipe): for a file read whole before, that is a file turned unreadable, not removed.
    for (const note of input.notes) {
      const skipped = /^(.+?): skipped: (.*(?:symbolic link|not a regular file).*)$/s.exec(note);
      if (skipped === null || !this.lastGood.has(skipped[1]!)) continue;
      const file = skipped[1]!;
      fileEntry(file).problems.push({
        source: file,
        field: "(file)",
        message: `cannot be read: ${skipped[2]}`,
      });
    }
    const current = parseCluster(input.documents);
    for (const error of current.errors) fileEntry(fileOf(error.source)).problems.push(error);

    const names = [...files.keys()].sort();
    const stale: { file: string; readAt: string }[] = [];
    const documents: InputDocument[] = [];
    for (const file of names) {
      const reading = files.get(file)!;
      const good = this.lastGood.get(file);
      if (reading.problems.length === 0) {
        this.lastGood.set(file, { documents: reading.documents, readAt });
        documents.push(...reading.documents);
      } else if (good !== undefined) {
        stale.push({ file, readAt: good.readAt });
        documents.push(...good.documents);
      } else {
        // Never read whole: what could be read of it now is all there is to show.
        documents.push(...reading.documents);
      }
    }
    // A file removed took its objects with it: that is a true change, not a problem.
    for (const file of [...this.lastGood.keys()]) if (!files.has(file)) this.lastGood.delete(file);

    const problems = names.flatMap((file) => files.get(file)!.problems);
    let cluster = current.cluster;
    if (stale.length > 0) {
      const composed = parseCluster(documents);
      cluster = composed.cluster;
      // What the kept versions clash with now (an object also defined in a file read since) is said too.
      const known = new Set(problems.map(formatInputError));
      for (const error of composed.errors) {
        if (known.has(formatInputError(error))) continue;
        known.add(formatInputError(error));
        problems.push(error);
      }
    }
    const problemFiles = [...new Set(problems.map((problem) => fileOf(problem.source)))].sort();
    return { type: "read", inode, events: this.differences(cluster), problems, problemFiles, stale };
  }

  /** A loader's message ("a.yaml, document 2: not valid YAML …") as a problem of its file. */
  private loadProblem(error: string): InputError {
    const match = /^(.+?(?:, document \d+)?): (.*)$/s.exec(error);
    if (match === null) return { source: this.directory, field: "(file)", message: error };
    const where = match[1]!;
    // Paths the loader could not even list are absolute: named as the readable files are.
    const source = path.isAbsolute(where) ? path.relative(this.cwd, where) || where : where;
    return { source, field: "(file)", message: match[2]! };
  }

  /** ADDED, MODIFIED and DELETED events from what was sent before to this cluster. */
  private differences(cluster: Cluster): string[] {
    const changes = noChanges();
    for (const relist of initialEvents(cluster)) {
      if (relist.type !== "RELIST") continue;
      let mirror = this.held.get(relist.kind);
      if (mirror === undefined) {
        mirror = new KindMirror(relist.kind);
        this.held.set(relist.kind, mirror);
      }
      mirror.picture(relist.objects as KindObjects[Kind][], changes);
    }
    return changes.events;
  }
}

/** The file a document or problem came from: its source is "file, document N", or the file alone. */
function fileOf(source: string): string {
  // "a.yaml, document 2" and a List's item, "a.yaml, document 2, items[3]", are both of a.yaml.
  return /^(.*), document \d+(?:, items\[\d+\])?$/s.exec(source)?.[1] ?? source;
}
