import { createHash } from "node:crypto";
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  type Stats,
  statSync,
} from "node:fs";
import { join, relative } from "node:path";
import type { InputDocument } from "@trustmap/engine";
import {
  Composer,
  type CST,
  type Document,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  Parser,
} from "yaml";

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
  /** What was skipped on purpose (files that hold no Kubernetes object, FIFOs, repeats), by name. */
  readonly notes: string[];
  /** How many Kubernetes objects (a List counting as one) the input held, repeats included. */
  readonly objects: number;
}

export interface LoadOptions {
  /** The text of standard input, read when a path is "-"; read at most once. */
  readonly stdin?: () => string;
}

// Bounds on what one input may hold. Real manifests stay far below each of them; past them the
// reader stops with an error instead of exhausting time, memory or the call stack.
/** A file (or standard input) larger than this is refused unread: the API server's own request limit is 3 MiB. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;
/** Documents in one YAML stream: `helm template` of a large chart gives a few hundred. */
export const MAX_DOCUMENTS = 10_000;
/** Alias expansions in one document (`yaml`'s maxAliasCount): a few are common, thousands are an attack. */
export const MAX_ALIAS_COUNT = 1_000;
/** Nested maps and lists in one document: deep CRD schemas reach about 40; the parser's recursion fails past about 1,000. */
export const MAX_DEPTH = 200;
/** Keys in one map: a ConfigMap at the API server's 1.5 MiB object limit holds fewer. */
export const MAX_KEYS = 50_000;

const STDIN = "-";
const STDIN_LABEL = "standard input";
const MANIFEST = /\.(ya?ml|json)$/i;
/** Kustomize's own files have apiVersion and kind but are instructions for kustomize, not cluster objects. */
const KUSTOMIZE_GROUP = "kustomize.config.k8s.io/";

/** A file to read: its path on disk (or "-") and its name in messages. */
interface InputFile {
  readonly path: string;
  readonly label: string;
}

/**
 * Expands files and directories (recursively, in name order) into regular manifest files.
 * Symbolic links are followed to regular files and directories only, each real path once (so
 * links to a parent end); FIFOs, sockets and devices are never opened. What is skipped is noted.
 */
export function listFiles(
  paths: readonly string[],
  errors: string[],
  notes: string[] = [],
  cwd = "",
): string[] {
  return walk(paths, cwd, errors, notes).map((file) => file.path);
}

function walk(paths: readonly string[], cwd: string, errors: string[], notes: string[]): InputFile[] {
  const files: InputFile[] = [];
  const visited = new Set<string>();
  const label = (path: string) => {
    if (path === STDIN) return STDIN_LABEL;
    return cwd === "" ? path : relative(cwd, path) || ".";
  };
  // Depth first, in name order, without recursion: a deep tree cannot exhaust the stack.
  const stack = [...paths].reverse().map((path) => ({ path, explicit: true }));
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { path, explicit } = next;
    const name = label(path);
    if (path === STDIN && explicit) {
      if (visited.has(STDIN)) notes.push(`${STDIN_LABEL}: named twice; read once`);
      else files.push({ path, label: name });
      visited.add(STDIN);
      continue;
    }
    const stat = statOf(path, name, explicit, errors, notes);
    if (stat === undefined) continue;
    if (!stat.isDirectory() && !explicit && !MANIFEST.test(path)) continue;
    if (!stat.isDirectory() && !stat.isFile()) {
      notes.push(`${name}: skipped: ${special(stat)}, not a regular file (pipe input with "-" instead)`);
      continue;
    }
    let real: string;
    try {
      real = realpathSync(path);
    } catch (error) {
      errors.push(`${name}: cannot be read: ${code(error)}`);
      continue;
    }
    if (visited.has(real)) {
      const what = stat.isDirectory() ? "directory" : "file";
      const how = real === path ? "named twice" : "reached again through a symbolic link";
      notes.push(`${name}: skipped: the ${what} ${label(real)} is already read (${how})`);
      continue;
    }
    visited.add(real);
    if (stat.isFile()) {
      files.push({ path, label: name });
      continue;
    }
    let entries: string[];
    try {
      entries = readdirSync(path);
    } catch (error) {
      errors.push(`${name}: directory cannot be read: ${code(error)}`);
      continue;
    }
    if (entries.includes("Chart.yaml")) {
      notes.push(
        `${name}: skipped: a Helm chart (has Chart.yaml); render it and pipe it in: helm template ${name} | trustmap analyze -`,
      );
      continue;
    }
    const children = entries.filter((entry) => !entry.startsWith(".")).sort();
    for (const entry of children.reverse()) stack.push({ path: join(path, entry), explicit: false });
  }
  return files;
}

/** What `path` is, following a symbolic link; undefined (with a note or an error) when it cannot be used. */
function statOf(
  path: string,
  name: string,
  explicit: boolean,
  errors: string[],
  notes: string[],
): Stats | undefined {
  let link: Stats;
  try {
    link = lstatSync(path);
  } catch (error) {
    errors.push(`${name}: cannot be read: ${code(error)}`);
    return undefined;
  }
  if (!link.isSymbolicLink()) return link;
  try {
    return statSync(path);
  } catch (error) {
    const reason =
      code(error) === "ELOOP" ? "a loop of symbolic links" : `a symbolic link to nothing (${code(error)})`;
    if (explicit) errors.push(`${name}: cannot be read: ${reason}`);
    else if (MANIFEST.test(path)) notes.push(`${name}: skipped: ${reason}`);
    return undefined;
  }
}

function special(stat: Stats): string {
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isSocket()) return "a socket";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  return "not a file or directory";
}

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

export function loadInput(paths: readonly string[], cwd: string, options: LoadOptions = {}): LoadedInput {
  const errors: string[] = [];
  const notes: string[] = [];
  const sink = new Sink(errors, notes);
  for (const file of walk(paths, cwd, errors, notes)) {
    const text = file.path === STDIN ? readStdin(options, errors) : readText(file, errors, notes);
    if (text === undefined) continue;
    try {
      decode(text, file.label, sink);
    } catch (error) {
      // The reader's checks come first; this is the last guard, so no input ends in a stack trace.
      errors.push(`${file.label}: cannot be read: ${describeThrow(error)}`);
    }
  }
  return { documents: sink.documents, locations: sink.locations, errors, notes, objects: sink.objects };
}

/**
 * Reads manifests given as text (a draft typed or pasted in the browser), named `label` in
 * messages, with the same checks and messages as a file.
 */
export function loadText(text: string, label: string): LoadedInput {
  const errors: string[] = [];
  const notes: string[] = [];
  const sink = new Sink(errors, notes);
  if (Buffer.byteLength(text) > MAX_FILE_BYTES)
    errors.push(`${label}: larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB; refused`);
  else
    try {
      decode(text, label, sink);
    } catch (error) {
      errors.push(`${label}: cannot be read: ${describeThrow(error)}`);
    }
  return { documents: sink.documents, locations: sink.locations, errors, notes, objects: sink.objects };
}

function readStdin(options: LoadOptions, errors: string[]): string | undefined {
  if (options.stdin === undefined) {
    errors.push(`${STDIN_LABEL}: "-" names standard input, which this reader was not given`);
    return undefined;
  }
  const text = options.stdin();
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
    errors.push(`${STDIN_LABEL}: larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB; refused`);
    return undefined;
  }
  return text;
}

/**
 * Reads a regular file of at most MAX_FILE_BYTES as UTF-8. Opened non-blocking and checked again
 * once open, so a file swapped for a FIFO or device after the walk is still never read from.
 */
function readText(file: InputFile, errors: string[], notes: string[]): string | undefined {
  let fd: number;
  try {
    fd = openSync(file.path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    errors.push(`${file.label}: cannot be read: ${code(error)}`);
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      notes.push(`${file.label}: skipped: ${special(stat)}, not a regular file`);
      return undefined;
    }
    if (stat.size > MAX_FILE_BYTES) {
      errors.push(
        `${file.label}: ${stat.size} bytes, larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB; refused`,
      );
      return undefined;
    }
    const bytes = readBounded(fd, MAX_FILE_BYTES + 1);
    if (bytes.length > MAX_FILE_BYTES) {
      errors.push(`${file.label}: grew past ${MAX_FILE_BYTES / 1024 / 1024} MiB while read; refused`);
      return undefined;
    }
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    const reason = error instanceof TypeError ? "not UTF-8 text" : code(error);
    errors.push(`${file.label}: cannot be read: ${reason}`);
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Reads from `fd` until its end or `limit` bytes, whichever comes first. */
export function readBounded(fd: number, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const chunk = Buffer.alloc(Math.min(1 << 20, limit - total));
    let read: number;
    try {
      read = readSync(fd, chunk, 0, chunk.length, null);
    } catch (error) {
      // A non-blocking pipe with nothing yet: wait a little rather than spin.
      if (code(error) !== "EAGAIN") throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      continue;
    }
    if (read === 0) break;
    chunks.push(chunk.subarray(0, read));
    total += read;
  }
  return Buffer.concat(chunks);
}

/** Collects the objects of all files: documents, where each was written, repeats noted once. */
class Sink {
  readonly documents: InputDocument[] = [];
  readonly locations = new Map<string, ObjectLocation>();
  objects = 0;
  /** Content hash of each object read to where it was first read. */
  private readonly seen = new Map<string, string>();

  constructor(
    readonly errors: string[],
    readonly notes: string[],
  ) {}

  add(object: unknown, source: string, file: string, line: number): void {
    const id = identity(object);
    if (id !== undefined) {
      const hash = createHash("sha256").update(canonical(object)).digest("hex");
      const earlier = this.seen.get(hash);
      if (earlier !== undefined) {
        this.notes.push(`${source}: ${id} is identical to the one in ${earlier}; read once`);
        return;
      }
      this.seen.set(hash, source);
      record(object, file, line, this.locations);
    }
    this.documents.push({ source, object });
  }
}

const PARSE_OPTIONS = {
  merge: true,
  // Keys are checked for repeats below, in one pass: the parser's own check is quadratic.
  uniqueKeys: false,
  prettyErrors: false,
} as const;

function decode(text: string, file: string, sink: Sink): void {
  const lineCounter = new LineCounter();
  const composer = new Composer(PARSE_OPTIONS);
  let retried: { documents: Document.Parsed[]; lineCounter: LineCounter } | undefined;
  // Kubernetes' YAML reader takes tabs as blanks inside [ ] and { }, where this parser wants
  // continuation lines indented with spaces: a document that fails is read once more with the
  // tabs leading such lines made spaces, and kept if that reads cleanly.
  const retry = (index: number): [Document.Parsed, LineCounter] | undefined => {
    if (!text.includes("\t")) return undefined;
    if (retried === undefined) {
      const counter = new LineCounter();
      const documents: Document.Parsed[] = [];
      try {
        for (const document of new Composer(PARSE_OPTIONS).compose(tokens(spaceFlowTabs(text), counter))) {
          documents.push(document);
          if (documents.length > MAX_DOCUMENTS) break;
        }
      } catch {
        // The first reading's error stands.
      }
      retried = { documents, lineCounter: counter };
    }
    const document = retried.documents[index - 1];
    return document !== undefined && document.errors.length === 0
      ? [document, retried.lineCounter]
      : undefined;
  };
  const before = { objects: sink.objects, errors: sink.errors.length };
  const skipped: number[] = [];
  let noted = false;
  let index = 0;
  try {
    for (const document of composer.compose(tokens(text, lineCounter))) {
      index++;
      if (index > MAX_DOCUMENTS) {
        sink.errors.push(`${file}: more than ${MAX_DOCUMENTS} documents; refused`);
        return;
      }
      const [read, counter] = (document.errors.length > 0 && retry(index)) || [document, lineCounter];
      const kept = decodeDocument(read, file, index, counter, sink);
      if (kept === "skipped") skipped.push(index);
      if (kept === "noted") noted = true;
    }
  } catch (error) {
    sink.errors.push(`${file}, document ${index + 1}: ${describeThrow(error)}`);
    return;
  }
  if (sink.errors.length > before.errors) return;
  if (sink.objects === before.objects) {
    if (noted) return;
    sink.notes.push(
      skipped.length > 0
        ? `${file}: skipped: holds no Kubernetes object (no document with kind, or apiVersion and metadata)`
        : `${file}: skipped: holds no Kubernetes object (no document, or only empty ones)`,
    );
  } else {
    for (const number of skipped)
      sink.notes.push(
        `${file}, document ${number}: skipped: not a Kubernetes object (no kind, or apiVersion and metadata)`,
      );
  }
}

/** Thrown while parsing when the text passes a bound; the reader turns it into an error. */
class BoundError extends Error {}

/**
 * The parser's tokens of `text`, stopped as soon as nesting or the keys of one map pass their
 * bound: before the parser has built (and the composer recursed through) a tree of any size.
 */
function* tokens(text: string, lineCounter: LineCounter): Generator<CST.Token, void> {
  const parser = new Parser(lineCounter.addNewLine);
  // As Parser.parse does: the first line starts at 0.
  lineCounter.addNewLine(0);
  const line = () => lineCounter.lineStarts.length;
  for (const lexeme of new Lexer().lex(text)) {
    yield* parser.next(lexeme);
    const stack = parser.stack;
    // A document and a few tokens in hand sit on the stack besides the collections.
    if (stack.length > MAX_DEPTH + 4) {
      throw new BoundError(`nested more than ${MAX_DEPTH} levels deep at line ${line()}; refused`);
    }
    const top = stack[stack.length - 1];
    const below = stack[stack.length - 2];
    for (const token of [top, below]) {
      if (isMapToken(token) && token.items.length > MAX_KEYS) {
        throw new BoundError(`more than ${MAX_KEYS} keys in one map at line ${line()}; refused`);
      }
    }
  }
  yield* parser.end();
}

function isMapToken(token: CST.Token | undefined): token is CST.BlockMap | CST.FlowCollection {
  if (token?.type === "block-map") return true;
  return token?.type === "flow-collection" && token.start.source === "{";
}

/**
 * The text with tabs that lead a line inside a flow collection ([ ] or { }) made spaces, one
 * more than the line that opened the collection. Quotes and comments are followed so that their
 * brackets do not count; line breaks stay where they are, so line numbers hold.
 */
export function spaceFlowTabs(text: string): string {
  const lines = text.split("\n");
  let depth = 0;
  let indent = 0;
  let quote: string | undefined;
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n] ?? "";
    const lead = /^[ \t]*/.exec(line)?.[0] ?? "";
    if (depth > 0 && quote === undefined && lead.includes("\t")) {
      line = " ".repeat(indent + 1) + line.slice(lead.length);
      lines[n] = line;
    }
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quote !== undefined) {
        if (c === "\\" && quote === '"') i++;
        else if (c === quote && quote === "'" && line[i + 1] === "'") i++;
        else if (c === quote) quote = undefined;
      } else if (c === "#" && (i === 0 || /[ \t]/.test(line[i - 1] ?? ""))) {
        break;
      } else if ((c === '"' || c === "'") && (i === 0 || /[ \t[{,:]/.test(line[i - 1] ?? ""))) {
        quote = c;
      } else if (c === "[" || c === "{") {
        if (depth === 0) indent = lead.length;
        depth++;
      } else if ((c === "]" || c === "}") && depth > 0) {
        depth--;
      }
    }
    if (depth === 0) quote = undefined;
  }
  return lines.join("\n");
}

/** What became of a document; "noted" was skipped with its own note. */
type Outcome = "object" | "skipped" | "noted" | "empty" | "error";

function decodeDocument(
  document: Document.Parsed,
  file: string,
  index: number,
  lineCounter: LineCounter,
  sink: Sink,
): Outcome {
  const source = `${file}, document ${index}`;
  const problem = document.errors[0];
  if (problem !== undefined) {
    const { line, col } = lineCounter.linePos(problem.pos[0]);
    sink.errors.push(
      `${source}: not valid YAML or JSON at line ${line}, column ${col}: ${firstLine(problem.message)}`,
    );
    return "error";
  }
  const at = (node: unknown) => {
    const range = isNode(node) ? node.range : undefined;
    return range ? lineCounter.linePos(range[0]).line : 1;
  };
  const structural = checkTree(document, at);
  if (structural !== undefined) {
    sink.errors.push(`${source}: ${structural}`);
    return "error";
  }
  let object: unknown;
  try {
    object = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    sink.errors.push(`${source}: ${describeThrow(error)}`);
    return "error";
  }
  const value = checkValues(object);
  if (value !== undefined) {
    sink.errors.push(`${source}: ${value}`);
    return "error";
  }
  if (object === null || object === undefined) return "empty";
  if (!isKubernetesObject(object)) return "skipped";
  const { apiVersion, kind } = object;
  if (typeof apiVersion === "string" && apiVersion.startsWith(KUSTOMIZE_GROUP)) {
    sink.notes.push(
      `${source}: skipped: ${String(kind)} is a kustomize file, not a cluster object; render it and pipe it in: kubectl kustomize DIR | trustmap analyze -`,
    );
    return "noted";
  }
  sink.objects++;
  const line = at(document.contents);
  const items = object.items;
  if (typeof kind !== "string" || !kind.endsWith("List") || !Array.isArray(items)) {
    sink.add(object, source, file, line);
    return "object";
  }
  // A list as the API returns it: items of `PodList` may leave out their kind, the API's
  // decoder takes it (and apiVersion) from the list. Items of a plain `List` name their own.
  const itemKind = kind === "List" ? undefined : kind.slice(0, -"List".length);
  const nodes = isMap(document.contents) ? document.contents.get("items", true) : undefined;
  items.forEach((item: unknown, i: number) => {
    if (isPlainObject(item)) {
      if (item.kind === undefined && itemKind !== undefined) item.kind = itemKind;
      if (item.apiVersion === undefined && apiVersion !== undefined) item.apiVersion = apiVersion;
    }
    const node = isSeq(nodes) ? nodes.items[i] : undefined;
    sink.add(item, `${source}, items[${i}]`, file, node === undefined ? line : at(node));
  });
  return "object";
}

/**
 * The rule for what is read: a YAML or JSON document is a Kubernetes object when it is a map
 * with `kind`, or with `apiVersion` and `metadata` (then the missing kind is an error). Anything
 * else (Helm's values.yaml and Chart.yaml, lists of expected outputs, scalars) is skipped with a note.
 */
function isKubernetesObject(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  return "kind" in value || ("apiVersion" in value && "metadata" in value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Checks the parsed tree before it becomes values: depth, keys per map, repeated keys, aliases
 * that name no anchor of this document and merge keys (`<<`) that merge something not a map.
 * Returns the first problem, naming its field and line.
 */
function checkTree(document: Document.Parsed, at: (node: unknown) => number): string | undefined {
  const stack: { node: unknown; path: string; depth: number }[] = [
    { node: document.contents, path: "", depth: 0 },
  ];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { node, path, depth } = next;
    const where = `${path || "(document)"} (line ${at(node)})`;
    if (isAlias(node)) {
      if (node.resolve(document) === undefined)
        return `${where}: the alias *${node.source} names no anchor before it in this document`;
      continue;
    }
    // A pair straight in a list (`[a: b]`) is read as a map of one key.
    if (!isMap(node) && !isSeq(node) && !isPair(node)) continue;
    if (depth >= MAX_DEPTH) return `${where}: nested more than ${MAX_DEPTH} levels deep; refused`;
    if (isSeq(node)) {
      node.items.forEach((item, i) => {
        stack.push({ node: item, path: `${path}[${i}]`, depth: depth + 1 });
      });
      continue;
    }
    const pairs = isPair(node) ? [node] : node.items;
    if (pairs.length > MAX_KEYS) return `${where}: more than ${MAX_KEYS} keys in one map; refused`;
    const keys = new Set<string>();
    for (const pair of pairs) {
      if (!isPair(pair)) continue;
      const key = pair.key;
      if (!isScalar(key) && key !== null) {
        return `${where}: a map or list used as a key (line ${at(key)}); keys must be strings`;
      }
      if (isScalar(key) && typeof key.value === "object" && key.value !== null) {
        return `${where}: a key of type ${key.tag ?? "object"} (line ${at(key)}); keys must be strings`;
      }
      // With `merge`, the parser gives a merge key (<<) a symbol for its value.
      if (isScalar(key) && typeof key.value === "symbol") {
        const field = path === "" ? "<<" : `${path}.<<`;
        const problem = checkMerge(pair.value, document);
        if (problem !== undefined) return `${field} (line ${at(key)}): ${problem}`;
        continue;
      }
      const name = isScalar(key) ? String(key.value) : "";
      const field = path === "" ? name : `${path}.${name}`;
      if (keys.has(name))
        return `${field} (line ${at(key)}): the key ${JSON.stringify(name)} appears twice in one map`;
      keys.add(name);
      stack.push({ node: pair.value, path: field, depth: depth + 1 });
    }
  }
  return undefined;
}

/** A merge key takes a map, an alias of a map, or a list of those. */
function checkMerge(value: unknown, document: Document.Parsed): string | undefined {
  const sources = isSeq(value) ? value.items : [value];
  for (const source of sources) {
    const target = isAlias(source) ? source.resolve(document) : source;
    if (isAlias(source) && target === undefined)
      return `the alias *${source.source} names no anchor before it in this document`;
    if (!isMap(target)) return "a merge key (<<) takes a map or an alias of a map";
  }
  return undefined;
}

/**
 * Checks the values (aliases expanded): depth again, and numbers JSON can hold; `.inf`, `.nan`
 * and numbers past 1.8e308 have no JSON form, so the API server would refuse them.
 */
function checkValues(root: unknown): string | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: "", depth: 0 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, path, depth } = next;
    const field = path || "(document)";
    if (typeof value === "number" && !Number.isFinite(value)) {
      const text = Number.isNaN(value) ? ".nan" : value > 0 ? ".inf (or a number too large)" : "-.inf";
      return `${field}: ${text} is not a number JSON can hold`;
    }
    if (typeof value !== "object" || value === null) continue;
    if (!Array.isArray(value) && !isPlainObject(value)) {
      return `${field}: a value of type ${value.constructor?.name ?? "object"} (from a YAML tag) has no JSON form`;
    }
    if (depth >= MAX_DEPTH)
      return `${field}: nested more than ${MAX_DEPTH} levels deep (aliases expanded); refused`;
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        stack.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 });
      });
      continue;
    }
    for (const [key, item] of Object.entries(value))
      stack.push({ value: item, path: path === "" ? key : `${path}.${key}`, depth: depth + 1 });
  }
  return undefined;
}

/** "Kind namespace/name" of an object that has a kind and a name, to say which one repeats. */
function identity(object: unknown): string | undefined {
  if (!isPlainObject(object)) return undefined;
  const { kind, metadata } = object as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  if (typeof kind !== "string" || !isPlainObject(metadata) || typeof metadata.name !== "string")
    return undefined;
  return typeof metadata.namespace === "string"
    ? `${kind} ${metadata.namespace}/${metadata.name}`
    : `${kind} ${metadata.name}`;
}

/** JSON with keys in order: the same object written with keys in another order is the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** A thrown error as one line, with the parser's wording made plain where it is known. */
function describeThrow(error: unknown): string {
  if (error instanceof BoundError) return error.message;
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return `nested too deep to read (more than ${MAX_DEPTH} levels are refused)`;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/excessive alias count/i.test(message)) return `more than ${MAX_ALIAS_COUNT} alias expansions; refused`;
  if (/unresolved alias/i.test(message))
    return `an alias names no anchor before it in this document: ${firstLine(message)}`;
  if (/merge sources/i.test(message)) return "a merge key (<<) takes a map or an alias of a map";
  return firstLine(message);
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
