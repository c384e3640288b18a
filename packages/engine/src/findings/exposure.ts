import type { ExposurePath } from "@trustmap/shared";
import { type ExposingObject, exposingRef } from "../objects/model";
import { type Check, type CheckHit, type FindingContext, quote, yamlString } from "./finding";

// What the cluster publishes outside itself, read from the paths of each Service, Ingress and route.

const EXPOSURE_CONTROLS = ["CIS 5.3.2", "NSA-CISA Kubernetes Hardening Guide: Network separation"];

/** How many paths a message names before it says how many more there are. */
const NAMED = 4;

function described(object: ExposingObject): string {
  const name = quote(`${object.namespace}/${object.name}`);
  return object.kind === "Service" ? `Service ${name} (${object.type})` : `${object.kind} ${name}`;
}

function listed(paths: readonly ExposurePath[], say: (path: ExposurePath) => string): string {
  const named = paths.slice(0, NAMED).map(say);
  const more = paths.length - named.length;
  return more > 0 ? `${named.join("; ")}; and ${more} more` : named.join("; ");
}

/** Evidence: the object, its Services, and the workloads reached. */
function evidence(object: ExposingObject, paths: readonly ExposurePath[]): string[] {
  const refs = new Set<string>([exposingRef(object)]);
  for (const path of paths) if (path.service !== null) refs.add(path.service);
  return [...refs];
}

/**
 * A NetworkPolicy that admits the pods' port from the given sources only: the pods the path's
 * Service selects, from the controller's namespace (an Ingress or route) or from the addresses that
 * should reach them (a block to fill in).
 */
function restrictYaml(path: ExposurePath, from: "controller" | "addresses", context: FindingContext): string {
  const [protocol, port] = (path.port ?? "TCP 0").split(" ");
  const workload = path.workload ?? "";
  const short =
    workload
      .slice(workload.indexOf("/") + 1)
      .replace(/[^a-z0-9-]/g, "-")
      .slice(0, 40) || "workload";
  const service = path.service === null ? undefined : context.exposingObject(path.service);
  const selector = service?.kind === "Service" ? (service.selector ?? {}) : {};
  const controller = path.controllers[0]?.workload;
  const peers =
    from === "controller" && controller !== undefined
      ? [
          "        - namespaceSelector:",
          "            matchLabels:",
          `              kubernetes.io/metadata.name: ${yamlString(controller.slice(0, controller.indexOf("/")))}`,
        ]
      : ["        - ipBlock:", "            cidr: 203.0.113.0/24 # the addresses that should reach it"];
  return [
    "apiVersion: networking.k8s.io/v1",
    "kind: NetworkPolicy",
    "metadata:",
    `  name: ${yamlString(`allow-${short}-in`)}`,
    `  namespace: ${yamlString(path.namespace)}`,
    "spec:",
    "  podSelector:",
    "    matchLabels:",
    ...Object.keys(selector)
      .sort()
      .map((key) => `      ${yamlString(key)}: ${yamlString(selector[key]!)}`),
    "  policyTypes:",
    "    - Ingress",
    "  ingress:",
    "    - from:",
    ...peers,
    "      ports:",
    `        - protocol: ${protocol}`,
    `          port: ${port}`,
  ].join("\n");
}

const exposedUnrestricted: Check = {
  id: "exposed-unrestricted",
  pillar: "network-segmentation",
  severity: "high",
  title: "Workload published outside the cluster, open to every address",
  controls: EXPOSURE_CONTROLS,
  scope: "exposure",
  run(object, context): CheckHit[] {
    const open = context.exposurePaths(object).filter((path) => path.reach === "open");
    if (open.length === 0) return [];
    return [
      {
        objects: evidence(object, open),
        message: `${described(object)} publishes outside the cluster, and no policy restricts who reaches the pods: ${listed(
          open,
          (path) => `${quote(path.workload ?? "")} on ${path.port} through ${path.entry.text}`,
        )}.`,
        remediation:
          object.kind === "Service"
            ? `${restrictYaml(open[0]!, "addresses", context)}\n# or set spec.loadBalancerSourceRanges on the Service`
            : restrictYaml(open[0]!, "controller", context),
      },
    ];
  },
};

const exposureBlocked: Check = {
  id: "exposure-blocked",
  pillar: "network-segmentation",
  severity: "low",
  title: "Published workload that policy keeps every outside address from",
  controls: EXPOSURE_CONTROLS,
  scope: "exposure",
  run(object, context): CheckHit[] {
    const denied = context
      .exposurePaths(object)
      .filter((path) => path.reach === "denied" && path.from === "outside");
    if (denied.length === 0) return [];
    return [
      {
        objects: evidence(object, denied),
        message: `${described(object)} publishes pods that policy admits no address outside the cluster to: ${listed(
          denied,
          (path) => `${quote(path.workload ?? "")} on ${path.port} through ${path.entry.text}`,
        )}. The way in carries nothing (unless the network plugin sees a node's address instead of the client's).`,
        remediation: `${restrictYaml(denied[0]!, "addresses", context)}\n# or drop the way in if nothing outside should reach it`,
      },
    ];
  },
};

const controllerBlocked: Check = {
  id: "exposure-controller-blocked",
  pillar: "network-segmentation",
  severity: "medium",
  title: "Ingress or route whose controller may not reach the pods",
  controls: EXPOSURE_CONTROLS,
  scope: "exposure",
  run(object, context): CheckHit[] {
    const blocked = context
      .exposurePaths(object)
      .filter(
        (path) => path.from === "controller" && path.controllers.some((controller) => !controller.allowed),
      );
    if (blocked.length === 0) return [];
    return [
      {
        objects: evidence(object, blocked),
        message: `${described(object)} sends to pods its controller may not connect to: ${listed(
          blocked,
          (path) =>
            `${quote(path.workload ?? "")} on ${path.port} (${path.entry.text}) refuses ${path.controllers
              .filter((controller) => !controller.allowed)
              .map((controller) => quote(controller.workload))
              .join(", ")}`,
        )}.`,
        remediation: restrictYaml(blocked[0]!, "controller", context),
      },
    ];
  },
};

const exposureWithoutPods: Check = {
  id: "exposure-without-pods",
  pillar: "network-segmentation",
  severity: "info",
  title: "Way in from outside that reaches no known pod",
  controls: EXPOSURE_CONTROLS,
  scope: "exposure",
  run(object, context): CheckHit[] {
    const none = context.exposurePaths(object).filter((path) => path.reach === "none");
    if (none.length === 0) return [];
    return [
      {
        objects: [exposingRef(object)],
        message: `${described(object)} publishes a way in that reaches no pod Trustmap knows: ${listed(
          none,
          (path) => `${path.entry.text}: ${path.why}`,
        )}.`,
        remediation: "# Point the way in at the Service and port of the pods meant, or delete it.",
      },
    ];
  },
};

export const exposureChecks: readonly Check[] = [
  exposedUnrestricted,
  controllerBlocked,
  exposureBlocked,
  exposureWithoutPods,
];
