import type { ExposureEdge } from "@trustmap/shared";
import { goToPage } from "../../app/url";

const REACH_TEXT: Record<ExposureEdge["reach"], string> = {
  open: "open to every address",
  restricted: "policy admits some addresses (or the controller)",
  denied: "policy lets nothing in",
  none: "reaches no pod",
};

/** A published edge: the objects that publish it and the ways in, as the engine placed them on the view. */
export function PublishedPanel({ edge }: { edge: ExposureEdge }) {
  return (
    <section
      className="space-y-1 text-sm"
      data-testid="published-panel"
      aria-label="Published outside the cluster"
    >
      <h3 className="font-semibold">Published outside the cluster: {REACH_TEXT[edge.reach]}</h3>
      <p>By {edge.via.join(", ")}</p>
      <ul className="list-disc pl-5">
        {edge.entries.map((entry) => (
          <li key={entry}>{entry}</li>
        ))}
      </ul>
      <button type="button" className="text-xs underline" onClick={() => goToPage("exposure")}>
        Every path, with why, in the Exposure tab
      </button>
    </section>
  );
}
