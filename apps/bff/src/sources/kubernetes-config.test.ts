import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SourceStatus } from "@trustmap/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createKubernetesSource, findKubeconfig, loadKubeconfig } from "./kubernetes";
import { FakeApiServer, writeKubeconfig } from "./kubernetes-fake-api";

const VARIABLES = ["KUBECONFIG", "HOME", "KUBERNETES_SERVICE_HOST"] as const;
let saved: Record<string, string | undefined> = {};

beforeEach(() => {
  saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  // No test may read the kubeconfig of the machine it runs on.
  process.env.HOME = folder();
  delete process.env.KUBECONFIG;
  delete process.env.KUBERNETES_SERVICE_HOST;
});

afterEach(() => {
  for (const name of VARIABLES) {
    const value = saved[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

function folder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "trustmap-kubeconfig-"));
}

function write(file: string, lines: readonly string[]): string {
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

function cluster(name: string, server: string): string[] {
  return [`- name: ${name}`, "  cluster:", `    server: ${server}`];
}

function context(name: string, clusterName: string): string[] {
  return [`- name: ${name}`, "  context:", `    cluster: ${clusterName}`, "    user: someone"];
}

const USERS = ["users:", "- name: someone", "  user:", "    token: abc"];

describe("finding the cluster", () => {
  it("reads a given kubeconfig and its current context", () => {
    const file = writeKubeconfig("https://api.example:6443");
    expect(findKubeconfig({ kubeconfigPath: file })).toEqual({
      context: "fake-context",
      server: "https://api.example:6443",
    });
  });

  it("reads ~/.kube/config when KUBECONFIG is not set", () => {
    const home = process.env.HOME ?? "";
    fs.mkdirSync(path.join(home, ".kube"));
    fs.copyFileSync(writeKubeconfig("https://home.example"), path.join(home, ".kube", "config"));
    expect(findKubeconfig()).toEqual({ context: "fake-context", server: "https://home.example" });
  });

  it("chooses the context it is given, and names one that does not exist", () => {
    const file = write(path.join(folder(), "config"), [
      "apiVersion: v1",
      "clusters:",
      ...cluster("prod", "https://prod.example"),
      ...cluster("staging", "https://staging.example"),
      ...USERS,
      "contexts:",
      ...context("prod", "prod"),
      ...context("staging", "staging"),
      "current-context: prod",
    ]);
    expect(findKubeconfig({ kubeconfigPath: file, context: "staging" })).toEqual({
      context: "staging",
      server: "https://staging.example",
    });
    expect(findKubeconfig({ kubeconfigPath: file, context: "qa" })).toBeUndefined();
    const result = loadKubeconfig({ kubeconfigPath: file, context: "qa" });
    expect(result.ok ? "" : result.message).toContain('no context named "qa"');
  });

  it("merges the files of KUBECONFIG as kubectl does: missing files skipped, the first name wins", () => {
    const dir = folder();
    const first = write(path.join(dir, "first"), [
      "apiVersion: v1",
      "clusters:",
      ...cluster("shared", "https://first.example"),
      ...USERS,
      "contexts:",
      ...context("alpha", "shared"),
    ]);
    const second = write(path.join(dir, "second"), [
      "apiVersion: v1",
      "clusters:",
      ...cluster("shared", "https://second.example"),
      "contexts:",
      ...context("beta", "shared"),
      "current-context: beta",
    ]);
    const third = write(path.join(dir, "third"), ["apiVersion: v1", "current-context: alpha"]);
    const empty = write(path.join(dir, "empty"), [""]);
    process.env.KUBECONFIG = [path.join(dir, "missing"), empty, first, second, third].join(path.delimiter);
    // current-context from the first file that sets one; cluster "shared" from the first file.
    expect(findKubeconfig()).toEqual({ context: "beta", server: "https://first.example" });
  });

  it("finds nothing, without throwing, when there is nothing to find or it cannot be read", () => {
    expect(findKubeconfig()).toBeUndefined();
    const none = loadKubeconfig();
    expect(none.ok ? "" : none.message).toContain("No kubeconfig found");

    process.env.KUBECONFIG = path.join(folder(), "missing");
    expect(findKubeconfig()).toBeUndefined();

    const broken = write(path.join(folder(), "broken"), ["clusters: [unclosed"]);
    expect(findKubeconfig({ kubeconfigPath: broken })).toBeUndefined();
    const result = loadKubeconfig({ kubeconfigPath: broken });
    expect(result.ok ? "" : result.message).toContain("Could not read the kubeconfig");
  });

  it("refuses a plain-HTTP server unless TLS checks are off on purpose, and a server that is no URL", () => {
    const file = write(path.join(folder(), "config"), [
      "apiVersion: v1",
      "clusters:",
      ...cluster("local", "http://127.0.0.1:8080"),
      ...USERS,
      "contexts:",
      ...context("local", "local"),
      "current-context: local",
    ]);
    const result = loadKubeconfig({ kubeconfigPath: file });
    expect(result.ok ? "" : result.message).toContain("http:// server");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("http://127.0.0.1:8080", "ftp://127.0.0.1"));
    const other = loadKubeconfig({ kubeconfigPath: file });
    expect(other.ok ? "" : other.message).toContain("no https:// URL");
  });

  it("gets its token from an exec credential plugin", async () => {
    const api = await FakeApiServer.start();
    api.token = "from-exec-plugin";
    const credential = {
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: { token: "from-exec-plugin" },
    };
    const script = `process.stdout.write(${JSON.stringify(JSON.stringify(credential))})`;
    const user = [
      "    exec:",
      "      apiVersion: client.authentication.k8s.io/v1",
      `      command: ${JSON.stringify(process.execPath)}`,
      `      args: ${JSON.stringify(["-e", script])}`,
      "      interactiveMode: Never",
    ].join("\n");
    const created = createKubernetesSource({ kubeconfigPath: writeKubeconfig(api.url, user) });
    if (!created.ok) throw new Error(created.message);
    const statuses: SourceStatus[] = [];
    created.source.start({
      events: () => {},
      problems: () => {},
      replaceProblems: () => {},
      status: (status) => statuses.push(status),
    });
    try {
      const deadline = Date.now() + 5000;
      while (statuses.at(-1)?.state !== "connected" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(statuses.map((status) => status.state)).toEqual(["connecting", "connected"]);
      expect(api.requests.length).toBeGreaterThanOrEqual(8);
      expect(api.requests.every((request) => request.authorization === "Bearer from-exec-plugin")).toBe(true);
      // stop() must not wait for a request whose credentials were still being fetched.
      const stopping = Date.now();
      await created.source.stop();
      expect(Date.now() - stopping).toBeLessThan(1000);
    } finally {
      await created.source.stop();
      await api.close();
    }
  });
});
