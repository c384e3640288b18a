import type {
  PortEntry,
  Ports,
  RbacRule,
  RbacSubject,
  Report,
  ExternalAccess as WireExternal,
} from "@trustmap/shared";
import { computeFindings } from "../findings/catalog";
import { ConnectivityIndex, connectivityOf } from "../netpol/connectivity";
import type { PortSet } from "../netpol/ports";
import type { Connectivity } from "../netpol/result";
import type { Cluster } from "../objects/model";
import { bindingRef, computeRbac, type Grant, type Rbac } from "../rbac/effective";
import { roleRef } from "../rbac/roles";

/** The whole analysis of a cluster, in the shape of the public JSON report. */
export function analyze(cluster: Cluster): Report {
  const index = new ConnectivityIndex(cluster);
  const rbac = computeRbac(cluster);
  return buildReport(
    cluster,
    connectivityOf(cluster, index),
    rbac,
    computeFindings({ cluster, connectivity: index, rbac }),
  );
}

export function buildReport(
  cluster: Cluster,
  connectivity: Connectivity,
  rbac: Rbac,
  findings: Report["findings"],
): Report {
  return {
    schemaVersion: 1,
    pods: cluster.pods.map((pod) => ({
      namespace: pod.namespace,
      name: pod.name,
      labels: sortedLabels(pod.labels),
    })),
    connections: connectivity.connections.map((c) => ({ from: c.from, to: c.to, ports: wirePorts(c.ports) })),
    external: connectivity.external.map(
      (e): WireExternal => ({
        pod: e.pod,
        direction: e.direction,
        cidr: e.cidr,
        except: [...e.except],
        ports: wirePorts(e.ports),
      }),
    ),
    rbac: {
      subjects: rbac.subjects.map(
        ({ subject, grants }): RbacSubject => ({ ...subject, rules: grants.map(wireRule) }),
      ),
    },
    findings,
  };
}

function sortedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) out[key] = labels[key]!;
  return out;
}

/** "all" for every port of every protocol; otherwise entries by protocol and port. */
export function wirePorts(ports: PortSet): Ports {
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
