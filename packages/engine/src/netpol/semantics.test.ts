import type { Ports } from "@trustmap/shared";
import { describe, expect, it } from "vitest";
import type { Cluster } from "../objects/model";
import { wirePorts } from "../report/report";
import { netpol, ns, parsed, pod, podWithPorts } from "../testing/objects";
import { computeConnectivity } from "./connectivity";
import { referenceConnectivity } from "./reference";
import type { Connectivity } from "./result";

// One small case per subtle rule of networking.k8s.io/v1 NetworkPolicy. Every case is checked
// on both evaluators: the reference and the identity-based engine must agree, and be right.

function portsBetween(result: Connectivity, from: string, to: string): Ports | "none" {
  const found = result.connections.find((c) => c.from === from && c.to === to);
  return found === undefined ? "none" : wirePorts(found.ports);
}

function allowed(cluster: Cluster, from: string, to: string): Ports | "none" {
  const reference = portsBetween(referenceConnectivity(cluster), from, to);
  expect(portsBetween(computeConnectivity(cluster), from, to)).toEqual(reference);
  return reference;
}

function external(cluster: Cluster, podName: string, direction: "ingress" | "egress") {
  const pick = (result: Connectivity) =>
    result.external
      .filter((e) => e.pod === podName && e.direction === direction)
      .map((e) => ({ cidr: e.cidr, except: e.except, ports: wirePorts(e.ports) }));
  const reference = pick(referenceConnectivity(cluster));
  expect(pick(computeConnectivity(cluster))).toEqual(reference);
  return reference;
}

const a = pod("ns1", "a", { app: "a" });
const b = pod("ns1", "b", { app: "b" });
const c = pod("ns2", "c", { app: "a" });

describe("isolation and policyTypes", () => {
  it("allows everything between pods that no policy selects", () => {
    const cluster = parsed(a, b, c);
    expect(allowed(cluster, "ns1/a", "ns1/b")).toBe("all");
    expect(allowed(cluster, "ns2/c", "ns1/a")).toBe("all");
  });

  it("never lists a pod's connection to itself", () => {
    const result = computeConnectivity(parsed(a));
    expect(result.connections).toEqual([]);
  });

  it("defaults policyTypes to Ingress only when the policy has no egress rules", () => {
    const cluster = parsed(a, b, netpol("ns1", "deny", { podSelector: { matchLabels: { app: "b" } } }));
    expect(allowed(cluster, "ns1/a", "ns1/b")).toBe("none");
    expect(allowed(cluster, "ns1/b", "ns1/a")).toBe("all");
  });

  it("defaults policyTypes to Ingress and Egress when egress rules are present", () => {
    const cluster = parsed(
      a,
      b,
      c,
      netpol("ns1", "p", {
        podSelector: { matchLabels: { app: "b" } },
        egress: [{ to: [{ podSelector: { matchLabels: { app: "a" } } }] }],
      }),
    );
    expect(allowed(cluster, "ns1/b", "ns1/a")).toBe("all");
    expect(allowed(cluster, "ns1/b", "ns2/c")).toBe("none");
    expect(allowed(cluster, "ns1/a", "ns1/b")).toBe("none");
  });

  it("does not isolate egress for an empty egress list without policyTypes", () => {
    const cluster = parsed(a, b, netpol("ns1", "p", { podSelector: {}, egress: [] }));
    expect(allowed(cluster, "ns1/a", "ns1/b")).toBe("none");
    expect(external(cluster, "ns1/a", "egress").map((e) => e.cidr)).toEqual(["0.0.0.0/0", "::/0"]);
  });

  it("ignores ingress rules of a policy whose policyTypes lists only Egress", () => {
    const cluster = parsed(
      a,
      b,
      netpol("ns1", "p", {
        podSelector: { matchLabels: { app: "b" } },
        policyTypes: ["Egress"],
        ingress: [{ from: [{ podSelector: { matchLabels: { app: "nobody" } } }] }],
      }),
    );
    expect(allowed(cluster, "ns1/a", "ns1/b")).toBe("all");
    expect(allowed(cluster, "ns1/b", "ns1/a")).toBe("none");
  });

  it("isolates with policyTypes [Ingress, Egress] and no rules: deny all both ways", () => {
    const cluster = parsed(a, b, netpol("ns1", "p", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }));
    expect(allowed(cluster, "ns1/a", "ns1/b")).toBe("none");
    expect(external(cluster, "ns1/a", "egress")).toEqual([]);
    expect(external(cluster, "ns1/a", "ingress")).toEqual([]);
  });

  it("unites the rules of every policy that selects a pod", () => {
    const cluster = parsed(
      a,
      b,
      c,
      netpol("ns1", "one", {
        podSelector: { matchLabels: { app: "b" } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: "a" } } }], ports: [{ port: 80 }] }],
      }),
      netpol("ns1", "two", {
        podSelector: {},
        ingress: [{ from: [{ podSelector: { matchLabels: { app: "a" } } }], ports: [{ port: 443 }] }],
      }),
    );
    expect(allowed(cluster, "ns1/a", "ns1/b")).toEqual([
      { protocol: "TCP", port: 80 },
      { protocol: "TCP", port: 443 },
    ]);
    expect(allowed(cluster, "ns1/b", "ns1/a")).toEqual("none");
  });

  it("needs both the source's egress and the destination's ingress", () => {
    const cluster = parsed(
      a,
      b,
      netpol("ns1", "out", {
        podSelector: { matchLabels: { app: "a" } },
        policyTypes: ["Egress"],
        egress: [{ ports: [{ port: 80 }, { port: 81 }] }],
      }),
      netpol("ns1", "in", {
        podSelector: { matchLabels: { app: "b" } },
        ingress: [{ ports: [{ port: 81, endPort: 90 }] }],
      }),
    );
    expect(allowed(cluster, "ns1/a", "ns1/b")).toEqual([{ protocol: "TCP", port: 81 }]);
  });

  it("only isolates pods of the policy's own namespace", () => {
    const cluster = parsed(a, c, netpol("ns1", "deny", { podSelector: {} }));
    expect(allowed(cluster, "ns1/a", "ns2/c")).toBe("all");
    expect(allowed(cluster, "ns2/c", "ns1/a")).toBe("none");
  });
});

describe("peers", () => {
  const onlyFrom = (from: unknown[]) =>
    netpol("ns1", "p", { podSelector: { matchLabels: { app: "a" } }, ingress: [{ from }] });

  it("reads an empty or missing from as every source", () => {
    const cluster = parsed(
      a,
      b,
      c,
      netpol("ns1", "p", { podSelector: { matchLabels: { app: "a" } }, ingress: [{}] }),
    );
    expect(allowed(cluster, "ns2/c", "ns1/a")).toBe("all");
    expect(external(cluster, "ns1/a", "ingress").map((e) => e.cidr)).toEqual(["0.0.0.0/0", "::/0"]);
    const explicitEmpty = parsed(a, c, onlyFrom([]));
    expect(allowed(explicitEmpty, "ns2/c", "ns1/a")).toBe("all");
  });

  it("reads podSelector alone as pods of the policy's namespace", () => {
    const cluster = parsed(a, b, c, onlyFrom([{ podSelector: {} }]));
    expect(allowed(cluster, "ns1/b", "ns1/a")).toBe("all");
    expect(allowed(cluster, "ns2/c", "ns1/a")).toBe("none");
  });

  it("reads namespaceSelector alone as every pod of the selected namespaces", () => {
    const cluster = parsed(
      ns("ns2", { team: "x" }),
      a,
      b,
      c,
      onlyFrom([{ namespaceSelector: { matchLabels: { team: "x" } } }]),
    );
    expect(allowed(cluster, "ns2/c", "ns1/a")).toBe("all");
    expect(allowed(cluster, "ns1/b", "ns1/a")).toBe("none");
  });

  it("reads an empty namespaceSelector as every namespace", () => {
    const cluster = parsed(a, b, c, onlyFrom([{ namespaceSelector: {} }]));
    expect(allowed(cluster, "ns2/c", "ns1/a")).toBe("all");
    expect(allowed(cluster, "ns1/b", "ns1/a")).toBe("all");
  });

  it("ANDs podSelector and namespaceSelector in one peer", () => {
    const d = pod("ns2", "d", { app: "d" });
    const cluster = parsed(
      ns("ns2", { team: "x" }),
      a,
      b,
      c,
      d,
      onlyFrom([
        { namespaceSelector: { matchLabels: { team: "x" } }, podSelector: { matchLabels: { app: "a" } } },
      ]),
    );
    expect(allowed(cluster, "ns2/c", "ns1/a")).toBe("all");
    expect(allowed(cluster, "ns2/d", "ns1/a")).toBe("none");
    expect(allowed(cluster, "ns1/b", "ns1/a")).toBe("none");
  });

  it("ORs the peers of one list", () => {
    const d = pod("ns2", "d", { app: "d" });
    const cluster = parsed(
      ns("ns2", { team: "x" }),
      a,
      b,
      c,
      d,
      onlyFrom([
        { namespaceSelector: { matchLabels: { team: "x" } } },
        { podSelector: { matchLabels: { app: "a" } } },
      ]),
    );
    expect(allowed(cluster, "ns2/d", "ns1/a")).toBe("all");
    expect(allowed(cluster, "ns1/b", "ns1/a")).toBe("none");
  });

  it("gives every namespace its kubernetes.io/metadata.name label, even one with no object", () => {
    const cluster = parsed(
      a,
      c,
      onlyFrom([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ns2" } } }]),
    );
    expect(allowed(cluster, "ns2/c", "ns1/a")).toBe("all");
    const declared = parsed(
      ns("ns2", { "kubernetes.io/metadata.name": "spoofed" }),
      a,
      c,
      onlyFrom([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ns2" } } }]),
    );
    expect(allowed(declared, "ns2/c", "ns1/a")).toBe("all");
  });

  it("matches NotIn and DoesNotExist on pods without the key", () => {
    const plain = pod("ns1", "plain");
    const cluster = parsed(
      a,
      b,
      plain,
      onlyFrom([
        {
          podSelector: {
            matchExpressions: [
              { key: "app", operator: "NotIn", values: ["b"] },
              { key: "tier", operator: "DoesNotExist" },
            ],
          },
        },
      ]),
    );
    expect(allowed(cluster, "ns1/plain", "ns1/a")).toBe("all");
    expect(allowed(cluster, "ns1/b", "ns1/a")).toBe("none");
  });

  it("matches In and Exists only on pods with the key", () => {
    const plain = pod("ns1", "plain");
    const cluster = parsed(
      a,
      b,
      plain,
      onlyFrom([{ podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["b", "z"] }] } }]),
    );
    expect(allowed(cluster, "ns1/b", "ns1/a")).toBe("all");
    expect(allowed(cluster, "ns1/plain", "ns1/a")).toBe("none");
  });

  it("never matches pods with an ipBlock, whatever the CIDR", () => {
    const cluster = parsed(a, b, onlyFrom([{ ipBlock: { cidr: "0.0.0.0/0" } }]));
    expect(allowed(cluster, "ns1/b", "ns1/a")).toBe("none");
    expect(external(cluster, "ns1/a", "ingress")).toEqual([{ cidr: "0.0.0.0/0", except: [], ports: "all" }]);
  });
});

describe("ports", () => {
  const web = podWithPorts("ns1", "web", { app: "web" }, [
    { name: "http", containerPort: 8080 },
    { name: "dns", containerPort: 5353, protocol: "UDP" },
  ]);
  const other = podWithPorts("ns1", "other", { app: "web2" }, [{ name: "http", containerPort: 9090 }]);
  const client = pod("ns1", "client", { app: "client" });

  it("reads missing ports as every port of every protocol", () => {
    const cluster = parsed(
      web,
      client,
      netpol("ns1", "p", { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] }),
    );
    expect(allowed(cluster, "ns1/client", "ns1/web")).toBe("all");
  });

  it("defaults a port's protocol to TCP and reads a port without number as the whole protocol", () => {
    const cluster = parsed(
      web,
      client,
      netpol("ns1", "p", {
        podSelector: {},
        ingress: [{ ports: [{ port: 53 }, { protocol: "UDP" }, { protocol: "SCTP", port: 9 }] }],
      }),
    );
    expect(allowed(cluster, "ns1/client", "ns1/web")).toEqual([
      { protocol: "TCP", port: 53 },
      { protocol: "UDP" },
      { protocol: "SCTP", port: 9 },
    ]);
  });

  it("reads endPort as an inclusive range and merges overlapping ranges", () => {
    const cluster = parsed(
      web,
      client,
      netpol("ns1", "p", {
        podSelector: {},
        ingress: [{ ports: [{ port: 8000, endPort: 8100 }, { port: 8100, endPort: 8200 }, { port: 8201 }] }],
      }),
    );
    expect(allowed(cluster, "ns1/client", "ns1/web")).toEqual([
      { protocol: "TCP", port: 8000, endPort: 8201 },
    ]);
  });

  it("resolves a named ingress port on each destination pod, with its protocol", () => {
    const cluster = parsed(
      web,
      other,
      client,
      netpol("ns1", "p", {
        podSelector: {},
        ingress: [{ ports: [{ port: "http" }, { port: "dns", protocol: "UDP" }, { port: "dns" }] }],
      }),
    );
    expect(allowed(cluster, "ns1/client", "ns1/web")).toEqual([
      { protocol: "TCP", port: 8080 },
      { protocol: "UDP", port: 5353 },
    ]);
    expect(allowed(cluster, "ns1/client", "ns1/other")).toEqual([{ protocol: "TCP", port: 9090 }]);
    expect(allowed(cluster, "ns1/web", "ns1/client")).toBe("none");
  });

  it("resolves a named egress port on the destination pod, not on the source", () => {
    const cluster = parsed(
      web,
      other,
      client,
      netpol("ns1", "p", {
        podSelector: { matchLabels: { app: "web" } },
        policyTypes: ["Egress"],
        egress: [{ ports: [{ port: "http" }] }],
      }),
    );
    expect(allowed(cluster, "ns1/web", "ns1/other")).toEqual([{ protocol: "TCP", port: 9090 }]);
    expect(allowed(cluster, "ns1/web", "ns1/client")).toBe("none");
    // Outside the cluster there is no pod to name the port.
    expect(external(cluster, "ns1/web", "egress")).toEqual([]);
  });

  it("reports every port of every protocol as all, once ports of the three protocols are open", () => {
    const cluster = parsed(
      web,
      client,
      netpol("ns1", "p", {
        podSelector: {},
        ingress: [{ ports: [{ protocol: "TCP" }, { protocol: "UDP" }, { protocol: "SCTP" }] }],
      }),
    );
    expect(allowed(cluster, "ns1/client", "ns1/web")).toBe("all");
  });
});

describe("outside the cluster", () => {
  it("lets pods that no policy isolates reach and be reached from every address", () => {
    const cluster = parsed(a);
    const everything = [
      { cidr: "0.0.0.0/0", except: [], ports: "all" },
      { cidr: "::/0", except: [], ports: "all" },
    ];
    expect(external(cluster, "ns1/a", "egress")).toEqual(everything);
    expect(external(cluster, "ns1/a", "ingress")).toEqual(everything);
  });

  it("lists ipBlocks with their except and ports, merging rules to the same block", () => {
    const web = podWithPorts("ns1", "web", { app: "web" }, [{ name: "http", containerPort: 8080 }]);
    const cluster = parsed(
      web,
      netpol("ns1", "p", {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          {
            from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16", "10.0.0.0/16"] } }],
            ports: [{ port: "http" }],
          },
          {
            from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.0.0.0/16", "10.1.0.0/16"] } }],
            ports: [{ port: 22 }],
          },
        ],
        egress: [
          {
            to: [{ ipBlock: { cidr: "192.168.0.0/24" } }, { ipBlock: { cidr: "2001:db8::/32" } }],
            ports: [{ port: 443 }],
          },
        ],
      }),
    );
    expect(external(cluster, "ns1/web", "ingress")).toEqual([
      {
        cidr: "10.0.0.0/8",
        except: ["10.0.0.0/16", "10.1.0.0/16"],
        ports: [
          { protocol: "TCP", port: 22 },
          { protocol: "TCP", port: 8080 },
        ],
      },
    ]);
    expect(external(cluster, "ns1/web", "egress")).toEqual([
      { cidr: "192.168.0.0/24", except: [], ports: [{ protocol: "TCP", port: 443 }] },
      { cidr: "2001:db8::/32", except: [], ports: [{ protocol: "TCP", port: 443 }] },
    ]);
  });
});
