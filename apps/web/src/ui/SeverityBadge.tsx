import type { Severity } from "@trustmap/shared";

const COLOURS: Record<Severity, string> = {
  critical: "bg-red-900 text-white",
  high: "bg-red-700 text-white",
  medium: "bg-amber-400 text-black",
  low: "bg-sky-300 text-black",
  info: "bg-slate-300 text-black",
};

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span className={`rounded px-1 text-xs font-semibold ${COLOURS[severity]}`}>{severity}</span>;
}
