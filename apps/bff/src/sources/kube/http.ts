import http from "node:http";
import https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import { messageOf } from "./config";
import { isRecord } from "./raw";

/** How to reach the API server: the kubeconfig, and how long a silent response may last. */
export interface Connection {
  readonly config: KubeConfig;
  readonly context: string;
  readonly server: string;
  /** A response that sends no byte for this long is taken for a dead connection. */
  readonly idleTimeoutMs: number;
}

/** The request never got an answer, or its answer broke off: retrying may help. */
export class TransportError extends Error {}

/** The API server answered with an error status (or a watch ERROR event carried one). */
export class ApiStatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    /** The server's Retry-After, for 429 and 503. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}

/** How much of an error body is read: a Status object is small; anything longer is not one. */
const ERROR_BODY_LIMIT = 64 * 1024;
const RETRY_AFTER_LIMIT_MS = 5 * 60_000;

/**
 * GETs one path of the API server and yields the body as text while it arrives. Requests go
 * through node's http(s) with the TLS options and credentials client-node derives from the
 * kubeconfig (client certificates, tokens, exec plugins), fetched anew for each request so that
 * rotating tokens stay fresh. The request is aborted when `signal` aborts (the generator then just
 * ends) and when no byte arrives for `idleTimeoutMs` (a TransportError): client-node's own Watch
 * can wait forever on a connection that died without a FIN.
 */
export async function* get(
  connection: Connection,
  path: string,
  query: URLSearchParams,
  signal: AbortSignal,
  onOpen: () => void,
  session?: RequestSession,
): AsyncGenerator<string, void, undefined> {
  if (signal.aborted) return;
  const options = session === undefined ? await requestOptions(connection) : await session.options();
  // Getting credentials may have run a plugin: stop() may have come meanwhile.
  if (signal.aborted) return;
  const url = requestUrl(connection.server, path, query);
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal.addEventListener("abort", abort, { once: true });
  let idle = false;
  let timer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      controller.abort();
    }, connection.idleTimeoutMs);
  };
  try {
    touch();
    const response = await send(url, options, controller.signal);
    touch();
    if (response.statusCode !== 200) throw await statusError(response);
    onOpen();
    response.setEncoding("utf8");
    for await (const chunk of response) {
      touch();
      yield String(chunk);
    }
  } catch (error) {
    if (signal.aborted) return;
    if (idle)
      throw new TransportError(`no data from the API server for ${connection.idleTimeoutMs / 1000} s`);
    if (error instanceof ApiStatusError) throw error;
    throw new TransportError(describeNetworkError(error));
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", abort);
    // Ends the request when the reader stopped early (a 410 in a watch, or stop()).
    controller.abort();
    if (session === undefined && options.agent instanceof http.Agent) options.agent.destroy();
  }
}

/**
 * Requests that follow one another (the pages of one list) over one connection: the credentials
 * are read once and the TLS connection is kept alive between them, instead of a new TLS context
 * and handshake per page. Behind a proxy, the proxy's agent made for the first request serves
 * them all. Closed by its user once the requests are done.
 */
export class RequestSession {
  private pending: Promise<https.RequestOptions> | undefined;

  constructor(private readonly connection: Connection) {}

  options(): Promise<https.RequestOptions> {
    this.pending ??= requestOptions(this.connection).then((options) => keptAlive(options, 1));
    return this.pending;
  }

  close(): void {
    const pending = this.pending;
    this.pending = undefined;
    void pending?.then(
      (options) => {
        if (options.agent instanceof http.Agent) options.agent.destroy();
      },
      () => undefined,
    );
  }
}

/**
 * The same options with an agent that keeps connections alive, up to `maxSockets` at once.
 * client-node makes a plain http(s).Agent per call unless a proxy is configured; its options (CA,
 * client certificate) are those of the agent kept alive in its place. Behind a proxy, the proxy's
 * agent is kept as it is.
 */
export function keptAlive(options: https.RequestOptions, maxSockets: number): https.RequestOptions {
  const agent = options.agent;
  if (agent?.constructor !== https.Agent && agent?.constructor !== http.Agent) return options;
  const made = agent as http.Agent & { readonly options: https.AgentOptions };
  const settings = { ...made.options, keepAlive: true, maxSockets };
  made.destroy();
  return {
    ...options,
    agent: agent.constructor === https.Agent ? new https.Agent(settings) : new http.Agent(settings),
  };
}

export async function requestOptions(connection: Connection): Promise<https.RequestOptions> {
  const options: https.RequestOptions = {};
  try {
    // Async in client-node 1.x: it may run an exec credential plugin or read a token file.
    await connection.config.applyToHTTPSOptions(options);
  } catch (error) {
    throw new TransportError(
      `could not get credentials for context "${connection.context}": ${messageOf(error)}`,
    );
  }
  const headers = options.headers !== undefined && !Array.isArray(options.headers) ? options.headers : {};
  return {
    ...options,
    method: "GET",
    headers: { ...headers, Accept: "application/json", "User-Agent": "trustmap" },
  };
}

/** The server URL may carry a path (API servers behind a proxy): the API path goes after it. */
export function requestUrl(server: string, path: string, query: URLSearchParams): URL {
  const url = new URL(server);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${path}`;
  url.search = query.toString();
  return url;
}

/** Sends a request (with `body` as its JSON, when given) and resolves with the response's head. */
export function send(
  url: URL,
  options: https.RequestOptions,
  signal: AbortSignal,
  body?: string,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === "https:" ? https.request : http.request;
    const outgoing = request(url, { ...options, signal }, resolve);
    // Stays attached for the request's whole life: a later error surfaces through the response
    // stream, and rejecting a settled promise is harmless.
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

export async function statusError(response: http.IncomingMessage): Promise<ApiStatusError> {
  const code = response.statusCode ?? 0;
  const body = await readLimited(response);
  const status = parseStatus(body);
  const reason = status?.reason ?? response.statusMessage ?? "";
  const message = status?.message ?? body.trim().slice(0, 300);
  return new ApiStatusError(code, reason, message, retryAfterMs(response.headers["retry-after"]));
}

export async function readLimited(response: http.IncomingMessage): Promise<string> {
  response.setEncoding("utf8");
  let body = "";
  for await (const chunk of response) {
    body += String(chunk);
    if (body.length >= ERROR_BODY_LIMIT) {
      response.destroy();
      break;
    }
  }
  return body;
}

/** A metav1.Status (the body of every API error, and the object of a watch ERROR event). */
export function parseStatus(
  value: unknown,
): { code?: number; reason?: string; message?: string } | undefined {
  let object = value;
  if (typeof value === "string") {
    try {
      object = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(object)) return undefined;
  return {
    ...(typeof object.code === "number" ? { code: object.code } : {}),
    ...(typeof object.reason === "string" ? { reason: object.reason } : {}),
    ...(typeof object.message === "string" ? { message: object.message } : {}),
  };
}

function retryAfterMs(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d+$/.test(header.trim())) return undefined;
  return Math.min(Number(header.trim()) * 1000, RETRY_AFTER_LIMIT_MS);
}

export function describeNetworkError(error: unknown): string {
  const code = isRecord(error) && typeof error.code === "string" ? error.code : undefined;
  const message = messageOf(error);
  return code === undefined || message.includes(code) ? message : `${message} (${code})`;
}
