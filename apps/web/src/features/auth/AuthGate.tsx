import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { AuthSession } from "@trustmap/shared";
import { type ReactNode, useEffect } from "react";
import { streamStore } from "../../stream/store";
import { authQueries } from "./api";
import { LoginPage } from "./LoginPage";

/** Whether this session still has to log in before anything of the cluster is shown. */
export function needsLogin(session: AuthSession): boolean {
  return session.user === undefined && session.strategy !== "anonymous";
}

/**
 * Shows the dashboard to a user the BFF knows, and the login page to anyone else. A refused
 * stream or a 401 (the session ended: logout in another tab, expiry) asks again who this is.
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const session = useQuery(authQueries.session());
  useEffect(
    () =>
      streamStore.onRefused(
        () => void client.invalidateQueries({ queryKey: authQueries.session().queryKey }),
      ),
    [client],
  );
  if (session.isPending)
    return (
      <p className="p-8" role="status">
        Checking who you are…
      </p>
    );
  if (session.error !== null)
    return (
      <div className="p-8" role="alert">
        <p>Trustmap did not answer: {session.error.message}</p>
        <button
          type="button"
          className="mt-2 rounded border px-3 py-1"
          onClick={() => void session.refetch()}
        >
          Try again
        </button>
      </div>
    );
  if (needsLogin(session.data)) return <LoginPage session={session.data} />;
  return children;
}
