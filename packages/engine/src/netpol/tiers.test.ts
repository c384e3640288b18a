import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { formatInputError } from "../objects/reader";
import { ClusterState } from "../state/cluster-state";
import { explainIdentities } from "../views/explain";
import { referenceConnectivity } from "./reference";

// The admin and baseline tiers by hand, one rule of the API reference per case. Quotes are from
// the policy.networking.k8s.io types (v1alpha1 AdminNetworkPolicy, BaselineAdminNetworkPolicy;
// v1alpha2 ClusterNetworkPolicy). Each answer is the engine's, checked against the reference
// evaluator too.

type Json = Record<string, unknown>;

const ns = (name: string, labels: Record<string, string> = {}): Json => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels },
});
const pod = (namespace: string, name: string, labels: Record<string, string>, ports: Json[] = []): Json => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { namespace, name, labels },
  spec: { containers: [{ name: "main", image: "app:1", ports }] },
});
const anp = (name: string, priority: number, spec: Json): Json => ({
  apiVersion: "policy.networking.k8s.io/v1alpha1",
  kind: "AdminNetworkPolicy",
  metadata: { name },
  spec: { priority, ...spec },
});
const banp = (spec: Json): Json => ({
  apiVersion: "policy.networking.k8s.io/v1alpha1",
  kind: "BaselineAdminNetworkPolicy",
  metadata: { name: "default" },
  spec,
});
const cnp = (name: string, tier: "Admin" | "Baseline", priority: number, spec: Json): Json => ({
  apiVersion: "policy.networking.k8s.io/v1alpha2",
  kind: "ClusterNetworkPolicy",
  metadata: { name },
  spec: { tier, priority, ...spec },
});
const np = (namespace: string, name: string, spec: Json): Json => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { namespace, name },
  spec,
});
const everyNamespace = { namespaces: {} };
const inNamespace = (name: string) => ({
  namespaces: { matchLabels: { "kubernetes.io/metadata.name": name } },
});

/** The cluster's answers: pair "from -> to" to its ports' key, by the engine; the reference must say the same. */
function answers(objects: Json[]) {
  const parsed = parseCluster(objects.map((object, i) => ({ source: `case ${i}`, object })));
  expect(parsed.errors.map(formatInputError)).toEqual([]);
  const state = ClusterState.from(parsed.cluster);
  const text = (c: ReturnType<typeof referenceConnectivity>) => ({
    pairs: Object.fromEntries(c.connections.map((x) => [`${x.from} -> ${x.to}`, x.ports.key()])),
    outside: Object.fromEntries(
      c.external.map((e) => [
        `${e.pod} ${e.direction} ${e.cidr}${e.except.length > 0 ? ` except ${e.except.join(",")}` : ""}`,
        e.ports.key(),
      ]),
    ),
  });
  const engine = text(state.connectivity());
  expect(engine).toEqual(text(referenceConnectivity(parsed.cluster)));
  return { ...engine, state };
}

const ALL = "TCP:1-65535;UDP:1-65535;SCTP:1-65535";

function errorsOf(objects: Json[]): string[] {
  return parseCluster(objects.map((object, i) => ({ source: `case ${i}`, object }))).errors.map(
    formatInputError,
  );
}

describe("admin and baseline tiers, rule by rule", () => {
  const base = [
    ns("a"),
    ns("b"),
    pod("a", "client", { app: "client" }),
    pod("b", "server", { app: "server" }),
  ];

  it("an admin Allow admits what NetworkPolicy would deny", () => {
    // "Allow: allows the selected traffic (even if it would otherwise have been denied by NetworkPolicy)"
    const { pairs } = answers([
      ...base,
      np("b", "deny-all", { podSelector: {}, policyTypes: ["Ingress"] }),
      anp("allow-client", 10, {
        subject: inNamespace("b"),
        ingress: [{ action: "Allow", from: [inNamespace("a")], ports: [{ portNumber: { port: 8080 } }] }],
      }),
    ]);
    expect(pairs["a/client -> b/server"]).toBe("TCP:8080");
  });

  it("an admin Deny drops what NetworkPolicy allows", () => {
    // "Deny: denies the selected traffic" ... "Pods will never receive traffic which has been matched by a Deny rule"
    const { pairs } = answers([
      ...base,
      np("b", "allow-all", { podSelector: {}, ingress: [{}] }),
      anp("deny-a", 10, {
        subject: inNamespace("b"),
        ingress: [{ action: "Deny", from: [inNamespace("a")] }],
      }),
    ]);
    expect(pairs["a/client -> b/server"]).toBeUndefined();
  });

  it("Pass hands the traffic to NetworkPolicy, and to the baseline where no NetworkPolicy selects the pod", () => {
    // "Pass: instructs the selected traffic to skip any remaining ANP rules, and then pass execution to any
    // NetworkPolicies that select the pod. If the pod is not selected by any NetworkPolicies then execution
    // is passed to any BaselineAdminNetworkPolicies that select the pod."
    const tiers = [
      anp("pass-a", 10, {
        subject: inNamespace("b"),
        ingress: [{ action: "Pass", from: [inNamespace("a")] }],
      }),
      anp("deny-all", 20, {
        subject: inNamespace("b"),
        ingress: [{ action: "Deny", from: [everyNamespace] }],
      }),
      banp({ subject: inNamespace("b"), ingress: [{ action: "Deny", from: [everyNamespace] }] }),
    ];
    // Without NetworkPolicy the baseline decides: denied, and the lower-priority Deny is skipped either way.
    expect(answers([...base, ...tiers]).pairs["a/client -> b/server"]).toBeUndefined();
    // With a NetworkPolicy selecting the server, it decides, and the baseline is not read.
    const withPolicy = answers([
      ...base,
      ...tiers,
      np("b", "allow-80", { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] }),
    ]);
    expect(withPolicy.pairs["a/client -> b/server"]).toBe("TCP:80");
  });

  it("lower priority values are checked first, and in one policy the rule written first decides", () => {
    // "Policies with lower priority values have higher precedence" ... "a rule that appears at the top of
    // the ingress rules would take the highest precedence"
    const { pairs } = answers([
      ...base,
      anp("later", 20, { subject: inNamespace("b"), ingress: [{ action: "Allow", from: [everyNamespace] }] }),
      anp("first", 5, {
        subject: inNamespace("b"),
        ingress: [
          { action: "Allow", from: [inNamespace("a")], ports: [{ portNumber: { port: 443 } }] },
          { action: "Deny", from: [everyNamespace] },
        ],
      }),
    ]);
    expect(pairs["a/client -> b/server"]).toBe("TCP:443");
  });

  it("the baseline applies only to pods no NetworkPolicy selects, and what no tier decides is allowed", () => {
    // "Baseline tier is a cluster-wide policy that can be overridden by the v1.NetworkPolicy" ... "If a given
    // connection wasn't allowed or denied by any of the tiers, the default kubernetes policy is applied"
    const baseline = banp({
      subject: { namespaces: {} },
      ingress: [
        { action: "Deny", from: [inNamespace("a")], ports: [{ portRange: { start: 1, end: 1024 } }] },
      ],
    });
    const denied = answers([...base, baseline]);
    expect(denied.pairs["a/client -> b/server"]).toBe("TCP:1025-65535;UDP:1-65535;SCTP:1-65535");
    expect(denied.pairs["b/server -> a/client"]).toBe(ALL);
    const overridden = answers([...base, baseline, np("b", "allow-all", { podSelector: {}, ingress: [{}] })]);
    expect(overridden.pairs["a/client -> b/server"]).toBe(ALL);
  });

  it("a policy without rules for a direction leaves that direction alone", () => {
    // "ANPs with no ingress rules do not affect ingress traffic."
    const { pairs } = answers([
      ...base,
      np("b", "deny-all", { podSelector: {}, policyTypes: ["Ingress"] }),
      anp("egress-only", 1, {
        subject: inNamespace("b"),
        egress: [{ action: "Allow", to: [everyNamespace] }],
      }),
    ]);
    expect(pairs["a/client -> b/server"]).toBeUndefined();
  });

  it("ports: unset means every port; a range holds both ends; a named port is the destination's, with its own protocol", () => {
    // "If Ports is not set then the rule does not filter traffic via port." "PortRange defines an inclusive
    // range of ports" "NamedPort selects a port on a pod(s) based on name."
    const objects = [
      ns("a"),
      ns("b"),
      pod("a", "client", { app: "client" }),
      pod("b", "dns", { app: "dns" }, [{ name: "dns", containerPort: 53, protocol: "UDP" }]),
      np("b", "deny-all", { podSelector: {}, policyTypes: ["Ingress"] }),
      anp("named", 1, {
        subject: inNamespace("b"),
        ingress: [
          {
            action: "Allow",
            from: [inNamespace("a")],
            ports: [{ namedPort: "dns" }, { portRange: { protocol: "TCP", start: 8000, end: 8010 } }],
          },
        ],
      }),
    ];
    expect(answers(objects).pairs["a/client -> b/dns"]).toBe("TCP:8000-8010;UDP:53");
  });

  it("subjects: namespaces, or pods by namespace AND pod selector; an empty namespaceSelector selects every namespace", () => {
    // "Pods is used to select pods via namespace AND pod selectors." "NamespaceSelector follows standard label
    // selector semantics; if empty, it selects all Namespaces."
    const { pairs } = answers([
      ...base,
      pod("b", "other", { app: "other" }),
      anp("server-only", 1, {
        subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: "server" } } } },
        ingress: [{ action: "Deny", from: [everyNamespace] }],
      }),
    ]);
    expect(pairs["a/client -> b/server"]).toBeUndefined();
    expect(pairs["a/client -> b/other"]).toBe(ALL);
  });

  it("networks: a whole address family holds every pod too; a narrower block only addresses outside", () => {
    // "note that cluster-internal traffic will be checked against the rule as well. So if you Allow or Deny
    // traffic to "0.0.0.0/0", that will allow or deny all IPv4 pod-to-pod traffic as well."
    const { pairs, outside } = answers([
      ...base,
      anp("no-internet", 1, {
        subject: inNamespace("a"),
        egress: [
          { action: "Allow", to: [{ networks: ["10.0.0.0/8"] }], ports: [{ portNumber: { port: 443 } }] },
          { action: "Deny", to: [{ networks: ["0.0.0.0/0"] }] },
        ],
      }),
    ]);
    expect(pairs["a/client -> b/server"]).toBeUndefined();
    expect(outside["a/client egress 10.0.0.0/8"]).toBe("TCP:443");
    expect(outside["a/client egress 0.0.0.0/0 except 10.0.0.0/8"]).toBeUndefined();
    expect(outside["a/client egress ::/0"]).toBe(ALL);
    // From outside nothing changes: ingress peers of the tiers are pods only.
    expect(outside["a/client ingress 0.0.0.0/0"]).toBe(ALL);
  });

  it("an egress Allow does not open the destination's ingress", () => {
    // "Accept: ... No further egress ClusterNetworkPolicy or NetworkPolicy rules will be processed but any
    // ingress rules at the destination do apply."
    const { pairs } = answers([
      ...base,
      np("a", "no-egress", { podSelector: {}, policyTypes: ["Egress"] }),
      np("b", "no-ingress", { podSelector: {}, policyTypes: ["Ingress"] }),
      cnp("client-out", "Admin", 1, {
        subject: inNamespace("a"),
        egress: [{ action: "Accept", to: [inNamespace("b")] }],
      }),
    ]);
    expect(pairs["a/client -> b/server"]).toBeUndefined();
  });

  it("nodes and domain names match no pod", () => {
    const { pairs } = answers([
      ...base,
      anp("deny-nodes", 1, {
        subject: inNamespace("a"),
        egress: [
          { action: "Deny", to: [{ nodes: {} }] },
          { action: "Allow", to: [{ domainNames: ["*.example.com"] }] },
        ],
      }),
    ]);
    expect(pairs["a/client -> b/server"]).toBe(ALL);
  });

  it("ClusterNetworkPolicy: Accept allows, tiers Admin and Baseline, ports as protocols", () => {
    // "Policy tiers are evaluated in the following order: Admin tier, NetworkPolicy tier, Baseline tier"
    const { pairs } = answers([
      ...base,
      cnp("baseline-deny", "Baseline", 0, {
        subject: inNamespace("b"),
        ingress: [{ action: "Deny", from: [everyNamespace] }],
      }),
      cnp("admin-web", "Admin", 3, {
        subject: inNamespace("b"),
        ingress: [
          {
            action: "Accept",
            from: [inNamespace("a")],
            protocols: [
              { tcp: { destinationPort: { number: 80 } } },
              { udp: { destinationPort: { range: { start: 5000, end: 5001 } } } },
            ],
          },
        ],
      }),
    ]);
    expect(pairs["a/client -> b/server"]).toBe("TCP:80;UDP:5000-5001");
  });

  it("the explanation names the tier, the policy and the rule that decided", () => {
    const { state } = answers([
      ...base,
      np("b", "allow-all", { podSelector: {}, ingress: [{}] }),
      anp("deny-a", 10, {
        subject: inNamespace("b"),
        ingress: [
          {
            name: "no-a-on-22",
            action: "Deny",
            from: [inNamespace("a")],
            ports: [{ portNumber: { port: 22 } }],
          },
        ],
      }),
    ]);
    const client = [...state.identities()].find((i) => i.namespace === "a")!;
    const server = [...state.identities()].find((i) => i.namespace === "b")!;
    const explained = explainIdentities(state, "from", client, "to", server);
    expect(explained.ingress.decidedBy).toEqual([
      {
        tier: "admin",
        policy: "AdminNetworkPolicy/deny-a",
        rule: 0,
        ruleName: "no-a-on-22",
        action: "deny",
        ports: [{ protocol: "TCP", port: 22 }],
      },
      expect.objectContaining({
        tier: "networkpolicy",
        policy: "b/allow-all",
        direction: "ingress",
        rule: 0,
        action: "allow",
      }),
    ]);
    expect(explained.summary[1]).toContain(
      "admin tier: AdminNetworkPolicy/deny-a rule 1 (no-a-on-22) denies TCP 22",
    );
  });
});

describe("a pod open to everything, with the tiers", () => {
  const ids = (objects: Json[]) =>
    answers(objects)
      .state.findings()
      .filter((f) => f.id.startsWith("pod-not-isolated"))
      .map((f) => `${f.id} ${f.objects[0]}`)
      .sort();

  it("is not reported where a baseline or admin rule denies some of its traffic, and still is where the tiers only allow", () => {
    const pods = [ns("a"), pod("a", "web", { app: "web" })];
    expect(ids(pods)).toEqual(["pod-not-isolated-egress Pod/a/web", "pod-not-isolated-ingress Pod/a/web"]);
    // The baseline denies ingress from every namespace: no longer open to every pod.
    expect(
      ids([
        ...pods,
        banp({ subject: everyNamespace, ingress: [{ action: "Deny", from: [everyNamespace] }] }),
      ]),
    ).toEqual(["pod-not-isolated-egress Pod/a/web"]);
    // An egress deny to one block of addresses outside: not open to every address.
    expect(
      ids([
        ...pods,
        anp("no-metadata", 1, {
          subject: everyNamespace,
          egress: [{ action: "Deny", to: [{ networks: ["169.254.169.254/32"] }] }],
        }),
      ]),
    ).toEqual(["pod-not-isolated-ingress Pod/a/web"]);
    // Rules that only allow leave it open.
    expect(
      ids([
        ...pods,
        anp("allow", 1, { subject: everyNamespace, ingress: [{ action: "Allow", from: [everyNamespace] }] }),
      ]),
    ).toEqual(["pod-not-isolated-egress Pod/a/web", "pod-not-isolated-ingress Pod/a/web"]);
  });
});

describe("cluster-wide policies refused as the CRDs refuse them", () => {
  it("names the object and the field", () => {
    expect(
      errorsOf([banp({ subject: everyNamespace, ingress: [{ action: "Pass", from: [everyNamespace] }] })]),
    ).toEqual([
      'case 0: BaselineAdminNetworkPolicy default: spec.ingress[0].action: unknown action "Pass" for a BaselineAdminNetworkPolicy; use Allow, Deny',
    ]);
    expect(
      errorsOf([{ ...banp({ subject: everyNamespace }), metadata: { name: "mine" } }]).join("\n"),
    ).toContain('metadata.name: must be "default"');
    expect(errorsOf([anp("x", 1001, { subject: everyNamespace })])).toEqual([
      "case 0: AdminNetworkPolicy x: spec.priority: 1001 is outside 0-1000",
    ]);
    expect(errorsOf([anp("x", 1, { subject: { namespaces: {}, pods: { podSelector: {} } } })])).toEqual([
      "case 0: AdminNetworkPolicy x: spec.subject: set exactly one of namespaces, pods, not namespaces and pods",
    ]);
    expect(
      errorsOf([
        anp("x", 1, {
          subject: everyNamespace,
          egress: [{ action: "Allow", to: [{ networks: ["10.0.0.0/8"] }], ports: [{ namedPort: "http" }] }],
        }),
      ]),
    ).toEqual([
      "case 0: AdminNetworkPolicy x: spec.egress[0].ports: a named port cannot be used with networks, nodes or domainNames peers: they have no named ports",
    ]);
    expect(
      errorsOf([
        anp("x", 1, {
          subject: everyNamespace,
          ingress: [
            { action: "Deny", from: [everyNamespace], ports: [{ portRange: { start: 90, end: 80 } }] },
          ],
        }),
      ]),
    ).toEqual([
      "case 0: AdminNetworkPolicy x: spec.ingress[0].ports[0].portRange: start 90 is above end 80: the API reference says start must be less than end, and what a network plugin does with such a range is not defined",
    ]);
    expect(
      errorsOf([
        anp("x", 1, {
          subject: everyNamespace,
          egress: [{ action: "Deny", to: [{ domainNames: ["a.example"] }] }],
        }),
      ]),
    ).toEqual([
      "case 0: AdminNetworkPolicy x: spec.egress[0].to[0].domainNames: domain names may only be used in Allow rules",
    ]);
    expect(
      errorsOf([
        anp("x", 1, {
          subject: everyNamespace,
          ingress: [{ action: "Deny", from: [{ networks: ["0.0.0.0/0"] }] }],
        }),
      ]),
    ).toEqual([
      "case 0: AdminNetworkPolicy x: spec.ingress[0].from[0].networks: an ingress peer may not select networks",
    ]);
    expect(
      errorsOf([
        cnp("x", "Admin", 1, {
          subject: everyNamespace,
          ingress: [{ action: "Allow", from: [everyNamespace] }],
        }),
      ]),
    ).toEqual([
      'case 0: ClusterNetworkPolicy x: spec.ingress[0].action: unknown action "Allow" for a ClusterNetworkPolicy; use Accept, Deny, Pass',
    ]);
    expect(
      errorsOf([anp("x", 1, { subject: everyNamespace, ingress: [{ action: "Deny", from: [] }] })]),
    ).toEqual(["case 0: AdminNetworkPolicy x: spec.ingress[0].from: must hold at least one peer"]);
  });
});
