import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PostureDiff } from "@trustmap/shared";
import { describe, expect, it } from "vitest";
import { run } from "./main";
import { checkCodeScanningSarif, validateSarif } from "./testing/formats";

const root = join(import.meta.dirname, "..");
const BEFORE = "testdata/diff/before";
const AFTER = "testdata/diff/after";

function cli(args: string[], stdin?: string) {
  let stdout = "";
  let stderr = "";
  const code = run(args, {
    cwd: root,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    ...(stdin === undefined ? {} : { stdin: () => stdin }),
  });
  return { code, stdout, stderr };
}

const summary = (diff: PostureDiff) =>
  diff.changes.map((change) => {
    const fact = (change.after ?? change.before)!;
    const what =
      fact.area === "reach"
        ? `${fact.from} -> ${fact.to} ${change.before?.area === "reach" ? `${change.before.ports} => ` : ""}${fact.ports}`
        : fact.area === "finding"
          ? `${fact.finding.id} ${fact.finding.severity} ${fact.finding.objects[0]}`
          : `${fact.subject} ${fact.scope} ${fact.resource} ${fact.verbs.join(",")}`;
    return `${change.kind} ${change.area} ${what}`;
  });

describe("trustmap diff on hand-worked folders", () => {
  // testdata/diff: shop with web and db, a default-deny for ingress, db admitting web on 5432, and
  // a deployer account that may get and list pods. AFTER widens db's port to 5432-5433, opens web
  // to the internet (0.0.0.0/0 except 10/8) on 443, and lets the deployer read secrets.
  it("lists exactly what the change does: the connections opened and widened, the findings and the right it adds", () => {
    const result = cli(["diff", BEFORE, AFTER]);
    expect(result.code).toBe(0);
    const diff = PostureDiff.parse(JSON.parse(result.stdout));
    expect(summary(diff)).toEqual([
      // The ipBlock rule: 0.0.0.0/0 admitted on web's 443 (high), and the secrets rule (medium).
      "appeared finding policy-rule-open-to-any-address high NetworkPolicy/shop/web-from-internet",
      "appeared finding rbac-read-secrets medium ServiceAccount/shop/deployer",
      // The Role's new rule on secrets in shop, through the RoleBinding.
      "appeared rbac ServiceAccount/shop/deployer shop core/secrets get,list",
      // web's ingress is isolated by the default-deny; its new rule admits outside addresses on 443.
      "appeared reach outside -> shop/web TCP:443",
      // Both sides of web → db allowed 5432 (web's egress is not isolated); now 5432-5433.
      "changed reach shop/web -> shop/db TCP:5432 => TCP:5432-5433",
    ]);
    expect(diff.counts).toEqual({
      "finding.appeared": 2,
      "rbac.appeared": 1,
      "reach.appeared": 1,
      "reach.changed": 1,
    });
    expect(diff.gates).toEqual([]);
    expect(diff.failed).toEqual([]);
    // Why: the three objects the change touches, as the change log names causes.
    expect(diff.causes).toEqual([
      { kind: "NetworkPolicy", name: "shop/db-from-web", change: "edited", fields: ["ingress"] },
      { kind: "NetworkPolicy", name: "shop/web-from-internet", change: "created", fields: [] },
      { kind: "Role", name: "shop/deployer", change: "edited", fields: ["rules"] },
    ]);
  });

  it("exits 1 when a gate asked for trips, and says which changes trip it", () => {
    const gated = cli(["diff", BEFORE, AFTER, "--fail-on", "opened,outside", "--fail-on=finding:high"]);
    expect(gated.code).toBe(1);
    const diff = PostureDiff.parse(JSON.parse(gated.stdout));
    expect(diff.gates).toEqual([
      { gate: "opened", tripped: 2 },
      { gate: "outside", tripped: 1 },
      { gate: "finding:high", tripped: 1 },
    ]);
    expect(diff.failed).toEqual(["opened", "outside", "finding:high"]);
    expect(diff.changes.filter((c) => c.trips.length > 0).map((c) => c.trips)).toEqual([
      ["finding:high"],
      ["opened", "outside"],
      ["opened"],
    ]);
    // No critical finding appears; the medium one is below high.
    expect(cli(["diff", BEFORE, AFTER, "--fail-on", "finding:critical"]).code).toBe(0);
    expect(cli(["diff", BEFORE, AFTER, "--fail-on", "finding:medium"]).code).toBe(1);
    expect(cli(["diff", BEFORE, AFTER, "--fail-on", "risky-rights"]).code).toBe(1);
  });

  it("passes every gate the other way round: what closes, narrows, is resolved or lost trips none", () => {
    const back = cli(["diff", AFTER, BEFORE, "--fail-on", "opened,outside,finding:info,risky-rights"]);
    expect(back.code).toBe(0);
    const diff = PostureDiff.parse(JSON.parse(back.stdout));
    expect(diff.changes.map((c) => c.kind)).toEqual(["went", "went", "went", "went", "changed"]);
    expect(diff.failed).toEqual([]);
    // And a folder against itself: no difference at all.
    const same = PostureDiff.parse(JSON.parse(cli(["diff", BEFORE, BEFORE, "--fail-on", "opened"]).stdout));
    expect(same.changes).toEqual([]);
    expect(same.causes).toEqual([]);
    expect(diff.causes.map((c) => `${c.name} ${c.change}`)).toEqual([
      "shop/db-from-web edited",
      "shop/web-from-internet deleted",
      "shop/deployer edited",
    ]);
  });

  it("reads one side from standard input, and an empty side as an empty cluster", () => {
    const text = ["workloads", "policies", "rbac"]
      .map((file) => readFileSync(join(root, AFTER, `${file}.yaml`), "utf8"))
      .join("\n---\n");
    const piped = cli(["diff", BEFORE, "-", "--fail-on", "outside"], text);
    expect(piped.code).toBe(1);
    expect(PostureDiff.parse(JSON.parse(piped.stdout)).changes).toHaveLength(5);
    const fresh = cli(["diff", "-", BEFORE], "");
    expect(fresh.code).toBe(0);
    expect(fresh.stderr).toContain("note: BEFORE: no Kubernetes object in standard input");
    expect(PostureDiff.parse(JSON.parse(fresh.stdout)).changes.every((c) => c.kind === "appeared")).toBe(
      true,
    );
  });

  it("writes the same for people, with the gates' verdicts", () => {
    const text = cli(["diff", BEFORE, AFTER, "--format", "text", "--fail-on", "outside,finding:critical"]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      "Because of 3 objects changed\n  NetworkPolicy shop/db-from-web edited (ingress)\n  NetworkPolicy shop/web-from-internet created\n  Role shop/deployer edited (rules)\n",
    );
    expect(text.stdout).toContain(
      "Connections opened (1)\n  opened: outside the cluster → shop/web on TCP:443  (trips outside)",
    );
    expect(text.stdout).toContain(
      "ports changed: shop/web → shop/db on TCP:5432-5433; ports TCP:5432 → TCP:5432-5433",
    );
    expect(text.stdout).toContain(
      "  --fail-on outside: FAILED by 1 change\n  --fail-on finding:critical: passed\n",
    );
  });

  it("writes SARIF that code scanning accepts, each result at the manifest of its object", () => {
    const sarif = cli(["diff", BEFORE, AFTER, "--format", "sarif", "--fail-on", "outside,risky-rights"]);
    expect(sarif.code).toBe(1);
    expect(validateSarif(sarif.stdout)).toEqual([]);
    expect(checkCodeScanningSarif(sarif.stdout)).toEqual([]);
    const results = (
      JSON.parse(sarif.stdout) as {
        runs: {
          results: {
            ruleId: string;
            locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
          }[];
        }[];
      }
    ).runs[0]!.results.map((r) => [r.ruleId, r.locations[0]!.physicalLocation.artifactLocation.uri]);
    expect(results).toEqual([
      // The right is granted by the RoleBinding; the path ends at web's Deployment.
      ["trustmap-diff/risky-rights", "testdata/diff/after/rbac.yaml"],
      ["trustmap-diff/outside", "testdata/diff/after/workloads.yaml"],
    ]);
  });

  it("refuses a wrong command line or input with exit 2, naming what is wrong", () => {
    const gate = cli(["diff", BEFORE, AFTER, "--fail-on", "finding:severe"]);
    expect(gate.code).toBe(2);
    expect(gate.stderr).toContain(
      '--fail-on takes opened, outside, finding:SEVERITY (critical, high, medium, low, info) or risky-rights, not "finding:severe"',
    );
    expect(cli(["diff", BEFORE]).stderr).toContain("diff takes two paths, BEFORE and AFTER, not 1");
    expect(cli(["diff", "-", "-"]).stderr).toContain("standard input (-) can be one side of a diff only");
    const bad = cli(["diff", BEFORE, "testdata/bad"]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/error: AFTER: .*testdata\/bad/);
    expect(bad.stderr).toContain("no difference was computed");
  });
});
