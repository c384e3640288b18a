import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { ReportPage } from "./features/export/ReportPage";
import "./app/theme.css";

const client = new QueryClient({
  defaultOptions: { queries: { staleTime: 5_000, retry: 1, refetchOnWindowFocus: false } },
});

// `?capture=1`: the page grows to its whole length instead of scrolling inside the window, so
// that the BFF's Chromium can take a screenshot of all of it.
if (new URLSearchParams(window.location.search).get("capture") === "1")
  document.documentElement.classList.add("capture");

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      {window.location.pathname === "/report" ? <ReportPage /> : <App />}
    </QueryClientProvider>
  </StrictMode>,
);
