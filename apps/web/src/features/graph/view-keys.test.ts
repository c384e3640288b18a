import { describe, expect, it } from "vitest";
import { portsText } from "./ports";
import { crumbsOf, namespaceOfIdentity, reportNamespaceOf, scopeOf, viewOfNode } from "./view-keys";

describe("graph navigation", () => {
  it("reports on the cluster from the overview, on the namespace from a namespace or workload view", () => {
    expect(reportNamespaceOf("overview")).toBeUndefined();
    expect(reportNamespaceOf("namespace:shop")).toBe("shop");
    expect(reportNamespaceOf("workload:shop\u0001app\u0002web")).toBe("shop");
    expect(reportNamespaceOf("nonsense")).toBeUndefined();
  });

  it("opens a namespace node as its namespace view and an identity node as its workload view", () => {
    expect(viewOfNode("ns:shop")).toBe("namespace:shop");
    expect(viewOfNode("id:shop\u0001app\u0002web")).toBe("workload:shop\u0001app\u0002web");
    expect(viewOfNode("pod:shop/web-1")).toBeUndefined();
    expect(viewOfNode("any")).toBeUndefined();
  });

  it("finds the namespace of an identity key, plain or in its JSON form", () => {
    expect(namespaceOfIdentity("shop\u0001app\u0002web")).toBe("shop");
    expect(namespaceOfIdentity(JSON.stringify(["odd\nname", [["app", "x"]], []]))).toBe("odd\nname");
  });

  it("gives breadcrumbs from the cluster down to a workload", () => {
    expect(crumbsOf("overview", undefined)).toEqual([{ label: "Cluster", view: "overview" }]);
    expect(crumbsOf("workload:shop\u0001app\u0002web", "web").map((c) => c.label)).toEqual([
      "Cluster",
      "shop",
      "web",
    ]);
    expect(crumbsOf("workload:shop\u0001app\u0002web", "web")[1]!.view).toBe("namespace:shop");
  });

  it("says a view's scope in words", () => {
    expect(scopeOf("overview", undefined)).toBe("Whole cluster by namespace");
    expect(scopeOf("namespace:shop", undefined)).toBe("Namespace shop");
    expect(scopeOf("workload:shop\u0001app\u0002web", "web")).toBe("Workload web in namespace shop");
    expect(scopeOf("workload:shop\u0001tier\u0002db", undefined)).toBe(
      "Workload (no app label) in namespace shop",
    );
  });

  it("labels edges with their ports", () => {
    expect(portsText("all")).toBe("all ports");
    expect(portsText(null)).toBe("nothing");
    expect(
      portsText([
        { protocol: "TCP", port: 80 },
        { protocol: "UDP", port: 53, endPort: 54 },
        { protocol: "SCTP" },
      ]),
    ).toBe("TCP 80, UDP 53-54, SCTP *");
  });
});
