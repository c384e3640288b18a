import { describe, expect, it } from "vitest";
import { portsText } from "./ports";
import {
  crumbsOf,
  groupedView,
  groupingOf,
  namespaceOfIdentity,
  namespaceView,
  openedView,
  openingView,
  regroupedView,
  regroupedWorkloads,
  reportNamespaceOf,
  scopeOf,
  showing,
  viewOfNode,
  workloadGroupingOf,
} from "./view-keys";

describe("graph navigation", () => {
  it("reports on the cluster from the overview, on the namespace from a namespace or workload view", () => {
    expect(reportNamespaceOf("overview")).toBeUndefined();
    expect(reportNamespaceOf("namespace:shop")).toBe("shop");
    expect(reportNamespaceOf("workload:shop/app=web")).toBe("shop");
    expect(reportNamespaceOf("nonsense")).toBeUndefined();
  });

  it("opens a namespace node as its namespace view and an identity node as its workload view", () => {
    expect(viewOfNode("ns:shop")).toBe("namespace:shop");
    expect(viewOfNode("id:shop\u0001app\u0002web")).toBeUndefined();
    expect(viewOfNode("wl:shop/app=web")).toBe("workload:shop/app=web");
    expect(viewOfNode("wl:shop/app.kubernetes.io/name=a%2Cb;http/TCP/80")).toBe(
      "workload:shop/app.kubernetes.io/name=a%2Cb;http/TCP/80",
    );
    expect(viewOfNode("pod:shop/web-1")).toBeUndefined();
    expect(viewOfNode("any")).toBeUndefined();
  });

  it("opens a group in place and closes it again, keeping the other opened groups", () => {
    expect(groupedView("team")).toBe("groups:team");
    expect(groupedView(undefined)).toBe("overview");
    expect(viewOfNode("grp:team=shop", "groups:team")).toBe("groups:team/=shop");
    expect(viewOfNode("grp:team", "groups:team/=shop")).toBe("groups:team/-,=shop");
    expect(viewOfNode("grp:team=shop", "groups:team/-,=shop")).toBe("groups:team/-");
    expect(viewOfNode("grp:team=shop", "groups:team/=shop")).toBe("groups:team");
    // A label key with a slash, and a group met outside its grouping, opens under its own label.
    expect(viewOfNode("grp:app.kubernetes.io%2Fpart-of=shop", "overview")).toBe(
      "groups:app.kubernetes.io%2Fpart-of/=shop",
    );
    expect(groupingOf("groups:app.kubernetes.io%2Fpart-of/=shop")).toBe("app.kubernetes.io/part-of");
    expect(groupingOf("overview")).toBeUndefined();
    expect(crumbsOf("groups:team/=shop", undefined)).toEqual([
      { label: "Cluster", view: "overview" },
      { label: "by team", view: "groups:team" },
    ]);
    expect(scopeOf("groups:team", undefined)).toBe("Whole cluster, namespaces grouped by team");
    expect(reportNamespaceOf("groups:team")).toBeUndefined();
  });

  it("groups the namespaces around a namespace as the view it was opened from groups them", () => {
    // From the cluster grouped by team, a namespace opens with its neighbours grouped by team.
    expect(viewOfNode("ns:kube-system", "groups:team/=shop")).toBe("namespace:kube-system/team");
    expect(viewOfNode("ns:kube-system", "overview")).toBe("namespace:kube-system");
    expect(viewOfNode("ns:db", "namespace:kube-system/team")).toBe("namespace:db/team");
    // A group around a namespace opens and closes there.
    expect(viewOfNode("grp:team=shop", "namespace:kube-system/team")).toBe(
      "namespace:kube-system/team/=shop",
    );
    expect(viewOfNode("grp:team=shop", "namespace:kube-system/team/=shop")).toBe(
      "namespace:kube-system/team",
    );
    expect(viewOfNode("grp:env=prod", "namespace:kube-system/team")).toBe("groups:env/=prod");
    expect(groupingOf("namespace:kube-system/team/-")).toBe("team");
    expect(groupingOf("workload:shop/app=web")).toBeUndefined();
    expect(regroupedView("namespace:kube-system/team/=shop", "env")).toBe("namespace:kube-system/env");
    expect(regroupedView("namespace:kube-system/team", undefined)).toBe("namespace:kube-system");
    expect(regroupedView("groups:team", "env")).toBe("groups:env");
    expect(regroupedView("workload:shop/app=web", "env")).toBe("workload:shop/app=web");
    expect(namespaceView("db", "app.kubernetes.io/part-of")).toBe("namespace:db/app.kubernetes.io%2Fpart-of");
    expect(crumbsOf("namespace:kube-system/team/=shop", undefined)).toEqual([
      { label: "Cluster", view: "overview" },
      { label: "by team", view: "groups:team" },
      { label: "kube-system", view: "namespace:kube-system/team/=shop" },
    ]);
    expect(scopeOf("namespace:kube-system/team", undefined)).toBe(
      "Namespace kube-system, other namespaces grouped by team",
    );
    expect(reportNamespaceOf("namespace:kube-system/team")).toBe("kube-system");
  });

  it("opens a large cluster grouped by the engine's first grouping, a small one by namespace", () => {
    const keys = [
      { key: "team", namespaces: 480, values: 12 },
      { key: "env", namespaces: 300, values: 3 },
    ];
    expect(openingView({ namespaces: 500, keys })).toBe("groups:team");
    expect(openingView({ namespaces: 30, keys })).toBe("overview");
    expect(openingView({ namespaces: 500, keys: [] })).toBe("overview");
  });

  it("groups a namespace's own workloads by a pod label, opens their groups in place, and keeps the neighbours' grouping", () => {
    const view = "namespace:shop/team;tier";
    expect(viewOfNode("wls:shop/tier=web", view)).toBe("namespace:shop/team;tier/=web");
    expect(viewOfNode("wls:shop/tier=web", "namespace:shop/team;tier/=web")).toBe(view);
    expect(viewOfNode("wls:shop/tier", view)).toBe("namespace:shop/team;tier/-");
    // A neighbour group toggled keeps the workloads' grouping, and the other way round.
    expect(viewOfNode("grp:team=a", "namespace:shop/team;tier/=web")).toBe(
      "namespace:shop/team/=a;tier/=web",
    );
    expect(viewOfNode("grp:team=a", "namespace:shop/team/=a;tier")).toBe(view);
    expect(workloadGroupingOf(view)).toBe("tier");
    expect(workloadGroupingOf("groups:team")).toBeUndefined();
    expect(regroupedWorkloads("namespace:shop/team;tier/=web", "app")).toBe("namespace:shop/team;app");
    expect(regroupedWorkloads(view, undefined)).toBe("namespace:shop/team");
    expect(regroupedWorkloads("groups:team", "app")).toBe("groups:team");
    expect(regroupedView(view, "env")).toBe("namespace:shop/env;tier");
    expect(scopeOf(view, undefined)).toBe(
      "Namespace shop, its workloads grouped by tier, other namespaces grouped by team",
    );
    // A workload to select is drawn: its group opens.
    expect(showing(view, "wl:shop/app=cart,tier=web")).toBe("namespace:shop/team;tier/=web");
    expect(showing(view, "wl:shop/app=cart")).toBe("namespace:shop/team;tier/-");
    expect(showing("namespace:shop/team;tier/=web", "wl:shop/app=cart,tier=web")).toBe(
      "namespace:shop/team;tier/=web",
    );
    expect(showing(view, "wl:other/tier=web")).toBe(view);
    expect(showing("namespace:shop", "wl:shop/tier=web")).toBe("namespace:shop");
  });

  it("opens a namespace of many workloads grouped by the engine's first pod label, a small one as it is", () => {
    const keys = [{ key: "app.kubernetes.io/part-of", workloads: 1500, values: 40 }];
    expect(openedView("namespace:big/team", { workloads: 1667, keys })).toBe(
      "namespace:big/team;app.kubernetes.io%2Fpart-of",
    );
    expect(openedView("namespace:small", { workloads: 12, keys })).toBe("namespace:small");
    expect(openedView("namespace:big", { workloads: 1667, keys: [] })).toBe("namespace:big");
    expect(openedView("namespace:big;tier", { workloads: 1667, keys })).toBe("namespace:big;tier");
    expect(openedView("groups:team", { workloads: 1667, keys })).toBe("groups:team");
  });

  it("finds the namespace of an identity key", () => {
    expect(namespaceOfIdentity("shop/app=web")).toBe("shop");
    expect(namespaceOfIdentity("odd%0Aname%2Fx/app=x")).toBe("odd\nname/x");
  });

  it("gives breadcrumbs from the cluster down to a workload", () => {
    expect(crumbsOf("overview", undefined)).toEqual([{ label: "Cluster", view: "overview" }]);
    expect(crumbsOf("workload:shop/app=web", "shop/web").map((c) => c.label)).toEqual([
      "Cluster",
      "shop",
      "shop/web",
    ]);
    expect(crumbsOf("workload:shop/app=web", "web")[1]!.view).toBe("namespace:shop");
    // In a cluster the page opens grouped, the namespace is offered with its neighbours grouped.
    expect(crumbsOf("workload:shop/app=web", "web", "team")[1]!.view).toBe("namespace:shop/team");
  });

  it("says a view's scope in words", () => {
    expect(scopeOf("overview", undefined)).toBe("Whole cluster by namespace");
    expect(scopeOf("namespace:shop", undefined)).toBe("Namespace shop");
    expect(scopeOf("workload:shop/app=web", "shop/web version=v2")).toBe(
      "Workload shop/web version=v2 in namespace shop",
    );
    expect(scopeOf("workload:shop/tier=db", undefined)).toBe("Workload (gone) in namespace shop");
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
