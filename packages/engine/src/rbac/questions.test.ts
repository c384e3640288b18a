import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Cluster } from "../objects/model";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { rbacCluster } from "../testing/arbitraries";
import {
  type RefAttributes,
  referenceAuthorize,
  referenceRoleRules,
  referenceUser,
} from "../testing/rbac-reference";
import { RUNS } from "../testing/runs";
import { compareRows, filterRow, matrixRow, type RulesOf } from "./matrix";
import { canI, whoCan } from "./questions";
import { type ResourceQuery, resourceQueryOf } from "./resources";
import { compareRanked } from "./risk";
import type { Subject } from "./subjects";

// Every answer is checked against a brute-force reading of the literal reference authorizer over
// every request of a small universe that holds each name, verb, group and resource a random
// cluster's rules can use, plus ones they never name.

const NAMESPACES = ["ns0", "ns1", "ns2", "ns3"];
const VERBS = ["get", "list", "create", "delete", "escalate", "post", "patch"];
const GROUPS = ["", "apps", "rbac.authorization.k8s.io", "zz.example"];
const RESOURCES: readonly [string, string][] = [
  ["pods", ""],
  ["pods", "exec"],
  ["pods", "status"],
  // The one request a rule's literal "pods/*" grants (the authorizer has no "resource/*" wildcard).
  ["pods", "*"],
  ["secrets", ""],
  ["deployments", ""],
  ["deployments", "scale"],
  ["serviceaccounts", "token"],
  ["zz", ""],
  ["zz", "scale"],
];
const NAMES = ["", "x", "y", "z"];
const PATHS = ["/healthz", "/metrics", "/api/v1", "/api/v1beta", "/apis", "/zz"];

function setup(objects: unknown[]) {
  const { cluster } = parseCluster(
    objects.map((object, i) => ({ source: `doc ${i}`, object: object as never })),
  );
  const state = ClusterState.from(cluster);
  const rulesOf: RulesOf = state.rulesOf;
  const roleRules = referenceRoleRules(cluster);
  const allowed = (subject: Subject, a: RefAttributes) =>
    referenceAuthorize(cluster, roleRules, referenceUser(subject), a);
  return { cluster, state, rulesOf, allowed };
}

const resourceRequest = (
  verb: string,
  namespace: string,
  apiGroup: string,
  resource: string,
  subresource: string,
  name: string,
): RefAttributes => ({
  verb,
  isResourceRequest: true,
  namespace,
  apiGroup,
  resource,
  subresource,
  name,
  path: "",
});
const pathRequest = (verb: string, path: string): RefAttributes => ({
  verb,
  isResourceRequest: false,
  namespace: "",
  apiGroup: "",
  resource: "",
  subresource: "",
  name: "",
  path,
});

/** Every request a target names: its group or every group. */
function requestsOf(verb: string, namespace: string, target: ResourceQuery, name: string): RefAttributes[] {
  if ("url" in target) return [pathRequest(verb, target.url)];
  const groups = target.apiGroup === undefined ? GROUPS : [target.apiGroup];
  return groups.map((g) =>
    resourceRequest(verb, namespace, g, target.resource, target.subresource ?? "", name),
  );
}

const target: fc.Arbitrary<ResourceQuery> = fc.oneof(
  fc.record(
    {
      apiGroup: fc.constantFrom(...GROUPS),
      resource: fc.constantFrom(...RESOURCES.map(([r]) => r)),
      subresource: fc.constantFrom("exec", "scale", "token", "status"),
    },
    { requiredKeys: ["resource"] },
  ),
  fc.record({ url: fc.constantFrom(...PATHS) }),
);

const question = fc.record(
  {
    verb: fc.constantFrom(...VERBS),
    target,
    name: fc.constantFrom("x", "y", "z"),
    namespace: fc.constantFrom(...NAMESPACES),
  },
  { requiredKeys: ["verb", "target"] },
);

describe("who can", () => {
  it("lists exactly the subjects the reference authorizer allows, with the names they are limited to", () => {
    let answered = 0;
    fc.assert(
      fc.property(rbacCluster, fc.array(question, { minLength: 30, maxLength: 30 }), (objects, questions) => {
        const { state, rulesOf, allowed } = setup(objects);
        for (const q of questions) {
          const answer = whoCan(state.rbac(), q, rulesOf);
          const engine = new Map(answer.map((e) => [e.ref, e.onlyNames?.join(",") ?? "all"]));
          const reference = new Map<string, string>();
          for (const { subject } of state.rbac()) {
            const may = (name: string) =>
              requestsOf(q.verb, q.namespace ?? "", q.target, name).some((a) => allowed(subject, a));
            const ref = matrixRow({ subject, grants: [] }).ref;
            if ("url" in q.target || q.name !== undefined) {
              if (may(q.name ?? "")) reference.set(ref, "all");
            } else if (may("")) reference.set(ref, "all");
            else {
              const names = NAMES.filter((n) => n !== "" && may(n));
              if (names.length > 0) reference.set(ref, names.join(","));
            }
          }
          expect(engine).toEqual(reference);
          answered += answer.length;
          // Ranked as every list of subjects is, and each grant listed is one the subject holds.
          expect([...answer].sort(compareRanked)).toEqual(answer);
          for (const entry of answer) expect(entry.grants.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
    expect(answered).toBeGreaterThan(0);
  });
});

describe("can-i --list", () => {
  it("lists rules that allow exactly what the reference authorizer allows the subject, in the namespace or everywhere", () => {
    fc.assert(
      fc.property(
        rbacCluster,
        fc.nat(),
        fc.option(fc.constantFrom(...NAMESPACES), { nil: undefined }),
        (objects, pick, namespace) => {
          const { state, rulesOf, allowed } = setup(objects);
          const subjects = state.rbac();
          if (subjects.length === 0) return;
          const rights = subjects[pick % subjects.length]!;
          const answer = canI(rights, namespace, rulesOf);
          const listedAllows = (a: RefAttributes) =>
            answer.rules.some(
              (r) =>
                (a.isResourceRequest
                  ? r.namespace === "*" || r.namespace === a.namespace
                  : r.namespace === "*") && ruleAllowsListed(r, a),
            );
          for (const ns of namespace === undefined ? ["", ...NAMESPACES] : [namespace])
            for (const verb of VERBS)
              for (const g of GROUPS)
                for (const [resource, sub] of RESOURCES)
                  for (const name of NAMES) {
                    const a = resourceRequest(verb, ns, g, resource, sub, name);
                    expect(listedAllows(a)).toBe(allowed(rights.subject, a));
                  }
          for (const verb of VERBS)
            for (const path of PATHS) {
              const a = pathRequest(verb, path);
              expect(listedAllows(a)).toBe(allowed(rights.subject, a));
            }
        },
      ),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });
});

/** A listed rule read by the reference's RuleAllows, through a one-binding cluster. */
function ruleAllowsListed(
  r: {
    verbs: readonly string[];
    apiGroups: readonly string[];
    resources: readonly string[];
    resourceNames: readonly string[];
    nonResourceURLs: readonly string[];
  },
  a: RefAttributes,
): boolean {
  const rule = {
    verbs: [...r.verbs],
    apiGroups: [...r.apiGroups],
    resources: [...r.resources],
    resourceNames: [...r.resourceNames],
    nonResourceURLs: [...r.nonResourceURLs],
  };
  const role = { kind: "ClusterRole", name: "r", labels: {}, rules: [rule] };
  const cluster = {
    roles: [role],
    bindings: [
      {
        kind: "ClusterRoleBinding",
        name: "b",
        roleRef: { kind: "ClusterRole", name: "r" },
        subjects: [{ kind: "User", name: "u" }],
      },
    ],
  } as unknown as Cluster;
  return referenceAuthorize(
    cluster,
    new Map([[role as never, [rule]]]),
    { name: "u", groups: [] },
    {
      ...a,
      namespace: a.isResourceRequest ? a.namespace : "",
    },
  );
}

const FILTER_RESOURCES = [
  "secrets",
  "core/secrets",
  "pods",
  "pods/exec",
  "pods/status",
  "deployments",
  "apps/deployments",
  "deployments/scale",
  "zz",
  "zz.example/zz/scale",
  "/healthz",
  "/api/v1",
  "/zz",
];

describe("the matrix filters", () => {
  it("list exactly the subjects the reference authorizer allows something asked, and rank them as one", () => {
    let listed = 0;
    fc.assert(
      fc.property(
        rbacCluster,
        fc.array(
          fc.record(
            {
              subjectKind: fc.constantFrom("ServiceAccount" as const, "User" as const, "Group" as const),
              namespace: fc.constantFrom(...NAMESPACES),
              resource: fc.constantFrom(...FILTER_RESOURCES),
              verb: fc.constantFrom(...VERBS),
            },
            { requiredKeys: [] },
          ),
          { minLength: 10, maxLength: 10 },
        ),
        (objects, queries) => {
          const { state, rulesOf, allowed } = setup(objects);
          const rows = state
            .rbac()
            .map((rights) => matrixRow(rights, rulesOf))
            .sort(compareRows);
          for (const query of queries) {
            const shown = rows.flatMap((row) => filterRow(row, query) ?? []);
            const reference: string[] = [];
            for (const row of rows) {
              if (query.subjectKind !== undefined && row.subject.kind !== query.subjectKind) continue;
              const cellFilters =
                query.namespace !== undefined || query.resource !== undefined || query.verb !== undefined;
              const namespaces = query.namespace === undefined ? ["", ...NAMESPACES] : [query.namespace];
              const verbs = query.verb === undefined ? VERBS : [query.verb];
              const targets: ResourceQuery[] =
                query.resource === undefined
                  ? [
                      ...RESOURCES.map(([resource, sub]) => ({ resource, subresource: sub })),
                      ...PATHS.map((url) => ({ url })),
                    ].map((t) => ("url" in t ? t : t.subresource === "" ? { resource: t.resource } : t))
                  : [resourceQueryOf(query.resource)];
              const may = targets.some((t) =>
                namespaces.some((ns) =>
                  verbs.some((verb) =>
                    NAMES.some((name) => requestsOf(verb, ns, t, name).some((a) => allowed(row.subject, a))),
                  ),
                ),
              );
              if (!cellFilters || may) reference.push(row.ref);
            }
            expect(shown.map((r) => r.ref)).toEqual(reference);
            listed += shown.length;
            // The one order: worst, cluster-wide, name (the filter keeps each row's worst).
            for (const row of shown) expect(row.worst).toBe(rows.find((r) => r.ref === row.ref)!.worst);
          }
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
    expect(listed).toBeGreaterThan(0);
  });
});
