import type { Request } from "express";
import { HttpError } from "./errors";

/**
 * Costly work is done only for this server's own pages, a URL typed in the address bar, or a
 * client that is no browser: a page of another site that sends the browser here is refused
 * (Sec-Fetch-Site, written by the browser), as is any other origin a browser names (Origin).
 */
export function refuseOtherOrigins(request: Request, what: string): void {
  const site = request.header("sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none")
    throw new HttpError(
      403,
      `${what} are made for this dashboard's own pages only: the request came from another site (Sec-Fetch-Site: ${site})`,
    );
  const origin = request.header("origin");
  if (origin !== undefined && !sameOrigin(origin, request.header("host")))
    throw new HttpError(
      403,
      `${what} are made for this dashboard's own pages only: Origin ${JSON.stringify(origin)} is not this server's`,
    );
}

/** Whether an Origin header names the host the request was sent to (any scheme: a proxy may add TLS). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    const url = new URL(origin);
    if (url.protocol !== "http:" && url.protocol !== "https:") return false;
    return url.host === new URL(`${url.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

const ENCODING_HINT =
  "is not valid percent-encoding (a % is followed by two hex digits of UTF-8; %25 for a % itself)";

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** A 400 naming the first query parameter whose name or value does not decode. */
export function checkQueryEncoding(request: Request): void {
  const at = request.originalUrl.indexOf("?");
  if (at < 0) return;
  for (const pair of request.originalUrl.slice(at + 1).split("&")) {
    const [key = "", value = ""] = pair.replace(/\+/g, " ").split(/=(.*)/s);
    if (!decodes(key))
      throw new HttpError(400, `query parameter name ${JSON.stringify(key)} ${ENCODING_HINT}`);
    if (!decodes(value))
      throw new HttpError(
        400,
        `query parameter ${JSON.stringify(decodeURIComponent(key))}: ${JSON.stringify(value)} ${ENCODING_HINT}`,
      );
  }
}

/** A route's path with `:name` parameters, matched against the raw (still encoded) path. */
function pathPattern(route: string): RegExp {
  const source = route
    .split(/(:\w+)/)
    .map((part) =>
      part.startsWith(":") ? `(?<${part.slice(1)}>[^/]*)` : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    )
    .join("");
  return new RegExp(`^${source}/?$`, "i");
}

/**
 * Express decodes path parameters before any handler runs and fails with a bare URIError on a
 * malformed one: these routes' parameters are checked first, for a 400 that names the parameter.
 */
export function pathEncodingCheck(routes: readonly string[]): (request: Request) => void {
  const patterns = routes.map(pathPattern);
  return (request) => {
    for (const pattern of patterns) {
      const groups = pattern.exec(request.path)?.groups;
      if (groups === undefined) continue;
      for (const [name, value] of Object.entries(groups)) {
        if (!decodes(value))
          throw new HttpError(400, `path parameter "${name}": ${JSON.stringify(value)} ${ENCODING_HINT}`);
      }
    }
  };
}
