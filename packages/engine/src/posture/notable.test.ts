import type { PostureFact } from "@trustmap/shared";
import { describe, expect, it } from "vitest";
import { notableReasons } from "./notable";

const right = (verbs: string[], scope = "*", resource = "*/*"): PostureFact => ({
  area: "rbac",
  subject: "User/alice",
  scope,
  resource,
  verbs,
  resourceNames: [],
  risks: [],
  via: ["ClusterRoleBinding/ops → ClusterRole/cluster-admin"],
  namespaces: [],
});
const reach = (from: string, ports: string): PostureFact => ({
  area: "reach",
  from,
  to: "shop/web",
  ports,
  namespaces: ["shop"],
});
const finding = (severity: "critical" | "high", id = "some-check"): PostureFact => ({
  area: "finding",
  finding: {
    id,
    pillar: "least-privilege",
    severity,
    objects: ["Namespace/shop"],
    message: "m",
    remediation: "r",
    controls: [],
  },
  namespaces: ["shop"],
});

describe("notable changes", () => {
  it("a critical finding that appears, or becomes critical", () => {
    expect(notableReasons({ key: "k", after: finding("critical") })).toEqual(["critical-finding"]);
    expect(notableReasons({ key: "k", before: finding("high"), after: finding("critical") })).toEqual([
      "critical-finding",
    ]);
    expect(notableReasons({ key: "k", before: finding("critical"), after: finding("critical") })).toEqual([]);
    expect(notableReasons({ key: "k", after: finding("high") })).toEqual([]);
    expect(notableReasons({ key: "k", before: finding("critical") })).toEqual([]);
  });
  it("a path from outside the cluster that appears or changes ports; not one from any pod", () => {
    expect(notableReasons({ key: "k", after: reach("outside", "TCP:443") })).toEqual(["path-from-outside"]);
    expect(
      notableReasons({
        key: "k",
        before: reach("outside", "TCP:443"),
        after: reach("outside", "TCP:1-65535"),
      }),
    ).toEqual(["path-from-outside"]);
    expect(notableReasons({ key: "k", after: reach("*", "TCP:443") })).toEqual([]);
    expect(notableReasons({ key: "k", before: reach("outside", "TCP:443") })).toEqual([]);
  });
  it("a new cluster-admin: every verb on every resource cluster-wide, or a cluster-admin binding", () => {
    expect(notableReasons({ key: "k", after: right(["*"]) })).toEqual(["cluster-admin"]);
    expect(notableReasons({ key: "k", before: right(["get"]), after: right(["*"]) })).toEqual([
      "cluster-admin",
    ]);
    expect(notableReasons({ key: "k", after: right(["*"], "shop") })).toEqual([]);
    expect(notableReasons({ key: "k", after: right(["*"], "*", "core/pods") })).toEqual([]);
    expect(notableReasons({ key: "k", after: finding("critical", "rbac-cluster-admin-binding") })).toEqual([
      "critical-finding",
      "cluster-admin",
    ]);
  });
});
