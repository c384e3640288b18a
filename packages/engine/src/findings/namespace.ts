import { type Check, quote, yamlString } from "./finding";

const ENFORCE = "pod-security.kubernetes.io/enforce";

const podSecurityEnforce: Check = {
  id: "namespace-no-pod-security-enforce",
  pillar: "admission-enforcement",
  severity: "medium",
  title: "Namespace without Pod Security Admission enforcement",
  controls: ["CIS 5.2.1", "NSA-CISA Kubernetes Hardening Guide: Pod security"],
  scope: "namespace",
  run(ns) {
    // Only namespaces with an object in the input: an implied namespace's labels are unknown.
    const level = ns.labels[ENFORCE];
    if (!ns.declared || (level !== undefined && level !== "privileged")) return [];
    return [
      {
        objects: [`Namespace/${ns.name}`],
        ...(level === "privileged" ? { severity: "high" as const } : {}),
        message:
          level === undefined
            ? `Namespace ${quote(ns.name)} has no ${ENFORCE} label: Pod Security Admission admits any pod there.`
            : `Namespace ${quote(ns.name)} enforces the privileged Pod Security level, which admits any pod.`,
        remediation: [
          "apiVersion: v1",
          "kind: Namespace",
          "metadata:",
          `  name: ${yamlString(ns.name)}`,
          "  labels:",
          `    ${ENFORCE}: restricted`,
          `    ${ENFORCE}-version: latest`,
        ].join("\n"),
      },
    ];
  },
};

/** Sidecar injection switches of the common meshes, on the namespace. */
function meshEnabled(
  labels: Readonly<Record<string, string>>,
  annotations: Readonly<Record<string, string>>,
): boolean {
  return (
    labels["istio-injection"] === "enabled" ||
    labels["istio.io/rev"] !== undefined ||
    labels["istio.io/dataplane-mode"] === "ambient" ||
    annotations["linkerd.io/inject"] === "enabled" ||
    labels["linkerd.io/inject"] === "enabled"
  );
}

const SYSTEM_NAMESPACES = new Set(["kube-system", "kube-public", "kube-node-lease"]);

const meshMtls: Check = {
  id: "namespace-no-mesh-mtls",
  pillar: "service-mesh-mtls",
  severity: "low",
  title: "Namespace traffic not mutually authenticated by a service mesh",
  controls: ["NSA-CISA Kubernetes Hardening Guide: Network separation (encrypt traffic)"],
  scope: "namespace",
  run(ns, context) {
    if (!ns.declared || SYSTEM_NAMESPACES.has(ns.name) || !context.namespaceHasPods(ns.name)) return [];
    if (meshEnabled(ns.labels, ns.annotations)) return [];
    return [
      {
        objects: [`Namespace/${ns.name}`],
        message: `Namespace ${quote(ns.name)} enables no service-mesh sidecar or ambient mode (istio-injection, istio.io/rev, istio.io/dataplane-mode, linkerd.io/inject): its pods talk without mutual TLS.`,
        remediation: `kubectl label namespace ${yamlString(ns.name)} istio-injection=enabled  # then require STRICT mTLS with a PeerAuthentication`,
      },
    ];
  },
};

export const namespaceChecks: readonly Check[] = [podSecurityEnforce, meshMtls];
