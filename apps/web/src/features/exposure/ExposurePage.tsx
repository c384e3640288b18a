import { useQuery } from "@tanstack/react-query";
import type { ExposurePath, PathReach } from "@trustmap/shared";
import { setParams, useParams } from "../../app/url";
import { AccessNote } from "../auth/AccessNote";
import { exposureQueries } from "./api";

// What the cluster publishes outside itself, path by path, as the engine answers: the way in, the
// object that publishes it, the Service and port, the workload and its port, where the traffic comes
// from at the pods, and what policy makes of it. The page draws the answer; it sorts, counts and
// filters nothing.

const REACH_TEXT: Record<PathReach, string> = {
  open: "open to every address",
  restricted: "restricted",
  denied: "denied",
  none: "reaches no pod",
};

const REACH_STYLE: Record<PathReach, string> = {
  open: "bg-red-600 text-white",
  restricted: "bg-amber-300 text-black",
  denied: "bg-slate-300 text-black",
  none: "bg-slate-200 text-black",
};

function Row({ path }: { path: ExposurePath }) {
  return (
    <tr className="border-b border-slate-200 align-top dark:border-slate-700" data-testid="exposure-path">
      <td className="py-1 pr-2">
        <div>{path.entry.text}</div>
        <div className="text-xs text-slate-500">{path.entry.kind}</div>
      </td>
      <td className="py-1 pr-2">{path.via}</td>
      <td className="py-1 pr-2">
        {path.service ?? "—"}
        {path.servicePort !== null && <div className="text-xs">{path.servicePort}</div>}
      </td>
      <td className="py-1 pr-2">
        {path.workload ?? "no pod"}
        {path.port !== null && <div className="text-xs">{path.port}</div>}
        {path.workload !== null && (
          <div className="text-xs text-slate-500">
            {path.pods} pod{path.pods === 1 ? "" : "s"}
          </div>
        )}
      </td>
      <td className="py-1 pr-2">
        {path.from === "outside" ? (
          "outside the cluster"
        ) : (
          <ul>
            {path.controllers.map((controller) => (
              <li key={controller.workload}>
                {controller.workload}: {controller.allowed ? "may connect" : "may not connect"}
              </li>
            ))}
          </ul>
        )}
      </td>
      <td className="py-1 pr-2">
        <span className={`rounded px-1 text-xs ${REACH_STYLE[path.reach]}`} data-testid="exposure-reach">
          {REACH_TEXT[path.reach]}
        </span>
        {path.addresses.length > 0 && <div className="text-xs">from {path.addresses.join("; ")}</div>}
      </td>
      <td className="py-1 text-xs">{path.why}</td>
    </tr>
  );
}

/** The engine's exposure paths: every way in from outside the cluster, and what policy lets through. */
export function ExposurePage() {
  const params = useParams();
  const namespace = params.get("ns") ?? undefined;
  const { data, error } = useQuery(exposureQueries.answer(namespace));
  return (
    <div className="h-full overflow-y-auto p-3" data-export-root data-ready={data !== undefined}>
      <AccessNote what="What your namespaces publish, and only where you may list Services and Ingresses" />
      <form className="mb-3 flex flex-wrap items-end gap-3 text-sm" onSubmit={(e) => e.preventDefault()}>
        <label>
          Namespace{" "}
          <input
            value={namespace ?? ""}
            onChange={(e) => setParams({ ns: e.target.value }, true)}
            className="w-36 rounded border border-slate-400 bg-transparent px-1"
          />
        </label>
        <p className="text-xs text-slate-600 dark:text-slate-400">
          Load balancers, node ports, external IPs, Ingresses and Gateway routes: where traffic from outside
          enters, the pods it reaches, and whether their policy lets it in (from outside, or from the ingress
          or Gateway controller's pods).
        </p>
      </form>
      {error !== null && <p role="alert">Cannot load what the cluster publishes: {error.message}</p>}
      {data !== undefined && data.paths.length === 0 && (
        <p data-testid="exposure-none">
          Nothing is published outside the cluster: no load balancer, node port, external IP, Ingress or
          Gateway route reaches a pod.
        </p>
      )}
      {data !== undefined && data.paths.length > 0 && (
        <table className="w-full text-left text-sm" aria-label="Published outside the cluster">
          <thead>
            <tr className="border-b border-slate-400">
              <th className="pr-2">Way in</th>
              <th className="pr-2">Published by</th>
              <th className="pr-2">Service</th>
              <th className="pr-2">Workload</th>
              <th className="pr-2">From, at the pods</th>
              <th className="pr-2">Policy</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {data.paths.map((path) => (
              <Row
                key={`${path.via}|${path.entry.text}|${path.servicePort ?? ""}|${path.workload ?? ""}|${path.port ?? ""}`}
                path={path}
              />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
