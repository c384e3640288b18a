import { type AcceptedException, compareEntriesOf, dns1123LabelProblem, excerptOf } from "@trustmap/engine";
import {
  CanIQuery,
  ChangesQuery,
  type ClusterInfo,
  CompareQuery,
  type DeliveriesAnswer,
  decodeEventId,
  EvidenceQuery,
  type EvidenceReport,
  ExplainQuery,
  ExposureQuery,
  FindingsQuery,
  GapsQuery,
  type GraphOverlay,
  type GroupingList,
  type Health,
  MatrixExportQuery,
  MatrixPageQuery,
  type NamespaceList,
  OVERLAY_LIMIT,
  OverlayQuery,
  PageShotQuery,
  parseViewKey,
  ReachQuery,
  type ReportsAnswer,
  SearchQuery,
  StreamQuery,
  type ViewPresence,
  ViewPresenceQuery,
  WhoCanQuery,
  type WorkloadGroupingList,
} from "@trustmap/shared";
import { type Response, Router } from "express";
import type { z } from "zod";
import type { Access } from "../auth/access";
import type { Identity } from "../auth/gate";
import { checkNamespace, checkNode, checkView, listableOf, readableOf, withTiersShown } from "../auth/scope";
import { draftRoutes, keptDraftEdits } from "../drafts/routes";
import { DraftStore } from "../drafts/store";
import type { ReadableWire } from "../engine/protocol";
import { matrixCsv } from "../export/csv";
import { evidenceCsv, evidenceJson, evidenceSarif } from "../export/evidence";
import { type Credential, PrinterUnavailable, type ReportPrinter } from "../export/printer";
import { markMatrix } from "../history/marks";
import type { Notifier } from "../history/notify";
import type { ChangeRecorder } from "../history/recorder";
import { checkQueryEncoding, pathEncodingCheck, refuseOtherOrigins } from "../http/checks";
import { HttpError } from "../http/errors";
import { parseQuery } from "../http/parse";
import { type QueueLimits, WorkQueue } from "../http/queue";
import type { LiveCluster } from "../live/cluster";
import { StreamConnection } from "../stream/connection";
import { metricsText } from "./metrics";

const VERSION = "0.1.0";

/** The accepted exceptions the server was started with (`--exceptions FILE`). */
export interface Accepted {
  readonly exceptions: readonly AcceptedException[];
}

/** The filters given (those undefined left out), as exports name and state them. */
function definedOnly<T>(filters: Record<string, T | undefined>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(filters).filter((entry): entry is [string, T] => entry[1] !== undefined),
  );
}

/** What every JSON export says first: where it comes from, when, at which revision, with which filters. */
function exportHeader(live: LiveCluster, filters: Record<string, unknown>) {
  return {
    generatedAt: new Date().toISOString(),
    trustmapVersion: VERSION,
    source: live.info,
    revision: live.revision,
    filters: definedOnly(filters),
  };
}

/** trustmap-findings-severity-high-namespace-shop-2026-11-24T18-00-00Z.csv: the filters in the name (safe characters only). */
function exportName(what: string, filters: Record<string, unknown>, format: string): string {
  const parts = Object.entries(definedOnly(filters)).map(([key, value]) => `${key}-${String(value)}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return [`trustmap-${what}`, ...parts, stamp]
    .join("-")
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .concat(`.${format}`);
}

/** What the PDF and the screenshots need: Chromium, and where this BFF serves the web app. */
export interface Printing {
  readonly printer: ReportPrinter;
  /** The web app's origin as Chromium on this machine reaches it; undefined when it is not served. */
  origin(): string | undefined;
  /** The cookie that lets Chromium load the pages as the requesting user (none for anonymous). */
  credential(identity: Identity): Credential | undefined;
}

function printOrigin(printing: Printing): string {
  const origin = printing.origin();
  if (origin === undefined)
    throw new HttpError(
      503,
      "PDF reports and page screenshots are printed from the web app, which this BFF does not serve: build it (pnpm --filter @trustmap/web build) and start the BFF over TCP",
    );
  return origin;
}

/** The narrowing of an answer for a user who may read some namespaces (none for one who reads all). */
function readableArgs(response: Response): { readable?: ReadableWire } {
  const readable = listableOf(response);
  return readable === undefined ? {} : { readable };
}

/** The narrowing of a graph answer (reachability, search): the namespaces whose network picture is theirs. */
function graphArgs(response: Response): { readable?: string[] } {
  const readable = readableOf(response);
  return readable === undefined ? {} : { readable: [...readable] };
}

/** The matrix's narrowing for a user who may read some namespaces (none for one who reads all). */
function readableMatrix(response: Response, namespace: string | undefined): { readable?: ReadableWire } {
  if (namespace !== undefined) checkNamespace(response, namespace, "the matrix's namespace filter", "rbac");
  return readableArgs(response);
}

function credentialOf(printing: Printing, response: Response): Credential | undefined {
  return printing.credential(response.locals.identity as Identity);
}

/** A PDF lists at most this much; the data exports of the same query hold everything. */
const PDF_LIMITS = { findingsPerCheck: 250, policies: 1000 };

function unavailable(error: unknown): never {
  if (error instanceof PrinterUnavailable) throw new HttpError(503, error.message);
  const reason = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
  throw new HttpError(
    500,
    `Chromium could not print this (${reason}): narrow the scope or the filters, or take the CSV, JSON or SARIF export`,
  );
}

/** The scope and the findings filters in words, for the report's cover and every format's header. */
function describeFilters(filters: Record<string, string | undefined>): string[] {
  const words: Record<string, string> = {
    severity: "severity is",
    pillar: "pillar is",
    id: "check is",
    search: "message or object contains",
  };
  return Object.entries(definedOnly(filters))
    .filter(([key]) => key !== "namespace")
    .map(([key, value]) => `${words[key] ?? key} ${JSON.stringify(value)}`);
}

/** Who an answer is for, when they may read some namespaces only. */
interface Reader {
  readonly user: string;
  readonly access: Access;
}

/** The reader of a scoped request (undefined for one who may read everything). */
function readerOf(response: Response): Reader | undefined {
  const access = response.locals.access as Access | undefined;
  if (access === undefined || access.cluster) return undefined;
  return { user: (response.locals.identity as Identity).user.name, access };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** What a scoped reader's report leaves out, in words. */
function accessText({ user, access }: Reader): string {
  const parts =
    access.namespaces.join() === access.rbac.join()
      ? ""
      : ` They may read the pods and policies of ${access.namespaces.join(", ") || "no namespace"}, and the RBAC of ${access.rbac.join(", ") || "no namespace"}.`;
  return `Made for ${user}, who may not read the whole cluster: ${plural(access.hidden, "namespace")} hidden by their access, and whatever else they may not list (cluster-scoped objects, ClusterRoles and their bindings, RoleBindings' ClusterRoles), are left out of every section.${parts}`;
}

/** The scope a report is of, as the change log files reports: "cluster" or "namespace NAME". */
/** A moment the change log cannot compare with (`until` before `since`) is the asker's mistake. */
function badMoment(error: unknown): never {
  if (error instanceof RangeError) throw new HttpError(400, `query: ${error.message}`);
  throw error;
}

function reportScope(namespace: string | undefined): string {
  return namespace === undefined ? "cluster" : `namespace ${namespace}`;
}

/**
 * The report's "changes since" section: what changed in its scope since the moment asked for, or
 * since the last report of the same scope ("last"; the log's beginning when there was none).
 */
async function changesSince(
  history: ChangeRecorder | undefined,
  since: string,
  namespace: string | undefined,
  reader: Reader | undefined,
): Promise<NonNullable<EvidenceReport["changes"]>> {
  if (history === undefined)
    throw new HttpError(
      404,
      'query parameter "since": this Trustmap keeps no change log (started with --changes off)',
    );
  if (reader !== undefined)
    throw new HttpError(
      403,
      'query parameter "since": the change log is about the whole cluster, and your access covers some namespaces only',
    );
  const log = history.log;
  let moment: Date | undefined;
  let basis: NonNullable<EvidenceReport["changes"]>["basis"] = "date";
  if (since === "last") {
    moment = await log.lastReport(reportScope(namespace));
    basis = "last-report";
    if (moment === undefined) {
      moment = await log.beginning();
      basis = "log-start";
    }
    if (moment === undefined)
      throw new HttpError(
        409,
        "the change log has not begun yet (the cluster's first list is not in): try again shortly",
      );
  } else {
    moment = new Date(since);
  }
  if (moment.getTime() > Date.now())
    throw new HttpError(400, `query parameter "since": ${since} is in the future`);
  const answer = await log.compare({
    since: moment.toISOString(),
    ...(namespace === undefined ? {} : { namespace }),
    limit: 500,
  });
  return { ...answer, basis };
}

async function evidenceOf(
  live: LiveCluster,
  query: Omit<z.infer<typeof EvidenceQuery>, "paper">,
  accepted: Accepted = { exceptions: [] },
  reader?: Reader,
  history?: ChangeRecorder,
): Promise<EvidenceReport> {
  const { since, ...filters } = query;
  const changes =
    since === undefined ? undefined : await changesSince(history, since, filters.namespace, reader);
  const report = await evidenceAt(live, filters, accepted, reader);
  return changes === undefined ? report : { ...report, changes };
}

async function evidenceAt(
  live: LiveCluster,
  filters: Omit<z.infer<typeof EvidenceQuery>, "paper" | "since">,
  accepted: Accepted,
  reader: Reader | undefined,
): Promise<EvidenceReport> {
  const info = live.info;
  const readable =
    reader === undefined
      ? undefined
      : [...new Set([...reader.access.namespaces, ...reader.access.rbac])].sort();
  const scopeText =
    filters.namespace !== undefined
      ? `Namespace ${filters.namespace}`
      : readable === undefined
        ? "Whole cluster"
        : readable.length === 0
          ? `No namespace (${reader!.user} may read none)`
          : readable.length === 1
            ? `Namespace ${readable[0]} (as ${reader!.user} may read it)`
            : `${readable.length} namespaces as ${reader!.user} may read them: ${readable.join(", ")}`;
  return live.query("evidence", {
    ...filters,
    meta: {
      title: `Zero Trust posture: ${scopeText}`,
      cluster: info.server ?? info.name,
      ...(info.kind === "kubernetes" ? { context: info.name } : {}),
      source: info,
      status: live.connection,
      scope:
        filters.namespace !== undefined
          ? { kind: "namespace", namespace: filters.namespace }
          : readable === undefined
            ? { kind: "cluster" }
            : { kind: "namespaces", namespaces: [...readable] },
      scopeText,
      ...(reader === undefined
        ? {}
        : {
            access: {
              user: reader.user,
              hidden: reader.access.hidden,
              text: accessText(reader),
            },
          }),
      filters: definedOnly(filters),
      filtersText: describeFilters(filters),
      generatedAt: new Date().toISOString(),
      trustmapVersion: VERSION,
    },
    ...(accepted.exceptions.length === 0
      ? {}
      : { accepted: { exceptions: accepted.exceptions, now: Date.now() } }),
    ...(reader === undefined
      ? {}
      : { readable: { graph: [...reader.access.namespaces], rbac: [...reader.access.rbac] } }),
  });
}

export { HttpError };

/** Printing costs seconds of Chromium and hundreds of megabytes each: one at a time, four waiting. */
export const PRINT_QUEUE: QueueLimits = {
  what: "PDF reports and page screenshots",
  running: 1,
  waiting: 4,
  retryAfterS: 10,
};

/** Data exports hold the scope's whole report or matrix in memory: two at a time, eight waiting. */
export const EXPORT_QUEUE: QueueLimits = { what: "exports", running: 2, waiting: 8, retryAfterS: 5 };

/** The work queues of the costly routes (exports). */
export interface Queues {
  readonly print: WorkQueue;
  readonly exports: WorkQueue;
}

export function exportQueues(): Queues {
  return { print: new WorkQueue(PRINT_QUEUE), exports: new WorkQueue(EXPORT_QUEUE) };
}

/** Aborted when the client goes away before its answer is sent: it leaves a queue's waiting line. */
function clientGone(response: Response): AbortSignal {
  const controller = new AbortController();
  response.on("close", () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}

// The routes with path parameters: Express decodes them before any handler; a malformed one is a
// 400 naming it, checked first.
/** The view keys there are, for the message that refuses another. */
/** The longest delay a Node timer takes (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const VIEW_KEYS =
  "(overview, groups:<label>[/<opened groups>], namespace:<name>[/<label>[/<opened groups>]][;<pod label>[/<opened groups>]], workload:<identity>)";
const NODE_ROUTE = "/nodes/:id";
const REPORT_ROUTE = "/export/report.:format";
const RBAC_EXPORT_ROUTE = "/export/rbac.:format";
const checkPathEncoding = pathEncodingCheck([NODE_ROUTE, REPORT_ROUTE, RBAC_EXPORT_ROUTE]);

/** Parses query parameters with a schema; a bad one is a 400 that names it. */
export interface StreamRegistry {
  next(): string;
  /** `identity`: who the stream is for (it ends when their session does). */
  add(connection: StreamConnection, identity: Identity): void;
  remove(connection: StreamConnection): void;
  readonly size: number;
}

/** The API: routes translate HTTP to queries and back, nothing more. */
export function apiRouter(
  live: LiveCluster,
  streams: StreamRegistry,
  printing: Printing,
  heartbeatMs?: number,
  accepted: Accepted = { exceptions: [] },
  queues: Queues = exportQueues(),
  history?: ChangeRecorder,
  notifier?: Notifier,
): Router {
  const router = Router();
  const drafts = history === undefined ? undefined : new DraftStore(history.log.db);

  router.use((request, _response, next) => {
    checkQueryEncoding(request);
    checkPathEncoding(request);
    next();
  });
  // Exports are costly: made for this dashboard's own pages only (not for a page of another site
  // that sends the browser here), and queued.
  router.use("/export", (request, _response, next) => {
    refuseOtherOrigins(request, "exports");
    next();
  });

  router.get("/health", (_request, response: Response<Health>) => {
    response.json({
      connected: live.connection.state === "connected",
      source: live.info,
      status: live.connection,
      revision: live.revision,
      backlog: live.backlog,
    });
  });

  router.get("/cluster", async (_request, response: Response<ClusterInfo>) => {
    response.json({
      source: live.info,
      status: live.connection,
      revision: live.revision,
      startedAt: live.startedAt,
      counts: await live.query("counts", readableArgs(response)),
      eventsPerSecond: live.eventsPerSecond(),
      problems: [...live.problemsSeen],
    });
  });

  router.get("/namespaces", async (_request, response: Response<NamespaceList>) => {
    const readable = readableOf(response);
    const namespaces = await live.query("namespaces", {});
    // Each summary is about its own namespace alone: a user gets those they may read.
    response.json({
      namespaces:
        readable === undefined ? namespaces : namespaces.filter((summary) => readable.has(summary.name)),
    });
  });

  // The namespace labels the cluster's view can group by (view key groups:<label>).
  router.get("/groupings", async (_request, response: Response<GroupingList>) => {
    response.json(await live.query("groupings", {}));
  });

  // How many workloads a namespace holds, and the pod labels its view can group them by
  // (view key namespace:<name>;<label>).
  router.get(
    "/namespaces/:namespace/groupings",
    async (request, response: Response<WorkloadGroupingList>) => {
      const namespace = request.params.namespace;
      const problem = typeof namespace === "string" ? dns1123LabelProblem(namespace) : "is missing";
      if (problem !== undefined) throw new HttpError(400, `namespace: a namespace name ${problem}`);
      checkNamespace(response, namespace, "this namespace's workloads");
      const list = await live.query("workloadGroupings", { namespace });
      if (list === undefined)
        throw new HttpError(404, `no namespace ${JSON.stringify(namespace)} in the cluster now`);
      response.json(list);
    },
  );

  router.get(NODE_ROUTE, async (request, response) => {
    const id = request.params.id;
    if (typeof id !== "string" || id.length > 2048)
      throw new HttpError(400, "node id: expected a view node id");
    checkNode(response, id, "this node");
    const details = await live.query("node", { id, ...readableArgs(response) });
    if (details === undefined) throw new HttpError(404, `no node ${JSON.stringify(id)} in the cluster now`);
    response.json(details);
  });

  router.get("/explain", async (request, response) => {
    const query = parseQuery(ExplainQuery, request);
    checkNode(response, query.from, "the connection's source");
    checkNode(response, query.to, "the connection's destination");
    const explanation = await live.query("explain", query);
    if (explanation === undefined)
      throw new HttpError(
        404,
        `no node ${JSON.stringify(query.from)} or ${JSON.stringify(query.to)} in the cluster now`,
      );
    response.json(withTiersShown(response, explanation));
  });

  // Reachability of a node and search over the cluster: the engine answers.
  router.get("/reach", async (request, response) => {
    const query = parseQuery(ReachQuery, request);
    checkNode(response, query.node, "this node");
    const reach = await live.query("reach", { ...query, ...graphArgs(response) });
    if (reach === undefined)
      throw new HttpError(404, `no node ${JSON.stringify(query.node)} in the cluster now`);
    response.json(withTiersShown(response, reach));
  });

  // What the cluster publishes outside itself: the engine's paths, narrowed to what the user may read.
  router.get("/exposure", async (request, response) => {
    const query = parseQuery(ExposureQuery, request);
    if (query.namespace !== undefined) checkNamespace(response, query.namespace, "this namespace's exposure");
    if (query.view !== undefined) {
      if (parseViewKey(query.view) === undefined)
        throw new HttpError(400, `query parameter "view": ${JSON.stringify(query.view)} is not a view`);
      checkView(response, query.view);
    }
    const access = response.locals.access as Access | undefined;
    if (access !== undefined && !access.exposure)
      throw new HttpError(
        403,
        "what the cluster publishes: your access does not let you list Services and Ingresses in every namespace",
      );
    response.json(await live.query("exposure", { ...query, ...graphArgs(response) }));
  });

  router.get("/search", async (request, response) => {
    const readable = readableOf(response);
    response.json(
      await live.query("search", {
        ...parseQuery(SearchQuery, request),
        ...(readable === undefined ? {} : { readable: [...readable] }),
      }),
    );
  });

  router.get("/rbac", async (request, response) => {
    const { since, draft, ...query } = parseQuery(MatrixPageQuery, request);
    if (since !== undefined && draft !== undefined)
      throw new HttpError(
        400,
        'query parameters "since" and "draft": the matrix is compared with one of them at a time',
      );
    if (draft !== undefined) {
      // As the draft would make it: its rights gained and changed marked on the cells, those lost per row.
      const { edits } = await keptDraftEdits(drafts, response, draft);
      const answer = await live.query("draftMatrix", { edits, query });
      response.json(markMatrix(answer.page, compareEntriesOf(answer.changes, "rbac")));
      return;
    }
    if (since !== undefined) wholeCluster(response, "since");
    const page = await live.query("matrix", { ...query, ...readableMatrix(response, query.namespace) });
    if (since === undefined) {
      response.json(page);
      return;
    }
    // Compared with a moment: the log's differences of the page's subjects, marked on its cells.
    const compared = await recorded()
      .log.compare({
        since,
        area: "rbac",
        subjects: page.rows.map((row) => row.ref),
        ...(query.namespace === undefined ? {} : { namespace: query.namespace }),
        limit: OVERLAY_LIMIT,
      })
      .catch(badMoment);
    response.json(markMatrix(page, compared.entries));
  });

  // RBAC questions: who can do something, what may a subject do.
  router.get("/rbac/who-can", async (request, response) => {
    response.json(
      await live.query("whoCan", { ...parseQuery(WhoCanQuery, request), ...readableArgs(response) }),
    );
  });

  router.get("/rbac/can-i", async (request, response) => {
    const query = parseQuery(CanIQuery, request);
    const answer = await live.query("canI", { ...query, ...readableArgs(response) });
    if (answer === undefined)
      throw new HttpError(
        404,
        `query parameter "subject": no subject ${JSON.stringify(query.subject)} in the cluster now`,
      );
    response.json(answer);
  });

  router.get("/findings", async (request, response) => {
    const query = parseQuery(FindingsQuery, request);
    if (query.namespace !== undefined)
      checkNamespace(response, query.namespace, "the findings' namespace filter", "any");
    response.json(await live.query("findings", { ...query, ...readableArgs(response) }));
  });

  // The gaps page: grouped, counted and ranked by the engine, accepted exceptions judged now.
  router.get("/gaps", async (request, response) => {
    const query = parseQuery(GapsQuery, request);
    if (query.namespace !== undefined)
      checkNamespace(response, query.namespace, "the gaps' namespace filter", "any");
    response.json(
      await live.query("gaps", {
        ...query,
        exceptions: accepted.exceptions,
        now: Date.now(),
        ...readableArgs(response),
      }),
    );
  });

  /** A report of the whole picture made: the next report of its scope may list the changes since it. */
  const noteReport = async (namespace: string | undefined, format: string) => {
    await history?.log.reportMade(reportScope(namespace), format).catch(() => undefined);
  };

  // Exports respect the same filters as the pages, and say which in the file and its name. Every
  // format of the evidence report is rendered from one model, read at one revision.
  router.get(REPORT_ROUTE, async (request, response) => {
    const format = request.params.format;
    if (format !== "pdf" && format !== "csv" && format !== "json" && format !== "sarif")
      throw new HttpError(404, `report export: ${JSON.stringify(format)} is not pdf, csv, json or sarif`);
    const { paper, ...filters } = parseQuery(EvidenceQuery, request);
    if (paper !== undefined && format !== "pdf")
      throw new HttpError(400, 'query parameter "paper": only the PDF has a paper size');
    if (filters.namespace !== undefined)
      checkNamespace(response, filters.namespace, "the report's namespace", "any");
    const reader = readerOf(response);
    const name = exportName("report", { ...filters, ...(paper === undefined ? {} : { paper }) }, format);
    if (format === "pdf") {
      const origin = printOrigin(printing);
      const { report, pdf } = await queues.print.run(async () => {
        const report = await evidenceOf(live, filters, accepted, reader, history);
        const pdf = await printing.printer
          .pdf(origin, excerptOf(report, PDF_LIMITS), paper ?? "a4", credentialOf(printing, response))
          .catch(unavailable);
        return { report, pdf };
      }, clientGone(response));
      response.setHeader("X-Trustmap-Revision", String(report.meta.revision));
      response.setHeader("Content-Disposition", `attachment; filename="${name}"`);
      response.type("application/pdf").send(pdf);
      if (reader === undefined) await noteReport(filters.namespace, format);
      return;
    }
    const report = await queues.exports.run(
      () => evidenceOf(live, filters, accepted, reader, history),
      clientGone(response),
    );
    response.setHeader("X-Trustmap-Revision", String(report.meta.revision));
    response.setHeader("Content-Disposition", `attachment; filename="${name}"`);
    if (format === "csv") response.type("text/csv; charset=utf-8").send(evidenceCsv(report));
    else if (format === "sarif") response.type("application/sarif+json").send(evidenceSarif(report));
    else response.type("application/json").send(evidenceJson(report));
    if (reader === undefined) await noteReport(filters.namespace, format);
  });

  // A PNG of the matrix or the gaps page as the given query shows it, its whole length.
  router.get("/export/page.png", async (request, response) => {
    const shot = parseQuery(PageShotQuery, request);
    const params = new URLSearchParams(shot.query);
    params.set("tab", shot.page);
    // Chromium loads the page as the requesting user, so it shows what they may read; a namespace
    // they may not read is refused here rather than printed as the page's error.
    const namespace = params.get("ns");
    if (namespace !== null) checkNamespace(response, namespace, "the page's namespace filter", "any");
    const origin = printOrigin(printing);
    const png = await queues.print.run(
      () =>
        printing.printer
          .screenshot(
            origin,
            { path: `/?${params}`, width: shot.width, scale: shot.scale },
            credentialOf(printing, response),
          )
          .catch(unavailable),
      clientGone(response),
    );
    response.setHeader(
      "Content-Disposition",
      `attachment; filename="${exportName(shot.page, Object.fromEntries(params), "png")}"`,
    );
    response.type("image/png").send(png);
  });

  router.get(RBAC_EXPORT_ROUTE, async (request, response) => {
    const format = request.params.format;
    if (format !== "csv" && format !== "json")
      throw new HttpError(404, `RBAC export: ${JSON.stringify(format)} is not csv or json`);
    const filters = parseQuery(MatrixExportQuery, request);
    const page = await queues.exports.run(
      () =>
        live.query("matrix", {
          ...filters,
          offset: 0,
          limit: Number.MAX_SAFE_INTEGER,
          ...readableMatrix(response, filters.namespace),
        }),
      clientGone(response),
    );
    response.setHeader(
      "Content-Disposition",
      `attachment; filename="${exportName("rbac", filters, format)}"`,
    );
    if (format === "csv") {
      response.type("text/csv; charset=utf-8").send(matrixCsv(page.rows));
      return;
    }
    response.json({ ...exportHeader(live, filters), total: page.total, rows: page.rows });
  });

  router.get("/metrics", async (_request, response) => {
    const counts = await live.query("counts", {});
    response.type("text/plain; version=0.0.4").send(metricsText(live, counts, streams.size));
  });

  draftRoutes(router, live, drafts);

  // Posture over time: the change log's feed, the difference between two moments, its state.
  /** The log is about the whole cluster: refused to a user whose access covers some namespaces only. */
  const wholeCluster = (response: Response, parameter: string) => {
    const access = response.locals.access as Access | undefined;
    if (access !== undefined && !access.cluster)
      throw new HttpError(
        403,
        `query parameter "${parameter}": the change log is about the whole cluster, and your access covers some namespaces only`,
      );
  };
  const recorded = (): ChangeRecorder => {
    if (history === undefined)
      throw new HttpError(404, "this Trustmap keeps no change log (started with --changes off)");
    return history;
  };
  router.get("/changes", async (request, response) => {
    const query = parseQuery(ChangesQuery, request);
    response.json(await recorded().log.feed(query));
  });
  router.get("/changes/compare", async (request, response) => {
    const query = parseQuery(CompareQuery, request);
    response.json(await recorded().log.compare(query).catch(badMoment));
  });
  router.get("/changes/overlay", async (request, response: Response<GraphOverlay>) => {
    const query = parseQuery(OverlayQuery, request);
    const ref = parseViewKey(query.view);
    if (ref === undefined)
      throw new HttpError(400, `query parameter "view": ${JSON.stringify(query.view)} is not a view`);
    const log = recorded().log;
    const compared = await log
      .compare({
        since: query.since,
        ...(query.until === undefined ? {} : { until: query.until }),
        area: "reach",
        ...(ref.kind === "namespace" ? { namespace: ref.namespace } : {}),
        limit: OVERLAY_LIMIT,
      })
      .catch(badMoment);
    const placed = await live.query("overlay", { ref, differences: compared.entries });
    response.json({
      view: query.view,
      since: compared.since,
      until: compared.until,
      complete: compared.complete,
      total: compared.total,
      truncated: compared.total > compared.entries.length,
      ...placed,
    });
  });
  router.get("/changes/reports", async (_request, response: Response<ReportsAnswer>) => {
    response.json({ reports: await recorded().log.reports() });
  });
  router.get("/changes/status", (_request, response) => {
    response.json(recorded().status);
  });
  router.get("/changes/deliveries", async (_request, response: Response<DeliveriesAnswer>) => {
    recorded();
    response.json({ deliveries: notifier === undefined ? [] : await notifier.deliveries() });
  });

  router.get("/stream", (request, response) => {
    const query = parseQuery(StreamQuery, request);
    const access = response.locals.access as Access | undefined;
    if (query.changes === "1") {
      recorded();
      if (access !== undefined && !access.cluster)
        throw new HttpError(
          403,
          "the change log: it is about the whole cluster, and your access covers some namespaces only",
        );
    }
    const subscriptions = query.view.map((key) => {
      const ref = parseViewKey(key);
      if (ref === undefined)
        throw new HttpError(400, `query parameter "view": ${JSON.stringify(key)} is not a view ${VIEW_KEYS}`);
      return { key, ref };
    });
    if (subscriptions.length > 16)
      throw new HttpError(400, 'query parameter "view": at most 16 views per stream');
    for (const { key } of subscriptions) checkView(response, key);
    const header = request.header("last-event-id");
    const resume = decodeEventId(header ?? query.lastEventId);
    response.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    response.flushHeaders();
    const connection = new StreamConnection(
      streams.next(),
      response,
      live,
      subscriptions,
      resume,
      heartbeatMs,
      readableOf(response),
      access?.hidden ?? 0,
      query.changes === "1" ? history : undefined,
    );
    const identity = response.locals.identity as Identity;
    streams.add(connection, identity);
    // A stream lasts no longer than its session: at expiry it ends, and the page asks who is there.
    // An OpenID session's stream ends when the provider is to be asked again: the page's
    // reconnection is the request that asks it.
    const session = identity.session;
    const until =
      session === undefined
        ? undefined
        : Math.min(session.expiresAt, session.refresh?.at ?? Number.POSITIVE_INFINITY);
    const expiry =
      until === undefined
        ? undefined
        : setTimeout(() => connection.close(), Math.min(Math.max(0, until - Date.now()), MAX_TIMER_MS));
    response.on("close", () => {
      clearTimeout(expiry);
      streams.remove(connection);
    });
  });

  // Whether a view's namespace or workload exists now: an empty picture is told from a missing one.
  router.get("/view", async (request, response: Response<ViewPresence>) => {
    const { view } = parseQuery(ViewPresenceQuery, request);
    const ref = parseViewKey(view);
    if (ref === undefined)
      throw new HttpError(400, `query parameter "view": ${JSON.stringify(view)} is not a view ${VIEW_KEYS}`);
    checkView(response, view);
    const presence = await live.query("viewPresence", { ref });
    response.json({ view, ...presence });
  });

  return router;
}
