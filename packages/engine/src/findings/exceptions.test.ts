import type { Finding } from "@trustmap/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { networkCluster, rbacCluster } from "../testing/arbitraries";
import { RUNS } from "../testing/runs";
import { type AcceptedException, readExceptions } from "./exceptions";
import { exposureFactor, fixFirst, SEVERITY_WEIGHT } from "./fix-first";
import { gapsAnswer, judgeFindings } from "./gaps";
import { indexFindings } from "./groups";

const DAY = 24 * 60 * 60 * 1000;
const key = (f: Finding) => `${f.id}|${f.objects.join(",")}|${f.message}`;

function stateOf(objects: Record<string, unknown>[]): ClusterState {
  return ClusterState.from(
    parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object }))).cluster,
  );
}

/** The literal reading: the glob as a list of characters, tried at every split. */
function literalGlob(glob: string, text: string): boolean {
  if (glob === "") return text === "";
  if (glob[0] === "*") {
    for (let i = 0; i <= text.length; i++) if (literalGlob(glob.slice(1), text.slice(i))) return true;
    return false;
  }
  if (text === "") return false;
  return (glob[0] === "?" || glob[0] === text[0]) && literalGlob(glob.slice(1), text.slice(1));
}

const exceptionArb = fc.record({
  check: fc.constantFrom(
    "privileged-container",
    "image-mutable-tag",
    "automount-service-account-token",
    "namespace-no-default-deny-ingress",
    "rbac-read-secrets",
  ),
  match: fc.record(
    {
      namespace: fc.constantFrom("*", "default", "team-*", "kube-?ystem", "a"),
      kind: fc.constantFrom("Pod", "Deployment", "Namespace", "ServiceAccount"),
      name: fc.constantFrom("*", "web*", "?", "api", "default"),
    },
    { requiredKeys: [] },
  ),
  reason: fc.constant("reviewed"),
  owner: fc.constant("team"),
  expires: fc.constantFrom("2026-01-31", "2026-02-01", "2099-12-31"),
});

describe("accepted exceptions", () => {
  it("accept exactly the findings a literal reading covers, up to and including the expiry day", () => {
    fc.assert(
      fc.property(
        networkCluster,
        rbacCluster,
        fc.array(exceptionArb, { maxLength: 4 }),
        fc.integer({ min: Date.parse("2026-01-30T00:00:00Z"), max: Date.parse("2026-02-03T00:00:00Z") }),
        (network, rbac, entries, now) => {
          const read = readExceptions({ exceptions: entries.filter((e) => Object.keys(e.match).length > 0) });
          if (!read.ok) throw new Error(JSON.stringify(read.errors));
          const state = stateOf([...network, ...rbac]);
          const located = state.located();
          const judged = judgeFindings(indexFindings(located), {}, read.exceptions, now);
          // Literal: a finding is accepted when an entry of its check, not past the end of its
          // expiry day, matches its workload or an evidence object field by field.
          const covers = (e: AcceptedException, f: Finding, pod: (typeof located)[number]["pod"]) => {
            if (e.check !== f.id) return false;
            const objects = f.objects.map((ref) => {
              const parts = ref.split("/");
              if (parts[0] === "Namespace")
                return { kind: "Namespace", namespace: parts[1], name: parts[1]! };
              return parts.length >= 3
                ? { kind: parts[0]!, namespace: parts[1], name: parts.slice(2).join("/") }
                : { kind: parts[0]!, namespace: undefined, name: parts.slice(1).join("/") };
            });
            if (pod !== undefined)
              objects.push({ kind: pod.owner.kind, namespace: pod.owner.namespace, name: pod.owner.name });
            return objects.some(
              (o) =>
                (e.match.namespace === undefined ||
                  (o.namespace !== undefined && literalGlob(e.match.namespace, o.namespace))) &&
                (e.match.kind === undefined || e.match.kind === o.kind) &&
                (e.match.name === undefined || literalGlob(e.match.name, o.name)),
            );
          };
          const holds = (e: AcceptedException) => now < new Date(`${e.expires}T00:00:00Z`).getTime() + DAY;
          const expected = located.filter(({ finding, pod }) =>
            read.exceptions.some((e) => holds(e) && covers(e, finding, pod)),
          );
          expect(judged.accepted.map((a) => key(a.located.finding)).sort()).toEqual(
            expected.map((l) => key(l.finding)).sort(),
          );
          expect(judged.open.length + judged.accepted.length).toBe(located.length);
          const lapsed = located.filter(
            ({ finding, pod }) =>
              !read.exceptions.some((e) => holds(e) && covers(e, finding, pod)) &&
              read.exceptions.some((e) => !holds(e) && covers(e, finding, pod)),
          );
          expect(judged.expired).toBe(lapsed.length);
        },
      ),
      { numRuns: Math.min(RUNS, 100) },
    );
  });

  it("name the entry and field of a bad file", () => {
    const result = readExceptions({
      exceptions: [
        { check: "host-pid", match: { kind: "Pod" }, reason: "r", owner: "o", expires: "2026-02-30" },
        { check: "hostpid", match: { kind: "Pod" }, reason: "r", owner: "o", expires: "2026-02-28" },
        { check: "", match: { colour: "red" }, reason: "r", owner: "o", expires: "2026-01-01" },
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { entry: 0, field: "expires", message: 'expected a date YYYY-MM-DD, not "2026-02-30"' },
      {
        entry: 1,
        field: "check",
        message: 'no check named "hostpid" (the findings\' ids, e.g. "privileged-container")',
      },
      { entry: 2, field: "check", message: "expected a non-empty string" },
      { entry: 2, field: "match.colour", message: "unknown field" },
      { entry: 2, field: "match.", message: "name at least one of namespace, kind, name, labels" },
    ]);
  });
});

describe("fix first", () => {
  it("ranks by the stated score, and its entries hold every open finding once", () => {
    fc.assert(
      fc.property(networkCluster, rbacCluster, (network, rbac) => {
        const state = stateOf([...network, ...rbac]);
        const open = judgeFindings(indexFindings(state.located()), {}, [], 0).open;
        const ranked = fixFirst(state, open);
        for (const entry of ranked) {
          let worst = 4;
          for (const f of entry.findings)
            worst = Math.min(worst, ["critical", "high", "medium", "low", "info"].indexOf(f.severity));
          const severity = (["critical", "high", "medium", "low", "info"] as const)[worst]!;
          expect(entry.severity).toBe(severity);
          const flags = [
            entry.exposure.outside,
            entry.exposure.anyNamespace,
            entry.exposure.privileged,
            entry.exposure.riskyToken,
          ];
          expect(entry.score).toBe(SEVERITY_WEIGHT[severity] * (1 + flags.filter(Boolean).length));
          expect(exposureFactor(entry.exposure)).toBe(1 + flags.filter(Boolean).length);
        }
        for (let i = 1; i < ranked.length; i++)
          expect(ranked[i - 1]!.score).toBeGreaterThanOrEqual(ranked[i]!.score);
        const keys = ranked.flatMap((e) => e.findings.map(key));
        expect(keys.sort()).toEqual(open.map((l) => key(l.finding)).sort());
        const answer = gapsAnswer(state, {
          query: {
            groupOffset: 0,
            groupLimit: 1,
            offset: 0,
            limit: 1,
            fixOffset: 0,
            fixLimit: 500,
            acceptedOffset: 0,
            acceptedLimit: 1,
          },
          exceptions: [],
          now: 0,
        });
        expect(answer.fixFirst.total).toBe(ranked.length);
      }),
      { numRuns: Math.min(RUNS, 60) },
    );
  });

  it("scores a privileged workload whose pods mount a token with risky rights higher", () => {
    const pod = (name: string, privileged: boolean) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { namespace: "shop", name, labels: { app: name } },
      spec: {
        serviceAccountName: name,
        containers: [{ name: "c", image: "x:latest", securityContext: { privileged } }],
      },
    });
    const state = stateOf([
      pod("cni", true),
      pod("web", false),
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { namespace: "shop", name: "cni" } },
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { namespace: "shop", name: "web" } },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "cluster-admin" },
        rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "cni-admin" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
        subjects: [{ kind: "ServiceAccount", namespace: "shop", name: "cni" }],
      },
    ]);
    const ranked = fixFirst(state, judgeFindings(indexFindings(state.located()), {}, [], 0).open);
    const cni = ranked.find((e) => e.name === "shop/cni" && e.kind === "workload")!;
    const web = ranked.find((e) => e.name === "shop/web" && e.kind === "workload")!;
    // No NetworkPolicy: both are reachable from outside and from any namespace.
    expect(cni.exposure).toEqual({ outside: true, anyNamespace: true, privileged: true, riskyToken: true });
    expect(web.exposure).toEqual({ outside: true, anyNamespace: true, privileged: false, riskyToken: false });
    expect(cni.score).toBe(SEVERITY_WEIGHT[cni.severity] * 5);
    expect(ranked.indexOf(cni)).toBeLessThan(ranked.indexOf(web));
  });
});
