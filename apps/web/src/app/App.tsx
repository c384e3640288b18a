import { GapsPage } from "../features/gaps/GapsPage";
import { GraphPage } from "../features/graph/GraphPage";
import { RbacPage } from "../features/rbac/RbacPage";
import { useConnection } from "../stream/useStream";
import { StatusBar } from "../ui/StatusBar";
import { setParams, useParam } from "./url";

const TABS = [
  { id: "graph", label: "Graph" },
  { id: "rbac", label: "RBAC matrix" },
  { id: "gaps", label: "Gaps" },
] as const;

export function App() {
  const [tab] = useParam("tab");
  const current = TABS.find((t) => t.id === tab)?.id ?? "graph";
  const { hello } = useConnection();
  return (
    <div className="flex h-screen flex-col">
      <header className="flex flex-wrap items-center gap-4 border-b border-slate-300 px-3 py-2 dark:border-slate-700">
        <h1 className="text-lg font-bold">Trustmap</h1>
        {hello !== undefined && (
          <span className="text-sm" data-testid="source">
            {hello.source.demo ? (
              <strong className="rounded bg-purple-700 px-2 text-white">
                Demo cluster: a made-up company, not yours
              </strong>
            ) : (
              <>
                {hello.source.kind}: {hello.source.name}
              </>
            )}
          </span>
        )}
        <nav aria-label="Sections">
          <div className="flex gap-1" role="tablist">
            {TABS.map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                aria-selected={current === t.id}
                className={`rounded px-3 py-1 text-sm ${current === t.id ? "bg-blue-600 text-white" : "hover:bg-slate-200 dark:hover:bg-slate-800"}`}
                onClick={() => setParams({ tab: t.id === "graph" ? undefined : t.id })}
              >
                {t.label}
              </button>
            ))}
          </div>
        </nav>
        <div className="ml-auto">
          <StatusBar />
        </div>
      </header>
      <main className="min-h-0 flex-1">
        {current === "graph" && <GraphPage />}
        {current === "rbac" && <RbacPage />}
        {current === "gaps" && <GapsPage />}
      </main>
    </div>
  );
}
