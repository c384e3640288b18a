import { useState } from "react";
import { failureOf, query } from "../api/client";
import { saveFile } from "./saveFile";

interface Link {
  readonly label: string;
  readonly href: string;
  readonly testId: string;
}

function exportLinks(
  what: "report" | "rbac",
  formats: readonly string[],
  filters: Record<string, string | undefined>,
): Link[] {
  return formats.flatMap((format): Link[] => {
    if (format === "pdf")
      return (["a4", "letter"] as const).map((paper) => ({
        label: `PDF (${paper === "a4" ? "A4" : "Letter"})`,
        href: `/api/export/${what}.pdf${query({ ...filters, paper })}`,
        testId: `export-pdf-${paper}`,
      }));
    return [
      {
        label: format.toUpperCase(),
        href: `/api/export/${what}.${format}${query(filters)}`,
        testId: `export-${format}`,
      },
    ];
  });
}

/** The file name the BFF gave (Content-Disposition), or the link's own. */
function fileName(response: Response, href: string): string {
  const given = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "")?.[1];
  return given ?? href.split("?")[0]!.split("/").pop()!;
}

/**
 * Download links for the BFF's exports, carrying the filters shown; `page` adds a PNG of the page
 * itself as the current URL shows it. A PDF takes seconds and may fail (no Chromium on the BFF's
 * machine): the download is fetched, its progress and any error shown here.
 */
export function ExportLinks({
  what,
  formats,
  filters,
  page,
  title = "Export",
}: {
  title?: string;
  what: "report" | "rbac";
  formats: readonly string[];
  filters: Record<string, string | undefined>;
  page?: "rbac" | "gaps";
}) {
  const [busy, setBusy] = useState<string | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const links = exportLinks(what, formats, filters);
  if (page !== undefined)
    links.push({
      label: "PNG",
      href: `/api/export/page.png${query({ page, query: window.location.search.replace(/^\?/, "") })}`,
      testId: "export-png",
    });
  const applied = Object.values(filters).some((value) => value !== undefined && value !== "");

  async function download(link: Link) {
    setBusy(link.label);
    setFailure(undefined);
    try {
      const response = await fetch(link.href);
      if (!response.ok) throw await failureOf(response);
      saveFile(await response.blob(), fileName(response, link.href));
    } catch (error) {
      setFailure(`${link.label}: ${(error as Error).message}`);
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <span className="flex flex-wrap items-center gap-2">
      <span>
        {title}
        {applied ? " (with these filters)" : ""}
      </span>
      {links.map((link) => (
        <a
          key={link.testId}
          className="text-blue-700 underline dark:text-blue-300"
          href={link.href}
          download
          data-testid={link.testId}
          onClick={(event) => {
            event.preventDefault();
            if (busy === undefined) void download(link);
          }}
        >
          {link.label}
        </a>
      ))}
      {busy !== undefined && <span role="status">Preparing {busy}…</span>}
      {failure !== undefined && (
        <span role="alert" className="text-red-700 dark:text-red-300" data-testid="export-error">
          {failure}
        </span>
      )}
    </span>
  );
}
