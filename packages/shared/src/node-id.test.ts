import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeNodeId,
  decodeWorkloadKey,
  encodeNodeId,
  hasControlCharacter,
  type NodeRef,
  namespaceOfNodeId,
  type WorkloadIdentity,
  workloadKey,
} from "./node-id";

// Text with the codec's delimiters, escapes, spaces, control characters and unicode (surrogate
// pairs included) far more often than uniform strings would hold them.
const tricky = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({
    unit: fc.constantFrom(
      ",",
      "=",
      "/",
      "%",
      ";",
      ":",
      " ",
      "\u0001",
      "\u0002",
      "\n",
      "\u007f",
      "\u0085",
      "é",
      "🙂",
      "a",
      "0",
      "%0",
      "%2F",
      "\\",
      '"',
      "[",
      "+",
      "&",
      "#",
    ),
    maxLength: 10,
  }),
  fc.constantFrom("app", "app.kubernetes.io/name", "payments-prod", "v2"),
);
const nonEmpty = tricky.filter((text) => text !== "");

const namedPort = fc.record({
  name: tricky,
  protocol: fc.constantFrom("TCP", "UDP", "SCTP", "T/C,P"),
  port: fc.integer({ min: 0, max: 65535 }),
});

const workload: fc.Arbitrary<WorkloadIdentity> = fc.record({
  namespace: tricky,
  labels: fc.dictionary(tricky, tricky, { maxKeys: 5 }),
  namedPorts: fc.uniqueArray(namedPort, {
    maxLength: 3,
    selector: (p) => JSON.stringify([p.name, p.protocol, p.port]),
  }),
});

const nodeRef: fc.Arbitrary<NodeRef> = fc.oneof(
  fc.record({ kind: fc.constant("namespace" as const), namespace: nonEmpty }),
  fc.record({ kind: fc.constant("workload" as const), workload }),
  fc.record({ kind: fc.constant("pod" as const), namespace: nonEmpty, name: nonEmpty }),
  fc.record({ kind: fc.constant("group" as const), key: nonEmpty, value: fc.option(tricky, { nil: null }) }),
  fc.record({
    kind: fc.constant("workloads" as const),
    namespace: nonEmpty,
    key: nonEmpty,
    value: fc.option(tricky, { nil: null }),
  }),
  fc.constant({ kind: "any" as const }),
  fc.constant({ kind: "outside" as const }),
);

/** Ports in a canonical order: the codec keeps them as a set. */
function canonical(ref: NodeRef): NodeRef {
  if (ref.kind !== "workload") return ref;
  const namedPorts = [...ref.workload.namedPorts].sort((a, b) =>
    JSON.stringify([a.name, a.protocol, a.port]) < JSON.stringify([b.name, b.protocol, b.port]) ? -1 : 1,
  );
  return { kind: "workload", workload: { ...ref.workload, namedPorts } };
}

describe("node ids", () => {
  it("decode what they encode, for any namespace, labels and named ports", () => {
    fc.assert(
      fc.property(nodeRef, (ref) => {
        const id = encodeNodeId(ref);
        const decoded = decodeNodeId(id);
        expect(decoded === undefined ? undefined : canonical(decoded)).toEqual(canonical(ref));
        // Control characters and spaces: never in an id, so never in a URL or on a page.
        expect(hasControlCharacter(id)).toBe(false);
        expect(id).not.toContain(" ");
      }),
      { numRuns: 2000 },
    );
  });

  it("are one id per workload content: label and port order do not matter, any difference does", () => {
    const content = (w: WorkloadIdentity) =>
      JSON.stringify([
        w.namespace,
        Object.entries(w.labels).sort(([x], [y]) => (x < y ? -1 : 1)),
        w.namedPorts.map((p) => JSON.stringify([p.name, p.protocol, p.port])).sort(),
      ]);
    fc.assert(
      fc.property(workload, workload, (a, b) => {
        const reversed: WorkloadIdentity = {
          namespace: a.namespace,
          labels: Object.fromEntries(Object.entries(a.labels).reverse()),
          namedPorts: [...a.namedPorts].reverse(),
        };
        expect(workloadKey(reversed)).toBe(workloadKey(a));
        expect(workloadKey(a) === workloadKey(b)).toBe(content(a) === content(b));
      }),
      { numRuns: 1000 },
    );
  });

  it("read as the names of what they stand for", () => {
    const id = encodeNodeId({
      kind: "workload",
      workload: {
        namespace: "payments-prod",
        labels: { tier: "db", app: "postgres", "app.kubernetes.io/name": "postgres" },
        namedPorts: [{ name: "pg", protocol: "TCP", port: 5432 }],
      },
    });
    expect(id).toBe("wl:payments-prod/app=postgres,app.kubernetes.io/name=postgres,tier=db;pg/TCP/5432");
    expect(encodeNodeId({ kind: "namespace", namespace: "shop" })).toBe("ns:shop");
    expect(encodeNodeId({ kind: "pod", namespace: "shop", name: "api-7d9f-x2" })).toBe(
      "pod:shop/api-7d9f-x2",
    );
    expect(
      encodeNodeId({
        kind: "workload",
        workload: { namespace: "odd", labels: { "a,b": "c=d", "x\u0001": "50%" }, namedPorts: [] },
      }),
    ).toBe("wl:odd/a%2Cb=c%3Dd,x%01=50%25");
    expect(namespaceOfNodeId(id)).toBe("payments-prod");
    expect(namespaceOfNodeId("any")).toBeUndefined();
  });

  it("refuse text that is not an id", () => {
    for (const text of [
      "",
      "id:shop\u0001app\u0002web",
      "wl:shop",
      "wl:shop/app",
      "ns:",
      "pod:shop",
      "ns:%zz",
      "wl:s/a=b;p/TCP/x",
    ])
      expect(decodeNodeId(text)).toBeUndefined();
    expect(decodeWorkloadKey("shop/app=web,=")).toEqual({
      namespace: "shop",
      labels: { app: "web", "": "" },
      namedPorts: [],
    });
  });
});
