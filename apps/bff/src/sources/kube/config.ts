import fs from "node:fs";
import path from "node:path";
import { type Cluster, type Context, findHomeDir, KubeConfig, type User } from "@kubernetes/client-node";

export interface KubeconfigOptions {
  /** A kubeconfig file to read instead of what kubectl would read. */
  readonly kubeconfigPath?: string | undefined;
  /** A context of the kubeconfig instead of its current-context (like `kubectl --context`). */
  readonly context?: string | undefined;
}

/** A kubeconfig read and checked, with the context chosen: enough to reach one API server. */
export interface Kubeconfig {
  readonly config: KubeConfig;
  readonly context: string;
  readonly server: string;
}

export type KubeconfigResult =
  | { readonly ok: true; readonly kubeconfig: Kubeconfig }
  | { readonly ok: false; readonly message: string };

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * The folder a pod's files are read under: "" (the root) in a pod. TRUSTMAP_IN_CLUSTER_ROOT moves
 * it (the tests give the BFF a service account's token, CA and namespace in a folder of their own).
 */
function inClusterRoot(): string {
  return (process.env.TRUSTMAP_IN_CLUSTER_ROOT ?? "").replace(/\/+$/, "");
}

/**
 * Reads the kubeconfig the way kubectl finds it: the given file; else every file of KUBECONFIG;
 * else ~/.kube/config; else the service account of the pod Trustmap runs in. Nothing is run and
 * nothing is contacted here (exec credential plugins run on the first request).
 */
export function loadKubeconfig(options: KubeconfigOptions = {}): KubeconfigResult {
  const config = new KubeConfig();
  try {
    const loaded = loadInto(config, options.kubeconfigPath);
    if (loaded !== undefined) return { ok: false, message: loaded };
  } catch (error) {
    return { ok: false, message: `Could not read the kubeconfig: ${messageOf(error)}` };
  }
  return chooseContext(config, options.context);
}

/**
 * Whether there is a cluster to connect to at all (so `npm start` can show the demo instead).
 * Never throws.
 */
export function findKubeconfig(
  options: KubeconfigOptions = {},
): { readonly context: string; readonly server: string } | undefined {
  try {
    const result = loadKubeconfig(options);
    return result.ok ? { context: result.kubeconfig.context, server: result.kubeconfig.server } : undefined;
  } catch {
    return undefined;
  }
}

/** Fills the config; returns what to tell the user when there is nothing to read. */
function loadInto(config: KubeConfig, explicitPath: string | undefined): string | undefined {
  if (explicitPath !== undefined) {
    config.loadFromFile(explicitPath);
    return undefined;
  }
  const variable = process.env.KUBECONFIG;
  if (variable !== undefined && variable !== "") return loadFiles(config, variable);
  const home = findHomeDir();
  if (home !== null && fileExists(path.join(home, ".kube", "config"))) {
    config.loadFromDefault();
    return undefined;
  }
  // client-node's loadFromDefault ends with http://localhost:8080 when it finds nothing: Trustmap
  // says so instead of trying a server nobody configured.
  if (process.env.KUBERNETES_SERVICE_HOST && fileExists(`${inClusterRoot()}${SERVICE_ACCOUNT_TOKEN}`)) {
    config.loadFromCluster(inClusterRoot());
    return undefined;
  }
  return "No kubeconfig found: set KUBECONFIG, create ~/.kube/config (for example with your cloud's CLI), or run Trustmap in a pod with a service account.";
}

/**
 * KUBECONFIG holds several files: kubectl skips the missing ones, and for every name (cluster,
 * user, context, current-context) the first file that sets it wins. client-node's own merge lets
 * the last current-context win and fails on a repeated name, so the files are merged here.
 */
function loadFiles(config: KubeConfig, variable: string): string | undefined {
  // kubectl also takes an empty file for an empty config; client-node would fail on it.
  const files = variable
    .split(path.delimiter)
    .filter((file) => file !== "" && fileExists(file) && !isEmpty(file));
  if (files.length === 0) return `KUBECONFIG names no file that exists (${variable}).`;
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext: string | undefined;
  for (const file of files) {
    const part = new KubeConfig();
    try {
      // loadFromFile resolves relative certificate paths against the file's own folder, as kubectl does.
      part.loadFromFile(file);
    } catch (error) {
      return `Could not read the kubeconfig ${file}: ${messageOf(error)}`;
    }
    for (const cluster of part.getClusters())
      if (!clusters.has(cluster.name)) clusters.set(cluster.name, cluster);
    for (const user of part.getUsers()) if (!users.has(user.name)) users.set(user.name, user);
    for (const context of part.getContexts())
      if (!contexts.has(context.name)) contexts.set(context.name, context);
    const current = part.getCurrentContext();
    if (currentContext === undefined && current) currentContext = current;
  }
  config.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
  return undefined;
}

function chooseContext(config: KubeConfig, wanted: string | undefined): KubeconfigResult {
  if (wanted !== undefined) {
    if (config.getContextObject(wanted) === null) {
      return {
        ok: false,
        message: `The kubeconfig has no context named "${wanted}": \`kubectl config get-contexts\` lists them.`,
      };
    }
    config.setCurrentContext(wanted);
  }
  const context = config.getCurrentContext();
  if (!context) {
    return {
      ok: false,
      message: "The kubeconfig sets no current-context: name one, or run `kubectl config use-context NAME`.",
    };
  }
  const cluster = config.getCurrentCluster();
  if (cluster === null || !cluster.server) {
    return { ok: false, message: `Context "${context}" names a cluster the kubeconfig does not define.` };
  }
  if (!URL.canParse(cluster.server) || !["https:", "http:"].includes(new URL(cluster.server).protocol)) {
    return {
      ok: false,
      message: `Cluster "${cluster.name}" has a server that is no https:// URL: ${cluster.server}`,
    };
  }
  // client-node refuses plain HTTP unless TLS checks are off on purpose; say so before the first request.
  if (cluster.server.startsWith("http:") && !cluster.skipTLSVerify) {
    return {
      ok: false,
      message: `Cluster "${cluster.name}" has an http:// server; use https://, or set insecure-skip-tls-verify: true if you really mean it.`,
    };
  }
  return { ok: true, kubeconfig: { config, context, server: cluster.server } };
}

function fileExists(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function isEmpty(file: string): boolean {
  return fs.readFileSync(file, "utf8").trim() === "";
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
