import { rightKey } from "@trustmap/engine";
import { type CompareEntry, MatrixPage, type RightFact } from "@trustmap/shared";
import { describe, expect, it } from "vitest";
import { markMatrix } from "./marks";

function right(subject: string, scope: string, resource: string, verbs: string[]): RightFact {
  return {
    area: "rbac",
    subject,
    scope,
    resource,
    verbs,
    resourceNames: [],
    risks: [],
    via: ["RoleBinding/shop/b → Role/shop/r"],
    namespaces: ["shop"],
  };
}

function entry(before: RightFact | undefined, after: RightFact | undefined): CompareEntry {
  const fact = (after ?? before)!;
  return {
    area: "rbac",
    kind: before === undefined ? "appeared" : after === undefined ? "went" : "changed",
    key: rightKey(fact.subject, fact.scope, fact.resource),
    namespaces: fact.namespaces,
    ...(before === undefined ? {} : { before }),
    ...(after === undefined ? {} : { after }),
    causes: [],
    unwatched: false,
    at: "2026-12-01T00:00:00.000Z",
  };
}

const cell = (scope: string, resource: string, verbs: string[]) => ({
  scope,
  resource,
  verbs,
  risks: [],
  namedOnly: false,
  resourceNames: [],
  grants: [],
});

const page: MatrixPage = {
  total: 2,
  offset: 0,
  limit: 100,
  rows: [
    {
      subject: { kind: "ServiceAccount", name: "web", namespace: "shop" },
      ref: "ServiceAccount/shop/web",
      cells: [
        cell("shop", "core/pods", ["get", "list"]),
        cell("shop", "core/secrets", ["get"]),
        cell("*", "core/nodes", ["get"]),
      ],
      riskyCells: 0,
      clusterWide: true,
    },
    {
      subject: { kind: "User", name: "alice" },
      ref: "User/alice",
      cells: [cell("shop", "core/pods", ["get"])],
      riskyCells: 0,
      clusterWide: false,
    },
  ],
};

describe("the matrix compared with a moment", () => {
  it("marks the cells gained and changed, lists the rights lost, and leaves the rest as the engine gave them", () => {
    const web = "ServiceAccount/shop/web";
    const marked = markMatrix(page, [
      entry(undefined, right(web, "shop", "core/secrets", ["get"])),
      entry(right(web, "shop", "core/pods", ["get"]), right(web, "shop", "core/pods", ["get", "list"])),
      entry(right(web, "shop", "apps/deployments", ["patch"]), undefined),
      // Another subject's: not this page's rows.
      entry(right("User/bob", "shop", "core/pods", ["get"]), undefined),
    ]);
    const [row, alice] = marked.rows;
    expect(row!.cells.map((c) => c.since)).toEqual([
      { change: "changed", verbsBefore: ["get"] },
      { change: "gained" },
      undefined,
    ]);
    expect(row!.lost).toEqual([
      {
        scope: "shop",
        resource: "apps/deployments",
        verbs: ["patch"],
        via: ["RoleBinding/shop/b → Role/shop/r"],
      },
    ]);
    expect(alice!.cells[0]!.since).toBeUndefined();
    expect(alice!.lost).toEqual([]);
    // The engine's answer is otherwise untouched.
    expect(marked.rows.map((r) => r.cells.map((c) => c.verbs))).toEqual(
      page.rows.map((r) => r.cells.map((c) => c.verbs)),
    );
    // And what the page reads is the wire's shape.
    expect(MatrixPage.parse(marked)).toEqual(marked);
  });
});
