import { useQueryClient } from "@tanstack/react-query";
import type { AuthSession } from "@trustmap/shared";
import { type FormEvent, useState } from "react";
import { authQueries, logInWithToken } from "./api";

/** The way in for each strategy: a pasted token, the OpenID provider, or word that the proxy is missing. */
export function LoginPage({ session }: { session: AuthSession }) {
  return (
    <main className="mx-auto mt-16 max-w-lg p-6" aria-labelledby="login-title">
      <h1 id="login-title" className="mb-2 text-2xl font-bold">
        Trustmap
      </h1>
      <p className="mb-6 text-sm text-slate-700 dark:text-slate-300">
        Log in to see this cluster's posture. You will see what the cluster lets you list, nothing more.
      </p>
      {session.strategy === "token" && <TokenForm csrf={session.csrf} />}
      {session.strategy === "oidc" && <OidcLogin session={session} />}
      {session.strategy === "header" && (
        <p role="alert" className="text-red-800 dark:text-red-300">
          This Trustmap is behind an authenticating proxy, and your request did not come through it (or the
          proxy named no user). Open it at the address your team gave you.
        </p>
      )}
    </main>
  );
}

function OidcLogin({ session }: { session: AuthSession }) {
  const error = new URLSearchParams(window.location.search).get("login_error");
  return (
    <>
      {error !== null && (
        <p role="alert" className="mb-4 text-red-800 dark:text-red-300">
          The login did not complete: {error}
        </p>
      )}
      <a className="inline-block rounded bg-blue-600 px-4 py-2 text-white" href={session.loginUrl ?? "#"}>
        Log in with your identity provider
      </a>
    </>
  );
}

function TokenForm({ csrf }: { csrf: string }) {
  const client = useQueryClient();
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await logInWithToken(token, csrf);
      setToken("");
      await client.invalidateQueries();
    } catch (failure) {
      setError((failure as Error).message);
      // A refused login may have set a new CSRF nonce: ask for the session again.
      await client.invalidateQueries({ queryKey: authQueries.session().queryKey });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(event) => void submit(event)} className="flex flex-col gap-3">
      <label className="flex flex-col gap-1 text-sm font-medium">
        Bearer token
        <input
          type="password"
          autoComplete="off"
          spellCheck={false}
          className="rounded border border-slate-400 px-2 py-1 font-mono dark:bg-slate-900"
          value={token}
          onChange={(event) => setToken(event.target.value)}
          required
        />
      </label>
      <p className="text-xs text-slate-600 dark:text-slate-400">
        A token the cluster knows: for a service account, <code>kubectl create token NAME -n NAMESPACE</code>.
        The API server checks it; Trustmap keeps only the name and groups it answers.
      </p>
      {error !== undefined && (
        <p role="alert" className="text-red-800 dark:text-red-300">
          {error}
        </p>
      )}
      <button
        type="submit"
        disabled={busy || token.trim() === ""}
        className="rounded bg-blue-600 px-4 py-2 text-white disabled:opacity-50"
      >
        {busy ? "Checking…" : "Log in"}
      </button>
    </form>
  );
}
