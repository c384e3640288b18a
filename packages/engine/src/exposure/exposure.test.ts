import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { referenceAllowed, referenceConnectivity } from "../netpol/reference";
import { WORLD_CIDRS } from "../netpol/result";
import type { Cluster, Labels, Pod, Protocol, Service, ServicePort } from "../objects/model";
import { podKey } from "../objects/model";
import { parseCluster } from "../objects/parse";
import { formatInputError } from "../objects/reader";
import { selectorMatches } from "../selectors/labelSelector";
import { ClusterState } from "../state/cluster-state";
import { anyObject, exposedCluster, exposingObject } from "../testing/arbitraries";
import { modelOf } from "../testing/events";
import { RUNS } from "../testing/runs";
import { GATEWAY_NAME_LABEL, INGRESS_CONTROLLER_NAMES } from "./paths";

// The exposure paths equal a literal reading, pod by pod, of the Service, Ingress and Gateway API
// references over the reference evaluator's connections; and the live state keeps them (and the
// findings read from them) equal to a fresh state's after every event.

type Json = Record<string, unknown>;

function parsed(objects: readonly Json[]): Cluster {
  const result = parseCluster(objects.map((object, i) => ({ source: `random ${i}`, object })));
  expect(result.errors.map(formatInputError)).toEqual([]);
  return result.cluster;
}

/** One pod's answer on one way in: what the reference and the engine (expanded to pods) must agree on. */
type PodAnswer = string;

function selects(service: Service, pod: Pod): boolean {
  if (service.selector === undefined || pod.namespace !== service.namespace) return false;
  return Object.entries(service.selector).every(([key, value]) => pod.labels[key] === value);
}

function target(pod: Pod, port: ServicePort): number | undefined {
  if (typeof port.targetPort === "number") return port.targetPort;
  return pod.ports.find((p) => p.name === port.targetPort && p.protocol === port.protocol)?.containerPort;
}

/**
 * The literal reading: each way in of each object, each pod its Service selects; the pod's
 * ingress from outside (the reference's external answers) and each controller pod's connection
 * to it (the reference's connections). Workloads are named by the engine (the identity names).
 */
function referenceAnswers(cluster: Cluster, nameOf: (pod: Pod) => string): PodAnswer[] {
  const connectivity = referenceConnectivity(cluster);
  const exposures = cluster.exposures ?? [];
  const services = new Map(
    exposures.flatMap((o) => (o.kind === "Service" ? [[`${o.namespace}/${o.name}`, o] as const] : [])),
  );
  const outside = (pod: Pod, protocol: Protocol, port: number) => {
    const admitted = connectivity.external.filter(
      (e) => e.pod === podKey(pod) && e.direction === "ingress" && e.ports.has(protocol, port),
    );
    return {
      addresses: [
        ...new Set(
          admitted.map((e) => (e.except.length === 0 ? e.cidr : `${e.cidr} except ${e.except.join(", ")}`)),
        ),
      ].sort(),
      world: admitted.some((e) => e.except.length === 0 && WORLD_CIDRS.includes(e.cidr)),
    };
  };
  const namespaces = new Map(cluster.namespaces.map((ns) => [ns.name, ns]));
  // Asked pair by pair: a controller pod may be among the pods it sends to.
  const connects = (from: Pod, to: Pod, protocol: Protocol, port: number) =>
    referenceAllowed(cluster, namespaces, from, to).has(protocol, port);
  const out: PodAnswer[] = [];
  const nothing = (via: string, entry: string, service: string, port: string, to: string) =>
    out.push(`${via} | ${entry} | ${service} ${port} | ${to} | none`);
  const answer = (
    via: string,
    entry: string,
    service: Service,
    port: ServicePort,
    ranges: readonly string[],
    controllers: Pod[] | undefined,
  ) => {
    const head = `${via} | ${entry} | Service/${service.namespace}/${service.name} ${port.protocol} ${port.port}`;
    const selected = cluster.pods.filter((pod) => selects(service, pod));
    if (selected.length === 0) {
      out.push(`${head} | no pod | none`);
      return;
    }
    for (const pod of selected) {
      const number = target(pod, port);
      if (number === undefined) {
        out.push(`${head} | ${nameOf(pod)} ${podKey(pod)} | none`);
        continue;
      }
      const { addresses, world } = outside(pod, port.protocol, number);
      const at = `${head} | ${nameOf(pod)} ${podKey(pod)} ${port.protocol} ${number}`;
      if (controllers === undefined || controllers.length === 0) {
        const reach =
          addresses.length === 0 ? "denied" : world && ranges.length === 0 ? "open" : "restricted";
        out.push(`${at} | outside | ${reach} | ${addresses.join("; ")}`);
        continue;
      }
      // Every controller pod of one workload answers alike (they share labels and policies).
      const allowed = new Map<string, boolean>();
      for (const controller of controllers)
        allowed.set(nameOf(controller), connects(controller, pod, port.protocol, number));
      const some = [...allowed.values()].some((a) => a);
      const reach = !some ? "denied" : world ? "open" : "restricted";
      const list = [...allowed]
        .sort()
        .map(([name, a]) => `${name}=${a}`)
        .join(",");
      out.push(`${at} | controller ${list} | ${reach} | ${addresses.join("; ")}`);
    }
  };
  const ingressControllers = cluster.pods.filter((pod) =>
    INGRESS_CONTROLLER_NAMES.includes(pod.labels["app.kubernetes.io/name"] ?? ""),
  );
  const namespaceLabels = (name: string): Labels =>
    cluster.namespaces.find((ns) => ns.name === name)?.labels ?? { "kubernetes.io/metadata.name": name };
  const backend = (
    via: string,
    entry: string,
    namespace: string,
    name: string,
    port: number | string | undefined,
    controllers: Pod[],
  ) => {
    const service = services.get(`${namespace}/${name}`);
    if (service === undefined) return nothing(via, entry, "-", "-", "no pod");
    const ports = service.ports.filter(
      (p) => port === undefined || (typeof port === "number" ? p.port === port : p.name === port),
    );
    if (ports.length === 0) nothing(via, entry, `Service/${namespace}/${name}`, "-", "no pod");
    for (const p of ports) answer(via, entry, service, p, [], controllers);
  };
  for (const object of exposures) {
    const via = `${object.kind}/${object.namespace}/${object.name}`;
    if (object.kind === "Service") {
      if (object.type === "ExternalName") continue;
      for (const port of object.ports) {
        if (object.type === "LoadBalancer")
          answer(
            via,
            `load balancer ${port.protocol} ${port.port}`,
            object,
            port,
            object.loadBalancerSourceRanges,
            undefined,
          );
        if (object.type === "LoadBalancer" || object.type === "NodePort")
          answer(via, `every node's ${port.protocol} ${port.nodePort}`, object, port, [], undefined);
        for (const ip of object.externalIPs)
          answer(via, `${ip} ${port.protocol} ${port.port}`, object, port, [], undefined);
      }
    } else if (object.kind === "Ingress") {
      for (const route of object.routes) {
        // The generated Ingresses use no TLS and the path "/".
        const entry =
          route.host === undefined
            ? "every host and path not routed elsewhere (default backend)"
            : `http://${route.host}${route.path}`;
        for (const b of route.backends) backend(via, entry, b.namespace, b.name, b.port, ingressControllers);
      }
    } else if (object.kind !== "Gateway") {
      for (const parent of object.parents) {
        const gateway = exposures.find(
          (o) => o.kind === "Gateway" && o.namespace === parent.namespace && o.name === parent.name,
        );
        const gatewayName = `Gateway ${parent.namespace}/${parent.name}`;
        if (gateway === undefined || gateway.kind !== "Gateway") {
          nothing(via, gatewayName, "-", "-", "no pod");
          continue;
        }
        const listeners = gateway.listeners.filter((listener) => {
          // An HTTP listener takes HTTPRoutes and GRPCRoutes, a TCP one TCPRoutes.
          const kinds = listener.protocol === "TCP" ? ["TCPRoute"] : ["HTTPRoute", "GRPCRoute"];
          if (!kinds.includes(object.kind)) return false;
          if (listener.routesFrom === "Same") return object.namespace === gateway.namespace;
          if (listener.routesFrom === "All") return true;
          return selectorMatches(listener.routesFrom, namespaceLabels(object.namespace));
        });
        if (listeners.length === 0) nothing(via, gatewayName, "-", "-", "no pod");
        const controllers = cluster.pods.filter(
          (pod) => pod.namespace === gateway.namespace && pod.labels[GATEWAY_NAME_LABEL] === gateway.name,
        );
        for (const listener of listeners)
          for (const route of object.routes) {
            const where = route.path === undefined ? "*" : `http://*${route.path}`;
            const entry = `${gatewayName} listener ${listener.name} (${listener.protocol} ${listener.port}) ${where}`;
            for (const b of route.backends) backend(via, entry, b.namespace, b.name, b.port, controllers);
          }
      }
    }
  }
  return [...new Set(out)].sort();
}

/** The engine's paths, expanded to the pods of each workload, in the reference's words. */
function engineAnswers(state: ClusterState): PodAnswer[] {
  const out: PodAnswer[] = [];
  for (const path of state.allExposurePaths()) {
    const head = `${path.via} | ${path.entry.text} | ${path.service ?? "-"} ${path.servicePort ?? "-"}`;
    if (path.workload === null) {
      out.push(`${head} | no pod | none`);
      continue;
    }
    const identity = [...state.identitiesIn(path.namespace)].find((i) => i.name === path.workload)!;
    for (const key of identity.pods.keys()) {
      if (path.reach === "none") {
        out.push(`${head} | ${path.workload} ${key} | none`);
        continue;
      }
      const from =
        path.from === "outside"
          ? "outside"
          : `controller ${path.controllers.map((c) => `${c.workload}=${c.allowed}`).join(",")}`;
      out.push(
        `${head} | ${path.workload} ${key} ${path.port} | ${from} | ${path.reach} | ${path.addresses.join("; ")}`,
      );
    }
  }
  return [...new Set(out)].sort();
}

describe("exposure paths", () => {
  it("equal a literal reading of the references, pod by pod, on random clusters", () => {
    let reached = 0;
    let throughControllers = 0;
    fc.assert(
      fc.property(exposedCluster, (objects) => {
        const cluster = parsed(objects);
        const state = ClusterState.from(cluster);
        const nameOf = (pod: Pod) => state.identityOfPod(podKey(pod))!.name;
        const expected = referenceAnswers(cluster, nameOf);
        expect(engineAnswers(state)).toEqual(expected);
        if (expected.some((a) => / \| (open|restricted|denied) \| /.test(a))) reached++;
        if (expected.some((a) => a.includes("| controller "))) throughControllers++;
      }),
      { numRuns: RUNS },
    );
    // The generator must reach pods, through controllers too, or the test proves little.
    expect(reached).toBeGreaterThan(RUNS / 5);
    expect(throughControllers).toBeGreaterThan(RUNS / 20);
  });

  it("are kept by the live state, with their findings, after every event", () => {
    const event = fc.record({
      op: fc.constantFrom("ADDED", "MODIFIED", "DELETED" as const),
      object: fc.oneof({ weight: 2, arbitrary: exposingObject }, { weight: 3, arbitrary: anyObject }),
    });
    fc.assert(
      fc.property(exposedCluster, fc.array(event, { maxLength: 12 }), (objects, events) => {
        const state = ClusterState.from(parsed(objects));
        for (const { op, object } of events) {
          const { kind, object: model } = modelOf(object);
          state.apply({ type: op, kind, object: model } as never);
          const fresh = ClusterState.from(state.cluster());
          expect(state.allExposurePaths()).toEqual(fresh.allExposurePaths());
          const ofExposure = (s: ClusterState) =>
            s
              .findings()
              .filter((f) => f.id.startsWith("expos"))
              .map((f) => `${f.id} ${f.severity} ${f.objects.join(",")} ${f.message}`)
              .sort();
          expect(ofExposure(state)).toEqual(ofExposure(fresh));
        }
      }),
      { numRuns: Math.max(10, Math.floor(RUNS / 4)) },
    );
  });
});
