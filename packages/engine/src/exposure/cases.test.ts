import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { formatInputError } from "../objects/reader";
import { ClusterState } from "../state/cluster-state";

// Hand-worked cases of what publishes a workload, each quoting the API reference it follows
// (Service v1, Ingress networking.k8s.io/v1, Gateway API v1), and the validation of the fields
// Trustmap reads.

type Json = Record<string, unknown>;

const namespace = (name: string, labels: Record<string, string> = {}): Json => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels },
});

const pod = (ns: string, name: string, labels: Record<string, string>, ports: Json[] = []): Json => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { namespace: ns, name, labels },
  spec: { containers: [{ name: "main", image: "app@sha256:1", ports }] },
});

const service = (ns: string, name: string, spec: Json): Json => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { namespace: ns, name },
  spec,
});

const gateway = (ns: string, listener: Json): Json => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "Gateway",
  metadata: { namespace: ns, name: "gw" },
  spec: {
    gatewayClassName: "example",
    listeners: [{ name: "web", port: 80, protocol: "HTTP", ...listener }],
  },
});

const route = (
  kind: string,
  ns: string,
  backend: Json,
  parent: Json = { name: "gw", namespace: "edge" },
): Json => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind,
  metadata: { namespace: ns, name: "r" },
  spec: { parentRefs: [parent], rules: [{ backendRefs: [backend] }] },
});

function stateOf(objects: Json[]): ClusterState {
  const parsed = parseCluster(objects.map((object, i) => ({ source: `case ${i}`, object })));
  expect(parsed.errors.map(formatInputError)).toEqual([]);
  return ClusterState.from(parsed.cluster);
}

function errorsOf(objects: Json[]): string[] {
  return parseCluster(objects.map((object) => ({ source: "case.yaml", object }))).errors.map(
    formatInputError,
  );
}

function brief(state: ClusterState) {
  return state.allExposurePaths().map((path) => ({
    via: path.via,
    entry: path.entry.text,
    to: path.workload === null ? null : `${path.workload}${path.port === null ? "" : ` ${path.port}`}`,
    from: path.from,
    reach: path.reach,
  }));
}

const web = [namespace("shop"), pod("shop", "web", { app: "web" }, [{ name: "http", containerPort: 8080 }])];

describe("Services", () => {
  it("a ClusterIP Service publishes nothing; its externalIPs publish each port", () => {
    // "externalIPs is a list of IP addresses for which nodes in the cluster will also accept
    // traffic for this service" (ServiceSpec).
    const plain = stateOf([
      ...web,
      service("shop", "web", { selector: { app: "web" }, ports: [{ port: 80 }] }),
    ]);
    expect(brief(plain)).toEqual([]);
    const external = stateOf([
      ...web,
      service("shop", "web", {
        selector: { app: "web" },
        ports: [{ port: 80, targetPort: "http" }],
        externalIPs: ["198.51.100.7"],
      }),
    ]);
    expect(brief(external)).toEqual([
      {
        via: "Service/shop/web",
        entry: "198.51.100.7 TCP 80",
        to: "shop/web TCP 8080",
        from: "outside",
        reach: "open",
      },
    ]);
  });

  it("an ExternalName Service publishes nothing, whatever its fields", () => {
    // "ExternalName ... returns a CNAME record": no proxying, no pods.
    const state = stateOf([
      ...web,
      service("shop", "db", { type: "ExternalName", externalName: "db.example.com" }),
    ]);
    expect(brief(state)).toEqual([]);
  });

  it("targetPort defaults to port, and a name resolves to the pod's port of that name and the Service port's protocol", () => {
    // "targetPort ... If this is a string, it will be looked up as a named port in the target Pod's
    // container ports. ... Defaults to the value of the 'port' field." (ServicePort)
    const state = stateOf([
      ...web,
      service("shop", "web", {
        type: "NodePort",
        selector: { app: "web" },
        ports: [
          { name: "a", port: 8080, nodePort: 30001 },
          { name: "b", port: 81, targetPort: "http", protocol: "UDP", nodePort: 30002 },
        ],
      }),
    ]);
    expect(brief(state)).toEqual([
      {
        via: "Service/shop/web",
        entry: "every node's TCP 30001",
        to: "shop/web TCP 8080",
        from: "outside",
        reach: "open",
      },
      {
        via: "Service/shop/web",
        entry: "every node's UDP 30002",
        to: "shop/web",
        from: "outside",
        reach: "none",
      },
    ]);
    expect(state.allExposurePaths()[1]?.why).toBe(
      "the pods of shop/web have no UDP container port named http",
    );
  });

  it("a Service without a selector reaches no pod Trustmap can name", () => {
    // "If empty or not present, the service is assumed to have an external process managing its
    // endpoints" (ServiceSpec.selector).
    const state = stateOf([...web, service("shop", "web", { type: "LoadBalancer", ports: [{ port: 80 }] })]);
    expect(brief(state).map((path) => path.reach)).toEqual(["none", "none"]);
    expect(state.findings().find((f) => f.id === "exposure-without-pods")?.objects).toEqual([
      "Service/shop/web",
    ]);
  });

  it("loadBalancerSourceRanges restrict the load balancer, not the node port", () => {
    // "If specified and supported by the platform, traffic through the cloud-provider load-balancer
    // will be restricted to the specified client IPs" (ServiceSpec.loadBalancerSourceRanges).
    const state = stateOf([
      ...web,
      service("shop", "web", {
        type: "LoadBalancer",
        selector: { app: "web" },
        ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }],
        loadBalancerSourceRanges: ["203.0.113.0/24"],
      }),
    ]);
    expect(brief(state).map((path) => [path.entry, path.reach])).toEqual([
      ["every node's TCP 30080", "open"],
      ["load balancer TCP 80", "restricted"],
    ]);
  });
});

describe("Gateway API routes", () => {
  const backend = [
    ...web,
    namespace("edge", { team: "edge" }),
    service("shop", "web", { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] }),
  ];

  it("attach only where the listener admits the route's namespace", () => {
    // "Same: Only Routes in the same namespace may be used by this Gateway" is the default of
    // allowedRoutes.namespaces.from (Listener).
    const same = stateOf([
      ...backend,
      gateway("edge", {}),
      route("HTTPRoute", "shop", { name: "web", port: 80 }),
    ]);
    expect(brief(same)).toEqual([
      { via: "HTTPRoute/shop/r", entry: "Gateway edge/gw", to: null, from: "outside", reach: "none" },
    ]);
    expect(same.allExposurePaths()[0]?.why).toBe("no listener of Gateway edge/gw admits it");
    const all = stateOf([
      ...backend,
      gateway("edge", { allowedRoutes: { namespaces: { from: "All" } } }),
      route("HTTPRoute", "shop", { name: "web", port: 80 }),
    ]);
    expect(brief(all)).toEqual([
      {
        via: "HTTPRoute/shop/r",
        entry: "Gateway edge/gw listener web (HTTP 80) http://*/",
        to: "shop/web TCP 8080",
        from: "outside",
        reach: "open",
      },
    ]);
    // "Selector: Routes in namespaces selected by the selector may be used by this Gateway."
    const selected = stateOf([
      ...backend,
      gateway("edge", {
        allowedRoutes: { namespaces: { from: "Selector", selector: { matchLabels: { team: "edge" } } } },
      }),
      route("HTTPRoute", "shop", { name: "web", port: 80 }),
    ]);
    expect(brief(selected)[0]?.reach).toBe("none");
  });

  it("a listener takes the route kinds its protocol carries", () => {
    // HTTP listeners take HTTPRoute (and GRPCRoute); a TCPRoute needs a TCP listener.
    const state = stateOf([
      ...backend,
      gateway("edge", { allowedRoutes: { namespaces: { from: "All" } } }),
      route("TCPRoute", "shop", { name: "web", port: 80 }),
    ]);
    expect(brief(state)[0]?.reach).toBe("none");
  });

  it("come from the Gateway's pods where they run in the cluster, and say so of a backend in another namespace", () => {
    // Gateway implementations label the pods they run for a Gateway gateway.networking.k8s.io/gateway-name (GEP-1762).
    const state = stateOf([
      ...backend,
      pod("edge", "gw-proxy", { "gateway.networking.k8s.io/gateway-name": "gw" }),
      gateway("edge", {}),
      route("HTTPRoute", "edge", { name: "web", namespace: "shop", port: 80 }),
    ]);
    const [path] = state.allExposurePaths();
    expect(path).toMatchObject({
      from: "controller",
      controllers: [{ workload: "edge/gw-proxy", allowed: true }],
      reach: "open",
      workload: "shop/web",
    });
  });

  it("without a Gateway pod in the cluster, are read as traffic from outside", () => {
    const state = stateOf([
      ...backend,
      gateway("edge", {}),
      route("HTTPRoute", "edge", { name: "web", namespace: "shop", port: 80 }),
    ]);
    const [path] = state.allExposurePaths();
    expect(path?.from).toBe("outside");
    expect(path?.why).toContain("no Gateway edge/gw pod found in the cluster: read as traffic from outside");
    expect(path?.why).toContain("needs a ReferenceGrant there, which Trustmap does not read");
  });
});

describe("Ingresses, live", () => {
  it("follow the controller's namespace's labels as the backend's policy reads them", () => {
    // "namespaceSelector selects namespaces using cluster-scoped labels" (NetworkPolicyPeer): the
    // backend admits namespaces labelled team=edge; the controller's namespace gains the label.
    const state = stateOf([
      ...web,
      namespace("ingress-nginx"),
      pod("ingress-nginx", "controller", { "app.kubernetes.io/name": "ingress-nginx" }),
      service("shop", "web", { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] }),
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { namespace: "shop", name: "web" },
        spec: { defaultBackend: { service: { name: "web", port: { number: 80 } } } },
      },
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { namespace: "shop", name: "from-edge" },
        spec: {
          podSelector: {},
          policyTypes: ["Ingress"],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "edge" } } }] }],
        },
      },
    ]);
    const reach = () => state.allExposurePaths().map((path) => [path.reach, path.controllers]);
    expect(reach()).toEqual([["denied", [{ workload: "ingress-nginx/controller", allowed: false }]]]);
    const labelled = {
      name: "ingress-nginx",
      labels: { "kubernetes.io/metadata.name": "ingress-nginx", team: "edge" },
      annotations: {},
      declared: true,
    };
    state.apply({ type: "MODIFIED", kind: "Namespace", object: labelled });
    expect(reach()).toEqual([["restricted", [{ workload: "ingress-nginx/controller", allowed: true }]]]);
    expect(state.findings().some((f) => f.id === "exposure-controller-blocked")).toBe(false);
  });
});

describe("reading what publishes", () => {
  it("refuses what the API server refuses, naming the object and the field", () => {
    expect(
      errorsOf([
        service("shop", "Web", { ports: [{ port: 80 }] }),
        service("shop", "a", { type: "Balanced", ports: [{ port: 80 }] }),
        service("shop", "b", { ports: [{ port: 80, nodePort: 30000 }] }),
        service("shop", "c", { ports: [{ port: 80 }, { port: 81 }] }),
        service("shop", "d", {
          type: "LoadBalancer",
          ports: [{ port: 80 }],
          loadBalancerSourceRanges: ["10.0.0.0/33"],
        }),
        service("shop", "e", { ports: [{ port: 80, targetPort: "HTTP" }], externalIPs: ["10.0.0.0/8"] }),
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "Ingress",
          metadata: { namespace: "shop", name: "i" },
          spec: { defaultBackend: { service: { name: "web", port: { number: 80, name: "http" } } } },
        },
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "Ingress",
          metadata: { namespace: "shop", name: "j" },
          spec: {},
        },
        {
          apiVersion: "gateway.networking.k8s.io/v1",
          kind: "Gateway",
          metadata: { namespace: "shop", name: "g" },
          spec: { gatewayClassName: "x", listeners: [] },
        },
        route("HTTPRoute", "shop", { name: "web" }),
      ]),
    ).toEqual([
      `case.yaml: Service "shop/Web": metadata.name: "Web" is not a valid Service name: it must consist of lower case alphanumerics or '-', start with a letter and end with an alphanumeric`,
      `case.yaml: Service shop/a: spec.type: unknown type "Balanced"; use ClusterIP, NodePort, LoadBalancer, ExternalName`,
      "case.yaml: Service shop/b: spec.ports[0].nodePort: may not be used when the type is ClusterIP",
      "case.yaml: Service shop/c: spec.ports[0].name: is required when a Service has more than one port",
      "case.yaml: Service shop/c: spec.ports[1].name: is required when a Service has more than one port",
      `case.yaml: Service shop/d: spec.loadBalancerSourceRanges[0]: "10.0.0.0/33" is not a CIDR`,
      `case.yaml: Service shop/e: spec.ports[0].targetPort: "HTTP" is not a valid port name (IANA_SVC_NAME)`,
      `case.yaml: Service shop/e: spec.externalIPs[0]: "10.0.0.0/8" is not an IP address`,
      "case.yaml: Ingress shop/i: spec.defaultBackend.service.port: may give a number or a name, not both",
      "case.yaml: Ingress shop/j: spec: needs a defaultBackend or rules",
      "case.yaml: Gateway shop/g: spec.listeners: needs at least one listener",
      "case.yaml: HTTPRoute shop/r: spec.rules[0].backendRefs[0].port: is required when the backend is a Service",
    ]);
  });
});
