import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import Ajv, { type ErrorObject, type SchemaObject } from "ajv-draft-04";
import addFormats from "ajv-formats";

// Strict checkers for the formats Trustmap writes, for tests in any package: each answers with
// the list of what is wrong (empty when the text is valid), every message naming where.

// ---- SARIF 2.1.0 ----------------------------------------------------------------------------

// The schema is the OASIS SARIF 2.1.0 schema as published on SchemaStore ("2.1.0-rtm.5"). It
// declares JSON Schema draft-04 (`id`, draft-04 meta-schema), so it is compiled by Ajv 8's
// draft-04 class rather than by the default draft-07 one, which would refuse its `$schema`.

/** The few parts of a SARIF log that the checks beyond the schema read. */
interface SarifLog {
  runs: {
    tool: { driver: { rules?: { id: string }[] } };
    results?: { ruleId?: string; ruleIndex?: number; rule?: { id?: string; toolComponent?: unknown } }[];
  }[];
}

// Two of Ajv's checks on the schema itself are turned off for the official text, which is valid
// JSON Schema but trips them: strictRequired (its anyOf branches require properties declared
// one level up) and unicode regular expressions (toolComponent.language's pattern has a stray
// "]", legal only without the u flag). Unknown keywords, formats and types still fail.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, unicodeRegExp: false });
addFormats(ajv);
// Loaded with require rather than a JSON import so that every test runner that loads this file
// (Vitest, tsx, Playwright's transform) reads it the same way.
const schema: SchemaObject = createRequire(import.meta.url)(
  "@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json",
);
const validateSarifSchema = ajv.compile<SarifLog>(schema);

/** Every way `text` is not a SARIF 2.1.0 log; empty when it is one. */
export function validateSarif(text: string): string[] {
  let log: unknown;
  try {
    log = JSON.parse(text);
  } catch (error) {
    return [`not JSON: ${(error as Error).message}`];
  }
  if (!validateSarifSchema(log)) return (validateSarifSchema.errors ?? []).map(describeSchemaError);
  return log.runs.flatMap((run, index) => checkRuleReferences(run, `$.runs[${index}]`));
}

function describeSchemaError(error: ErrorObject): string {
  const params: Record<string, unknown> = error.params;
  if (error.keyword === "additionalProperties") {
    return `${jsonPath(`${error.instancePath}/${String(params.additionalProperty)}`)}: is not a property the schema allows here`;
  }
  const allowed = error.keyword === "enum" ? ` (${JSON.stringify(params.allowedValues)})` : "";
  return `${jsonPath(error.instancePath)}: ${error.message ?? error.keyword}${allowed} [schema ${error.schemaPath}]`;
}

/** "/runs/0/tool" (a JSON Pointer) as "$.runs[0].tool". */
function jsonPath(pointer: string): string {
  const tokens = pointer === "" ? [] : pointer.slice(1).split("/");
  return tokens
    .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce((path, key) => {
      if (/^\d+$/.test(key)) return `${path}[${key}]`;
      return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
    }, "$");
}

// SARIF §3.27.5-3.27.7: a result names its rule by ruleId and/or rule.id, which agree, and a
// ruleIndex points into the rules of the driver (unless rule.toolComponent names an extension).
function checkRuleReferences(run: SarifLog["runs"][number], at: string): string[] {
  const rules = run.tool.driver.rules ?? [];
  const errors: string[] = [];
  (run.results ?? []).forEach((result, index) => {
    const where = `${at}.results[${index}]`;
    const id = result.ruleId ?? result.rule?.id;
    if (id === undefined) errors.push(`${where}: names no rule (neither ruleId nor rule.id)`);
    if (result.ruleId !== undefined && result.rule?.id !== undefined && result.ruleId !== result.rule.id) {
      errors.push(`${where}.ruleId: "${result.ruleId}" differs from rule.id "${result.rule.id}"`);
    }
    if (
      result.ruleIndex === undefined ||
      result.ruleIndex === -1 ||
      result.rule?.toolComponent !== undefined
    ) {
      return;
    }
    const rule = rules[result.ruleIndex];
    if (rule === undefined) {
      errors.push(`${where}.ruleIndex: ${result.ruleIndex} but tool.driver.rules has ${rules.length} rules`);
    } else if (id !== undefined && rule.id !== id) {
      errors.push(
        `${where}.ruleIndex: points at tool.driver.rules[${result.ruleIndex}] "${rule.id}", not at "${id}"`,
      );
    }
  });
  return errors;
}

// ---- SARIF for GitHub code scanning ---------------------------------------------------------

// What GitHub code scanning requires of an uploaded SARIF file beyond the schema (its "SARIF
// support for code scanning" and "SARIF results exceed limits" pages): the hard limits refuse
// the whole file, and so does a result without a location. Plus Trustmap's own rule that message
// text is literal: no embedded link, placeholder or control character reaches a viewer.

export const CODE_SCANNING_LIMITS = {
  runs: 20,
  resultsPerRun: 25_000,
  rulesPerRun: 25_000,
  extensionsPerRun: 100,
  locationsPerResult: 1_000,
  tagsPerRule: 20,
  gzipBytes: 10 * 1024 * 1024,
} as const;

interface CodeScanningLog {
  runs?: {
    tool?: {
      driver?: { name?: string; rules?: { id: string; properties?: { tags?: string[] } }[] };
      extensions?: unknown[];
    };
    results?: {
      ruleId?: string;
      message?: { text?: string };
      locations?: {
        physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } };
      }[];
      partialFingerprints?: Record<string, unknown>;
    }[];
  }[];
}

/** Every way `text` breaks GitHub code scanning's rules for an upload; empty when it keeps them. */
export function checkCodeScanningSarif(text: string): string[] {
  const errors: string[] = [];
  let log: CodeScanningLog;
  try {
    log = JSON.parse(text) as CodeScanningLog;
  } catch (error) {
    return [`not JSON: ${(error as Error).message}`];
  }
  const gzipped = gzipSync(Buffer.from(text, "utf8")).length;
  if (gzipped > CODE_SCANNING_LIMITS.gzipBytes)
    errors.push(`$: ${gzipped} bytes gzipped, more than ${CODE_SCANNING_LIMITS.gzipBytes}`);
  const runs = log.runs ?? [];
  if (runs.length > CODE_SCANNING_LIMITS.runs)
    errors.push(`$.runs: ${runs.length} runs, more than ${CODE_SCANNING_LIMITS.runs}`);
  runs.forEach((run, r) => {
    const at = `$.runs[${r}]`;
    const driver = run.tool?.driver;
    if (typeof driver?.name !== "string" || driver.name === "")
      errors.push(`${at}.tool.driver.name: missing`);
    const rules = driver?.rules ?? [];
    if (rules.length > CODE_SCANNING_LIMITS.rulesPerRun)
      errors.push(`${at}.tool.driver.rules: more than ${CODE_SCANNING_LIMITS.rulesPerRun}`);
    if ((run.tool?.extensions?.length ?? 0) > CODE_SCANNING_LIMITS.extensionsPerRun)
      errors.push(`${at}.tool.extensions: more than ${CODE_SCANNING_LIMITS.extensionsPerRun}`);
    rules.forEach((rule, i) => {
      const tags = rule.properties?.tags?.length ?? 0;
      if (tags > CODE_SCANNING_LIMITS.tagsPerRule)
        errors.push(
          `${at}.tool.driver.rules[${i}].properties.tags: ${tags} tags, more than ${CODE_SCANNING_LIMITS.tagsPerRule}`,
        );
    });
    const ruleIds = new Set(rules.map((rule) => rule.id));
    const results = run.results ?? [];
    if (results.length > CODE_SCANNING_LIMITS.resultsPerRun)
      errors.push(
        `${at}.results: ${results.length} results, more than ${CODE_SCANNING_LIMITS.resultsPerRun}`,
      );
    results.forEach((result, i) => {
      const where = `${at}.results[${i}]`;
      if (result.ruleId === undefined || !ruleIds.has(result.ruleId))
        errors.push(`${where}.ruleId: ${JSON.stringify(result.ruleId)} is not a rule of tool.driver.rules`);
      const locations = result.locations ?? [];
      if (locations.length === 0) errors.push(`${where}.locations: none (code scanning refuses the file)`);
      if (locations.length > CODE_SCANNING_LIMITS.locationsPerResult)
        errors.push(`${where}.locations: more than ${CODE_SCANNING_LIMITS.locationsPerResult}`);
      locations.forEach((location, l) => {
        const uri = location.physicalLocation?.artifactLocation?.uri;
        const here = `${where}.locations[${l}].physicalLocation`;
        if (typeof uri !== "string" || uri === "") errors.push(`${here}.artifactLocation.uri: missing`);
        else errors.push(...checkArtifactUri(uri, `${here}.artifactLocation.uri`));
        const line = location.physicalLocation?.region?.startLine;
        if (
          location.physicalLocation?.region !== undefined &&
          !(Number.isInteger(line) && (line as number) >= 1)
        )
          errors.push(`${here}.region.startLine: ${JSON.stringify(line)} is not a line number`);
      });
      const fingerprints = Object.values(result.partialFingerprints ?? {});
      if (
        fingerprints.length === 0 ||
        fingerprints.some((value) => typeof value !== "string" || value === "")
      )
        errors.push(`${where}.partialFingerprints: none (uploads through the API would duplicate alerts)`);
      errors.push(...checkLiteralMessage(result.message?.text, `${where}.message.text`));
    });
  });
  return errors;
}

/** A repository-relative URI reference (GitHub refuses other schemes than file): only URI characters, no dot segment. */
function checkArtifactUri(uri: string, at: string): string[] {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1];
  if (scheme !== undefined && scheme.toLowerCase() !== "file")
    return [`${at}: scheme "${scheme}" is not one code scanning accepts`];
  if (!/^[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]*$/.test(uri) || /%(?![0-9A-Fa-f]{2})/.test(uri))
    return [`${at}: ${JSON.stringify(uri)} is not a URI reference (unencoded characters)`];
  if (uri.split("/").some((s) => s === "." || s === ".."))
    return [`${at}: ${JSON.stringify(uri)} has a dot segment`];
  return [];
}

/** A plain text message with no embedded link, no placeholder and no control character: every "[", "]", "\\" escaped, every brace doubled. */
function checkLiteralMessage(text: string | undefined, at: string): string[] {
  if (typeof text !== "string" || text === "") return [`${at}: empty`];
  if (/\p{Cc}/u.test(text)) return [`${at}: holds a control character`];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      if (!["\\", "[", "]"].includes(text[i + 1] ?? "")) return [`${at}: a lone backslash at ${i}`];
      i++;
    } else if (c === "{" || c === "}") {
      if (text[i + 1] !== c) return [`${at}: a placeholder brace at ${i}`];
      i++;
    } else if (c === "[" || c === "]") return [`${at}: an unescaped bracket at ${i} (an embedded link)`];
  }
  return [];
}

/** The literal text a SARIF plain text message string stands for (escapes undone). */
export function unescapeSarifText(text: string): string {
  return text.replace(/\\([\\[\]])|\{\{|\}\}/g, (match, escaped: string | undefined) => escaped ?? match[0]!);
}

// ---- CSV (RFC 4180) --------------------------------------------------------------------------

export interface CsvTable {
  header: string[];
  rows: string[][];
  errors: string[];
}

/**
 * Reads `text` as RFC 4180 §2 says: records end with CRLF (the last one may too); a field is
 * either unquoted, with no quote, CR, LF or comma, or quoted, with quotes doubled inside; every
 * record has as many fields as the header (the first record). Errors name the line and field.
 * One liberty: characters outside the ABNF's printable ASCII are accepted in fields, as §3's
 * charset parameter allows (the writers emit UTF-8).
 */
export function parseCsvStrict(text: string): CsvTable {
  if (text === "") return { header: [], rows: [], errors: ["the text is empty: there is not even a header"] };
  const cursor: Cursor = { text, at: 0, line: 1, errors: [] };
  const records: { line: number; fields: string[] }[] = [];
  while (cursor.at < text.length) records.push(readRecord(cursor));
  const [header, ...rows] = records;
  for (const row of rows) {
    if (row.fields.length === header!.fields.length) continue;
    const [more, from] =
      row.fields.length > header!.fields.length
        ? ["extra", header!.fields.length + 1]
        : ["missing", row.fields.length + 1];
    cursor.errors.push(
      `line ${row.line}: ${row.fields.length} fields where the header has ${header!.fields.length} (${more} from field ${from})`,
    );
  }
  return { header: header!.fields, rows: rows.map((row) => row.fields), errors: cursor.errors };
}

interface Cursor {
  readonly text: string;
  at: number;
  line: number;
  readonly errors: string[];
}

/** Reads one record and the line break that ends it; leaves the cursor on the next record. */
function readRecord(cursor: Cursor): { line: number; fields: string[] } {
  const line = cursor.line;
  const fields: string[] = [];
  for (;;) {
    const where = `line ${cursor.line}, field ${fields.length + 1}`;
    fields.push(cursor.text[cursor.at] === '"' ? readQuoted(cursor, where) : readUnquoted(cursor, where, ""));
    const next = cursor.text[cursor.at];
    if (next === ",") {
      cursor.at++;
      continue;
    }
    if (next === "\n") cursor.errors.push(`line ${cursor.line}: the record ends with LF alone, not CRLF`);
    if (next !== undefined) {
      cursor.at += next === "\n" ? 1 : 2;
      cursor.line++;
    }
    return { line, fields };
  }
}

/** Reads up to the next comma, line break or end; `value` is what the field already holds. */
function readUnquoted(cursor: Cursor, where: string, value: string): string {
  const { text } = cursor;
  let field = value;
  for (; cursor.at < text.length; cursor.at++) {
    const char = text[cursor.at]!;
    if (char === "," || char === "\n" || (char === "\r" && text[cursor.at + 1] === "\n")) break;
    if (char === '"')
      cursor.errors.push(`${where}: a quote in an unquoted field (quote the field, double the quote)`);
    if (char === "\r") cursor.errors.push(`${where}: CR without LF in an unquoted field`);
    field += char;
  }
  return field;
}

/** Reads a quoted field from its opening quote; CR and LF inside it belong to the value. */
function readQuoted(cursor: Cursor, where: string): string {
  const { text } = cursor;
  let value = "";
  cursor.at++;
  for (;;) {
    if (cursor.at >= text.length) {
      cursor.errors.push(`${where}: the quoted field is never closed`);
      return value;
    }
    const char = text[cursor.at]!;
    if (char === '"' && text[cursor.at + 1] === '"') {
      value += '"';
      cursor.at += 2;
      continue;
    }
    cursor.at++;
    if (char === '"') break;
    if (char === "\n") cursor.line++;
    value += char;
  }
  const next = text[cursor.at];
  if (
    next === undefined ||
    next === "," ||
    next === "\n" ||
    (next === "\r" && text[cursor.at + 1] === "\n")
  ) {
    return value;
  }
  cursor.errors.push(`${where}: text after the closing quote (a quote inside a field is written "")`);
  return readUnquoted(cursor, where, value);
}

/** A cell a spreadsheet would run as a formula: OWASP's list of dangerous first characters. */
export interface FormulaCell {
  row: number;
  field: number;
  value: string;
}

/** The cells of `rows` (0-based row and field) that start with =, +, -, @, tab or CR. */
export function formulaCells(rows: readonly (readonly string[])[]): FormulaCell[] {
  return rows.flatMap((cells, row) =>
    cells.flatMap((value, field) => (/^[=+\-@\t\r]/.test(value) ? [{ row, field, value }] : [])),
  );
}
