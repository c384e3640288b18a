import type {
  PortEntry,
  Ports,
  RbacRule,
  RbacSubject,
  Report,
  ExternalAccess as WireExternal,
} from "@trustmap/shared";
import type { PortSet } from "../netpol/ports";
import type { ExternalAccess, PodConnection } from "../netpol/result";
import type { Cluster } from "../objects/model";
import { bindingRef, type Grant, type SubjectRights } from "../rbac/effective";
import { roleRef } from "../rbac/roles";
import { ClusterState } from "../state/cluster-state";

/** The whole analysis of a cluster, in the shape of the public JSON report. */
export function analyze(cluster: Cluster): Report {
  const lazy = analyzeLazily(cluster);
  return { ...lazy, connections: [...lazy.connections] };
}

/** The report with its connections produced on demand, for clusters too large to hold them all. */
export type LazyReport = Omit<Report, "connections"> & {
  readonly connections: Iterable<Report["connections"][number]>;
};

export function analyzeLazily(cluster: Cluster): LazyReport {
  return reportOf(ClusterState.from(cluster));
}

/** The report of a live cluster state, its connections produced on demand. */
export function reportOf(state: ClusterState): LazyReport {
  const cluster = state.cluster();
  return {
    schemaVersion: 1,
    pods: cluster.pods.map((pod) => ({
      namespace: pod.namespace,
      name: pod.name,
      labels: sortedLabels(pod.labels),
    })),
    connections: wireConnections(state.connections()),
    external: state.external().map(wireExternal),
    rbac: { subjects: state.rbac().map(wireSubject) },
    findings: state.findings(),
    exposure: state.allExposurePaths(),
  };
}

function* wireConnections(connections: Iterable<PodConnection>): Generator<Report["connections"][number]> {
  for (const c of connections) yield { from: c.from, to: c.to, ports: wirePorts(c.ports) };
}

function wireExternal(e: ExternalAccess): WireExternal {
  return {
    pod: e.pod,
    direction: e.direction,
    cidr: e.cidr,
    except: [...e.except],
    ports: wirePorts(e.ports),
  };
}

function wireSubject({ subject, grants }: SubjectRights): RbacSubject {
  return { ...subject, rules: grants.map(wireRule) };
}

function sortedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) out[key] = labels[key]!;
  return out;
}

const wireCache = new WeakMap<PortSet, Ports>();

/** "all" for every port of every protocol; otherwise entries by protocol and port (shared per port set: treat as read-only). */
export function wirePorts(ports: PortSet): Ports {
  let wire = wireCache.get(ports);
  if (wire === undefined) {
    wire = toWirePorts(ports);
    wireCache.set(ports, wire);
  }
  return wire;
}

function toWirePorts(ports: PortSet): Ports {
  if (ports.isAll()) return "all";
  const entries: PortEntry[] = [];
  for (const protocol of ["TCP", "UDP", "SCTP"] as const) {
    for (const range of ports.rangesOf(protocol)) {
      if (range.from === 1 && range.to === 65535) entries.push({ protocol });
      else if (range.from === range.to) entries.push({ protocol, port: range.from });
      else entries.push({ protocol, port: range.from, endPort: range.to });
    }
  }
  return entries as Ports;
}

export function wireRule(grant: Grant): RbacRule {
  const { rule } = grant;
  const out: RbacRule = {
    namespace: grant.namespace,
    verbs: [...rule.verbs],
    grantedBy: { binding: bindingRef(grant.binding), role: roleRef(grant.role) },
  };
  if (rule.nonResourceURLs.length === 0 || rule.resources.length > 0) {
    out.apiGroups = [...rule.apiGroups];
    out.resources = [...rule.resources];
  }
  if (rule.resourceNames.length > 0) out.resourceNames = [...rule.resourceNames];
  if (rule.nonResourceURLs.length > 0) out.nonResourceURLs = [...rule.nonResourceURLs];
  // Key order as in the published example: namespace, apiGroups, resources, resourceNames, nonResourceURLs, verbs, grantedBy.
  const { namespace, apiGroups, resources, resourceNames, nonResourceURLs, verbs, grantedBy } = out;
  return {
    namespace,
    ...(apiGroups === undefined ? {} : { apiGroups }),
    ...(resources === undefined ? {} : { resources }),
    ...(resourceNames === undefined ? {} : { resourceNames }),
    ...(nonResourceURLs === undefined ? {} : { nonResourceURLs }),
    verbs,
    grantedBy,
  };
}
