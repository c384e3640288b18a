import type { EvidenceReport } from "@trustmap/shared";
import { useEffect, useRef, useState } from "react";
import { GraphAdapter } from "../graph/adapter";
import { Legend } from "../graph/Legend";

// The scope's graph in the report: drawn off screen by the dashboard's own adapter (same shapes,
// colours and marks as the live view), then placed as an image that fits the page. When the
// image is on the page, the report says it is ready to print.

const IGNORE = { onSelectNode() {}, onSelectEdge() {}, onOpenNode() {}, onClear() {} };

export function ReportGraph({ report }: { report: EvidenceReport }) {
  const container = useRef<HTMLDivElement>(null);
  const [image, setImage] = useState<string | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const { graph } = report;

  useEffect(() => {
    if (container.current === null) return;
    if (graph.nodes.length === 0) {
      document.documentElement.dataset.reportReady = "true";
      return;
    }
    const adapter = new GraphAdapter(container.current, IGNORE, false);
    adapter.setMarks({ noDefaultDeny: new Set(graph.noDefaultDeny) });
    adapter.load({
      view: graph.view,
      revision: report.meta.revision,
      nodes: graph.nodes,
      edges: graph.edges,
    });
    adapter.showAllEdges(true);
    // Port labels only where they stay readable on paper.
    adapter.labelAllEdges(graph.edges.length <= 40);
    let url: string | undefined;
    // Twice the screen's resolution: sharp when printed.
    adapter
      .pngBlob(2)
      .then((blob) => {
        url = URL.createObjectURL(blob);
        setImage(url);
      })
      .catch((error: Error) => setFailure(error.message))
      .finally(() => adapter.destroy());
    return () => {
      if (url !== undefined) URL.revokeObjectURL(url);
    };
  }, [graph, report.meta.revision]);

  return (
    <figure>
      <div ref={container} className="fixed top-0 -left-[10000px] h-[900px] w-[1200px]" aria-hidden="true" />
      {failure !== undefined && <p data-export-error>The graph could not be drawn: {failure}</p>}
      {graph.nodes.length === 0 ? (
        <p>No pods in scope: nothing to draw.</p>
      ) : (
        image !== undefined && (
          <img
            src={image}
            alt={`Graph of ${report.meta.scopeText}: ${graph.nodes.length} nodes, ${graph.edges.length} edges`}
            className="max-h-[220mm] w-full object-contain"
            onLoad={() => {
              document.documentElement.dataset.reportReady = "true";
            }}
          />
        )
      )}
      <figcaption className="mt-2 text-[8.5pt] text-slate-700">
        {report.meta.scopeText} at revision {report.meta.revision}: {graph.nodes.length} nodes,{" "}
        {graph.edges.length} edges: who may connect to whom under the NetworkPolicies.
      </figcaption>
      <div className="mt-2 break-inside-avoid">
        <Legend dark={false} printed />
      </div>
    </figure>
  );
}
