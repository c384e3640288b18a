import { query } from "../api/client";

/** Download links for an export of the BFF, carrying the filters shown. */
export function ExportLinks({
  what,
  formats,
  filters,
}: {
  what: "findings" | "rbac";
  formats: readonly string[];
  filters: Record<string, string | undefined>;
}) {
  return (
    <span className="flex gap-2">
      Export
      {formats.map((format) => (
        <a
          key={format}
          className="text-blue-700 underline dark:text-blue-300"
          href={`/api/export/${what}.${format}${query(filters)}`}
          download
          data-testid={`export-${format}`}
        >
          {format.toUpperCase()}
        </a>
      ))}
    </span>
  );
}
