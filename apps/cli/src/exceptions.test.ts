import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Report } from "@trustmap/shared";
import { describe, expect, it } from "vitest";
import { run } from "./main";
import { validateSarif } from "./testing/formats";

const root = join(import.meta.dirname, "..");

function cli(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = run(args, { cwd: root, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** An exceptions file accepting one finding's check on its first evidence object, until `expires`. */
function exceptionsFor(finding: Report["findings"][number], expires: string): string {
  const [kind, namespace, ...name] = finding.objects[0]!.split("/");
  const match = name.length > 0 ? { kind, namespace, name: name.join("/") } : { kind, name: namespace };
  const dir = mkdtempSync(join(tmpdir(), "trustmap-exceptions-"));
  const file = join(dir, "exceptions.yaml");
  writeFileSync(
    file,
    JSON.stringify({
      exceptions: [{ check: finding.id, match, reason: "reviewed: needed", owner: "team-a", expires }],
    }),
  );
  return file;
}

const key = (f: Report["findings"][number]) => `${f.id}|${f.objects.join(",")}|${f.message}`;

describe("trustmap analyze --exceptions", () => {
  const plain = Report.parse(JSON.parse(cli("analyze", "testdata/shop").stdout));
  const target = plain.findings[0]!;

  it("lists accepted findings apart with their reason, and an expired exception's findings as findings", () => {
    const accepted = Report.parse(
      JSON.parse(cli("analyze", "testdata/shop", "--exceptions", exceptionsFor(target, "2099-12-31")).stdout),
    );
    expect(accepted.accepted!.map((a) => key(a.finding))).toContain(key(target));
    expect(accepted.findings.map(key)).not.toContain(key(target));
    expect(accepted.findings.length + accepted.accepted!.length).toBe(plain.findings.length);
    expect(accepted.accepted![0]!.exception).toMatchObject({ reason: "reviewed: needed", owner: "team-a" });

    const expired = Report.parse(
      JSON.parse(cli("analyze", "testdata/shop", "--exceptions", exceptionsFor(target, "2001-01-01")).stdout),
    );
    expect(expired.accepted).toEqual([]);
    expect(expired.findings.map(key)).toEqual(plain.findings.map(key));
  });

  it("marks accepted results as suppressed in SARIF, with the justification", () => {
    const file = exceptionsFor(target, "2099-12-31");
    const text = cli("analyze", "testdata/shop", "--format", "sarif", "--exceptions", file).stdout;
    expect(validateSarif(text)).toEqual([]);
    const sarif = JSON.parse(text);
    const suppressed = sarif.runs[0].results.filter((r: { suppressions?: unknown[] }) => r.suppressions);
    expect(suppressed.length).toBeGreaterThan(0);
    expect(suppressed[0].suppressions).toEqual([
      {
        kind: "external",
        status: "accepted",
        justification: "reviewed: needed (owner team-a, until 2099-12-31)",
      },
    ]);
    expect(sarif.runs[0].results.length).toBe(plain.findings.length);
  });

  it("stops with exit 2 naming the file, entry and field of a bad exceptions file", () => {
    const dir = mkdtempSync(join(tmpdir(), "trustmap-exceptions-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(
      file,
      "exceptions:\n  - check: x\n    match: {}\n    reason: r\n    owner: o\n    expires: 2026-01-01\n",
    );
    const result = cli("analyze", "testdata/shop", "--exceptions", file);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      `${file}: entry 1, field match.: name at least one of namespace, kind, name, labels`,
    );
  });
});
