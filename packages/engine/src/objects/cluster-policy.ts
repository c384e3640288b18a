import { cidrContains, parseCidr } from "../netpol/cidr";
import type {
  ClusterNetworkPolicy,
  ClusterPeer,
  ClusterPolicyKind,
  ClusterPolicyRule,
  ClusterPort,
  ClusterRuleAction,
  LabelSelector,
  Protocol,
} from "./model";
import { PROTOCOLS } from "./model";
import type { FieldReader, JsonObject } from "./reader";

// AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) and
// ClusterNetworkPolicy (v1alpha2), read with the validation their CRDs' schemas enforce: what the
// API server would refuse is an error naming the field, never a guess.

const EMPTY_SELECTOR: LabelSelector = { matchLabels: {}, matchExpressions: [] };
/** The CRDs' limits. */
const RULES_MAX: Record<ClusterPolicyKind, number> = {
  AdminNetworkPolicy: 100,
  BaselineAdminNetworkPolicy: 100,
  ClusterNetworkPolicy: 25,
};
const RULE_NAME_MAX = 100;
const NETWORKS_MAX = 25;
const DOMAIN_NAME =
  /^(\*\.)?([a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$/;

/** Reads one cluster-wide policy; undefined (with errors on the reader) when the API server would refuse it. */
export function readClusterPolicy(
  reader: FieldReader,
  kind: ClusterPolicyKind,
  name: string,
  object: JsonObject,
): ClusterNetworkPolicy | undefined {
  const before = reader.errors.length;
  const spec = reader.record(object.spec, "spec");
  if (spec === undefined) return reader.fail("spec", "is required");
  if (kind === "BaselineAdminNetworkPolicy" && name !== "default") {
    // The CRD's rule: self.metadata.name == 'default' (the baseline is a singleton).
    reader.fail("metadata.name", `must be "default": a cluster holds one BaselineAdminNetworkPolicy`);
  }
  let tier: "admin" | "baseline" = kind === "BaselineAdminNetworkPolicy" ? "baseline" : "admin";
  if (kind === "ClusterNetworkPolicy") {
    const text = reader.requiredString(spec.tier, "spec.tier");
    if (text === "Baseline") tier = "baseline";
    else if (text !== undefined && text !== "Admin")
      reader.fail("spec.tier", `unknown tier ${JSON.stringify(text)}; use Admin or Baseline`);
  }
  let priority = 0;
  if (kind !== "BaselineAdminNetworkPolicy") {
    if (spec.priority === undefined || spec.priority === null) reader.fail("spec.priority", "is required");
    const value = reader.integer(spec.priority, "spec.priority");
    if (value !== undefined) {
      if (value < 0 || value > 1000) reader.fail("spec.priority", `${value} is outside 0-1000`);
      else priority = value;
    }
  }
  const subject = readSubject(reader, spec.subject, "spec.subject");
  const ingress = readRules(reader, kind, spec.ingress, "spec.ingress", "ingress");
  const egress = readRules(reader, kind, spec.egress, "spec.egress", "egress");
  if (subject === undefined || reader.errors.length > before) return undefined;
  return { kind, name, tier, priority, subject, ingress, egress };
}

/** Exactly one of `namespaces` (a selector) and `pods` ({namespaceSelector, podSelector}). */
function readSubject(
  reader: FieldReader,
  value: unknown,
  field: string,
): ClusterNetworkPolicy["subject"] | undefined {
  const record = reader.record(value, field);
  if (record === undefined) return reader.fail(field, "is required: set namespaces or pods");
  const fields = presentFields(record, ["namespaces", "pods"]);
  if (fields.length !== 1) return reader.fail(field, exactlyOne(["namespaces", "pods"], fields));
  if (fields[0] === "namespaces") {
    const namespaceSelector = reader.selector(record.namespaces, `${field}.namespaces`);
    return namespaceSelector === undefined ? undefined : { namespaceSelector };
  }
  const pods = readNamespacedPods(reader, record.pods, `${field}.pods`);
  return pods === undefined ? undefined : pods;
}

function readNamespacedPods(
  reader: FieldReader,
  value: unknown,
  field: string,
): { namespaceSelector: LabelSelector; podSelector: LabelSelector } | undefined {
  const record = reader.record(value, field);
  if (record === undefined) return reader.fail(field, "expected {namespaceSelector, podSelector}");
  if (record.podSelector === undefined || record.podSelector === null)
    return reader.fail(`${field}.podSelector`, "is required ({} selects every pod)");
  // namespaceSelector is optional in v1alpha2 and required in v1alpha1; either way empty selects every namespace.
  const namespaceSelector =
    reader.selector(record.namespaceSelector, `${field}.namespaceSelector`) ?? EMPTY_SELECTOR;
  const podSelector = reader.selector(record.podSelector, `${field}.podSelector`);
  return podSelector === undefined ? undefined : { namespaceSelector, podSelector };
}

function readRules(
  reader: FieldReader,
  kind: ClusterPolicyKind,
  value: unknown,
  field: string,
  direction: "ingress" | "egress",
): ClusterPolicyRule[] {
  const items = reader.array(value, field);
  if (items.length > RULES_MAX[kind])
    reader.fail(field, `holds ${items.length} rules; a ${kind} may hold at most ${RULES_MAX[kind]}`);
  const rules: ClusterPolicyRule[] = [];
  items.forEach((item, index) => {
    const path = `${field}[${index}]`;
    const rule = reader.record(item, path);
    if (rule === undefined) {
      reader.fail(path, `expected a rule {action, ${direction === "ingress" ? "from" : "to"}, ports}`);
      return;
    }
    const read = readRule(reader, kind, rule, path, direction);
    if (read !== undefined) rules.push(read);
  });
  return rules;
}

function readRule(
  reader: FieldReader,
  kind: ClusterPolicyKind,
  rule: JsonObject,
  path: string,
  direction: "ingress" | "egress",
): ClusterPolicyRule | undefined {
  const before = reader.errors.length;
  const name = reader.string(rule.name, `${path}.name`) ?? "";
  if (name.length > RULE_NAME_MAX)
    reader.fail(`${path}.name`, `is ${name.length} characters; at most ${RULE_NAME_MAX}`);
  const action = readAction(reader, kind, rule.action, `${path}.action`);
  const peersKey = direction === "ingress" ? "from" : "to";
  const peerValues = reader.array(rule[peersKey], `${path}.${peersKey}`);
  if (peerValues.length === 0) reader.fail(`${path}.${peersKey}`, "must hold at least one peer");
  const peers: ClusterPeer[] = [];
  peerValues.forEach((peerValue, index) => {
    const peer = readPeer(reader, peerValue, `${path}.${peersKey}[${index}]`, direction);
    if (peer !== undefined) peers.push(peer);
  });
  const ports =
    kind === "ClusterNetworkPolicy"
      ? readProtocols(reader, rule.protocols, `${path}.protocols`)
      : readPorts(reader, rule.ports, `${path}.ports`);
  const portsField = kind === "ClusterNetworkPolicy" ? "protocols" : "ports";
  if (
    ports?.some((port) => port.type === "named") &&
    peers.some((peer) => peer.type === "networks" || peer.type === "nodes" || peer.type === "domainNames")
  ) {
    // The CRD's rule: networks, nodes and domain names have no named ports.
    reader.fail(
      `${path}.${portsField}`,
      "a named port cannot be used with networks, nodes or domainNames peers: they have no named ports",
    );
  }
  if (action === "deny" || action === "pass") {
    const index = peers.findIndex((peer) => peer.type === "domainNames");
    if (index >= 0)
      reader.fail(
        `${path}.${peersKey}[${index}].domainNames`,
        "domain names may only be used in Allow rules",
      );
  }
  if (action === undefined || reader.errors.length > before) return undefined;
  return ports === undefined ? { name, action, peers } : { name, action, peers, ports };
}

function readAction(
  reader: FieldReader,
  kind: ClusterPolicyKind,
  value: unknown,
  field: string,
): ClusterRuleAction | undefined {
  const text = reader.requiredString(value, field);
  if (text === undefined) return undefined;
  const actions: Record<string, ClusterRuleAction> =
    kind === "ClusterNetworkPolicy"
      ? { Accept: "allow", Deny: "deny", Pass: "pass" }
      : kind === "AdminNetworkPolicy"
        ? { Allow: "allow", Deny: "deny", Pass: "pass" }
        : { Allow: "allow", Deny: "deny" };
  const action = actions[text];
  if (action === undefined)
    return reader.fail(
      field,
      `unknown action ${JSON.stringify(text)} for a ${kind}; use ${Object.keys(actions).join(", ")}`,
    );
  return action;
}

function readPeer(
  reader: FieldReader,
  value: unknown,
  field: string,
  direction: "ingress" | "egress",
): ClusterPeer | undefined {
  const record = reader.record(value, field);
  const allowed =
    direction === "ingress"
      ? ["namespaces", "pods"]
      : ["namespaces", "pods", "nodes", "networks", "domainNames"];
  if (record === undefined) return reader.fail(field, `expected a peer with one of ${allowed.join(", ")}`);
  const known = ["namespaces", "pods", "nodes", "networks", "domainNames"];
  const fields = presentFields(record, known);
  const unknownHere = fields.filter((key) => !allowed.includes(key));
  if (unknownHere.length > 0)
    return reader.fail(`${field}.${unknownHere[0]}`, `an ${direction} peer may not select ${unknownHere[0]}`);
  if (fields.length !== 1) return reader.fail(field, exactlyOne(allowed, fields));
  switch (fields[0]) {
    case "namespaces": {
      const namespaceSelector = reader.selector(record.namespaces, `${field}.namespaces`);
      return namespaceSelector === undefined ? undefined : { type: "namespaces", namespaceSelector };
    }
    case "pods": {
      const pods = readNamespacedPods(reader, record.pods, `${field}.pods`);
      return pods === undefined ? undefined : { type: "pods", ...pods };
    }
    case "nodes": {
      const nodeSelector = reader.selector(record.nodes, `${field}.nodes`);
      return nodeSelector === undefined ? undefined : { type: "nodes", nodeSelector };
    }
    case "networks": {
      const texts = reader.stringList(record.networks, `${field}.networks`);
      if (texts.length === 0) return reader.fail(`${field}.networks`, "must hold at least one CIDR");
      if (texts.length > NETWORKS_MAX)
        return reader.fail(`${field}.networks`, `holds ${texts.length} CIDRs; at most ${NETWORKS_MAX}`);
      const cidrs: string[] = [];
      texts.forEach((text, index) => {
        if (parseCidr(text) === undefined)
          reader.fail(`${field}.networks[${index}]`, `${JSON.stringify(text)} is not a CIDR`);
        else if (cidrs.includes(text))
          reader.fail(`${field}.networks[${index}]`, `${text} is listed twice (the list is a set)`);
        else cidrs.push(text);
      });
      return cidrs.length === texts.length ? { type: "networks", cidrs } : undefined;
    }
    default: {
      const names = reader.stringList(record.domainNames, `${field}.domainNames`);
      if (names.length === 0) return reader.fail(`${field}.domainNames`, "must hold at least one name");
      const bad = names.findIndex((name) => !DOMAIN_NAME.test(name));
      if (bad >= 0)
        return reader.fail(
          `${field}.domainNames[${bad}]`,
          `${JSON.stringify(names[bad])} is not a domain name`,
        );
      return { type: "domainNames", names };
    }
  }
}

/** v1alpha1 ports: each exactly one of portNumber, namedPort, portRange; unset means every port. */
function readPorts(reader: FieldReader, value: unknown, field: string): ClusterPort[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = reader.array(value, field);
  if (Array.isArray(value) && items.length === 0)
    reader.fail(field, "must hold at least one port when set (leave it out for every port)");
  const ports: ClusterPort[] = [];
  items.forEach((item, index) => {
    const path = `${field}[${index}]`;
    const record = reader.record(item, path);
    if (record === undefined) {
      reader.fail(path, "expected one of portNumber, namedPort, portRange");
      return;
    }
    const fields = presentFields(record, ["portNumber", "namedPort", "portRange"]);
    if (fields.length !== 1) {
      reader.fail(path, exactlyOne(["portNumber", "namedPort", "portRange"], fields));
      return;
    }
    if (fields[0] === "namedPort") {
      const name = reader.requiredString(record.namedPort, `${path}.namedPort`);
      if (name !== undefined) ports.push({ type: "named", name });
      return;
    }
    if (fields[0] === "portNumber") {
      const number = reader.record(record.portNumber, `${path}.portNumber`);
      if (number === undefined) return;
      const protocol = readProtocol(reader, number.protocol, `${path}.portNumber.protocol`);
      const port = readPort(reader, number.port, `${path}.portNumber.port`);
      if (protocol !== undefined && port !== undefined)
        ports.push({ type: "number", protocol, from: port, to: port });
      return;
    }
    const range = reader.record(record.portRange, `${path}.portRange`);
    if (range === undefined) return;
    const protocol = readProtocol(reader, range.protocol, `${path}.portRange.protocol`);
    const read = readRange(reader, range, `${path}.portRange`, false);
    if (protocol !== undefined && read !== undefined) ports.push({ type: "number", protocol, ...read });
  });
  return ports;
}

/** v1alpha2 protocols: each exactly one of tcp, udp, sctp ({destinationPort: {number | range}}) and destinationNamedPort. */
function readProtocols(reader: FieldReader, value: unknown, field: string): ClusterPort[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = reader.array(value, field);
  if (Array.isArray(value) && items.length === 0)
    reader.fail(field, "must hold at least one protocol when set (leave it out for every port)");
  const keys = ["tcp", "udp", "sctp", "destinationNamedPort"];
  const ports: ClusterPort[] = [];
  items.forEach((item, index) => {
    const path = `${field}[${index}]`;
    const record = reader.record(item, path);
    if (record === undefined) {
      reader.fail(path, `expected one of ${keys.join(", ")}`);
      return;
    }
    const fields = presentFields(record, keys);
    if (fields.length !== 1) {
      reader.fail(path, exactlyOne(keys, fields));
      return;
    }
    const key = fields[0]!;
    if (key === "destinationNamedPort") {
      const name = reader.requiredString(record.destinationNamedPort, `${path}.destinationNamedPort`);
      if (name !== undefined) ports.push({ type: "named", name });
      return;
    }
    const protocol = key.toUpperCase() as Protocol;
    const match = reader.record(record[key], `${path}.${key}`);
    const destination = reader.record(match?.destinationPort, `${path}.${key}.destinationPort`);
    if (destination === undefined) {
      reader.fail(`${path}.${key}.destinationPort`, "is required (use a range 1-65535 for every port)");
      return;
    }
    const which = presentFields(destination, ["number", "range"]);
    if (which.length !== 1) {
      reader.fail(`${path}.${key}.destinationPort`, exactlyOne(["number", "range"], which));
      return;
    }
    if (which[0] === "number") {
      const port = readPort(reader, destination.number, `${path}.${key}.destinationPort.number`);
      if (port !== undefined) ports.push({ type: "number", protocol, from: port, to: port });
      return;
    }
    const range = reader.record(destination.range, `${path}.${key}.destinationPort.range`);
    const read =
      range === undefined
        ? undefined
        : readRange(reader, range, `${path}.${key}.destinationPort.range`, true);
    if (read !== undefined) ports.push({ type: "number", protocol, ...read });
  });
  return ports;
}

/**
 * A port range. v1alpha2's CRD enforces start < end. v1alpha1's CRD does not check it, though its
 * reference says "the Start value must be less than End": there a range of one port (start = end)
 * is read as that port, and a backwards one is refused, since what a network plugin does with it
 * is not defined.
 */
function readRange(
  reader: FieldReader,
  range: JsonObject,
  field: string,
  strict: boolean,
): { from: number; to: number } | undefined {
  if (range.start === undefined || range.start === null) return reader.fail(`${field}.start`, "is required");
  if (range.end === undefined || range.end === null) return reader.fail(`${field}.end`, "is required");
  const start = readPort(reader, range.start, `${field}.start`);
  const end = readPort(reader, range.end, `${field}.end`);
  if (start === undefined || end === undefined) return undefined;
  // v1alpha2's CRD rule: self.start < self.end.
  if (strict && start >= end) return reader.fail(field, `start ${start} must be less than end ${end}`);
  if (start > end)
    return reader.fail(
      field,
      `start ${start} is above end ${end}: the API reference says start must be less than end, and what a network plugin does with such a range is not defined`,
    );
  return { from: start, to: end };
}

function readPort(reader: FieldReader, value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return reader.fail(field, "is required");
  const number = reader.integer(value, field);
  if (number === undefined) return undefined;
  if (number < 1 || number > 65535) return reader.fail(field, `port ${number} is outside 1-65535`);
  return number;
}

/** The protocol, TCP when not set (the CRDs' default). */
function readProtocol(reader: FieldReader, value: unknown, field: string): Protocol | undefined {
  if (value === undefined || value === null || value === "") return "TCP";
  const text = reader.string(value, field);
  if (text === undefined) return undefined;
  if (!PROTOCOLS.includes(text as Protocol))
    return reader.fail(field, `unknown protocol ${JSON.stringify(text)}; use TCP, UDP or SCTP`);
  return text as Protocol;
}

function presentFields(record: JsonObject, keys: readonly string[]): string[] {
  return keys.filter((key) => record[key] !== undefined && record[key] !== null);
}

function exactlyOne(keys: readonly string[], present: readonly string[]): string {
  return present.length === 0
    ? `set exactly one of ${keys.join(", ")}`
    : `set exactly one of ${keys.join(", ")}, not ${present.join(" and ")}`;
}

/** Whether a network's addresses all lie inside another's (exported for the evaluators). */
export function networkWithin(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  return a !== undefined && b !== undefined && cidrContains(b, a);
}
