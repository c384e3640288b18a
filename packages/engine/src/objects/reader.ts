import {
  type LabelRequirement,
  type LabelSelector,
  PROTOCOLS,
  type Protocol,
  type SelectorOperator,
} from "./model";
import {
  ANNOTATIONS_MAX_BYTES,
  annotationsSize,
  labelValueProblem,
  nonFiniteText,
  qualifiedNameProblem,
  quoted,
} from "./validation";

/** A problem with one field of one input object: enough to find and fix it. */
export interface InputError {
  /** Where the object came from, e.g. "deploy/app.yaml, document 2". */
  readonly source: string;
  /** The object, e.g. "NetworkPolicy shop/allow-web"; absent when the object has no usable identity. */
  readonly object?: string;
  /** A JSON path into the object, e.g. "spec.ingress[0].ports[1].port". */
  readonly field: string;
  readonly message: string;
}

export function formatInputError(error: InputError): string {
  const object = error.object === undefined ? "" : ` ${error.object}:`;
  return `${error.source}:${object} ${error.field}: ${error.message}`;
}

export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const OPERATORS: readonly SelectorOperator[] = ["In", "NotIn", "Exists", "DoesNotExist"];

/**
 * Reads fields of one object, collecting an InputError for each field of the wrong shape.
 * Absent (undefined or null) optional fields read as undefined; a present field of the wrong
 * type is an error, never silently dropped.
 */
export class FieldReader {
  readonly errors: InputError[] = [];

  constructor(
    readonly source: string,
    public object?: string,
  ) {}

  fail(field: string, message: string): undefined {
    // A field read twice (once for the object's metadata, once by the reader of its kind) is
    // reported once.
    if (this.errors.some((earlier) => earlier.field === field && earlier.message === message))
      return undefined;
    const error: InputError =
      this.object === undefined
        ? { source: this.source, field, message }
        : { source: this.source, object: this.object, field, message };
    this.errors.push(error);
    return undefined;
  }

  record(value: unknown, field: string): JsonObject | undefined {
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) return this.fail(field, `expected an object, found ${describe(value)}`);
    return value;
  }

  array(value: unknown, field: string): readonly unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fail(field, `expected a list, found ${describe(value)}`);
      return [];
    }
    return value;
  }

  string(value: unknown, field: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") return this.fail(field, `expected a string, found ${describe(value)}`);
    return value;
  }

  requiredString(value: unknown, field: string): string | undefined {
    const text = this.string(value, field);
    if (text === undefined || text === "") {
      if (value === undefined || value === null || value === "") this.fail(field, "is required");
      return undefined;
    }
    return text;
  }

  boolean(value: unknown, field: string): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean")
      return this.fail(field, `expected true or false, found ${describe(value)}`);
    return value;
  }

  integer(value: unknown, field: string): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value)) {
      return this.fail(field, `expected a whole number, found ${describe(value)}`);
    }
    return value;
  }

  stringList(value: unknown, field: string): string[] {
    const out: string[] = [];
    this.array(value, field).forEach((item, index) => {
      const text = this.string(item, `${field}[${index}]`);
      if (text !== undefined) out.push(text);
    });
    return out;
  }

  /** A map of label or annotation keys to string values. */
  stringMap(value: unknown, field: string): Record<string, string> {
    const record = this.record(value, field);
    const out: Record<string, string> = {};
    if (record === undefined) return out;
    for (const [key, item] of Object.entries(record)) {
      // Unquoted YAML scalars such as `tier: 1` or `enabled: true` are not strings, and the
      // API server rejects them; saying so beats guessing what was meant.
      const text = this.string(item, `${field}.${key}`);
      if (text !== undefined) out[key] = text;
    }
    return out;
  }

  /** Labels, as the API server validates them (ValidateLabels): qualified-name keys, label values. */
  labels(value: unknown, field: string): Record<string, string> {
    const labels = this.stringMap(value, field);
    for (const [key, text] of Object.entries(labels)) {
      if (!this.labelKey(key, `${field}.${key}`)) {
        delete labels[key];
        continue;
      }
      const problem = labelValueProblem(text);
      if (problem !== undefined) {
        this.fail(`${field}.${key}`, `label value ${quoted(text)} ${problem}`);
        delete labels[key];
      }
    }
    return labels;
  }

  /**
   * Annotations, as the API server validates them (ValidateAnnotations): qualified-name keys
   * (compared in lower case) and at most 256 KiB of keys and values together.
   */
  annotations(value: unknown, field: string): Record<string, string> {
    const annotations = this.stringMap(value, field);
    for (const key of Object.keys(annotations)) {
      const problem = qualifiedNameProblem(key.toLowerCase());
      if (problem !== undefined) {
        this.fail(`${field}.${key}`, `annotation key ${quoted(key)}: ${problem}`);
        delete annotations[key];
      }
    }
    const size = annotationsSize(annotations);
    if (size > ANNOTATIONS_MAX_BYTES) {
      this.fail(field, `annotations take ${size} bytes; the limit is ${ANNOTATIONS_MAX_BYTES} (256 KiB)`);
    }
    return annotations;
  }

  /** `field` is where the key is written: the label's own path, or a requirement's `key`. */
  private labelKey(key: string, field: string): boolean {
    const problem = qualifiedNameProblem(key);
    if (problem === undefined) return true;
    this.fail(field, `label key ${quoted(key)}: ${problem}`);
    return false;
  }

  selector(value: unknown, field: string): LabelSelector | undefined {
    const record = this.record(value, field);
    if (record === undefined) return undefined;
    const matchLabels = this.labels(record.matchLabels, `${field}.matchLabels`);
    const matchExpressions: LabelRequirement[] = [];
    this.array(record.matchExpressions, `${field}.matchExpressions`).forEach((item, index) => {
      const path = `${field}.matchExpressions[${index}]`;
      const requirement = this.requirement(item, path);
      if (requirement !== undefined) matchExpressions.push(requirement);
    });
    return { matchLabels, matchExpressions };
  }

  private requirement(value: unknown, field: string): LabelRequirement | undefined {
    const record = this.record(value, field);
    if (record === undefined) return this.fail(field, "expected a requirement {key, operator, values}");
    const key = this.requiredString(record.key, `${field}.key`);
    const operator = this.requiredString(record.operator, `${field}.operator`);
    const values = this.stringList(record.values, `${field}.values`);
    if (key === undefined || operator === undefined) return undefined;
    // Keys are validated as label keys. Values are not: the API server keeps accepting objects
    // that already held values no label can have (AllowInvalidLabelValueInSelector), and such a
    // value is harmless to read: In matches no pod by it, NotIn every pod.
    if (!this.labelKey(key, `${field}.key`)) return undefined;
    if (!OPERATORS.includes(operator as SelectorOperator)) {
      return this.fail(
        `${field}.operator`,
        `unknown operator ${JSON.stringify(operator)}; use one of ${OPERATORS.join(", ")}`,
      );
    }
    const op = operator as SelectorOperator;
    // metav1 validation: In/NotIn need values, Exists/DoesNotExist take none.
    if ((op === "In" || op === "NotIn") && values.length === 0) {
      return this.fail(`${field}.values`, `must not be empty when operator is ${op}`);
    }
    if ((op === "Exists" || op === "DoesNotExist") && values.length > 0) {
      return this.fail(`${field}.values`, `must be empty when operator is ${op}`);
    }
    return { key, operator: op, values };
  }
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `the string ${quoted(value)}`;
  if (typeof value === "number" && !Number.isFinite(value))
    return `the non-finite number ${nonFiniteText(value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

export function readPortNumber(reader: FieldReader, value: unknown, field: string): number | undefined {
  const number = reader.integer(value, field);
  if (number === undefined) return undefined;
  if (number < 1 || number > 65535) return reader.fail(field, `port ${number} is outside 1-65535`);
  return number;
}

export function readProtocol(reader: FieldReader, value: unknown, field: string): Protocol | undefined {
  const text = reader.string(value, field);
  if (text === undefined) return value === undefined || value === null ? "TCP" : undefined;
  if (!PROTOCOLS.includes(text as Protocol)) {
    return reader.fail(field, `unknown protocol ${JSON.stringify(text)}; use TCP, UDP or SCTP`);
  }
  return text as Protocol;
}

/** validation.IsValidPortName: 1-15 of [a-z0-9-], at least one letter, no leading, trailing or double hyphen. */
export function isPortName(name: string): boolean {
  return (
    name.length >= 1 &&
    name.length <= 15 &&
    /^[a-z0-9-]+$/.test(name) &&
    /[a-z]/.test(name) &&
    !name.startsWith("-") &&
    !name.endsWith("-") &&
    !name.includes("--")
  );
}
