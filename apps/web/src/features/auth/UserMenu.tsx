import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { streamStore } from "../../stream/store";
import { authQueries, logOut } from "./api";

/** Who the page is for (the groups on hover), and the way out when this BFF made the session. */
export function UserMenu() {
  const client = useQueryClient();
  const session = useQuery(authQueries.session());
  const [error, setError] = useState<string | undefined>(undefined);
  const data = session.data;
  if (data?.user === undefined) return null;
  const out = async () => {
    try {
      await logOut(data.csrf);
      streamStore.close();
      // The gate shows the login once the session is read again; nothing of this user stays cached.
      await client.refetchQueries({ queryKey: authQueries.session().queryKey });
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== "auth" });
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <span className="flex items-center gap-2 text-sm" data-testid="user">
      <span title={data.user.groups.length === 0 ? "no groups" : `groups: ${data.user.groups.join(", ")}`}>
        {data.user.name}
      </span>
      {data.access !== undefined && !data.access.cluster && (
        <span className="rounded bg-amber-100 px-2 text-amber-900" data-testid="access">
          reads {data.access.namespaces.length === 0 ? "no namespace" : data.access.namespaces.join(", ")} ·{" "}
          {data.access.rbac.join(",") !== data.access.namespaces.join(",") &&
            `RBAC of ${data.access.rbac.length === 0 ? "no namespace" : data.access.rbac.join(", ")} · `}
          {data.access.hidden} {data.access.hidden === 1 ? "namespace" : "namespaces"} hidden by your access
        </span>
      )}
      {data.canLogOut && (
        <button type="button" className="rounded border px-2 py-0.5" onClick={() => void out()}>
          Log out
        </button>
      )}
      {error !== undefined && (
        <span role="alert" className="text-red-800">
          {error}
        </span>
      )}
    </span>
  );
}
