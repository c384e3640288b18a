// A monolith's namespace whose policies admit all of its own workloads (default deny, then allow
// the namespace), as the manifests a user would apply: every pair of its workloads may connect.
// Used by the benchmark and the browser tests of views at that shape.

type Json = Record<string, unknown>;

/** The namespace and its two policies. */
export function monolithNamespace(namespace: string): Json[] {
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { namespace, name: "default-deny" },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { namespace, name: "allow-same-namespace" },
      spec: {
        podSelector: {},
        ingress: [{ from: [{ podSelector: {} }] }],
        egress: [{ to: [{ podSelector: {} }] }],
      },
    },
  ];
}

/** A Deployment of the monolith, its pods labelled with its app and `labels`. */
export function monolithDeployment(
  namespace: string,
  app: string,
  labels: Record<string, string> = {},
): Json {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { namespace, name: app },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app, ...labels } },
        spec: { containers: [{ name: "main", image: `registry.example/${app}:1.0.0` }] },
      },
    },
  };
}
