import type https from "node:https";
import type { AuthUser } from "@trustmap/shared";
import { messageOf } from "./config";
import {
  ApiStatusError,
  type Connection,
  describeNetworkError,
  keptAlive,
  readLimited,
  requestOptions,
  requestUrl,
  send,
  statusError,
  TransportError,
} from "./http";
import { isRecord } from "./raw";

// The only requests besides GET that Trustmap sends to the API server: it asks the cluster who a
// token belongs to (TokenReview) and whether a user may do something (SubjectAccessReview). Both
// create nothing that lasts: the API server answers and keeps no object.

const TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
const ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
const REVIEW_TIMEOUT_MS = 10_000;

export type TokenReviewResult =
  | { readonly authenticated: true; readonly user: AuthUser }
  | { readonly authenticated: false; readonly reason: string };

/** What a SubjectAccessReview asks: a verb on a resource, in a namespace or cluster-wide (""). */
export interface AccessQuestion {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  /** "" asks about every namespace at once (cluster scope). */
  readonly namespace: string;
}

/** The two reviews, asked with the BFF's own credentials. */
export interface ClusterReviews {
  tokenReview(token: string): Promise<TokenReviewResult>;
  /** Whether `user` (with their groups) may do what `question` asks. */
  accessReview(user: AuthUser, question: AccessQuestion): Promise<boolean>;
}

/** Reviews asked at once over the kept connections (a login asks one per namespace). */
const REVIEW_SOCKETS = 16;
/** The credentials are read again this often (a projected token rotates). */
const CREDENTIALS_TTL_MS = 60_000;

/**
 * The request options of the reviews, with connections kept alive between them: a login asks
 * thousands of reviews on a large cluster, and a TLS handshake each would cost most of their time.
 */
class ReviewConnection {
  private current: { options: Promise<https.RequestOptions>; at: number } | undefined;

  constructor(readonly connection: Connection) {}

  options(): Promise<https.RequestOptions> {
    const now = Date.now();
    if (this.current === undefined || now - this.current.at > CREDENTIALS_TTL_MS) {
      const previous = this.current?.options;
      const options = requestOptions(this.connection).then((made) => keptAlive(made, REVIEW_SOCKETS));
      this.current = { options, at: now };
      // A failure is not kept: the next review reads the credentials again.
      options.catch(() => {
        if (this.current?.options === options) this.current = undefined;
      });
      // The agent replaced is closed once the reviews on it are answered.
      void previous?.then(
        (old) =>
          setTimeout(
            () => (old.agent as { destroy?: () => void } | undefined)?.destroy?.(),
            REVIEW_TIMEOUT_MS,
          ).unref(),
        () => undefined,
      );
    }
    return this.current.options;
  }
}

async function create(reviewConnection: ReviewConnection, path: string, body: unknown): Promise<unknown> {
  const connection = reviewConnection.connection;
  const options = await reviewConnection.options();
  const signal = AbortSignal.timeout(REVIEW_TIMEOUT_MS);
  const text = JSON.stringify(body);
  try {
    const response = await send(
      requestUrl(connection.server, path, new URLSearchParams()),
      {
        ...options,
        method: "POST",
        headers: {
          ...options.headers,
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(text),
        },
      },
      signal,
      text,
    );
    if (response.statusCode !== 201 && response.statusCode !== 200) throw await statusError(response);
    return JSON.parse(await readLimited(response));
  } catch (error) {
    if (error instanceof ApiStatusError) throw error;
    if (signal.aborted)
      throw new TransportError(`the API server did not answer within ${REVIEW_TIMEOUT_MS / 1000} s`);
    throw new TransportError(describeNetworkError(error));
  }
}

export function kubernetesReviews(target: Connection): ClusterReviews {
  const connection = new ReviewConnection(target);
  return {
    async tokenReview(token) {
      const answer = await create(connection, TOKEN_REVIEWS, {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenReview",
        spec: { token },
      });
      const status = isRecord(answer) && isRecord(answer.status) ? answer.status : {};
      if (status.authenticated !== true) {
        const error = typeof status.error === "string" && status.error !== "" ? status.error : undefined;
        return {
          authenticated: false,
          reason:
            error ?? "the API server does not know this token (expired, revoked or for another cluster)",
        };
      }
      const user = isRecord(status.user) ? status.user : {};
      const name = typeof user.username === "string" ? user.username : "";
      if (name === "") return { authenticated: false, reason: "the API server named no user for this token" };
      const groups = Array.isArray(user.groups)
        ? user.groups.filter((group): group is string => typeof group === "string")
        : [];
      return { authenticated: true, user: { name, groups } };
    },

    async accessReview(user, question) {
      const answer = await create(connection, ACCESS_REVIEWS, {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user: user.name,
          groups: user.groups,
          resourceAttributes: {
            verb: question.verb,
            group: question.group,
            resource: question.resource,
            ...(question.namespace === "" ? {} : { namespace: question.namespace }),
          },
        },
      });
      const status = isRecord(answer) && isRecord(answer.status) ? answer.status : {};
      return status.allowed === true;
    },
  };
}

/** A review that failed, in words for the log and the login page. */
export function reviewFailure(error: unknown): string {
  if (error instanceof ApiStatusError) {
    if (error.code === 403)
      return `the API server refused Trustmap's review (403: ${error.message}); Trustmap's account needs "create" on tokenreviews and subjectaccessreviews`;
    return `the API server answered ${error.code}: ${error.message}`;
  }
  return messageOf(error);
}
