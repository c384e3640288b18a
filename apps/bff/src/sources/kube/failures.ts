import { messageOf } from "./config";
import { ApiStatusError, type Connection, TransportError } from "./http";
import { type Resource, requiredAccess } from "./resources";

/** The stream of a watch or the body of a list was not what the API server sends. */
export class ProtocolError extends Error {}

/** What a loop does after a request failed. */
export type Recovery =
  /** The resourceVersion is too old (410 Gone): list again at once. */
  | { readonly action: "relist" }
  /** A passing fault (network, 5xx, 429, silence): try again after a delay. */
  | {
      readonly action: "retry";
      readonly message: string;
      readonly relist: boolean;
      readonly retryAfterMs: number | undefined;
    }
  /** Retrying cannot help (401, 403, …): say what to do and stop. */
  | { readonly action: "fail"; readonly message: string };

export type Verb = "list" | "watch";

export function recoveryFor(
  error: unknown,
  verb: Verb,
  resource: Resource,
  connection: Connection,
): Recovery {
  const doing = `${verb} ${resource.plural}`;
  if (error instanceof TransportError) {
    return { action: "retry", message: `${doing}: ${error.message}`, relist: false, retryAfterMs: undefined };
  }
  if (error instanceof ProtocolError) {
    return { action: "retry", message: `${doing}: ${error.message}`, relist: true, retryAfterMs: undefined };
  }
  if (error instanceof ApiStatusError) return statusRecovery(error, doing, resource, connection);
  // Anything else is a bug in Trustmap: retrying it would only repeat it.
  return {
    action: "fail",
    message: `Trustmap stopped reading the cluster after an internal error during ${doing}: ${messageOf(error)}`,
  };
}

function statusRecovery(
  error: ApiStatusError,
  doing: string,
  resource: Resource,
  connection: Connection,
): Recovery {
  const said = error.message === "" ? "" : ` The API server said: ${error.message.slice(0, 300)}`;
  const answered = `${doing}: the API server answered ${error.code}${error.reason === "" ? "" : ` ${error.reason}`}.`;
  // 410 Gone: the watch cache no longer holds that resourceVersion, or a list's continue token
  // expired; the API reference's answer for both is a fresh list.
  if (error.code === 410) return { action: "relist" };
  if (error.code === 429 || error.code === 408 || error.code >= 500) {
    return {
      action: "retry",
      message: `${answered}${said}`,
      relist: false,
      retryAfterMs: error.retryAfterMs,
    };
  }
  if (error.code === 401) {
    return {
      action: "fail",
      message: `${answered} The credentials of kubeconfig context "${connection.context}" were refused (${connection.server}): log in again or renew the token or client certificate, then restart Trustmap.${said}`,
    };
  }
  if (error.code === 403) {
    return {
      action: "fail",
      message: `${answered} The credentials of kubeconfig context "${connection.context}" may not ${doing} (${resource.path}). Trustmap only reads: it needs ${requiredAccess()}. Grant them with a ClusterRole and a ClusterRoleBinding, then restart Trustmap.${said}`,
    };
  }
  return {
    action: "fail",
    message: `${answered} Trustmap cannot read ${resource.path} from ${connection.server}; check that the kubeconfig points at a Kubernetes API server.${said}`,
  };
}
