import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { clusterQuery } from "../../api/cluster";
import { useConnection } from "../../stream/useStream";
import { saveFile } from "../../ui/saveFile";
import { captionLines, imageFileName, type ViewFilters } from "./caption";
import { type GraphPicture, graphPng, graphSvg, SCALES } from "./graphImage";

type Format = "png" | "svg";

/** The graph page's export: the whole graph as PNG or SVG at a chosen scale, with its caption. */
export function GraphExport({
  picture,
  scope,
  viewRevision,
  filters,
}: {
  /** The graph as drawn now; undefined while there is none. */
  picture: () => GraphPicture | undefined;
  scope: string;
  viewRevision: number;
  filters: ViewFilters;
}) {
  const connection = useConnection();
  const cluster = useQuery(clusterQuery());
  const [scale, setScale] = useState<number>(SCALES[0]);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const engineRevision = cluster.data?.revision;
  const ready = engineRevision !== undefined && viewRevision >= 0 && !busy;

  async function save(format: Format): Promise<void> {
    const graph = picture();
    if (graph === undefined || engineRevision === undefined) return;
    const lines = captionLines({
      scope,
      takenAt: new Date(),
      engineRevision,
      viewRevision,
      paused: connection.paused,
      source: connection.hello?.source ?? cluster.data?.source,
      filters,
    });
    const name = imageFileName(scope, engineRevision, scale, format);
    setProblem(undefined);
    setBusy(true);
    try {
      if (format === "svg") {
        saveFile(new Blob([graphSvg(graph, lines, scale)], { type: "image/svg+xml" }), name);
        return;
      }
      const made = await graphPng(graph, lines, scale);
      if (made.ok) saveFile(made.value, name);
      else setProblem(made.problem);
    } catch (error) {
      setProblem(
        `The picture could not be made (${error instanceof Error ? error.message : String(error)}): reload the page and try again.`,
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <fieldset className="flex flex-wrap items-center gap-2 text-sm" data-testid="graph-export">
      <legend className="sr-only">Export the graph as an image</legend>
      <label>
        Image scale{" "}
        <select
          value={scale}
          onChange={(event) => setScale(Number(event.target.value))}
          className="rounded border border-slate-400 bg-transparent"
        >
          {SCALES.map((s) => (
            <option key={s} value={s}>
              {s}×
            </option>
          ))}
        </select>
      </label>
      {(["png", "svg"] as const).map((format) => (
        <button
          key={format}
          type="button"
          className="rounded border border-slate-400 px-2 disabled:opacity-50"
          disabled={!ready}
          onClick={() => void save(format)}
        >
          {format.toUpperCase()}
        </button>
      ))}
      {problem !== undefined && (
        <span role="alert" className="text-red-700 dark:text-red-300">
          {problem}
        </span>
      )}
    </fieldset>
  );
}
