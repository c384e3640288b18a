import { QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiFailure } from "./api/client";
import { App } from "./app/App";
import { AuthGate } from "./features/auth/AuthGate";
import { authQueries } from "./features/auth/api";
import { ReportPage } from "./features/export/ReportPage";
import "./app/theme.css";

const client: QueryClient = new QueryClient({
  defaultOptions: { queries: { staleTime: 5_000, retry: 1, refetchOnWindowFocus: false } },
  // A 401 means the session ended (logout elsewhere, expiry): the gate asks again who this is.
  queryCache: new QueryCache({
    onError: (error, query) => {
      const session = authQueries.session().queryKey;
      if (error instanceof ApiFailure && error.status === 401 && query.queryKey[0] !== session[0])
        void client.invalidateQueries({ queryKey: session });
    },
  }),
});

// `?capture=1`: the page grows to its whole length instead of scrolling inside the window, so
// that the BFF's Chromium can take a screenshot of all of it.
if (new URLSearchParams(window.location.search).get("capture") === "1")
  document.documentElement.classList.add("capture");

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      {window.location.pathname === "/report" ? (
        <ReportPage />
      ) : (
        <AuthGate>
          <App />
        </AuthGate>
      )}
    </QueryClientProvider>
  </StrictMode>,
);
