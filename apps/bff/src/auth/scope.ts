import { decodeNodeId, nodeNamespace, parseViewKey, type ViewRef } from "@trustmap/shared";
import type { NextFunction, Request, Response } from "express";
import { HttpError } from "../http/errors";
import type { Access, Accesses } from "./access";
import type { Identity } from "./gate";

// Every answer holds only what its user may read. A user who may read every namespace gets the
// whole picture; one who may read some gets the routes whose answers Trustmap narrows to them, for
// namespaces they may read only; every other route refuses them with 403 and says why, rather than
// answer with what they may not see.

/** The namespaces whose network picture a request is answered with: undefined for the whole picture. */
export function readableOf(response: Response): ReadonlySet<string> | undefined {
  const access = response.locals.access as Access | undefined;
  return access === undefined || access.cluster ? undefined : new Set(access.namespaces);
}

/**
 * What a request's user may list, as the engine narrows its answers by: undefined for everything.
 * A reader of some namespaces who may not list Services and Ingresses everywhere reads no finding
 * about what publishes. (A reader of the whole picture keeps it whole: see the README.)
 */
export function listableOf(
  response: Response,
): { graph: string[]; rbac: string[]; exposure?: string[] } | undefined {
  const access = response.locals.access as Access | undefined;
  if (access === undefined || access.cluster) return undefined;
  return {
    graph: [...access.namespaces],
    rbac: [...access.rbac],
    ...(access.exposure ? {} : { exposure: [] }),
  };
}

/** The namespace a view shows, or undefined for the cluster's overview (every namespace). */
export function viewNamespace(ref: ViewRef): string | undefined {
  if (ref.kind === "namespace") return ref.namespace;
  if (ref.kind === "workload") {
    const decoded = decodeNodeId(`wl:${ref.identity}`);
    return decoded?.kind === "workload" ? decoded.workload.namespace : undefined;
  }
  return undefined;
}

function list(namespaces: readonly string[]): string {
  const shown = namespaces.slice(0, 10).join(", ");
  return namespaces.length > 10 ? `${shown} and ${namespaces.length - 10} more` : shown;
}

/** The access in words: the network picture's namespaces, and RBAC's where they differ. */
function names(access: Access): string {
  const graph = new Set(access.namespaces);
  const rbacOnly = access.rbac.filter((name) => !graph.has(name));
  const rbacLess = access.namespaces.filter((name) => !access.rbac.includes(name));
  if (access.namespaces.length === 0 && access.rbac.length === 0) return "no namespace";
  const parts = [
    ...(access.namespaces.length === 0 ? [] : [list(access.namespaces)]),
    ...(rbacOnly.length === 0 ? [] : [`RBAC only of ${list(rbacOnly)}`]),
    ...(rbacLess.length === 0 ? [] : [`no RBAC of ${list(rbacLess)}`]),
  ];
  return parts.join("; ");
}

/** The 403 of a user who may not read `what`. */
export function notReadable(access: Access, what: string): HttpError {
  return new HttpError(
    403,
    `${what}: your access covers ${names(access)} (${access.hidden} namespace${access.hidden === 1 ? "" : "s"} hidden by your access)`,
  );
}

/**
 * Checks that a scoped user may read a namespace: its network picture (`graph`, the default), its
 * RBAC (`rbac`), or either (`any`: findings and reports hold what they may read of it).
 */
export function checkNamespace(
  response: Response,
  namespace: string | undefined,
  what: string,
  part: "graph" | "rbac" | "any" = "graph",
): void {
  const access = response.locals.access as Access | undefined;
  if (access === undefined || access.cluster) return;
  const readable =
    namespace !== undefined &&
    ((part !== "rbac" && access.namespaces.includes(namespace)) ||
      (part !== "graph" && access.rbac.includes(namespace)));
  if (!readable)
    throw notReadable(
      access,
      `${what} is in ${namespace === undefined ? "every namespace" : `namespace ${JSON.stringify(namespace)}`}, which you may not read`,
    );
}

/** Checks that a scoped user may read a graph node (its namespace; nodes of none are everyone's). */
export function checkNode(response: Response, id: string, what: string): void {
  const namespace = nodeNamespace(id);
  if (namespace === null) return;
  checkNamespace(response, namespace, what);
}

/** The views a scoped user may watch: those of namespaces they may read. */
export function checkView(response: Response, key: string): void {
  const ref = parseViewKey(key);
  if (ref === undefined) return;
  checkNamespace(response, viewNamespace(ref), `the view ${JSON.stringify(key)}`);
}

/** The routes answered, narrowed, to a user who may read some namespaces only (paths under /api). */
const NARROWED = [
  /^\/health$/,
  /^\/cluster$/,
  /^\/findings$/,
  /^\/namespaces(\/[^/]+\/groupings)?$/,
  /^\/nodes\/[^/]+$/,
  /^\/explain$/,
  /^\/reach$/,
  /^\/exposure$/,
  /^\/view$/,
  /^\/stream$/,
  /^\/search$/,
  /^\/rbac(\/who-can|\/can-i)?$/,
  /^\/gaps$/,
  /^\/export\/(rbac|report)\.[^/]+$/,
  /^\/export\/page\.png$/,
];

/**
 * Decides the access of every logged-in user before a route answers (SubjectAccessReview, kept
 * briefly) and refuses the routes not narrowed yet to those who may not read every namespace.
 */
export function accessGate(accesses: Accesses | undefined) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const identity = response.locals.identity as Identity | undefined;
    if (identity === undefined || identity.unscoped) {
      next();
      return;
    }
    if (accesses === undefined) {
      next(new HttpError(503, "this Trustmap cannot ask the cluster what you may read (no API server)"));
      return;
    }
    accesses.get(identity.user).then(
      (access) => {
        response.locals.access = access;
        if (access.cluster) {
          next();
          return;
        }
        const path = request.path.replace(/\/+$/, "");
        if (!NARROWED.some((route) => route.test(path))) {
          next(
            notReadable(
              access,
              `${request.path} answers about the whole cluster and needs list access to what Trustmap reads in every namespace`,
            ),
          );
          return;
        }
        next();
      },
      (error: Error) =>
        next(new HttpError(503, `the cluster could not say what you may read: ${error.message}`)),
    );
  };
}

/** How a cluster-wide policy is named to a user who may not list them. */
export const UNLISTED_POLICY = "a cluster-wide policy (you may not list them)";

/**
 * An explanation or reach answer for a user who may not list the cluster-wide network policies:
 * each tier's decision keeps its tier, action and ports, but not the policy's name or its rule's,
 * and the summary's sentences say "a cluster-wide policy" where they named one. Others get the
 * answer as it is.
 */
export function withTiersShown<T>(response: Response, answer: T): T {
  const access = response.locals.access as Access | undefined;
  if (access === undefined || access.clusterPolicies) return answer;
  const names = new Map<string, string>();
  const redact = (value: unknown, key: string | undefined): unknown => {
    if (Array.isArray(value)) {
      if (key === "decidedBy")
        return value.map((decision: { tier: string; policy?: string; ruleName?: string; rule?: number }) => {
          if (decision.tier !== "admin" && decision.tier !== "baseline") return decision;
          const { ruleName, rule: _rule, ...rest } = decision;
          if (decision.policy !== undefined) {
            const rule = `${decision.policy} rule ${(decision.rule ?? 0) + 1}${ruleName === undefined ? "" : ` (${ruleName})`}`;
            names.set(rule, UNLISTED_POLICY);
          }
          return { ...rest, policy: UNLISTED_POLICY };
        });
      return value.map((item) => redact(item, undefined));
    }
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  };
  const redacted = redact(answer, undefined);
  const words = (value: unknown): unknown => {
    if (typeof value === "string") {
      let text = value;
      for (const [name, said] of names) text = text.split(name).join(said);
      return text;
    }
    if (Array.isArray(value)) return value.map(words);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, words(v)]));
  };
  return words(redacted) as T;
}
