import {
  criticalGlow,
  GONE_NODE,
  KIND_MARKS,
  NO_DEFAULT_DENY,
  OVERLAY_MARKS,
  POSTURE_MARKS,
  PUBLISHED_EDGE,
  PUBLISHED_MARKS,
  type Shape,
  shapePoints,
  TIERS_EDGE,
  WORKLOAD_GROUP_MARK,
} from "./marks";
import { graphInk } from "./style";

const NEUTRAL = POSTURE_MARKS.find((mark) => mark.posture === "empty")!;
const ISOLATED = POSTURE_MARKS.find((mark) => mark.posture === "isolated")!;

interface Swatch {
  shape: Shape;
  fill: string;
  border: string;
  borderStyle?: "dashed";
  glow?: { color: string; opacity: number };
}

/** One mark drawn as the graph draws it: the same outline, fill, border and halo, in SVG. */
function MarkSwatch({ swatch, mark }: { swatch: Swatch; mark: string }) {
  const size = 16;
  const inset = 2;
  const box = size - 2 * inset;
  const common = {
    fill: swatch.fill,
    stroke: swatch.border,
    strokeWidth: 1.5,
    strokeDasharray: swatch.borderStyle === "dashed" ? "3 2" : undefined,
  };
  const points = shapePoints(swatch.shape);
  return (
    <svg
      aria-hidden="true"
      width={size}
      height={size}
      viewBox={`0 0 ${size} ${size}`}
      className="shrink-0 overflow-visible"
      data-legend-mark={mark}
      data-shape={swatch.shape}
      data-fill={swatch.fill}
      data-border={swatch.border}
      data-glow={swatch.glow?.color}
    >
      {swatch.glow !== undefined && (
        <circle
          cx={size / 2}
          cy={size / 2}
          r={size / 2 + 1}
          fill={swatch.glow.color}
          opacity={swatch.glow.opacity}
        />
      )}
      {points !== undefined ? (
        <polygon
          points={points
            .split(" ")
            .map((pair) => {
              const [x, y] = pair.split(",").map(Number);
              return `${inset + x! * box},${inset + y! * box}`;
            })
            .join(" ")}
          {...common}
        />
      ) : swatch.shape === "round-rectangle" ? (
        <rect x={inset - 1} y={inset + 2} width={box + 2} height={box - 4} rx={3} {...common} />
      ) : (
        <circle cx={size / 2} cy={size / 2} r={box / 2} {...common} />
      )}
    </svg>
  );
}

/** What every mark of the graph means, drawn from the same tables as the graph's style. */
export function Legend({
  dark,
  printed = false,
  comparing = false,
}: {
  dark: boolean;
  printed?: boolean;
  /** The graph is compared with a moment: the overlay's marks too. */
  comparing?: boolean;
}) {
  const glow = criticalGlow(dark);
  const ink = graphInk(dark);
  const rows: { key: string; swatch: Swatch; text: string }[] = [
    ...KIND_MARKS.map((mark) => ({
      key: mark.kind,
      swatch: {
        shape: mark.shape,
        fill: mark.fill ?? NEUTRAL.fill,
        border: mark.border ?? NEUTRAL.border,
      },
      text: mark.fill === undefined ? `${mark.text} (coloured by its pods' posture)` : mark.text,
    })),
    {
      key: "workload-group",
      swatch: { shape: WORKLOAD_GROUP_MARK.shape, fill: NEUTRAL.fill, border: NEUTRAL.border },
      text: `${WORKLOAD_GROUP_MARK.text} (coloured by its pods' posture)`,
    },
    ...POSTURE_MARKS.map((mark) => ({
      key: mark.posture,
      swatch: { shape: "ellipse" as const, fill: mark.fill, border: mark.border },
      text: mark.text,
    })),
    {
      key: "no-default-deny",
      swatch: {
        shape: "round-rectangle",
        fill: ISOLATED.fill,
        border: ISOLATED.border,
        borderStyle: NO_DEFAULT_DENY.borderStyle,
      },
      text: NO_DEFAULT_DENY.text,
    },
    {
      key: "critical",
      swatch: { shape: "ellipse", fill: ISOLATED.fill, border: ISOLATED.border, glow },
      text: glow.text,
    },
  ];
  return (
    <section aria-label="Legend" className="text-xs" data-testid="legend">
      <h2 className="mb-1 font-semibold">Legend</h2>
      <ul className="space-y-1">
        {rows.map((row) => (
          <li key={row.key} className="flex items-center gap-2">
            <MarkSwatch swatch={row.swatch} mark={row.key} />
            {row.text}
          </li>
        ))}
        <li className="flex items-center gap-2">
          <svg aria-hidden="true" width={16} height={16} viewBox="0 0 16 16" className="shrink-0">
            <line x1={1} y1={8} x2={11} y2={8} stroke={ink.edge} strokeWidth={1.5} />
            <polygon points="10,5 15,8 10,11" fill={ink.edge} />
          </svg>
          {printed
            ? "Edges: who may connect to whom; labels give the ports where few enough edges leave them readable."
            : "Edges: who may connect to whom. Select or point at an edge or a node to read its ports."}
        </li>
        <li className="flex items-center gap-2" data-legend-mark="edge-tiers">
          <svg aria-hidden="true" width={16} height={16} viewBox="0 0 16 16" className="shrink-0">
            <line x1={1} y1={8} x2={11} y2={8} stroke={ink.edge} strokeWidth={2} strokeDasharray="1 2" />
            <polygon points="10,5 15,8 10,11" fill={ink.edge} />
          </svg>
          {TIERS_EDGE.text}
        </li>
        <li className="flex items-start gap-2" data-legend-mark="edge-published">
          <svg aria-hidden="true" width={16} height={16} viewBox="0 0 16 16" className="mt-0.5 shrink-0">
            {PUBLISHED_MARKS.map((mark, i) => (
              <line
                key={mark.reach}
                x1={1}
                y1={4 + i * 4}
                x2={15}
                y2={4 + i * 4}
                stroke={mark.color}
                strokeWidth={2}
                strokeDasharray="3 2"
              />
            ))}
          </svg>
          <span>
            {PUBLISHED_EDGE.text} {PUBLISHED_MARKS.map((mark) => mark.text).join("; ")}.
          </span>
        </li>
        {comparing &&
          OVERLAY_MARKS.map((mark) => (
            <li
              key={mark.status}
              className="flex items-center gap-2"
              data-legend-mark={`edge-${mark.status}`}
            >
              <svg aria-hidden="true" width={16} height={16} viewBox="0 0 16 16" className="shrink-0">
                <line
                  x1={1}
                  y1={8}
                  x2={11}
                  y2={8}
                  stroke={mark.color}
                  strokeWidth={3}
                  strokeDasharray={mark.lineStyle === "dashed" ? "3 2" : undefined}
                />
                <polygon points="10,5 15,8 10,11" fill={mark.color} />
              </svg>
              Edge {mark.text}
            </li>
          ))}
        {comparing && (
          <li className="flex items-center gap-2">
            <MarkSwatch
              swatch={{
                shape: "ellipse",
                fill: GONE_NODE.fill,
                border: GONE_NODE.border,
                borderStyle: "dashed",
              }}
              mark="gone"
            />
            {GONE_NODE.text}
          </li>
        )}
        <li>
          Views with more than 3,000 edges draw only the edges of the selected nodes until you ask for all.
        </li>
      </ul>
    </section>
  );
}
