// Trustmap's BFF server, loaded by the entry (main.ts) once the engine worker is starting: reading
// the options and choosing the source happen as it loads, serving once it is given the engine.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Worker } from "node:worker_threads";
import { NOTABLE, type Notable } from "@trustmap/engine";
import { AUTH_HELP, AUTH_OPTIONS, type AuthSettings, authSettings } from "./auth/config";
import { loadExceptions, watchExceptions } from "./exceptions/file";
import { checkWebhookUrls } from "./history/notify";
import { openChangeLog } from "./history/settings";
import { allowedHostsOption } from "./http/hosts";
import { jsonLogger } from "./log";
import { bffPath } from "./paths";
import { startServer } from "./server";
import { DEFAULT_DEMO_INTERVAL_MS, DemoSource } from "./sources/demo";
import { DemoDataError } from "./sources/demo/data";
import { FilesSource } from "./sources/files";
import { createKubernetesSource, findKubeconfig } from "./sources/kubernetes";
import type { ClusterSource } from "./sources/source";
import { SyntheticSource } from "./sources/synthetic";

const HELP = `Usage: trustmap-bff [options]

Serves the Trustmap dashboard at / and its API under /api/ on one port.

Where the cluster comes from (first that applies):
  --demo               the embedded demo company (also when no kubeconfig is found)
  --files DIR          a directory of manifests, watched for changes
  --synthetic SCALE    a synthetic cluster (S, M, L or XL, as the benchmarks; L+5000: L with a namespace
                       of 5,000 workloads) that keeps changing: load testing
  --kubeconfig FILE    this kubeconfig instead of KUBECONFIG / ~/.kube/config / in-cluster
  --context NAME       this context of the kubeconfig (like kubectl --context)
  (default)            the current context of the kubeconfig kubectl would use

Options:
  --port N             port to listen on (default: $PORT or 4317)
  --host ADDR          address to bind (default: $HOST or 127.0.0.1; any other needs a login strategy)
  --allow-host NAME[:PORT]
                       answer requests for this host name too (repeatable; also
                       $TRUSTMAP_ALLOWED_HOSTS, comma-separated): a proxy's public name, a
                       tunnel's port. Others than loopback and the bound address are refused (421).
  --seed N             the demo company's seed (default 1)
  --demo-interval MS   milliseconds between two changes of the demo (default 2000; 0: a still demo)
  --exceptions FILE    accepted exceptions (YAML, watched): their findings are counted and shown apart
  --changes WHERE      where the change log is kept (also $TRUSTMAP_CHANGES): a folder (embedded
                       PostgreSQL), a postgres://user:password@host/db URL, "memory" or "off"
                       (default: a folder per cluster under $XDG_DATA_HOME or ~/.local/share/trustmap)
  --keep-days N        drop changes older than N days (default 90)
  --keep-changes N     keep at most N changes, the oldest dropped first (default 5000000)
  --notify URL         POST notable changes to this webhook (repeatable; also $TRUSTMAP_NOTIFY,
                       comma-separated): a new critical finding, a new path from outside the
                       cluster, a new cluster-admin; retried with backoff, each delivery recorded
  --notify-on LIST     which of critical-finding,path-from-outside,cluster-admin to send (default all)
  --notify-secret-file FILE
                       sign each body: X-Trustmap-Signature: sha256=<HMAC-SHA256 of the body>
  -h, --help           this text

${AUTH_HELP}

Trustmap only reads the cluster: it lists and watches namespaces, pods, services accounts,
NetworkPolicies, Roles, ClusterRoles and their bindings; it never writes and never reads Secrets.`;

function fail(message: string): never {
  process.stderr.write(`trustmap-bff: ${message}\n`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        demo: { type: "boolean" },
        files: { type: "string" },
        synthetic: { type: "string" },
        kubeconfig: { type: "string" },
        context: { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        "allow-host": { type: "string", multiple: true },
        seed: { type: "string" },
        "demo-interval": { type: "string" },
        exceptions: { type: "string" },
        changes: { type: "string" },
        "keep-days": { type: "string" },
        "keep-changes": { type: "string" },
        notify: { type: "string", multiple: true },
        "notify-on": { type: "string" },
        "notify-secret-file": { type: "string" },
        help: { type: "boolean", short: "h" },
        ...AUTH_OPTIONS,
      },
      strict: true,
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${HELP}`);
  }
})();

if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

const logger = jsonLogger();
const port = Number(values.port ?? process.env.PORT ?? 4317);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`--port: expected a port number, not ${values.port ?? process.env.PORT}`);
const host = values.host ?? process.env.HOST ?? "127.0.0.1";
const allowedHosts = (() => {
  try {
    return allowedHostsOption(values["allow-host"], process.env.TRUSTMAP_ALLOWED_HOSTS);
  } catch (error) {
    return fail((error as Error).message);
  }
})();
const seed = values.seed === undefined ? 1 : Number(values.seed);
if (!Number.isSafeInteger(seed)) fail(`--seed: expected an integer, not ${values.seed}`);
const intervalMs = Number(values["demo-interval"] ?? DEFAULT_DEMO_INTERVAL_MS);
if (!Number.isSafeInteger(intervalMs) || intervalMs < 0)
  fail(`--demo-interval: expected milliseconds (0 or more), not ${values["demo-interval"]}`);

/** The shipped company's manifests are data: an edit that breaks them stops here with its message. */
function demoSource(): ClusterSource {
  try {
    return new DemoSource({ seed, intervalMs });
  } catch (error) {
    if (error instanceof DemoDataError) return fail(error.message);
    throw error;
  }
}

function chooseSource(): ClusterSource {
  if (values.demo) return demoSource();
  if (values.files !== undefined) return new FilesSource(values.files);
  if (values.synthetic !== undefined) {
    try {
      return new SyntheticSource(values.synthetic, seed);
    } catch (error) {
      return fail((error as Error).message);
    }
  }
  const wanted = { kubeconfigPath: values.kubeconfig, context: values.context };
  const explicit = values.kubeconfig !== undefined || values.context !== undefined;
  if (!explicit && findKubeconfig() === undefined) {
    logger.log(
      "info",
      "no kubeconfig found: showing the demo company (use --kubeconfig or KUBECONFIG for a cluster)",
    );
    return demoSource();
  }
  const created = createKubernetesSource(wanted);
  if (!created.ok) fail(created.message);
  return created.source;
}

const exceptions = (() => {
  if (values.exceptions === undefined) return [];
  const loaded = loadExceptions(values.exceptions);
  if (!loaded.ok) return fail(loaded.messages.join("\n"));
  return loaded.exceptions;
})();

const accepted = { exceptions };

const webhooks = (() => {
  const urls = [
    ...(values.notify ?? []),
    ...(process.env.TRUSTMAP_NOTIFY ?? "")
      .split(",")
      .map((url) => url.trim())
      .filter((url) => url !== ""),
  ];
  if (urls.length === 0) return undefined;
  try {
    checkWebhookUrls(urls);
  } catch (error) {
    return fail((error as Error).message);
  }
  const on = values["notify-on"]?.split(",").map((reason) => reason.trim());
  for (const reason of on ?? [])
    if (!(NOTABLE as readonly string[]).includes(reason))
      fail(`--notify-on: ${JSON.stringify(reason)} is not one of ${NOTABLE.join(", ")}`);
  let secret: string | undefined;
  if (values["notify-secret-file"] !== undefined) {
    try {
      secret = readFileSync(values["notify-secret-file"], "utf8").trim();
    } catch (error) {
      fail(`--notify-secret-file ${values["notify-secret-file"]}: ${(error as Error).message}`);
    }
    if (secret === "") fail(`--notify-secret-file ${values["notify-secret-file"]}: the file is empty`);
  }
  return {
    urls,
    ...(on === undefined ? {} : { on: on as Notable[] }),
    ...(secret === undefined ? {} : { secret }),
  };
})();

const keepDays = Number(values["keep-days"] ?? 90);
if (!(keepDays > 0)) fail(`--keep-days: expected a number of days above 0, not ${values["keep-days"]}`);
const keepChanges = Number(values["keep-changes"] ?? 5_000_000);
if (!Number.isSafeInteger(keepChanges) || keepChanges < 1)
  fail(`--keep-changes: expected a whole number above 0, not ${values["keep-changes"]}`);

const source = chooseSource();

const auth: AuthSettings = (() => {
  try {
    return authSettings(values, process.env, { host, cluster: source.reviews !== undefined });
  } catch (error) {
    return fail((error as Error).message);
  }
})();
logger.log("info", "login", {
  strategy: auth.strategy,
  ...(auth.strategy === "anonymous"
    ? { note: "nobody logs in: every visitor on this machine sees what Trustmap's account sees" }
    : {}),
  ...(auth.strategy !== "anonymous" && !auth.secretGiven
    ? { note: "no session secret given (--session-secret-file): sessions end when this process does" }
    : {}),
});

/** Serves the dashboard and its API on the source chosen, with this engine worker. */
export async function serve(engine: Worker): Promise<void> {
  const webRoot = bffPath("../web/dist");
  const live = { engine };
  const changes = await openChangeLog(values.changes ?? process.env.TRUSTMAP_CHANGES, source.info, {
    maxAgeMs: keepDays * 24 * 3600 * 1000,
    maxChanges: keepChanges,
  }).catch((error: Error) => fail(error.message));
  logger.log("info", "change log", { store: changes?.db.description ?? "off" });
  if (webhooks !== undefined && changes === undefined)
    fail("--notify: webhooks are told of the changes the log records, and the log is off (--changes off)");
  const server = await startServer({
    source,
    host,
    port,
    logger,
    webRoot,
    accepted,
    allowedHosts,
    live,
    auth,
    ...(changes === undefined ? {} : { changes }),
    ...(webhooks === undefined
      ? {}
      : {
          webhooks: {
            ...webhooks,
            ...(auth.publicUrl === undefined ? {} : { publicUrl: auth.publicUrl.toString() }),
          },
        }),
  }).catch((error: Error) => fail(`cannot listen on ${host}:${port}: ${error.message}`));
  if (values.exceptions !== undefined)
    watchExceptions(values.exceptions, accepted, logger, 2000, (next) => server.live.accept(next));
  process.stdout.write(
    `Trustmap is running on ${source.info.demo ? "the demo company" : source.info.name}: open ${server.url}\n`,
  );

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      void server.close().then(() => process.exit(0));
    });
  }
}
