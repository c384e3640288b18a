import type { ControllerReach, EntryKind, ExposurePath, PathReach } from "@trustmap/shared";
import { namedPortKey } from "../identity/identity";
import type { Direction } from "../netpol/result";
import { WORLD_CIDRS } from "../netpol/result";
import {
  type BackendRef,
  type ExposedRoute,
  type ExposingObject,
  exposingRef,
  type Gateway,
  type GatewayListener,
  type Ingress,
  type Labels,
  type Protocol,
  type Route,
  type Service,
  type ServicePort,
} from "../objects/model";
import { compare } from "../objects/parse";
import { selectorMatches } from "../selectors/labelSelector";
import type { LiveIdentity } from "../state/netpol-index";

// What each Service, Ingress and route publishes outside the cluster, and what policy makes of it.
//
// The ways in:
// - a LoadBalancer Service: the load balancer's port (admitting its loadBalancerSourceRanges, or
//   every address), and every node's node port;
// - a NodePort Service: every node's node port;
// - a Service's externalIPs (any type but ExternalName): each address on each port;
// - an Ingress: each host and path, through the ingress controller;
// - an HTTPRoute, GRPCRoute, TLSRoute, TCPRoute or UDPRoute attached to a Gateway listener that
//   admits it, through the Gateway's pods.
// The pods reached are those the Service selects, on its targetPort (a name resolves to each pod's
// container port of that name and the Service port's protocol). Traffic straight from outside is
// decided at the pods' ingress as traffic from those addresses; traffic through a controller as
// traffic from the controller's pods (both sides), or from outside when no controller pod is found.

/** The pods known as ingress controllers, by their `app.kubernetes.io/name` label. */
export const INGRESS_CONTROLLER_NAMES: readonly string[] = [
  "ingress-nginx",
  "traefik",
  "haproxy-ingress",
  "kubernetes-ingress",
  "kong",
  "contour",
  "envoy",
];
/** The label Gateway implementations put on the pods they run for a Gateway (GEP-1762). */
export const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";

/** What the paths are read from: the identities and their policies, and the exposing objects. */
export interface ExposureWorld {
  identitiesIn(namespace: string): Iterable<LiveIdentity>;
  namespaceLabels(namespace: string): Labels;
  service(namespace: string, name: string): Service | undefined;
  gateway(namespace: string, name: string): Gateway | undefined;
  external(
    identity: LiveIdentity,
    direction: Direction,
  ): readonly {
    cidr: string;
    except: readonly string[];
    ports: { has(protocol: Protocol, port: number): boolean };
  }[];
  allowed(from: LiveIdentity, to: LiveIdentity): { has(protocol: Protocol, port: number): boolean };
}

interface Entry {
  readonly kind: EntryKind;
  readonly text: string;
  /** The addresses a load balancer admits; empty: every address. */
  readonly ranges: readonly string[];
}

/** The pods a way in reaches, and where from. */
interface Source {
  readonly from: "outside" | "controller";
  readonly controllers: readonly LiveIdentity[];
  /** Why the traffic is read as coming from outside when a controller was looked for. */
  readonly note?: string;
}

function portText(protocol: Protocol, port: number): string {
  return `${protocol} ${port}`;
}

function addressText(access: { cidr: string; except: readonly string[] }): string {
  return access.except.length === 0 ? access.cidr : `${access.cidr} except ${access.except.join(", ")}`;
}

/** The identities of a namespace whose labels hold every pair of a Service's selector. */
function selected(world: ExposureWorld, service: Service): LiveIdentity[] {
  const selector = service.selector;
  if (selector === undefined) return [];
  const out: LiveIdentity[] = [];
  for (const identity of world.identitiesIn(service.namespace)) {
    let all = true;
    for (const key in selector) if (identity.labels[key] !== selector[key]) all = false;
    if (all) out.push(identity);
  }
  return out;
}

/** The pods' port a Service port sends to on one identity's pods, or undefined where its name is not theirs. */
function targetOn(identity: LiveIdentity, port: ServicePort): number | undefined {
  if (typeof port.targetPort === "number") return port.targetPort;
  const ports = identity.namedPorts.get(namedPortKey(port.targetPort, port.protocol));
  if (ports === undefined) return undefined;
  const ranges = ports.rangesOf(port.protocol);
  return ranges.length === 0 ? undefined : ranges[0]!.from;
}

/** The ways a Service itself opens to outside, port by port. */
function serviceEntries(service: Service, port: ServicePort): Entry[] {
  if (service.type === "ExternalName") return [];
  const out: Entry[] = [];
  if (service.type === "LoadBalancer")
    out.push({
      kind: "LoadBalancer",
      text: `load balancer ${portText(port.protocol, port.port)}`,
      ranges: service.loadBalancerSourceRanges,
    });
  if (service.type === "LoadBalancer" || service.type === "NodePort")
    out.push({
      kind: "NodePort",
      text:
        port.nodePort === undefined
          ? `every node's ${port.protocol} node port (assigned by the API server)`
          : `every node's ${portText(port.protocol, port.nodePort)}`,
      ranges: [],
    });
  for (const ip of service.externalIPs)
    out.push({ kind: "ExternalIP", text: `${ip} ${portText(port.protocol, port.port)}`, ranges: [] });
  return out;
}

/** The paths a way in takes through one Service port to each workload it selects. */
function throughService(
  world: ExposureWorld,
  via: string,
  entry: Entry,
  service: Service,
  port: ServicePort,
  source: Source,
): ExposurePath[] {
  const base = {
    via,
    entry: { kind: entry.kind, text: entry.text },
    service: `Service/${service.namespace}/${service.name}`,
    servicePort: portText(port.protocol, port.port),
    namespace: service.namespace,
  };
  const none = (why: string): ExposurePath => ({
    ...base,
    workload: null,
    pods: 0,
    port: null,
    from: source.from,
    controllers: [],
    reach: "none",
    addresses: [],
    why,
  });
  if (service.selector === undefined)
    return [
      none(
        `Service ${service.namespace}/${service.name} has no selector: its endpoints are managed elsewhere, and Trustmap cannot tell which pods they are`,
      ),
    ];
  const identities = selected(world, service);
  if (identities.length === 0) return [none(`Service ${service.namespace}/${service.name} selects no pod`)];
  const out: ExposurePath[] = [];
  for (const identity of identities) {
    const target = targetOn(identity, port);
    if (target === undefined) {
      out.push({
        ...none(
          `the pods of ${identity.name} have no ${port.protocol} container port named ${port.targetPort}`,
        ),
        workload: identity.name,
        pods: identity.pods.size,
      });
      continue;
    }
    out.push(decide(world, base, entry, identity, port.protocol, target, source));
  }
  return out;
}

function decide(
  world: ExposureWorld,
  base: Pick<ExposurePath, "via" | "entry" | "service" | "servicePort" | "namespace">,
  entry: Entry,
  identity: LiveIdentity,
  protocol: Protocol,
  port: number,
  source: Source,
): ExposurePath {
  const target = portText(protocol, port);
  const admitted = world.external(identity, "ingress").filter((access) => access.ports.has(protocol, port));
  const everyAddress = admitted.some(
    (access) => access.except.length === 0 && WORLD_CIDRS.includes(access.cidr),
  );
  const addresses = [...new Set(admitted.map(addressText))].sort(compare);
  const path = { ...base, workload: identity.name, pods: identity.pods.size, port: target };
  if (source.from === "controller") {
    const controllers: ControllerReach[] = source.controllers
      .map((controller) => ({
        workload: controller.name,
        allowed: world.allowed(controller, identity).has(protocol, port),
      }))
      .sort((a, b) => compare(a.workload, b.workload));
    const some = controllers.some((controller) => controller.allowed);
    const blocked = controllers.filter((controller) => !controller.allowed).map((c) => c.workload);
    const reach: PathReach = !some ? "denied" : everyAddress ? "open" : "restricted";
    const why = !some
      ? `policy lets no controller pod (${blocked.join(", ")}) connect to ${identity.name} on ${target}`
      : blocked.length > 0
        ? `policy lets some controller pods connect to ${identity.name} on ${target}, but not ${blocked.join(", ")}`
        : everyAddress
          ? `the controller may connect to ${identity.name} on ${target}, and so may every address outside the cluster: no policy restricts its ingress on that port`
          : `the controller may connect to ${identity.name} on ${target}; addresses outside the cluster ${addresses.length === 0 ? "may not" : `may only from ${addresses.join("; ")}`}`;
    return { ...path, from: "controller", controllers, reach, addresses, why };
  }
  const note = source.note === undefined ? "" : ` (${source.note})`;
  if (admitted.length === 0)
    return {
      ...path,
      from: "outside",
      controllers: [],
      reach: "denied",
      addresses: [],
      why: `policy admits no address outside the cluster to ${identity.name} on ${target}${note}`,
    };
  if (everyAddress && entry.ranges.length === 0)
    return {
      ...path,
      from: "outside",
      controllers: [],
      reach: "open",
      addresses,
      why: `every address outside the cluster may connect to ${identity.name} on ${target}: no policy restricts its ingress on that port${note}`,
    };
  const ranges =
    entry.ranges.length === 0 ? "" : `; the load balancer admits only ${entry.ranges.join(", ")}`;
  return {
    ...path,
    from: "outside",
    controllers: [],
    reach: "restricted",
    addresses,
    why: `policy admits ${addresses.join("; ")} to ${identity.name} on ${target}${ranges}${note}`,
  };
}

/** Whether pods of these labels are an ingress controller's: labelled with a known controller's name. */
export function isIngressController(labels: Labels): boolean {
  const name = labels["app.kubernetes.io/name"];
  return name !== undefined && INGRESS_CONTROLLER_NAMES.includes(name);
}

/** The ingress controller's pods among these identities: those labelled with a known controller's name, by name. */
export function ingressControllers(identities: Iterable<LiveIdentity>): LiveIdentity[] {
  const out: LiveIdentity[] = [];
  for (const identity of identities) if (isIngressController(identity.labels)) out.push(identity);
  return out.sort((a, b) => compare(a.name, b.name));
}

function controllerSource(controllers: readonly LiveIdentity[], what: string): Source {
  return controllers.length === 0
    ? {
        from: "outside",
        controllers: [],
        note: `no ${what} pod found in the cluster: read as traffic from outside`,
      }
    : { from: "controller", controllers };
}

/** The Service port a backend names: by number, by name, or every port. */
function backendPorts(service: Service, backend: BackendRef): ServicePort[] {
  if (backend.port === undefined) return [...service.ports];
  return service.ports.filter((port) =>
    typeof backend.port === "number" ? port.port === backend.port : port.name === backend.port,
  );
}

function throughBackends(
  world: ExposureWorld,
  via: string,
  entry: Entry,
  backends: readonly BackendRef[],
  source: Source,
  namespace: string,
): ExposurePath[] {
  const out: ExposurePath[] = [];
  for (const backend of backends) {
    const service = world.service(backend.namespace, backend.name);
    const base = {
      via,
      entry: { kind: entry.kind, text: entry.text },
      namespace: backend.namespace,
      workload: null,
      pods: 0,
      port: null,
      from: source.from,
      controllers: [],
      reach: "none" as const,
      addresses: [],
    };
    if (service === undefined) {
      out.push({
        ...base,
        service: null,
        servicePort: null,
        why: `it sends to Service ${backend.namespace}/${backend.name}, which does not exist`,
      });
      continue;
    }
    const ports = backendPorts(service, backend);
    if (ports.length === 0) {
      out.push({
        ...base,
        service: `Service/${service.namespace}/${service.name}`,
        servicePort: null,
        why: `Service ${service.namespace}/${service.name} has no port ${backend.port}`,
      });
      continue;
    }
    const crossNote =
      backend.namespace === namespace
        ? source
        : {
            ...source,
            note: [
              source.note,
              `a route to another namespace needs a ReferenceGrant there, which Trustmap does not read`,
            ]
              .filter((n) => n !== undefined)
              .join("; "),
          };
    for (const port of ports) out.push(...throughService(world, via, entry, service, port, crossNote));
  }
  return out;
}

function hostPath(route: ExposedRoute, https: boolean): string {
  const host = route.host ?? "*";
  return route.path === undefined ? host : `${https ? "https" : "http"}://${host}${route.path}`;
}

function ingressPaths(
  world: ExposureWorld,
  ingress: Ingress,
  controllers: readonly LiveIdentity[],
): ExposurePath[] {
  const via = exposingRef(ingress);
  const source = controllerSource(controllers, "ingress controller");
  const out: ExposurePath[] = [];
  for (const route of ingress.routes) {
    const https = route.host !== undefined && ingress.tlsHosts.includes(route.host);
    const text =
      route.host === undefined && route.path === undefined
        ? "every host and path not routed elsewhere (default backend)"
        : hostPath(route, https);
    out.push(
      ...throughBackends(
        world,
        via,
        { kind: "Ingress", text, ranges: [] },
        route.backends,
        source,
        ingress.namespace,
      ),
    );
  }
  return out;
}

const LISTENER_KINDS: Record<string, readonly string[]> = {
  HTTP: ["HTTPRoute", "GRPCRoute"],
  HTTPS: ["HTTPRoute", "GRPCRoute"],
  TLS: ["TLSRoute", "TCPRoute"],
  TCP: ["TCPRoute"],
  UDP: ["UDPRoute"],
};

/** Whether a listener takes a route: its protocol carries the route's kind, and it admits the route's namespace. */
function listenerAdmits(
  world: ExposureWorld,
  gateway: Gateway,
  listener: GatewayListener,
  route: Route,
): boolean {
  const kinds = LISTENER_KINDS[listener.protocol];
  if (kinds !== undefined && !kinds.includes(route.kind)) return false;
  if (listener.routesFrom === "Same") return route.namespace === gateway.namespace;
  if (listener.routesFrom === "All") return true;
  return selectorMatches(listener.routesFrom, world.namespaceLabels(route.namespace));
}

function routePaths(world: ExposureWorld, route: Route): ExposurePath[] {
  const via = exposingRef(route);
  const out: ExposurePath[] = [];
  for (const parent of route.parents) {
    const gateway = world.gateway(parent.namespace, parent.name);
    const notAttached = (why: string) =>
      out.push({
        via,
        entry: { kind: "Gateway", text: `Gateway ${parent.namespace}/${parent.name}` },
        service: null,
        servicePort: null,
        namespace: route.namespace,
        workload: null,
        pods: 0,
        port: null,
        from: "outside",
        controllers: [],
        reach: "none",
        addresses: [],
        why,
      });
    if (gateway === undefined) {
      notAttached(`it attaches to Gateway ${parent.namespace}/${parent.name}, which does not exist`);
      continue;
    }
    const listeners = gateway.listeners.filter(
      (listener) =>
        (parent.sectionName === undefined || listener.name === parent.sectionName) &&
        (parent.port === undefined || listener.port === parent.port) &&
        listenerAdmits(world, gateway, listener, route),
    );
    if (listeners.length === 0) {
      notAttached(`no listener of Gateway ${parent.namespace}/${parent.name} admits it`);
      continue;
    }
    const controllers: LiveIdentity[] = [];
    for (const identity of world.identitiesIn(gateway.namespace))
      if (identity.labels[GATEWAY_NAME_LABEL] === gateway.name) controllers.push(identity);
    controllers.sort((a, b) => compare(a.name, b.name));
    const source = controllerSource(controllers, `Gateway ${gateway.namespace}/${gateway.name}`);
    for (const listener of listeners) {
      for (const way of route.routes) {
        const https = listener.protocol === "HTTPS";
        const host = way.host ?? listener.hostname;
        const where =
          way.path === undefined
            ? (way.host ?? listener.hostname ?? "*")
            : hostPath(
                { path: way.path, backends: way.backends, ...(host === undefined ? {} : { host }) },
                https,
              );
        const text = `Gateway ${gateway.namespace}/${gateway.name} listener ${listener.name} (${listener.protocol} ${listener.port}) ${where}`;
        out.push(
          ...throughBackends(
            world,
            via,
            { kind: "Gateway", text, ranges: [] },
            way.backends,
            source,
            route.namespace,
          ),
        );
      }
    }
  }
  return out;
}

export function comparePaths(a: ExposurePath, b: ExposurePath): number {
  return (
    compare(a.namespace, b.namespace) ||
    compare(a.workload ?? "", b.workload ?? "") ||
    compare(a.via, b.via) ||
    compare(a.entry.text, b.entry.text) ||
    compare(a.servicePort ?? "", b.servicePort ?? "") ||
    compare(a.port ?? "", b.port ?? "")
  );
}

/**
 * Every path one object publishes, sorted. A Gateway publishes through its routes (its own paths
 * are none); a ClusterIP Service without external IPs publishes nothing.
 */
export function exposurePaths(
  world: ExposureWorld,
  object: ExposingObject,
  /** The ingress controller's pods (ingressControllers), asked for only by an Ingress. */
  controllers: () => readonly LiveIdentity[],
): ExposurePath[] {
  let out: ExposurePath[];
  switch (object.kind) {
    case "Service":
      out = object.ports.flatMap((port) =>
        serviceEntries(object, port).flatMap((entry) =>
          throughService(world, exposingRef(object), entry, object, port, {
            from: "outside",
            controllers: [],
          }),
        ),
      );
      break;
    case "Ingress":
      out = ingressPaths(world, object, controllers());
      break;
    case "Gateway":
      out = [];
      break;
    default:
      out = routePaths(world, object);
  }
  return dedupe(out.sort(comparePaths));
}

/** Two routes of one object to the same pods through the same way in say it once. */
function dedupe(paths: ExposurePath[]): ExposurePath[] {
  const seen = new Set<string>();
  return paths.filter((path) => {
    const key = JSON.stringify(path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
