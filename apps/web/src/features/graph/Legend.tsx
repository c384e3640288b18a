/** What every mark of the graph means. */
export function Legend() {
  const items: [string, string][] = [
    ["bg-emerald-500 rounded-full", "isolated: policies select its pods in both directions"],
    ["bg-red-500 rounded-full", "open: some pods accept or send anything (no policy selects them)"],
    ["border-2 border-dashed border-slate-500 rounded", "namespace without a default-deny policy"],
    ["bg-orange-300 rounded-full", "glow: findings of high or critical severity"],
    ["bg-amber-500 rotate-45", '"any pod": an open rule admits every pod'],
    ["bg-purple-500", '"outside the cluster": addresses beyond the cluster'],
  ];
  return (
    <section aria-label="Legend" className="text-xs">
      <h2 className="mb-1 font-semibold">Legend</h2>
      <ul className="space-y-1">
        {items.map(([mark, text]) => (
          <li key={text} className="flex items-center gap-2">
            <span aria-hidden="true" className={`inline-block h-3 w-3 ${mark}`} />
            {text}
          </li>
        ))}
        <li>Edges: who may connect to whom; labels give the ports (zoom in to read them).</li>
        <li>
          Views with more than 3,000 edges draw only the edges of the selected nodes until you ask for all.
        </li>
      </ul>
    </section>
  );
}
