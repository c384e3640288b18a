import type { PostureFact } from "@trustmap/shared";
import { describe, expect, it } from "vitest";
import { ClusterState, type WatchEvent } from "../state/cluster-state";
import { differencesOf } from "../testing/compare";
import { netpol, ns, parsed, pod } from "../testing/objects";
import { GroupedView } from "../views/grouped";
import { NamespaceView, OverviewView, type View, WorkloadView } from "../views/views";
import { PostureLedger } from "./ledger";
import { overlayOf } from "./overlay";

// shop: web may reach db on TCP 5432, nothing else (default-deny both ways); bank: api, open.
const cluster = () =>
  parsed(
    ns("shop", { team: "a" }),
    ns("bank", { team: "b" }),
    pod("shop", "web", { app: "web" }),
    pod("shop", "db", { app: "db" }),
    pod("bank", "api", { app: "api" }),
    netpol("shop", "deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
    netpol("shop", "db-from-web", {
      podSelector: { matchLabels: { app: "db" } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: 5432 }] }],
    }),
    netpol("shop", "web-to-db", {
      podSelector: { matchLabels: { app: "web" } },
      policyTypes: ["Egress"],
      egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }],
    }),
  );

function compared(events: (state: ClusterState) => WatchEvent[], view: (state: ClusterState) => View) {
  const state = ClusterState.from(cluster());
  const ledger = new PostureLedger(state);
  ledger.build();
  const then = new Map<string, PostureFact>(ledger.current);
  ledger.update(state.applyAll(events(state)));
  const drawn = view(state);
  const snapshot = drawn.snapshot();
  const overlay = overlayOf({
    state,
    view: drawn,
    current: ledger.current.values(),
    differences: differencesOf(then, ledger.current),
  });
  return { overlay, snapshot, state };
}

const summary = (edges: readonly { id: string; status: string }[]) => edges.map((e) => `${e.status} ${e.id}`);

const deleted = (state: ClusterState, kind: "Pod" | "NetworkPolicy", key: string): WatchEvent => {
  const object =
    kind === "Pod"
      ? state.cluster().pods.find((p) => `${p.namespace}/${p.name}` === key)!
      : state.cluster().networkPolicies.find((p) => `${p.namespace}/${p.name}` === key)!;
  return { type: "DELETED", kind, object } as WatchEvent;
};

describe("the graph compared with a moment, by hand", () => {
  it("a workload deleted: its edge closes, drawn to a node that stands for it as it was", () => {
    const { overlay } = compared(
      (state) => [deleted(state, "Pod", "shop/web")],
      (state) => new NamespaceView(state, "shop"),
    );
    const closed = overlay.edges.find((edge) => edge.status === "closed")!;
    expect(closed.source).toBe("was:shop%2Fweb");
    expect(closed.target).toBe("wl:shop/app=db");
    expect(closed.closed).toBe(1);
    expect(closed.entries[0]?.before).toMatchObject({ from: "shop/web", to: "shop/db", ports: "TCP:5432" });
    expect(overlay.nodes).toEqual([
      { id: "was:shop%2Fweb", kind: "identity", label: "shop/web", namespace: "shop" },
    ]);
  });

  it("the default-deny deleted: the edges it kept closed open, and the one that held changes ports", () => {
    const { overlay } = compared(
      (state) => [deleted(state, "NetworkPolicy", "shop/deny")],
      (state) => new NamespaceView(state, "shop"),
    );
    const statuses = summary(overlay.edges);
    // db still isolated for ingress (its own policy), so web→db changes nothing; db's egress opens.
    expect(statuses).toContain("opened wl:shop/app=db->any");
    expect(statuses).toContain("opened wl:shop/app=db->outside");
    expect(statuses).toContain("opened any->wl:shop/app=web");
    expect(statuses.every((s) => s.startsWith("opened"))).toBe(true);
  });

  it("on the cluster's view the same change is one edge per namespace pair; grouped, one per group", () => {
    const deny = (state: ClusterState) => [deleted(state, "NetworkPolicy", "shop/deny")];
    const overview = compared(deny, (state) => new OverviewView(state)).overlay;
    expect(summary(overview.edges)).toContain("opened any->ns:shop");
    const grouped = compared(
      deny,
      (state) => new GroupedView(state, { namespaces: { by: "team", open: [] } }),
    ).overlay;
    expect(summary(grouped.edges)).toContain("opened any->grp:team=a");
    expect(grouped.edges.every((edge) => !edge.id.includes("ns:shop"))).toBe(true);
  });

  it("a namespace whose pods all went: its own edge on the cluster's view closes", () => {
    const { overlay, snapshot } = compared(
      (state) => [deleted(state, "Pod", "shop/web"), deleted(state, "Pod", "shop/db")],
      (state) => new OverviewView(state),
    );
    expect(snapshot.nodes.some((node) => node.id === "ns:shop")).toBe(true);
    expect(summary(overlay.edges)).toContain("closed ns:shop->ns:shop");
  });

  it("a workload's view of its pods is not drawn: connections are kept between workloads", () => {
    const { overlay } = compared(
      (state) => [deleted(state, "NetworkPolicy", "shop/deny")],
      (state) => new WorkloadView(state, [...state.identitiesIn("shop")][0]!.key),
    );
    expect(overlay).toEqual({
      drawn: false,
      placed: 0,
      counts: { opened: 0, closed: 0, changed: 0 },
      edges: [],
      nodes: [],
    });
  });
});
