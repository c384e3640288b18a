import { parseCidr } from "../netpol/cidr";
import type {
  BackendRef,
  ExposedRoute,
  Gateway,
  GatewayListener,
  Ingress,
  ParentRef,
  Route,
  RouteKind,
  Service,
  ServicePort,
  ServiceType,
} from "./model";
import { type FieldReader, isPortName, type JsonObject, readPortNumber, readProtocol } from "./reader";

// Services (v1), Ingresses (networking.k8s.io/v1), and the Gateway API's Gateways and routes
// (gateway.networking.k8s.io), read with the validation the API server applies to the fields
// Trustmap uses: what it would refuse is an error naming the field.

const SERVICE_TYPES: readonly ServiceType[] = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
/** The annotation cloud providers read when spec.loadBalancerSourceRanges is empty. */
const SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges";
const INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class";
const PATH_TYPES = ["Exact", "Prefix", "ImplementationSpecific"];
const GATEWAY_GROUP = "gateway.networking.k8s.io";

function annotation(metadata: JsonObject | undefined, key: string): string | undefined {
  const annotations = metadata?.annotations;
  if (typeof annotations !== "object" || annotations === null) return undefined;
  const value = (annotations as Record<string, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}

/** A port given as a number or an IANA service name (a Service's targetPort). */
function readNumberOrName(reader: FieldReader, value: unknown, field: string): number | string | undefined {
  if (typeof value === "string") {
    if (/^[0-9]+$/.test(value)) return readPortNumber(reader, Number(value), field);
    if (!isPortName(value))
      return reader.fail(field, `${JSON.stringify(value)} is not a valid port name (IANA_SVC_NAME)`);
    return value;
  }
  return readPortNumber(reader, value, field);
}

function readCidrs(reader: FieldReader, values: readonly string[], field: string): string[] {
  const out: string[] = [];
  values.forEach((text, index) => {
    const trimmed = text.trim();
    if (parseCidr(trimmed) === undefined)
      reader.fail(`${field}[${index}]`, `${JSON.stringify(text)} is not a CIDR`);
    else out.push(trimmed);
  });
  return out;
}

export function readService(
  reader: FieldReader,
  namespace: string,
  name: string,
  object: JsonObject,
): Service | undefined {
  const before = reader.errors.length;
  const spec = reader.record(object.spec, "spec") ?? {};
  const typeText = reader.string(spec.type, "spec.type") ?? "ClusterIP";
  if (!SERVICE_TYPES.includes(typeText as ServiceType))
    reader.fail("spec.type", `unknown type ${JSON.stringify(typeText)}; use ${SERVICE_TYPES.join(", ")}`);
  const type = typeText as ServiceType;
  const ports: ServicePort[] = [];
  const items = reader.array(spec.ports, "spec.ports");
  const names = new Set<string>();
  items.forEach((item, index) => {
    const path = `spec.ports[${index}]`;
    const port = reader.record(item, path);
    if (port === undefined) return;
    if (port.port === undefined || port.port === null) reader.fail(`${path}.port`, "is required");
    const number = readPortNumber(reader, port.port, `${path}.port`);
    const protocol = readProtocol(reader, port.protocol, `${path}.protocol`);
    const portName = reader.string(port.name, `${path}.name`);
    if (portName !== undefined && portName !== "") {
      if (names.has(portName))
        reader.fail(`${path}.name`, `${JSON.stringify(portName)} is used by another port`);
      names.add(portName);
    } else if (items.length > 1)
      reader.fail(`${path}.name`, "is required when a Service has more than one port");
    const target =
      port.targetPort === undefined || port.targetPort === null || port.targetPort === 0
        ? number
        : readNumberOrName(reader, port.targetPort, `${path}.targetPort`);
    let nodePort: number | undefined;
    if (port.nodePort !== undefined && port.nodePort !== null && port.nodePort !== 0) {
      nodePort = readPortNumber(reader, port.nodePort, `${path}.nodePort`);
      if (type !== "NodePort" && type !== "LoadBalancer")
        reader.fail(`${path}.nodePort`, `may not be used when the type is ${type}`);
    }
    if (number === undefined || protocol === undefined || target === undefined) return;
    ports.push({
      ...(portName === undefined || portName === "" ? {} : { name: portName }),
      protocol,
      port: number,
      targetPort: target,
      ...(nodePort === undefined ? {} : { nodePort }),
    });
  });
  if (type !== "ExternalName" && items.length === 0 && type !== "ClusterIP")
    reader.fail("spec.ports", `is required for a ${type} Service`);
  const selectorMap = reader.stringMap(spec.selector, "spec.selector");
  const externalIPs: string[] = [];
  reader.stringList(spec.externalIPs, "spec.externalIPs").forEach((ip, index) => {
    const cidr = parseCidr(ip.includes("/") ? "" : ip.includes(":") ? `${ip}/128` : `${ip}/32`);
    if (cidr === undefined)
      reader.fail(`spec.externalIPs[${index}]`, `${JSON.stringify(ip)} is not an IP address`);
    else externalIPs.push(ip);
  });
  let ranges = readCidrs(
    reader,
    reader.stringList(spec.loadBalancerSourceRanges, "spec.loadBalancerSourceRanges"),
    "spec.loadBalancerSourceRanges",
  );
  if (ranges.length === 0) {
    const text = annotation(reader.record(object.metadata, "metadata"), SOURCE_RANGES_ANNOTATION);
    if (text !== undefined && text.trim() !== "")
      ranges = readCidrs(reader, text.split(","), `metadata.annotations["${SOURCE_RANGES_ANNOTATION}"]`);
  }
  if (reader.errors.length > before) return undefined;
  return {
    kind: "Service",
    namespace,
    name,
    type,
    // The API server stores an empty selector as none: the Service's endpoints are managed elsewhere.
    ...(type === "ExternalName" || Object.keys(selectorMap).length === 0 ? {} : { selector: selectorMap }),
    ports,
    externalIPs,
    loadBalancerSourceRanges: type === "LoadBalancer" ? ranges : [],
  };
}

function readIngressBackend(
  reader: FieldReader,
  namespace: string,
  value: unknown,
  field: string,
): BackendRef | undefined {
  const backend = reader.record(value, field);
  if (backend === undefined) return undefined;
  const service = reader.record(backend.service, `${field}.service`);
  if (service === undefined) {
    if (backend.resource === undefined || backend.resource === null)
      reader.fail(field, "needs a service or a resource");
    return undefined; // a resource backend (a bucket, say) sends to no pod
  }
  if (backend.resource !== undefined && backend.resource !== null)
    reader.fail(field, "may name a service or a resource, not both");
  const name = reader.requiredString(service.name, `${field}.service.name`);
  const port = reader.record(service.port, `${field}.service.port`);
  let portValue: number | string | undefined;
  const hasNumber = port?.number !== undefined && port?.number !== null;
  const hasName = port?.name !== undefined && port?.name !== null && port?.name !== "";
  if (hasNumber && hasName) reader.fail(`${field}.service.port`, "may give a number or a name, not both");
  else if (hasNumber) portValue = readPortNumber(reader, port?.number, `${field}.service.port.number`);
  else if (hasName) {
    const text = reader.string(port?.name, `${field}.service.port.name`);
    if (text !== undefined && !isPortName(text))
      reader.fail(
        `${field}.service.port.name`,
        `${JSON.stringify(text)} is not a valid port name (IANA_SVC_NAME)`,
      );
    else portValue = text;
  } else reader.fail(`${field}.service.port`, "needs a number or a name");
  if (name === undefined || portValue === undefined) return undefined;
  return { namespace, name, port: portValue };
}

export function readIngress(
  reader: FieldReader,
  namespace: string,
  name: string,
  object: JsonObject,
): Ingress | undefined {
  const before = reader.errors.length;
  const spec = reader.record(object.spec, "spec") ?? {};
  const className =
    reader.string(spec.ingressClassName, "spec.ingressClassName") ??
    annotation(reader.record(object.metadata, "metadata"), INGRESS_CLASS_ANNOTATION);
  const routes: ExposedRoute[] = [];
  const rules = reader.array(spec.rules, "spec.rules");
  const hasDefault = spec.defaultBackend !== undefined && spec.defaultBackend !== null;
  if (!hasDefault && rules.length === 0) reader.fail("spec", "needs a defaultBackend or rules");
  if (hasDefault) {
    const backend = readIngressBackend(reader, namespace, spec.defaultBackend, "spec.defaultBackend");
    if (backend !== undefined) routes.push({ backends: [backend] });
  }
  rules.forEach((item, index) => {
    const path = `spec.rules[${index}]`;
    const rule = reader.record(item, path);
    if (rule === undefined) return;
    const host = reader.string(rule.host, `${path}.host`);
    const http = reader.record(rule.http, `${path}.http`);
    if (http === undefined) return; // a rule without paths routes nothing of its own
    const paths = reader.array(http.paths, `${path}.http.paths`);
    if (paths.length === 0) reader.fail(`${path}.http.paths`, "needs at least one path");
    paths.forEach((entry, j) => {
      const at = `${path}.http.paths[${j}]`;
      const route = reader.record(entry, at);
      if (route === undefined) return;
      const pathType = reader.requiredString(route.pathType, `${at}.pathType`);
      if (pathType !== undefined && !PATH_TYPES.includes(pathType))
        reader.fail(
          `${at}.pathType`,
          `unknown path type ${JSON.stringify(pathType)}; use ${PATH_TYPES.join(", ")}`,
        );
      const text = reader.string(route.path, `${at}.path`);
      if (text !== undefined && text !== "" && !text.startsWith("/") && pathType !== "ImplementationSpecific")
        reader.fail(`${at}.path`, `${JSON.stringify(text)} must be an absolute path`);
      const backend = readIngressBackend(reader, namespace, route.backend, `${at}.backend`);
      if (route.backend === undefined || route.backend === null) reader.fail(`${at}.backend`, "is required");
      if (backend === undefined) return;
      routes.push({
        ...(host === undefined || host === "" ? {} : { host }),
        path: text === undefined || text === "" ? "/" : text,
        backends: [backend],
      });
    });
  });
  const tlsHosts: string[] = [];
  reader.array(spec.tls, "spec.tls").forEach((item, index) => {
    const tls = reader.record(item, `spec.tls[${index}]`);
    tlsHosts.push(...reader.stringList(tls?.hosts, `spec.tls[${index}].hosts`));
  });
  if (reader.errors.length > before) return undefined;
  return {
    kind: "Ingress",
    namespace,
    name,
    ...(className === undefined || className === "" ? {} : { className }),
    routes,
    tlsHosts: [...new Set(tlsHosts)].sort(),
  };
}

export function readGateway(
  reader: FieldReader,
  namespace: string,
  name: string,
  object: JsonObject,
): Gateway | undefined {
  const before = reader.errors.length;
  const spec = reader.record(object.spec, "spec");
  if (spec === undefined) return reader.fail("spec", "is required");
  const className = reader.requiredString(spec.gatewayClassName, "spec.gatewayClassName");
  const items = reader.array(spec.listeners, "spec.listeners");
  if (items.length === 0) reader.fail("spec.listeners", "needs at least one listener");
  if (items.length > 64) reader.fail("spec.listeners", `${items.length} listeners; at most 64`);
  const listeners: GatewayListener[] = [];
  const names = new Set<string>();
  items.forEach((item, index) => {
    const path = `spec.listeners[${index}]`;
    const listener = reader.record(item, path);
    if (listener === undefined) return;
    const listenerName = reader.requiredString(listener.name, `${path}.name`);
    if (listenerName !== undefined) {
      if (names.has(listenerName))
        reader.fail(`${path}.name`, `${JSON.stringify(listenerName)} names another listener`);
      names.add(listenerName);
    }
    if (listener.port === undefined || listener.port === null) reader.fail(`${path}.port`, "is required");
    const port = readPortNumber(reader, listener.port, `${path}.port`);
    const protocol = reader.requiredString(listener.protocol, `${path}.protocol`);
    const hostname = reader.string(listener.hostname, `${path}.hostname`);
    const allowed = reader.record(listener.allowedRoutes, `${path}.allowedRoutes`);
    const from = reader.record(allowed?.namespaces, `${path}.allowedRoutes.namespaces`);
    const fromText = reader.string(from?.from, `${path}.allowedRoutes.namespaces.from`) ?? "Same";
    let routesFrom: GatewayListener["routesFrom"] = "Same";
    if (fromText === "All" || fromText === "Same") routesFrom = fromText;
    else if (fromText === "Selector") {
      const selector = reader.selector(from?.selector, `${path}.allowedRoutes.namespaces.selector`);
      if (selector === undefined)
        reader.fail(`${path}.allowedRoutes.namespaces.selector`, "is required when from is Selector");
      else routesFrom = selector;
    } else
      reader.fail(
        `${path}.allowedRoutes.namespaces.from`,
        `unknown value ${JSON.stringify(fromText)}; use All, Same or Selector`,
      );
    if (listenerName === undefined || port === undefined || protocol === undefined) return;
    listeners.push({
      name: listenerName,
      port,
      protocol,
      ...(hostname === undefined ? {} : { hostname }),
      routesFrom,
    });
  });
  if (reader.errors.length > before || className === undefined) return undefined;
  return { kind: "Gateway", namespace, name, className, listeners };
}

export function readRoute(
  reader: FieldReader,
  kind: RouteKind,
  namespace: string,
  name: string,
  object: JsonObject,
): Route | undefined {
  const before = reader.errors.length;
  const spec = reader.record(object.spec, "spec");
  if (spec === undefined) return reader.fail("spec", "is required");
  const parents: ParentRef[] = [];
  reader.array(spec.parentRefs, "spec.parentRefs").forEach((item, index) => {
    const path = `spec.parentRefs[${index}]`;
    const parent = reader.record(item, path);
    if (parent === undefined) return;
    const group = reader.string(parent.group, `${path}.group`) ?? GATEWAY_GROUP;
    const parentKind = reader.string(parent.kind, `${path}.kind`) ?? "Gateway";
    const parentName = reader.requiredString(parent.name, `${path}.name`);
    const parentNamespace = reader.string(parent.namespace, `${path}.namespace`) ?? namespace;
    const sectionName = reader.string(parent.sectionName, `${path}.sectionName`);
    const port =
      parent.port === undefined || parent.port === null
        ? undefined
        : readPortNumber(reader, parent.port, `${path}.port`);
    // Only Gateways publish outside the cluster; a Service parent (GAMMA's mesh routing) does not.
    if (parentName === undefined || group !== GATEWAY_GROUP || parentKind !== "Gateway") return;
    parents.push({
      namespace: parentNamespace,
      name: parentName,
      ...(sectionName === undefined ? {} : { sectionName }),
      ...(port === undefined ? {} : { port }),
    });
  });
  const hostnames = reader.stringList(spec.hostnames, "spec.hostnames");
  const routes: ExposedRoute[] = [];
  reader.array(spec.rules, "spec.rules").forEach((item, index) => {
    const path = `spec.rules[${index}]`;
    const rule = reader.record(item, path);
    if (rule === undefined) return;
    const backends: BackendRef[] = [];
    reader.array(rule.backendRefs, `${path}.backendRefs`).forEach((entry, j) => {
      const at = `${path}.backendRefs[${j}]`;
      const backend = reader.record(entry, at);
      if (backend === undefined) return;
      const group = reader.string(backend.group, `${at}.group`) ?? "";
      const backendKind = reader.string(backend.kind, `${at}.kind`) ?? "Service";
      const backendName = reader.requiredString(backend.name, `${at}.name`);
      const backendNamespace = reader.string(backend.namespace, `${at}.namespace`) ?? namespace;
      const isService = group === "" && backendKind === "Service";
      if (isService && (backend.port === undefined || backend.port === null))
        reader.fail(`${at}.port`, "is required when the backend is a Service");
      const port =
        backend.port === undefined || backend.port === null
          ? undefined
          : readPortNumber(reader, backend.port, `${at}.port`);
      if (!isService || backendName === undefined || port === undefined) return;
      backends.push({ namespace: backendNamespace, name: backendName, port });
    });
    const paths: string[] = [];
    reader.array(rule.matches, `${path}.matches`).forEach((entry, j) => {
      const match = reader.record(entry, `${path}.matches[${j}]`);
      const pathMatch = reader.record(match?.path, `${path}.matches[${j}].path`);
      const value = reader.string(pathMatch?.value, `${path}.matches[${j}].path.value`);
      if (value !== undefined) paths.push(value);
    });
    if (backends.length === 0) return;
    const onPaths = kind === "HTTPRoute" ? (paths.length === 0 ? ["/"] : paths) : [undefined];
    for (const host of hostnames.length === 0 ? [undefined] : hostnames)
      for (const at of onPaths)
        routes.push({
          ...(host === undefined ? {} : { host }),
          ...(at === undefined ? {} : { path: at }),
          backends,
        });
  });
  if (reader.errors.length > before) return undefined;
  return { kind, namespace, name, parents, hostnames, routes };
}
