import { useEffect } from "react";
import { UserMenu } from "../features/auth/UserMenu";
import { ChangesPage } from "../features/changes/ChangesPage";
import { DraftsPage } from "../features/drafts/DraftsPage";
import { ExposurePage } from "../features/exposure/ExposurePage";
import { GapsPage } from "../features/gaps/GapsPage";
import { GraphPage } from "../features/graph/GraphPage";
import { RbacPage } from "../features/rbac/RbacPage";
import { streamStore } from "../stream/store";
import { SourceBadge, StatusBar, useSourceInfo } from "../ui/StatusBar";
import { pageOf } from "./pages";
import { goToPage, isCapture, useParams } from "./url";

const TABS = [
  { id: "graph", label: "Graph" },
  { id: "exposure", label: "Exposure" },
  { id: "rbac", label: "RBAC matrix" },
  { id: "gaps", label: "Gaps" },
  { id: "changes", label: "Changes" },
  { id: "drafts", label: "What if" },
] as const;

/**
 * Every page shows the connection's true status, so the shell opens the stream (of the status
 * alone when no page watches a view). A capture for an export has no stream: its status bar
 * says what the BFF answered at the capture.
 */
function useStatusStream(): void {
  useEffect(() => {
    if (isCapture()) return;
    streamStore.connect();
    return () => streamStore.close();
  }, []);
}

export function App() {
  const current = pageOf(useParams().toString());
  const source = useSourceInfo();
  useStatusStream();
  return (
    <div className="flex h-screen flex-col">
      <header className="flex flex-wrap items-center gap-4 border-b border-slate-300 px-3 py-2 dark:border-slate-700">
        <h1 className="text-lg font-bold">Trustmap</h1>
        <SourceBadge source={source} />
        <nav aria-label="Sections">
          <div className="flex gap-1" role="tablist">
            {TABS.map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                aria-selected={current === t.id}
                className={`rounded px-3 py-1 text-sm ${current === t.id ? "bg-blue-600 text-white" : "hover:bg-slate-200 dark:hover:bg-slate-800"}`}
                onClick={() => goToPage(t.id)}
              >
                {t.label}
              </button>
            ))}
          </div>
        </nav>
        <div className="ml-auto flex items-center gap-4">
          <StatusBar />
          <UserMenu />
        </div>
      </header>
      <main className="min-h-0 flex-1">
        {current === "graph" && <GraphPage />}
        {current === "exposure" && <ExposurePage />}
        {current === "rbac" && <RbacPage />}
        {current === "gaps" && <GapsPage />}
        {current === "changes" && <ChangesPage />}
        {current === "drafts" && <DraftsPage />}
      </main>
    </div>
  );
}
