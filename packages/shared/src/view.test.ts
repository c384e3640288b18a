import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseViewKey, type ViewRef, viewKey } from "./view";

// Label keys and values with the key's delimiters, escapes and control characters.
const text = fc.string({
  unit: fc.constantFrom("a", "/", ",", "=", "%", "-", " ", "\n", "é"),
  minLength: 1,
  maxLength: 6,
});
const grouping = fc.record(
  { groupBy: text, open: fc.uniqueArray(fc.option(text, { nil: null }), { minLength: 1, maxLength: 3 }) },
  { requiredKeys: ["groupBy"] },
);
// Namespace names are DNS-1123 labels: never a slash.
const namespace = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
const ref: fc.Arbitrary<ViewRef> = fc.oneof(
  fc.constant<ViewRef>({ kind: "overview" }),
  grouping.map((g): ViewRef => ({ kind: "overview", ...g })),
  namespace.map((n): ViewRef => ({ kind: "namespace", namespace: n })),
  fc.tuple(namespace, grouping).map(([n, g]): ViewRef => ({ kind: "namespace", namespace: n, ...g })),
  fc.tuple(namespace, fc.option(grouping, { nil: undefined }), grouping).map(
    ([n, g, w]): ViewRef => ({
      kind: "namespace",
      namespace: n,
      ...g,
      workloadsBy: w.groupBy,
      ...(w.open === undefined ? {} : { openWorkloads: w.open }),
    }),
  ),
);

/** The reference with its opened groups as a set: a key names them in one order. */
function normal(view: ViewRef): unknown {
  const set = (open: readonly (string | null)[]) =>
    [...new Set(open)].sort((a, b) => String(a).localeCompare(String(b)));
  if (view.kind === "workload") return view;
  return {
    ...view,
    ...(view.open === undefined ? {} : { open: set(view.open) }),
    ...(view.kind === "namespace" && view.openWorkloads !== undefined
      ? { openWorkloads: set(view.openWorkloads) }
      : {}),
  };
}

describe("view keys", () => {
  it("read back what they write, groupings of a namespace's neighbours included", () => {
    fc.assert(
      fc.property(ref, (view) => {
        const key = viewKey(view);
        expect(normal(parseViewKey(key)!)).toEqual(normal(view));
        // One key per view: the same groups opened in another order write the same key.
        if (view.kind !== "workload" && view.open !== undefined)
          expect(viewKey({ ...view, open: [...view.open].reverse() })).toBe(key);
      }),
    );
  });

  it("group a namespace's neighbours after a slash, and refuse what they cannot read", () => {
    expect(
      viewKey({ kind: "namespace", namespace: "kube-system", groupBy: "team", open: ["shop", null] }),
    ).toBe("namespace:kube-system/team/-,=shop");
    expect(parseViewKey("namespace:kube-system")).toEqual({ kind: "namespace", namespace: "kube-system" });
    expect(parseViewKey("namespace:kube-system/app.kubernetes.io%2Fpart-of")).toEqual({
      kind: "namespace",
      namespace: "kube-system",
      groupBy: "app.kubernetes.io/part-of",
    });
    // The namespace's own workloads, grouped by a pod label, after a semicolon.
    expect(
      viewKey({
        kind: "namespace",
        namespace: "shop",
        workloadsBy: "app.kubernetes.io/part-of",
        openWorkloads: ["cart"],
      }),
    ).toBe("namespace:shop;app.kubernetes.io%2Fpart-of/=cart");
    expect(parseViewKey("namespace:shop/team;tier")).toEqual({
      kind: "namespace",
      namespace: "shop",
      groupBy: "team",
      workloadsBy: "tier",
    });
    for (const bad of [
      "namespace:/team",
      "namespace:;tier",
      "namespace:shop;",
      "namespace:shop;tier/x",
      "namespace:kube-system/",
      "namespace:kube-system/team/x",
      "namespace:a/%zz",
    ])
      expect(parseViewKey(bad)).toBeUndefined();
  });
});
