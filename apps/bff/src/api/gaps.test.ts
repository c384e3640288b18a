import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type AcceptedException, type Cluster, ClusterState } from "@trustmap/engine";
import {
  ClusterInfo,
  EvidenceReport,
  encodeNodeId,
  FindingsPage,
  GapsAnswer,
  NamespaceList,
  NodeDetails,
  viewKey,
} from "@trustmap/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadExceptions, watchExceptions } from "../exceptions/file";
import { silentLogger } from "../log";
import { type RunningServer, startServer } from "../server";
import { DemoSource } from "../sources/demo";
import { SHOP, serveObjects } from "../testing/serve";

const here = path.dirname(fileURLToPath(import.meta.url));
const DEMO_EXCEPTIONS = path.resolve(here, "../../demo/exceptions.yaml");

let server: RunningServer;
const get = async (url: string) => {
  const response = await fetch(new URL(url, server.url));
  return { status: response.status, body: (await response.json()) as unknown };
};

beforeAll(async () => {
  const loaded = loadExceptions(DEMO_EXCEPTIONS);
  if (!loaded.ok) throw new Error(loaded.messages.join("\n"));
  server = await startServer({
    source: new DemoSource({ seed: 1, intervalMs: 0 }),
    host: "127.0.0.1",
    port: 0,
    logger: silentLogger,
    accepted: { exceptions: loaded.exceptions },
  });
  await server.live.whenIdle();
});

afterAll(async () => {
  await server.close();
});

describe("the gaps API on the demo company", () => {
  it("counts every finding once: open ones under their pillar, accepted ones apart", async () => {
    const all = FindingsPage.parse((await get("/api/findings?limit=1")).body);
    const gaps = GapsAnswer.parse((await get("/api/gaps?acceptedLimit=500")).body);
    expect(all.total).toBeGreaterThan(1000);
    expect(gaps.pillars.reduce((sum, p) => sum + p.total, 0)).toBe(gaps.total);
    // The findings list leaves accepted findings out too, and says how many.
    expect(gaps.total).toBe(all.total);
    expect(gaps.accepted.total).toBe(all.accepted);
    // The demo's file accepts the CNI agent's privileged pods; its host-network entry has lapsed.
    expect(gaps.accepted.total).toBeGreaterThan(0);
    for (const { finding, exception } of gaps.accepted.items) {
      expect(finding.id).toBe("privileged-container");
      expect(finding.objects[0]).toMatch(/^Pod\/kube-system\/cilium-/);
      expect(exception.owner).toBe("platform-team");
    }
    expect(gaps.expired).toBeGreaterThan(0);
    expect(gaps.fixFirst.items[0]!.score).toBeGreaterThanOrEqual(gaps.fixFirst.items.at(-1)!.score);
  });

  it("gives every pillar the total a fresh engine counts on the same objects", async () => {
    const gaps = GapsAnswer.parse((await get("/api/gaps?acceptedLimit=500")).body);
    const fresh = ClusterState.from((await server.live.query("cluster", {})) as Cluster).findings();
    const accepted = new Set(
      gaps.accepted.items.map(({ finding: f }) => `${f.id}|${f.objects.join(",")}|${f.message}`),
    );
    for (const pillar of gaps.pillars) {
      const open = fresh.filter(
        (f) => f.pillar === pillar.pillar && !accepted.has(`${f.id}|${f.objects.join(",")}|${f.message}`),
      );
      expect(pillar.total, pillar.pillar).toBe(open.length);
    }
    expect(gaps.total + gaps.accepted.total).toBe(fresh.length);
  });

  it("pages the fix-first list by fixOffset: the pages, in order, are the whole ranking", async () => {
    const whole = GapsAnswer.parse((await get("/api/gaps?fixLimit=500")).body).fixFirst;
    expect(whole.total).toBeGreaterThan(10);
    expect(whole.items.length).toBe(whole.total);
    const names: string[] = [];
    for (let fixOffset = 0; fixOffset < whole.total; fixOffset += 10) {
      const page = GapsAnswer.parse((await get(`/api/gaps?fixOffset=${fixOffset}`)).body).fixFirst;
      expect(page.offset).toBe(fixOffset);
      expect(page.total).toBe(whole.total);
      names.push(...page.items.map((e) => `${e.object.kind}/${e.object.namespace ?? ""}/${e.name}`));
    }
    expect(names).toEqual(whole.items.map((e) => `${e.object.kind}/${e.object.namespace ?? ""}/${e.name}`));
    const bad = await get("/api/gaps?fixOffset=-1");
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("fixOffset");
  });

  it("keeps the filters and says which parameter is wrong", async () => {
    const critical = GapsAnswer.parse((await get("/api/gaps?severity=critical")).body);
    const findings = FindingsPage.parse((await get("/api/findings?severity=critical&limit=1")).body);
    expect(critical.total).toBe(findings.total);
    expect(critical.accepted.total).toBe(findings.accepted);
    const bad = await get("/api/gaps?groupLimit=0");
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("groupLimit");
  });
});

describe("accepted findings in the counts, the namespace list and the node panel", () => {
  it("are counted apart everywhere, as a fresh engine judges them", async () => {
    const cluster = ClusterInfo.parse((await get("/api/cluster")).body);
    const gaps = GapsAnswer.parse((await get("/api/gaps?acceptedLimit=500")).body);
    const fresh = ClusterState.from((await server.live.query("cluster", {})) as Cluster).findings();
    expect(cluster.counts.accepted).toBe(gaps.accepted.total);
    expect(cluster.counts.findings).toBe(gaps.total);
    expect(cluster.counts.findings + cluster.counts.accepted).toBe(fresh.length);
    const { namespaces } = NamespaceList.parse((await get("/api/namespaces")).body);
    const kubeSystem = namespaces.find((ns) => ns.name === "kube-system")!;
    const acceptedThere = gaps.accepted.items.filter((a) =>
      a.finding.objects[0]!.startsWith("Pod/kube-system/"),
    );
    expect(kubeSystem.accepted).toBe(acceptedThere.length);
    const open = fresh.filter(
      (f) =>
        f.objects.some((o) => o.split("/")[1] === "kube-system" || o === "Namespace/kube-system") &&
        !gaps.accepted.items.some((a) => a.finding.message === f.message && a.finding.id === f.id),
    );
    expect(Object.values(kubeSystem.findings).reduce((a, b) => a + b, 0)).toBe(open.length);
  });

  it("are listed apart in the node panel, with the exception that accepts them", async () => {
    const gaps = GapsAnswer.parse((await get("/api/gaps?acceptedLimit=1")).body);
    const { finding, exception } = gaps.accepted.items[0]!;
    const pod = finding.objects[0]!.split("/");
    const details = NodeDetails.parse(
      (
        await get(
          `/api/nodes/${encodeURIComponent(encodeNodeId({ kind: "pod", namespace: pod[1]!, name: pod[2]! }))}`,
        )
      ).body,
    );
    expect(details.findings.some((f) => f.id === finding.id)).toBe(false);
    expect(details.accepted).toContainEqual({ finding, exception });
  });
});

describe("when the exceptions in force change", () => {
  it("the counts and the graph's marks follow at once, as a fresh engine judges them", async () => {
    const { server: shop, cluster } = await serveObjects(SHOP);
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
    };
    try {
      const ref = { kind: "namespace", namespace: "lab" } as const;
      const view = shop.live.watch(viewKey(ref), ref);
      await until(() => view.ready);
      const mark = () => view.snapshot().nodes.find((n) => n.kind === "identity")?.worst;
      const counts = async () =>
        ClusterInfo.parse(await (await fetch(new URL("/api/cluster", shop.url))).json()).counts;
      expect(mark()).toBe("critical");
      const before = await counts();
      const exceptions: AcceptedException[] = [
        {
          index: 0,
          check: "privileged-container",
          match: { namespace: "lab" },
          reason: "r",
          owner: "o",
          expires: "2099-01-01",
        },
      ];
      shop.live.accept(exceptions);
      await until(() => mark() !== "critical");
      const judged = ClusterState.from(cluster);
      judged.accept(exceptions, Date.now());
      expect(mark()).toBe(judged.worstOfPod("lab/toy"));
      expect(mark()).not.toBe("critical");
      expect(await counts()).toEqual({ ...before, findings: before.findings - 1, accepted: 1 });
      // An exception past its day accepts nothing: the mark and the count are back.
      shop.live.accept([{ ...exceptions[0]!, expires: "2020-01-01" }]);
      await until(() => mark() === "critical");
      expect(mark()).toBe("critical");
      expect(await counts()).toEqual(before);
    } finally {
      await shop.close();
    }
  });
});

describe("the exports with accepted exceptions", () => {
  it("list accepted findings apart with their reason in JSON, CSV and SARIF", async () => {
    const gaps = GapsAnswer.parse((await get("/api/gaps?acceptedLimit=500")).body);
    const json = EvidenceReport.parse((await get("/api/export/report.json")).body);
    expect(json.findings.length).toBe(gaps.total);
    expect(json.counts.findings).toBe(gaps.total);
    expect(json.accepted!.length).toBe(gaps.accepted.total);
    expect(json.accepted![0]!.exception.reason).toBe(gaps.accepted.items[0]!.exception.reason);
    const csv = await (await fetch(new URL("/api/export/report.csv", server.url))).text();
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toMatch(/,accepted$/);
    expect(lines.filter((line) => line.includes("(owner platform-team, until 2099-12-31)")).length).toBe(
      gaps.accepted.total,
    );
    const sarif = JSON.parse(await (await fetch(new URL("/api/export/report.sarif", server.url))).text());
    const suppressed = sarif.runs[0].results.filter(
      (r: { suppressions?: unknown }) => r.suppressions !== undefined,
    );
    expect(suppressed.length).toBe(gaps.accepted.total);
    expect(suppressed[0].suppressions[0]).toMatchObject({ kind: "external", status: "accepted" });
  });
});

describe("the exceptions file", () => {
  it("is read again when it changes; a bad version leaves the last good one in force", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trustmap-exceptions-"));
    const file = path.join(dir, "exceptions.yaml");
    const entry = (check: string, expires: string) =>
      `  - check: ${check}\n    match: { kind: Pod }\n    reason: r\n    owner: o\n    expires: "${expires}"\n`;
    writeFileSync(file, `exceptions:\n${entry("host-network", "2099-01-01")}`);
    const loaded = loadExceptions(file);
    if (!loaded.ok) throw new Error(loaded.messages.join("\n"));
    const holder = { exceptions: loaded.exceptions };
    const warnings: string[] = [];
    const stop = watchExceptions(
      file,
      holder,
      { log: (level, message) => level === "warn" && warnings.push(message) },
      20,
    );
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 600 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
    };
    try {
      // The watcher's first look at the file is its baseline: change the file only after it.
      await new Promise((r) => setTimeout(r, 200));
      writeFileSync(
        file,
        `exceptions:\n${entry("privileged-container", "2099-01-01")}${entry("host-pid", "2099-01-01")}`,
      );
      await until(() => holder.exceptions.length === 2);
      expect(holder.exceptions.map((e) => e.check)).toEqual(["privileged-container", "host-pid"]);
      writeFileSync(file, `exceptions:\n${entry("host-pid", "someday")}`);
      await until(() => warnings.length > 0);
      expect(warnings.length).toBeGreaterThan(0);
      expect(holder.exceptions.map((e) => e.check)).toEqual(["privileged-container", "host-pid"]);
    } finally {
      stop();
    }
  }, 20_000);

  it("stops the BFF with exit 2 and a message naming the file, entry and field", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trustmap-exceptions-"));
    const file = path.join(dir, "bad.yaml");
    writeFileSync(
      file,
      "exceptions:\n  - check: privileged-container\n    match: { kind: Pod }\n    reason: r\n    owner: o\n    expires: soon\n",
    );
    let status = 0;
    let stderr = "";
    try {
      execFileSync(
        process.execPath,
        ["--import", "tsx", path.resolve(here, "../main.ts"), "--demo", "--exceptions", file],
        {
          stdio: "pipe",
        },
      );
    } catch (error) {
      status = (error as { status: number }).status;
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(2);
    expect(stderr).toContain(`${file}: entry 1, field expires: expected a date YYYY-MM-DD, not "soon"`);
  });
});
