import { randomBytes } from "node:crypto";
import {
  type AuthSession,
  type AuthStrategy,
  type AuthUser,
  CSRF_HEADER,
  TokenLogin,
} from "@trustmap/shared";
import express, { type NextFunction, type Request, type Response, Router } from "express";
import { refuseOtherOrigins } from "../http/checks";
import { HttpError } from "../http/errors";
import { AUDIT, type Logger } from "../log";
import type { ClusterReviews } from "../sources/kube/reviews";
import { reviewFailure } from "../sources/kube/reviews";
import type { Access } from "./access";
import type { AuthSettings } from "./config";
import { FailedLogins } from "./failures";
import { AUTHENTICATED, OidcClient, type Pending } from "./oidc";
import { type Session, Sessions } from "./sessions";

// Who is asking, decided before any route answers: a session cookie this BFF signed, the headers
// of the authenticating proxy, or nobody at all on loopback. A request that is none of them gets
// 401 and no data.

/** The user a request is answered for. */
export interface Identity {
  readonly user: AuthUser;
  readonly strategy: AuthStrategy;
  /** Answered with everything Trustmap's own account reads (anonymous, on loopback only). */
  readonly unscoped: boolean;
  readonly session?: Session;
}

/** A print session lives long enough for Chromium to load one page and its data. */
const PRINT_TTL_MS = 10 * 60_000;

/** A login at the OpenID provider may take this long before the browser comes back. */
const OIDC_PENDING_TTL_MS = 10 * 60_000;
/** A refreshed session is handed to requests that still carry the old cookie for this long. */
const REFRESHED_KEPT_MS = 60_000;

const PROVIDER_ENDED = "your login at the identity provider has ended: log in again";

/** The name anonymous requests are logged under. */
const ANONYMOUS: AuthUser = { name: "anonymous", groups: [] };

function withSlash(url: URL): string {
  return url.href.endsWith("/") ? url.href : `${url.href}/`;
}

/** The page the browser is sent back to when a login at the provider fails, saying why. */
function loginError(reason: string): string {
  return `/?${new URLSearchParams({ login_error: reason })}`;
}

/** Why a request has no identity. */
type Refused = { readonly refused: string };

/** The identity a session carries. */
function identityOf(session: Session): Identity {
  return { user: session.user, strategy: session.strategy, unscoped: false, session };
}

/** The CSRF binding of a request's session; undefined without one. */
function sessionBinding(identity: Identity | Refused): string | undefined {
  return "refused" in identity || identity.session === undefined
    ? undefined
    : `session:${identity.session.id}`;
}

/** Reads one cookie of a Cookie header (the first of that name). */
function cookie(request: Request, name: string): string | undefined {
  const header = request.header("cookie");
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at < 0) continue;
    if (part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export class Auth {
  readonly sessions: Sessions;
  private readonly failures = new FailedLogins();
  private readonly endedListeners = new Set<(sessionId: string) => void>();
  private readonly secure: boolean;
  /** The session cookie's name: `__Host-` under TLS (the browser then holds it to this origin alone). */
  readonly cookieName: string;
  private readonly nonceName: string;
  private readonly oidcName: string;
  readonly oidc: OidcClient | undefined;
  /** Sessions being (or just) refreshed with the provider, by the old session's id. */
  private readonly refreshing = new Map<
    string,
    { result: Promise<{ session: Session; value: string } | undefined>; until: number }
  >();

  constructor(
    readonly settings: AuthSettings,
    private readonly reviews: ClusterReviews | undefined,
    private readonly logger: Logger,
  ) {
    this.sessions = new Sessions(settings.secret);
    this.secure = settings.publicUrl?.protocol === "https:";
    this.cookieName = this.secure ? "__Host-trustmap-session" : "trustmap-session";
    this.nonceName = this.secure ? "__Host-trustmap-nonce" : "trustmap-nonce";
    this.oidcName = this.secure ? "__Host-trustmap-oidc" : "trustmap-oidc";
    this.oidc =
      settings.oidc === undefined || settings.publicUrl === undefined
        ? undefined
        : new OidcClient(
            settings.oidc,
            new URL("api/auth/oidc/callback", withSlash(settings.publicUrl)).href,
          );
  }

  get strategy(): AuthStrategy {
    return this.settings.strategy;
  }

  /**
   * The identity a request carries, or why it has none. A session cookie counts under every
   * strategy (the proxy's users get one only for printing); the proxy's headers count only from
   * the proxy's addresses.
   */
  identify(request: Request): Identity | Refused {
    const session = this.sessions.read(cookie(request, this.cookieName));
    if (session !== undefined) return identityOf(session);
    switch (this.settings.strategy) {
      case "anonymous":
        return { user: ANONYMOUS, strategy: "anonymous", unscoped: true };
      case "header":
        return this.fromProxy(request);
      default:
        return { refused: "log in first: this Trustmap answers only to logged-in users" };
    }
  }

  private fromProxy(request: Request): Identity | Refused {
    const header = this.settings.header!;
    const remote = request.socket.remoteAddress;
    if (!header.proxies.includes(remote))
      return {
        refused: `requests must come through the authenticating proxy (${header.proxies.given.join(", ")}), not from ${remote ?? "an unknown address"}`,
      };
    const names = request.headersDistinct[header.userHeader.toLowerCase()] ?? [];
    const name = names[0]?.trim() ?? "";
    if (names.length !== 1 || name === "")
      return {
        refused: `the authenticating proxy named ${names.length === 0 ? "no user" : "more than one user"} (header ${header.userHeader})`,
      };
    const groups = (request.headersDistinct[header.groupsHeader.toLowerCase()] ?? [])
      .map((group) => group.trim())
      .filter((group) => group !== "");
    // The API server puts every authenticated user in system:authenticated, proxied ones too.
    if (!groups.includes(AUTHENTICATED)) groups.push(AUTHENTICATED);
    return { user: { name, groups }, strategy: "header", unscoped: false };
  }

  /** What a user may read (set by the server when the cluster can say): the session tells the page. */
  accessOf: ((user: AuthUser) => Promise<Access>) | undefined;

  /** Called with a session's id when it is ended by a logout. */
  onSessionEnded(listener: (sessionId: string) => void): void {
    this.endedListeners.add(listener);
  }

  /** Every API route but /api/auth/*: a request without an identity gets 401 and no data. */
  require() {
    return (request: Request, response: Response, next: NextFunction): void => {
      // Answered as the session the provider renewed, or 401 when it refused.
      const renewed = (session: Session) =>
        this.refreshed(request, response, session).then((fresh) => {
          if (fresh === undefined) {
            next(new HttpError(401, PROVIDER_ENDED));
            return;
          }
          response.locals.identity = identityOf(fresh);
          next();
        }, next);
      const identity = this.identify(request);
      if ("refused" in identity) {
        // A request that left with the cookie of a session refreshed meanwhile gets the new one.
        const stale = this.sessions.read(cookie(request, this.cookieName), { evenIfEnded: true });
        const entry = stale === undefined ? undefined : this.refreshing.get(stale.id);
        if (stale === undefined || entry === undefined || entry.until < Date.now())
          next(new HttpError(401, identity.refused));
        else void renewed(stale);
        return;
      }
      const session = identity.session;
      if (session?.refresh === undefined || session.refresh.at > Date.now()) {
        response.locals.identity = identity;
        next();
        return;
      }
      void renewed(session);
    };
  }

  /**
   * The session after asking the provider again (its ID token expired): the user and groups it
   * names now, or undefined when it refuses. Requests that arrive together ask once.
   */
  private refreshed(request: Request, response: Response, session: Session): Promise<Session | undefined> {
    const now = Date.now();
    for (const [id, entry] of this.refreshing) if (entry.until < now) this.refreshing.delete(id);
    let entry = this.refreshing.get(session.id);
    if (entry === undefined) {
      const result = this.oidc!.refresh(session.refresh!.token).then(
        (tokens) => {
          this.sessions.end(session);
          this.audit("session refreshed", request, tokens.user);
          return this.sessions.create(
            tokens.user,
            "oidc",
            session.expiresAt - Date.now(),
            "login",
            tokens.refreshToken === undefined
              ? undefined
              : { token: tokens.refreshToken, at: tokens.expiresAt },
          );
        },
        (error: Error) => {
          this.sessions.end(session);
          this.audit("session ended", request, session.user, { reason: error.message });
          return undefined;
        },
      );
      entry = { result, until: now + REFRESHED_KEPT_MS };
      this.refreshing.set(session.id, entry);
    }
    return entry.result.then((made) => {
      // The new session may have been logged out since.
      if (made === undefined || this.sessions.read(made.value) === undefined) return undefined;
      if (!response.headersSent)
        response.append(
          "Set-Cookie",
          this.cookieText(this.cookieName, made.value, made.session.expiresAt - Date.now()),
        );
      return made.session;
    });
  }

  /** A cookie for the BFF's own Chromium, so that a printed page is the requesting user's. */
  printCredential(identity: Identity): { name: string; value: string } | undefined {
    if (identity.unscoped) return undefined;
    const { value } = this.sessions.create(identity.user, identity.strategy, PRINT_TTL_MS, "print");
    return { name: this.cookieName, value };
  }

  /** A new login session for `user`, set as the session cookie, with its audit line. */
  startSession(
    request: Request,
    response: Response,
    user: AuthUser,
    refresh?: { readonly token: string; readonly at: number },
    ttlMs: number = this.settings.sessionTtlMs,
  ): Session {
    const { session, value } = this.sessions.create(user, this.strategy, ttlMs, "login", refresh);
    response.append("Set-Cookie", this.cookieText(this.cookieName, value, ttlMs));
    this.audit("login", request, user, { expiresAt: new Date(session.expiresAt).toISOString() });
    return session;
  }

  audit(
    event: string,
    request: Request,
    user: AuthUser | undefined,
    fields: Record<string, unknown> = {},
  ): void {
    this.logger.log("info", AUDIT, {
      event,
      strategy: this.strategy,
      ...fields,
      user: user?.name ?? "",
      ...(user === undefined ? {} : { groups: user.groups }),
      remote: request.socket.remoteAddress ?? "",
    });
  }

  private cookieText(name: string, value: string, maxAgeMs: number, sameSite = "Strict"): string {
    return [
      `${name}=${value}`,
      "Path=/",
      "HttpOnly",
      `SameSite=${sameSite}`,
      `Max-Age=${Math.floor(maxAgeMs / 1000)}`,
      ...(this.secure ? ["Secure"] : []),
    ].join("; ");
  }

  /** The CSRF binding of a request: its session, or the nonce cookie of a browser not logged in. */
  private csrfBinding(request: Request, response: Response, identity: Identity | Refused): string {
    const bound = sessionBinding(identity);
    if (bound !== undefined) return bound;
    let nonce = cookie(request, this.nonceName);
    if (nonce === undefined || !/^[A-Za-z0-9_-]{22,64}$/.test(nonce)) {
      nonce = randomBytes(16).toString("base64url");
      response.append("Set-Cookie", this.cookieText(this.nonceName, nonce, 24 * 3_600_000));
    }
    return `nonce:${nonce}`;
  }

  /** A state-changing request: from this dashboard's own pages, with the CSRF token it was given. */
  checkCsrf(request: Request, what = "logins and logouts"): void {
    refuseOtherOrigins(request, what);
    const binding =
      sessionBinding(this.identify(request)) ?? `nonce:${cookie(request, this.nonceName) ?? ""}`;
    if (!this.sessions.checkCsrf(binding, request.header(CSRF_HEADER)))
      throw new HttpError(
        403,
        `this request needs the ${CSRF_HEADER} header that GET /api/auth/session gives (reload the page)`,
      );
  }

  /**
   * Every state-changing request of the API past /api/auth (a draft saved, say) carries the CSRF
   * token of its session, as logins and logouts do; reads pass.
   */
  csrf(): (request: Request, response: Response, next: NextFunction) => void {
    return (request, _response, next) => {
      if (request.method !== "GET" && request.method !== "HEAD" && request.method !== "OPTIONS")
        this.checkCsrf(request, "Changes");
      next();
    };
  }

  /** /api/auth: the session, token login, logout. */
  router(): Router {
    const router = Router();
    router.get("/session", async (request, response: Response<AuthSession>) => {
      response.setHeader("Cache-Control", "no-store");
      const identity = this.identify(request);
      const binding = this.csrfBinding(request, response, identity);
      const known = "refused" in identity ? undefined : identity;
      const access =
        known === undefined || known.unscoped || this.accessOf === undefined
          ? undefined
          : await this.accessOf(known.user).catch(() => undefined);
      response.json({
        ...(access === undefined
          ? {}
          : {
              access: {
                cluster: access.cluster,
                namespaces: [...access.namespaces],
                rbac: [...access.rbac],
                hidden: access.hidden,
                clusterPolicies: access.clusterPolicies,
                exposure: access.exposure,
              },
            }),
        strategy: this.strategy,
        ...(known === undefined || known.unscoped ? {} : { user: known.user }),
        ...(known?.session === undefined
          ? {}
          : { expiresAt: new Date(known.session.expiresAt).toISOString() }),
        csrf: this.sessions.csrfToken(binding),
        ...(this.oidc === undefined ? {} : { loginUrl: "/api/auth/oidc/login" }),
        canLogOut: known?.session !== undefined,
      });
    });

    router.post("/login", express.json({ limit: "32kb" }), async (request, response) => {
      this.checkCsrf(request);
      if (this.strategy !== "token")
        throw new HttpError(
          404,
          `this Trustmap logs users in with the ${this.strategy} strategy, not with a pasted token`,
        );
      const parsed = TokenLogin.safeParse(request.body);
      if (!parsed.success)
        throw new HttpError(400, `login: ${parsed.error.issues[0]?.message ?? 'expected {"token": "…"}'}`);
      const remote = request.socket.remoteAddress ?? "";
      const wait = this.failures.waitMs(remote);
      if (wait > 0) {
        this.audit("login failed", request, undefined, { reason: "too many failed logins" });
        throw new HttpError(
          429,
          `too many failed logins from this address: try again in ${Math.ceil(wait / 1000)} s`,
          {
            "Retry-After": String(Math.ceil(wait / 1000)),
          },
        );
      }
      let review: Awaited<ReturnType<ClusterReviews["tokenReview"]>>;
      try {
        review = await this.reviews!.tokenReview(parsed.data.token);
      } catch (error) {
        const reason = reviewFailure(error);
        this.audit("login failed", request, undefined, { reason });
        throw new HttpError(503, `the API server could not check the token: ${reason}`);
      }
      if (!review.authenticated) {
        this.failures.failed(remote);
        this.audit("login failed", request, undefined, { reason: review.reason });
        throw new HttpError(401, `login refused: ${review.reason}`);
      }
      this.failures.succeeded(remote);
      const session = this.startSession(request, response, review.user);
      response.json({ user: review.user, expiresAt: new Date(session.expiresAt).toISOString() });
    });

    router.get("/oidc/login", async (_request, response) => {
      if (this.oidc === undefined)
        throw new HttpError(
          404,
          `this Trustmap logs users in with the ${this.strategy} strategy, not an OpenID provider`,
        );
      let begun: Awaited<ReturnType<OidcClient["begin"]>>;
      try {
        begun = await this.oidc.begin();
      } catch (error) {
        response.redirect(303, loginError((error as Error).message));
        return;
      }
      // Lax, not Strict: the provider sends the browser back from its own site.
      response.append(
        "Set-Cookie",
        this.cookieText(
          this.oidcName,
          this.sessions.seal("oidc", begun.pending, OIDC_PENDING_TTL_MS),
          OIDC_PENDING_TTL_MS,
          "Lax",
        ),
      );
      response.setHeader("Cache-Control", "no-store");
      response.redirect(303, begun.url);
    });

    router.get("/oidc/callback", async (request, response) => {
      response.setHeader("Cache-Control", "no-store");
      response.append("Set-Cookie", this.cookieText(this.oidcName, "", 0, "Lax"));
      const fail = (reason: string) => {
        this.audit("login failed", request, undefined, { reason });
        response.redirect(303, loginError(reason));
      };
      if (this.oidc === undefined)
        throw new HttpError(404, "this Trustmap does not log in with an OpenID provider");
      const query = request.query as Record<string, unknown>;
      if (typeof query.error === "string") {
        const description = typeof query.error_description === "string" ? `: ${query.error_description}` : "";
        fail(`the identity provider answered ${query.error}${description}`);
        return;
      }
      const pending = this.sessions.unseal("oidc", cookie(request, this.oidcName)) as Pending | undefined;
      if (pending === undefined || typeof pending.state !== "string") {
        fail("this login was not started here, or took longer than 10 minutes: try again");
        return;
      }
      if (query.state !== pending.state || typeof query.code !== "string") {
        fail("the identity provider's answer does not belong to this login (state): try again");
        return;
      }
      try {
        const tokens = await this.oidc.finish(query.code, pending);
        // Without a refresh token the provider cannot be asked again: the session ends with the ID token.
        const ttl =
          tokens.refreshToken === undefined
            ? Math.min(this.settings.sessionTtlMs, tokens.expiresAt - Date.now())
            : this.settings.sessionTtlMs;
        this.startSession(
          request,
          response,
          tokens.user,
          tokens.refreshToken === undefined
            ? undefined
            : { token: tokens.refreshToken, at: tokens.expiresAt },
          ttl,
        );
        response.redirect(303, "/");
      } catch (error) {
        fail((error as Error).message);
      }
    });

    router.post("/logout", (request, response) => {
      this.checkCsrf(request);
      const identity = this.identify(request);
      if (!("refused" in identity) && identity.session !== undefined) {
        this.sessions.end(identity.session);
        this.audit("logout", request, identity.user);
        for (const listener of this.endedListeners) listener(identity.session.id);
      }
      response.setHeader("Set-Cookie", this.cookieText(this.cookieName, "", 0));
      response.status(204).end();
    });
    return router;
  }
}
