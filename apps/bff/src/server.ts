import { existsSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import express, { type NextFunction, type Request, type Response } from "express";
import { type Accepted, apiRouter, exportQueues, type Queues, type StreamRegistry } from "./api/routes";
import { Accesses, userKey } from "./auth/access";
import { type AuthSettings, authSettings } from "./auth/config";
import { Auth, type Identity } from "./auth/gate";
import { accessGate } from "./auth/scope";
import { ReportPrinter } from "./export/printer";
import type { ChangeLog } from "./history/change-log";
import { Notifier, type WebhookOptions } from "./history/notify";
import { ChangeRecorder } from "./history/recorder";
import { HttpError } from "./http/errors";
import { HostPolicy } from "./http/hosts";
import { LiveCluster, type LiveOptions } from "./live/cluster";
import { AUDIT, type Logger } from "./log";
import type { ClusterSource } from "./sources/source";
import type { StreamConnection } from "./stream/connection";

export interface ServerOptions {
  readonly source: ClusterSource;
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  /** The built web app (apps/web/dist); when absent, "/" says how to build it. */
  readonly webRoot?: string;
  readonly live?: LiveOptions;
  readonly heartbeatMs?: number;
  /** Listen on this Unix socket instead of host and port (behind a local proxy; tests). */
  readonly socketPath?: string;
  /** Prints PDF reports and page screenshots; one with the machine's Chromium when absent. */
  readonly printer?: ReportPrinter;
  /** Accepted exceptions (`--exceptions FILE`), read at each request: their findings are counted and shown apart. */
  readonly accepted?: Accepted;
  /**
   * Host names (NAME or NAME:PORT) answered besides loopback and the bound address, as
   * `--allow-host` and TRUSTMAP_ALLOWED_HOSTS give them (a proxy's public name, an SSH tunnel's port).
   */
  readonly allowedHosts?: readonly string[];
  /** How viewers log in; anonymous (loopback only) when absent. */
  readonly auth?: AuthSettings;
  /** The change log the server records the posture's changes in (none when absent); closed with the server. */
  readonly changes?: ChangeLog;
  /** Webhooks told of notable changes (with a change log only). */
  readonly webhooks?: Omit<WebhookOptions, "cluster">;
}

export interface RunningServer {
  readonly url: string;
  readonly live: LiveCluster;
  readonly server: Server;
  readonly streams: ReadonlySet<StreamConnection>;
  /** The export routes' work queues (how many run and wait now). */
  readonly queues: Queues;
  /** The Host headers answered. */
  readonly hosts: HostPolicy;
  /** Who is asking: sessions, the login routes. */
  readonly auth: Auth;
  /** What records the change log, when the server keeps one. */
  readonly history: ChangeRecorder | undefined;
  /** What tells the webhooks, when some are given. */
  readonly notifier: Notifier | undefined;
  close(): Promise<void>;
}

// The page may load its own scripts, styles, images and fonts, and talk to its own origin; nothing
// inline, nothing from elsewhere, never framed. Names from the cluster are data, never markup.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

function securityHeaders(_request: Request, response: Response, next: NextFunction): void {
  response.setHeader("Content-Security-Policy", CSP);
  response.setHeader("X-Content-Type-Options", "nosniff");
  response.setHeader("X-Frame-Options", "DENY");
  response.setHeader("Referrer-Policy", "no-referrer");
  response.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  response.setHeader("Cross-Origin-Resource-Policy", "same-origin");
  response.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  next();
}

function listeningUrl(server: Server, socketPath: string | undefined): string {
  if (socketPath !== undefined) return `http://localhost/ (unix socket ${socketPath})`;
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}/`;
}

/** Where Chromium on this machine reaches the server: loopback when it listens on every address. */
function loopbackOrigin(server: Server): string | undefined {
  const address = server.address();
  if (address === null || typeof address === "string") return undefined;
  const host =
    address.address === "0.0.0.0" || address.address === "::"
      ? "127.0.0.1"
      : address.family === "IPv6"
        ? `[${address.address}]`
        : address.address;
  return `http://${host}:${address.port}`;
}

/** Refused before any route or file: a Host that is not an allowed name (DNS rebinding). */
function hostGuard(policy: () => HostPolicy) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const host = request.header("host");
    if (policy().allows(host)) {
      next();
      return;
    }
    const message = policy().refusal(host);
    response.locals.refusal = message;
    response.status(421);
    if (request.path.startsWith("/api/")) response.json({ error: message });
    else response.type("text/plain").send(`${message}\n`);
  };
}

/**
 * The request's path as the client sent it: a router mounted on /api sees the rest of it in
 * `request.path` while it answers, and a response it sends finishes before the path is put back.
 */
function fullPath(request: Request): string {
  const query = request.originalUrl.indexOf("?");
  return query < 0 ? request.originalUrl : request.originalUrl.slice(0, query);
}

/**
 * The audit trail's line for a request (`path` as the client sent it), once answered: each export
 * made (what, with which filters, at which revision) and each request refused (Host, origin, site),
 * with who asked (the logged-in user, "anonymous" before a login or without one) and from where.
 */
function auditOf(request: Request, response: Response, path: string): Record<string, unknown> | undefined {
  const status = response.statusCode;
  const identity = response.locals.identity as Identity | undefined;
  const who = { user: identity?.user.name ?? "anonymous", remote: request.socket.remoteAddress ?? "" };
  if (status === 401 || status === 403 || status === 421) {
    return {
      event: "denied",
      status,
      method: request.method,
      path,
      reason: response.locals.refusal ?? "",
      host: request.header("host") ?? "",
      origin: request.header("origin") ?? "",
      site: request.header("sec-fetch-site") ?? "",
      ...who,
    };
  }
  if (path.startsWith("/api/export/") && status >= 200 && status < 300) {
    const revision = response.getHeader("X-Trustmap-Revision");
    return {
      event: "export",
      path,
      filters: request.query,
      ...(revision === undefined ? {} : { revision: Number(revision) }),
      ...who,
    };
  }
  return undefined;
}

/** Source maps are not served, even when a build left them beside the scripts. */
function refuseSourceMaps(request: Request, response: Response, next: NextFunction): void {
  if (request.path.toLowerCase().endsWith(".map"))
    response.status(404).type("text/plain").send("Not found: source maps are not served.\n");
  else next();
}

/** Errors Express itself raises for the client's mistakes (a URIError from a path, say): status 4xx. */
function clientErrorStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" && status >= 400 && status < 500 ? status : undefined;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  // A bad --allow-host is told before anything starts.
  new HostPolicy({}, options.allowedHosts);
  // Without a login setting, nobody logs in: which only a server on loopback may do.
  const auth = new Auth(
    options.auth ??
      authSettings(
        {},
        {},
        {
          ...(options.socketPath === undefined ? { host: options.host } : {}),
          cluster: options.source.reviews !== undefined,
        },
      ),
    options.source.reviews,
    options.logger,
  );
  const webRoot = options.webRoot;
  const { logger } = options;
  const live = new LiveCluster(options.source, options.live);
  const history =
    options.changes === undefined ? undefined : new ChangeRecorder(options.changes, live, logger);
  const notifier =
    options.changes === undefined || options.webhooks === undefined || options.webhooks.urls.length === 0
      ? undefined
      : new Notifier(options.changes.db, { ...options.webhooks, cluster: options.changes.cluster }, logger);
  if (history !== undefined) notifier?.listen(history);
  const streams = new Set<StreamConnection>();
  const owners = new WeakMap<StreamConnection, Identity>();
  let streamCounter = 0;
  const registry: StreamRegistry = {
    next: () => `s${++streamCounter}`,
    add: (connection, identity) => {
      streams.add(connection);
      owners.set(connection, identity);
    },
    remove: (connection) => streams.delete(connection),
    get size() {
      return streams.size;
    },
  };
  // Each user's access, asked of the cluster; decided again when the engine sees it may have changed.
  const accesses =
    options.source.reviews === undefined
      ? undefined
      : new Accesses(options.source.reviews, async () =>
          (await live.query("namespaces", {})).map((summary) => summary.name),
        );
  live.onAccessChange((change) => accesses?.changed(change.subjects, change.namespaces));
  if (accesses !== undefined) auth.accessOf = (user) => accesses.get(user);
  // A stream whose user's readable namespaces changed ends: the page reconnects and gets the views
  // it may read now (a view it may no longer read is refused with 403).
  accesses?.onChange((key) => {
    for (const connection of [...streams]) {
      const owner = owners.get(connection);
      if (owner === undefined || owner.unscoped || userKey(owner.user) !== key) continue;
      void accesses.get(owner.user).then(
        (access) => {
          const now = access.cluster ? undefined : access.namespaces.join("\n");
          const before = connection.readable === undefined ? undefined : [...connection.readable].join("\n");
          if (now !== before) connection.close();
        },
        () => connection.close(),
      );
    }
  });
  // A logout ends the session's streams at once: nothing more reaches a page that logged out.
  auth.onSessionEnded((id) => {
    for (const connection of [...streams]) if (owners.get(connection)?.session?.id === id) connection.close();
  });

  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.use(securityHeaders);
  // Set once listening, before any request can arrive: the policy compares the port listened on.
  let hosts: HostPolicy | undefined;
  app.use((request, response, next) => {
    const started = performance.now();
    response.on("finish", () => {
      const path = fullPath(request);
      const audit = auditOf(request, response, path);
      if (audit !== undefined) logger.log("info", AUDIT, audit);
      if (path === "/api/stream") return;
      logger.log("info", "request", {
        method: request.method,
        path,
        status: response.statusCode,
        ms: Math.round(performance.now() - started),
      });
    });
    next();
  });
  app.use(hostGuard(() => hosts!));
  // Probes: alive and answering, nothing about the cluster (no login needed).
  app.get("/healthz", (_request, response) => {
    response.type("text/plain").send("ok\n");
  });
  app.use("/api/auth", auth.router());
  app.use("/api", auth.require());
  app.use("/api", accessGate(accesses));
  app.use("/api", auth.csrf());
  const printer = options.printer ?? new ReportPrinter();
  const webServed = webRoot !== undefined && existsSync(path.join(webRoot, "index.html"));
  let origin: string | undefined;
  const queues = exportQueues();
  app.use(
    "/api",
    apiRouter(
      live,
      registry,
      {
        printer,
        origin: () => origin,
        credential: (identity: Identity) => auth.printCredential(identity),
      },
      options.heartbeatMs,
      options.accepted,
      queues,
      history,
      notifier,
    ),
  );
  app.use("/api", (request) => {
    throw new HttpError(404, `no API route ${request.method} ${request.path}`);
  });
  app.use(refuseSourceMaps);
  if (webServed) {
    app.use(express.static(webRoot, { index: "index.html", fallthrough: true }));
    // Every other path is a view of the single-page app (links carry the view in the URL).
    app.get(/^\/(?!api\/).*/, (_request, response) => response.sendFile(path.join(webRoot, "index.html")));
  } else {
    app.get("/", (_request, response) => {
      response
        .type("text/plain")
        .send(
          "Trustmap's API is running under /api/. The web app is not built: run `pnpm --filter @trustmap/web build`.\n",
        );
    });
  }
  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    if (error instanceof HttpError) {
      response.locals.refusal = error.message;
      response.status(error.status).set(error.headers).json({ error: error.message });
      return;
    }
    const status = clientErrorStatus(error);
    if (status !== undefined) {
      response.status(status).json({ error: `${request.path}: ${(error as Error).message}` });
      return;
    }
    logger.log("error", "request failed", {
      method: request.method,
      path: request.path,
      error: error instanceof Error ? error.stack : String(error),
    });
    response.status(500).json({ error: "internal error; the BFF's log has the details" });
  });

  const server = createHttpServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (options.socketPath !== undefined) server.listen(options.socketPath, () => resolve());
    else server.listen(options.port, options.host, () => resolve());
  });
  const url = listeningUrl(server, options.socketPath);
  const address = server.address();
  hosts = new HostPolicy(
    typeof address === "string" || address === null
      ? {}
      : { addresses: [options.host, address.address], port: address.port },
    options.allowedHosts,
  );
  if (webServed) origin = loopbackOrigin(server);
  // The engine judges findings by the exceptions in force: the graph's marks and every count leave
  // accepted findings out (main tells it again when the file changes).
  if (options.accepted !== undefined && options.accepted.exceptions.length > 0)
    live.accept(options.accepted.exceptions);
  history?.start();
  live.start();
  logger.log("info", "listening", { url, source: live.info });

  return {
    url,
    live,
    server,
    streams,
    queues,
    hosts,
    auth,
    history,
    notifier,
    async close() {
      for (const connection of [...streams]) connection.close();
      await live.stop();
      await notifier?.close();
      await history?.close();
      await printer.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}
