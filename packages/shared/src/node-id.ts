// The ids of graph nodes, one codec for the engine, the BFF, the web app and the exports. An id
// is derived from what the node is, never from a counter, so it stays the same across restarts
// and can be shared in a link:
//
//   ns:<namespace>
//   wl:<namespace>/<key>=<value>,<key>=<value>;<port>,<port>    a workload identity
//   pod:<namespace>/<name>
//   grp:<label key>=<value>      the namespaces whose label <key> is <value>
//   grp:<label key>              the namespaces without that label
//   wls:<namespace>/<label key>=<value>   the workloads of a namespace whose pods' label <key> is <value>
//   wls:<namespace>/<label key>  the workloads of a namespace without that label
//   any, outside
//
// A workload identity is what NetworkPolicy can tell pods apart by: namespace, labels (sorted by
// key) and named container ports (`name/protocol/number`, sorted; the `;` part is left out when
// there are none). Only the characters that delimit a field are escaped, as %XX, so that ids stay
// readable (`wl:payments-prod/app=postgres,app.kubernetes.io/name=postgres`); `%`, spaces and
// control characters are escaped everywhere, so an id never holds one and never a space.

export interface NamedPort {
  readonly name: string;
  readonly protocol: string;
  readonly port: number;
}

/** The content of a workload identity: namespace, labels and named container ports. */
export interface WorkloadIdentity {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly namedPorts: readonly NamedPort[];
}

export type NodeRef =
  | { readonly kind: "namespace"; readonly namespace: string }
  | { readonly kind: "workload"; readonly workload: WorkloadIdentity }
  | { readonly kind: "pod"; readonly namespace: string; readonly name: string }
  /** Namespaces grouped by a label: those whose label `key` is `value`, or (value null) those without it. */
  | { readonly kind: "group"; readonly key: string; readonly value: string | null }
  /** A namespace's workloads grouped by a pod label: those whose label `key` is `value`, or (null) those without it. */
  | {
      readonly kind: "workloads";
      readonly namespace: string;
      readonly key: string;
      readonly value: string | null;
    }
  | { readonly kind: "any" }
  | { readonly kind: "outside" };

/**
 * The value a group reads from labels: the label's value, or null when the labels lack it (the
 * group of the nodes without the label). Only the labels' own keys count.
 */
export function labelValue(labels: Readonly<Record<string, string>> | undefined, key: string): string | null {
  return labels !== undefined && Object.hasOwn(labels, key) ? (labels[key] ?? null) : null;
}

export const ANY_NODE_ID = "any" as const;
export const OUTSIDE_NODE_ID = "outside" as const;

/** C0 and C1 control characters and DEL (U+0000–U+001F, U+007F–U+009F). */
export function isControlCode(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isControlCode(text.charCodeAt(i))) return true;
  return false;
}

// `%`, spaces and control characters everywhere; then each field's delimiters.
const NAME_DELIMITERS = "%/,;=";
const LABEL_DELIMITERS = "%,;=";
const PORT_DELIMITERS = "%/,;=";

/** The ASCII codes a field escapes, as a table (ids are made for every identity of a cluster). */
function asciiTable(special: string): Uint8Array {
  const table = new Uint8Array(0x80);
  for (let c = 0; c < 0x80; c++)
    table[c] = c <= 0x20 || isControlCode(c) || special.includes(String.fromCharCode(c)) ? 1 : 0;
  return table;
}

const NAME_SPECIAL = asciiTable(NAME_DELIMITERS);
const LABEL_SPECIAL = asciiTable(LABEL_DELIMITERS);
const PORT_SPECIAL = asciiTable(PORT_DELIMITERS);

function isSpecial(table: Uint8Array, code: number): boolean {
  return code < 0x80 ? table[code] === 1 : isControlCode(code);
}

function escapeWith(text: string, table: Uint8Array): string {
  let i = 0;
  while (i < text.length && !isSpecial(table, text.charCodeAt(i))) i++;
  if (i === text.length) return text;
  let out = text.slice(0, i);
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += isSpecial(table, code) ? `%${code.toString(16).toUpperCase().padStart(2, "0")}` : text[i];
  }
  return out;
}

/** Escapes a name-like field (namespace, label key or value) as node ids and view keys write it. */
export function escapeField(text: string): string {
  return escapeWith(text, NAME_SPECIAL);
}

/** Undoes the escaping; undefined when a `%` is not followed by two upper-case hex digits. */
export function unescapeField(text: string): string | undefined {
  if (!text.includes("%")) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "%") {
      out += text[i];
      continue;
    }
    const hex = text.slice(i + 1, i + 3);
    if (!/^[0-9A-F]{2}$/.test(hex)) return undefined;
    out += String.fromCharCode(Number.parseInt(hex, 16));
    i += 2;
  }
  return out;
}

/**
 * Sorts in place by UTF-16 code units, by insertion: a pod's labels and named ports are few, and
 * this allocates nothing (it runs for every pod of the initial lists).
 */
function sortStrings(values: string[]): string[] {
  for (let i = 1; i < values.length; i++) {
    const value = values[i]!;
    let j = i - 1;
    while (j >= 0 && values[j]! > value) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = value;
  }
  return values;
}

function portText(port: NamedPort): string {
  return `${escapeWith(port.name, PORT_SPECIAL)}/${escapeWith(port.protocol, PORT_SPECIAL)}/${port.port}`;
}

/** A workload identity's key: the body of its `wl:` id, the same for the same content in any order. */
export function workloadKey(workload: WorkloadIdentity): string {
  let key = `${escapeWith(workload.namespace, NAME_SPECIAL)}/`;
  const keys = sortStrings(Object.keys(workload.labels));
  for (let i = 0; i < keys.length; i++) {
    const label = keys[i]!;
    if (i > 0) key += ",";
    key += `${escapeWith(label, LABEL_SPECIAL)}=${escapeWith(workload.labels[label]!, LABEL_SPECIAL)}`;
  }
  if (workload.namedPorts.length > 0) key += `;${sortStrings(workload.namedPorts.map(portText)).join(",")}`;
  return key;
}

function decodePort(text: string): NamedPort | undefined {
  const parts = text.split("/");
  if (parts.length !== 3 || !/^(0|[1-9][0-9]*)$/.test(parts[2]!)) return undefined;
  const name = unescapeField(parts[0]!);
  const protocol = unescapeField(parts[1]!);
  if (name === undefined || protocol === undefined) return undefined;
  return { name, protocol, port: Number(parts[2]) };
}

/** The content a workload key stands for; undefined when the text is not one. */
export function decodeWorkloadKey(key: string): WorkloadIdentity | undefined {
  const slash = key.indexOf("/");
  if (slash < 0) return undefined;
  const namespace = unescapeField(key.slice(0, slash));
  if (namespace === undefined) return undefined;
  const rest = key.slice(slash + 1);
  const semicolon = rest.indexOf(";");
  const labelText = semicolon < 0 ? rest : rest.slice(0, semicolon);
  const labels: [string, string][] = [];
  if (labelText !== "") {
    for (const pair of labelText.split(",")) {
      const equals = pair.indexOf("=");
      if (equals < 0) return undefined;
      const label = unescapeField(pair.slice(0, equals));
      const value = unescapeField(pair.slice(equals + 1));
      if (label === undefined || value === undefined) return undefined;
      labels.push([label, value]);
    }
  }
  const namedPorts: NamedPort[] = [];
  if (semicolon >= 0) {
    for (const text of rest.slice(semicolon + 1).split(",")) {
      const port = decodePort(text);
      if (port === undefined) return undefined;
      namedPorts.push(port);
    }
  }
  return { namespace, labels: Object.fromEntries(labels), namedPorts };
}

export function namespaceNodeId(namespace: string): string {
  return `ns:${escapeWith(namespace, NAME_SPECIAL)}`;
}

/** The node id of a workload identity, from its key (see `workloadKey`). */
export function workloadNodeId(key: string): string {
  return `wl:${key}`;
}

export function podNodeId(namespace: string, name: string): string {
  return `pod:${escapeWith(namespace, NAME_SPECIAL)}/${escapeWith(name, NAME_SPECIAL)}`;
}

export function groupNodeId(key: string, value: string | null): string {
  const id = `grp:${escapeWith(key, NAME_SPECIAL)}`;
  return value === null ? id : `${id}=${escapeWith(value, NAME_SPECIAL)}`;
}

export function workloadGroupNodeId(namespace: string, key: string, value: string | null): string {
  const id = `wls:${escapeWith(namespace, NAME_SPECIAL)}/${escapeWith(key, NAME_SPECIAL)}`;
  return value === null ? id : `${id}=${escapeWith(value, NAME_SPECIAL)}`;
}

/** Reads `<key>[=<value>]` as group ids write it. */
function keyAndValue(body: string): { key: string; value: string | null } | undefined {
  const equals = body.indexOf("=");
  const key = unescapeField(equals < 0 ? body : body.slice(0, equals));
  const value = equals < 0 ? null : unescapeField(body.slice(equals + 1));
  return key === undefined || key === "" || value === undefined ? undefined : { key, value };
}

export function encodeNodeId(ref: NodeRef): string {
  switch (ref.kind) {
    case "namespace":
      return namespaceNodeId(ref.namespace);
    case "workload":
      return workloadNodeId(workloadKey(ref.workload));
    case "pod":
      return podNodeId(ref.namespace, ref.name);
    case "group":
      return groupNodeId(ref.key, ref.value);
    case "workloads":
      return workloadGroupNodeId(ref.namespace, ref.key, ref.value);
    case "any":
      return ANY_NODE_ID;
    case "outside":
      return OUTSIDE_NODE_ID;
  }
}

/** What a node id stands for; undefined when the text is not a node id. */
export function decodeNodeId(id: string): NodeRef | undefined {
  if (id === ANY_NODE_ID) return { kind: "any" };
  if (id === OUTSIDE_NODE_ID) return { kind: "outside" };
  const colon = id.indexOf(":");
  if (colon < 0) return undefined;
  const body = id.slice(colon + 1);
  switch (id.slice(0, colon)) {
    case "ns": {
      const namespace = unescapeField(body);
      return namespace === undefined || namespace === "" ? undefined : { kind: "namespace", namespace };
    }
    case "wl": {
      const workload = decodeWorkloadKey(body);
      return workload === undefined ? undefined : { kind: "workload", workload };
    }
    case "pod": {
      const slash = body.indexOf("/");
      if (slash < 0) return undefined;
      const namespace = unescapeField(body.slice(0, slash));
      const name = unescapeField(body.slice(slash + 1));
      if (namespace === undefined || name === undefined || namespace === "" || name === "") return undefined;
      return { kind: "pod", namespace, name };
    }
    case "grp": {
      const group = keyAndValue(body);
      return group === undefined ? undefined : { kind: "group", ...group };
    }
    case "wls": {
      const slash = body.indexOf("/");
      const namespace = slash < 0 ? undefined : unescapeField(body.slice(0, slash));
      const group = slash < 0 ? undefined : keyAndValue(body.slice(slash + 1));
      if (namespace === undefined || namespace === "" || group === undefined) return undefined;
      return { kind: "workloads", namespace, ...group };
    }
    default:
      return undefined;
  }
}

/** The namespace a node lies in; undefined for "any pod", "outside" and text that is no node id. */
export function namespaceOfNodeId(id: string): string | undefined {
  const ref = decodeNodeId(id);
  if (ref === undefined || ref.kind === "any" || ref.kind === "outside" || ref.kind === "group")
    return undefined;
  return ref.kind === "workload" ? ref.workload.namespace : ref.namespace;
}
