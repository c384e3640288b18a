import type { Severity, SourceInfo } from "@trustmap/shared";

// What a picture of the graph says under it, so that it stands as evidence on its own: which view,
// when, at which revision, from which source, and what the filters left out.

/** What the graph page shows besides the graph: anything that changes what the picture holds. */
export interface ViewFilters {
  readonly search: string;
  readonly openOnly: boolean;
  readonly minSeverity: Severity | undefined;
  /** Big views draw only the selection's edges until asked for all. */
  readonly edgesOfSelectionOnly: boolean;
}

export interface CaptionFacts {
  /** The view in words: "Namespace shop", "Whole cluster by namespace", a workload. */
  readonly scope: string;
  readonly takenAt: Date;
  /** The engine's revision as the page shows it. */
  readonly engineRevision: number;
  /** The revision of the view as drawn. */
  readonly viewRevision: number;
  readonly paused: boolean;
  readonly source: SourceInfo | undefined;
  readonly filters: ViewFilters;
}

/** ISO 8601 in UTC, to the second. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function sourceLine(source: SourceInfo | undefined): string {
  if (source === undefined) return "Source: not known yet";
  if (source.demo) return "Source: the demo cluster, a made-up company, not a real cluster";
  return `Source: ${source.kind} ${source.name}`;
}

function filterNotes(filters: ViewFilters): string[] {
  const notes: string[] = [];
  if (filters.search.trim() !== "") notes.push(`search "${filters.search.trim()}" (the rest faded)`);
  if (filters.openOnly) notes.push("open nodes only");
  if (filters.minSeverity !== undefined) notes.push(`findings at least ${filters.minSeverity}`);
  if (filters.edgesOfSelectionOnly) notes.push("only the selection's edges drawn");
  return notes;
}

/** The caption's lines, first line bold. Plain text: whoever draws it must not read it as markup. */
export function captionLines(facts: CaptionFacts): string[] {
  const paused = facts.paused ? " (live updates paused: the picture may be older)" : "";
  const lines = [
    `Trustmap · ${facts.scope}`,
    `${isoSeconds(facts.takenAt)} · engine revision ${facts.engineRevision}${paused} · view revision ${facts.viewRevision}`,
    sourceLine(facts.source),
  ];
  const notes = filterNotes(facts.filters);
  if (notes.length > 0) lines.push(`Filtered: ${notes.join("; ")}`);
  return lines;
}

/** A file name with the scope and revision, in characters every file system and shell take as they are. */
export function imageFileName(
  scope: string,
  engineRevision: number,
  scale: number,
  extension: string,
): string {
  const slug =
    scope
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60)
      .replace(/-+$/, "") || "view";
  const size = scale === 1 ? "" : `-${scale}x`;
  return `trustmap-graph-${slug}-r${engineRevision}${size}.${extension}`;
}
